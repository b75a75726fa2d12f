/** `oomguard diagnose`: explain terminated and restarting containers. Pure. */
export { diagnose, describeKill, endedContainers, type Diagnosis, type DiagnoseReport, type DiagnoseOptions, type Verdict, type DiagnosisSeverity, type MatchedKill, type ContainerLog } from './diagnose';
export { readSubjects, type Subject, type ContainerStatus, type Termination, type ReadResult, type InputProblem } from './sources';
export { parseKernelLog, cgroupIdentity, bareContainerId, isKernelLogLine, type KernelLog, type KernelOomKill, type KernelTime } from './kernel-log';
export { exitMeaning, SIGNALS, type ExitMeaning } from './exit-codes';
export { formatHuman } from './format';
