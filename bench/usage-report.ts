/**
 * Preloaded (`node -r`) into each process the bench times: at exit, writes the process's own CPU time
 * (user and system, µs) and peak RSS (KiB), from getrusage, to the file named by OOMGUARD_BENCH_USAGE.
 * CPU time is what the targets are judged on: on a shared 2-core VM wall time also counts the time
 * other processes held the cores.
 */
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.OOMGUARD_BENCH_USAGE;
  if (!file) return;
  const usage = process.resourceUsage();
  writeFileSync(file, `${usage.userCPUTime} ${usage.systemCPUTime} ${usage.maxRSS}\n`);
});
