/** `oomguard diagnose`: explain terminated and restarting containers. Pure. */
export { diagnose, type Diagnosis, type DiagnoseReport, type DiagnoseOptions, type Verdict, type DiagnosisSeverity } from './diagnose';
export { readSubjects, type Subject, type ContainerStatus, type Termination, type ReadResult } from './sources';
export { exitMeaning, SIGNALS, type ExitMeaning } from './exit-codes';
export { formatHuman } from './format';
