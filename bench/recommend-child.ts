/**
 * Runs the oomguard CLI in this process (started with --expose-gc) and reports on stderr its peak RSS,
 * the highest heap in use (sampled every 20 ms), the heap still in use after a full collection at
 * the end (what the run retains: the report), all in KiB, and its CPU time (user + system, ms).
 * BENCH_MAIN names another build's lib/cli/main.js, for paired runs of two versions.
 */
import { resolve } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require(process.env.BENCH_MAIN ? resolve(process.env.BENCH_MAIN) : '../lib/cli/main') as typeof import('../lib/cli/main');

let peakHeap = 0;
const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 20);
main(process.argv.slice(2)).then((code) => {
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage().heapUsed;
  const usage = process.resourceUsage();
  process.stderr.write(`maxrss ${usage.maxRSS} peakheap ${Math.round(peakHeap / 1024)} retainedheap ${Math.round(retained / 1024)} cpums ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
  process.exitCode = code === 2 ? 2 : 0;
});
