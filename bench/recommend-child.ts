/**
 * Runs the oomguard CLI in this process (started with --expose-gc) and reports on stderr its peak RSS,
 * the highest heap in use (sampled every 20 ms) and the heap still in use after a full collection at
 * the end (what the run retains: the report), all in KiB.
 */
import { main } from '../lib/cli/main';

let peakHeap = 0;
const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 20);
main(process.argv.slice(2)).then((code) => {
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage().heapUsed;
  process.stderr.write(`maxrss ${process.resourceUsage().maxRSS} peakheap ${Math.round(peakHeap / 1024)} retainedheap ${Math.round(retained / 1024)}\n`);
  process.exitCode = code === 2 ? 2 : 0;
});
