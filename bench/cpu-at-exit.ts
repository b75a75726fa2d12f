/**
 * Preloaded (`node -r`) by bench/startup.ts: at exit, writes the process's CPU time so far (user +
 * system of every thread since exec, getrusage RUSAGE_SELF) to standard error's descriptor. The
 * stream itself is not used: creating process.stderr would load modules into the run it measures.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(2, `\noomguard-bench-cpu ${user + system}\n`);
});
