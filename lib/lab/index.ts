/**
 * The runtime lab: run real processes under real memory limits (Node I/O; the pure engine never imports this).
 */
export { findCgroupParent, MemoryCgroup, type MemoryGroup, parseMountinfo, parseProcCgroup, type CgroupParent, type CgroupVersion, type CgroupEnvironment } from './cgroup';
export { classifyExit, findRuntimeOom, statusCode, RUNTIME_OOM_PATTERNS, type Outcome, type Classification, type ExitFacts } from './classify';
export { processTree, readProcessMemory, RssTracker } from './proc';
export { runMeasured, type RunOptions, type RunResult, type Sample } from './run';
export { measure, type MeasureOptions, type MeasureResult, type PeakSource } from './measure';
export { SystemdScope, systemdScopeAvailable, type SystemdEnvironment } from './systemd';
export { verify, makeGroup, injectedSettings, CgroupUnavailableError, type VerifyOptions, type VerifyResult } from './verify';
export { memoryChartSpec, renderMemoryChart, type ChartInput, type ChartSeries, type ChartRule } from './chart';
export { inPidNamespace, pidNamespaceAvailable, namespaceInit } from './namespace';
export { chartPathProblem, writeChartFile } from './chart-file';
