/**
 * Resident memory of a process tree, read from /proc (proc(5)): `VmRSS` (resident now) and `VmHWM`
 * (the process's own resident high-water mark) from /proc/<pid>/status, parents from /proc/<pid>/stat.
 * This is the fallback when no cgroup can be made, and a second figure next to the cgroup's: RSS does not
 * count page cache or kernel memory, which the kernel charges to a container's cgroup.
 */
import * as fs from 'node:fs';

export interface ProcessMemory {
  readonly pid: number;
  readonly rssBytes: number;
  readonly hwmBytes: number;
}

/** VmRSS and VmHWM of one process in bytes, or undefined once it is gone (or a kernel thread). */
export function readProcessMemory(pid: number, procRoot = '/proc'): ProcessMemory | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  if (!rss) return undefined;
  return { pid, rssBytes: Number(rss[1]) * 1024, hwmBytes: Number(hwm ? hwm[1] : rss[1]) * 1024 };
}

/** The parent pid from /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parentOf(statText: string): number | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = statText.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** A pid and every descendant living now, found by scanning /proc once. */
export function processTree(rootPid: number, procRoot = '/proc'): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    return [rootPid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = parentOf(stat);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Tracks the resident memory of a set of processes over time: the sum of VmRSS at each sample, and the
 * largest VmHWM any one process reported (a spike between two samples still shows there).
 */
export class RssTracker {
  peakSumBytes = 0;
  peakSingleHwmBytes = 0;

  /** Sample the given pids; returns their summed RSS now. */
  sample(pids: readonly number[], procRoot = '/proc'): number {
    let sum = 0;
    for (const pid of pids) {
      const memory = readProcessMemory(pid, procRoot);
      if (!memory) continue;
      sum += memory.rssBytes;
      if (memory.hwmBytes > this.peakSingleHwmBytes) this.peakSingleHwmBytes = memory.hwmBytes;
    }
    if (sum > this.peakSumBytes) this.peakSumBytes = sum;
    return sum;
  }

  /** The tree's RSS high-water mark as far as sampling saw it. */
  get peakBytes(): number {
    return Math.max(this.peakSumBytes, this.peakSingleHwmBytes);
  }
}
