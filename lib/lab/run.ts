/**
 * Run a command and sample its memory while it runs: the cgroup's usage when it runs in one, and the
 * process tree's resident memory from /proc either way. The group decides how the command is started
 * inside it (MemoryGroup.wrap), so the command allocates nothing outside it.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { JOIN_FAILED, type MemoryGroup } from './cgroup';
import { processTree, RssTracker } from './proc';

/** One point of the memory curve. */
export interface Sample {
  /** Milliseconds since the command started. */
  readonly ms: number;
  /** The cgroup's charged memory, when the command runs in a cgroup. */
  readonly cgroupBytes?: number;
  /** The summed RSS of the command's processes. */
  readonly rssBytes: number;
}

export interface RunOptions {
  readonly command: readonly string[];
  /** The child's whole environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly cgroup?: MemoryGroup;
  /**
   * Sampling period. 100 ms catches the shape of a load test at negligible cost (one read of a few
   * /proc files per process); the cgroup's own peak counter is exact whatever the period.
   * @default 100
   */
  readonly intervalMs?: number;
  /** Where the child's stdout goes besides the captured tail. @default 'stdout' */
  readonly stdout?: 'stdout' | 'stderr' | 'capture';
  /** Whether the child's stderr is also echoed to ours. @default true */
  readonly echoStderr?: boolean;
  /** Whether the child reads our stdin. @default false (it gets /dev/null) */
  readonly stdin?: boolean;
  /** Forward Ctrl-C / SIGTERM to the child and report what was measured so far. @default false */
  readonly handleSignals?: boolean;
  /** Called after every sample, for progress displays. */
  readonly onSample?: (sample: Sample, run: { rssPeakBytes: number; cgroupPeakBytes?: number }) => void;
  /** Bytes of output kept for classification. @default 65536 */
  readonly tailBytes?: number;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly samples: readonly Sample[];
  /** The process tree's RSS high-water mark as sampled (and each process's own VmHWM). */
  readonly rssPeakBytes: number;
  /** The cgroup's peak: the kernel's counter when it keeps one, otherwise the largest sample. */
  readonly cgroupPeakBytes?: number;
  /** OOM kills counted in the cgroup, when the kernel counts them. */
  readonly oomKills?: number;
  readonly durationMs: number;
  /** The last `tailBytes` of stderr and stdout, stderr first. */
  readonly output: string;
  /** The user pressed Ctrl-C (or oomguard got SIGTERM) and the command was stopped. */
  readonly interrupted: boolean;
  /** The command could not be started (not found, not executable) or could not join the cgroup. */
  readonly startError?: string;
}

class Tail {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.slice(-this.limit);
  }
}

/** Run a command to its end, sampling memory, and report what happened. Never throws for the child's failures. */
export function runMeasured(options: RunOptions): Promise<RunResult> {
  const { command, cgroup } = options;
  if (command.length === 0) throw new Error('no command to run');
  // 100 ms: ten points a second draw a readable curve at negligible cost; the peak itself comes from the
  // cgroup's own high-water counter (memory.peak / memory.max_usage_in_bytes), exact whatever the period.
  const intervalMs = options.intervalMs ?? 100;
  // 64 KiB of the command's output tail is enough to find the runtime's out-of-memory message.
  const tailBytes = options.tailBytes ?? 65536;
  const stdoutMode = options.stdout ?? 'stdout';
  const { file, args } = cgroup ? cgroup.wrap(command) : { file: command[0], args: command.slice(1) };

  return new Promise<RunResult>((resolve) => {
    const started = performance.now();
    const samples: Sample[] = [];
    const rss = new RssTracker();
    let cgroupSampledPeak = 0;
    let interrupted = false;
    let startError: string | undefined;
    const stderrTail = new Tail(tailBytes);
    const stdoutTail = new Tail(tailBytes);

    const child = spawn(file, [...args], {
      env: options.env ?? process.env,
      stdio: [options.stdin ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) cgroup?.attach?.(child.pid);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutTail.push(chunk);
      if (stdoutMode === 'stdout') process.stdout.write(chunk);
      else if (stdoutMode === 'stderr') process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail.push(chunk);
      if (options.echoStderr !== false) process.stderr.write(chunk);
    });

    const sample = (): void => {
      if (child.pid === undefined) return;
      const pids = cgroup ? cgroup.pids() : processTree(child.pid);
      const rssBytes = rss.sample(pids.length > 0 ? pids : [child.pid]);
      const cgroupBytes = cgroup?.usageBytes();
      if (cgroupBytes !== undefined && cgroupBytes > cgroupSampledPeak) cgroupSampledPeak = cgroupBytes;
      const point: Sample = { ms: Math.round(performance.now() - started), rssBytes, ...(cgroupBytes !== undefined ? { cgroupBytes } : {}) };
      samples.push(point);
      options.onSample?.(point, { rssPeakBytes: rss.peakBytes, ...(cgroup ? { cgroupPeakBytes: cgroupSampledPeak } : {}) });
    };
    const timer = setInterval(sample, intervalMs);
    setImmediate(sample);

    let signalCount = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      interrupted = true;
      signalCount++;
      // The terminal already sent Ctrl-C to the whole foreground group; this covers `kill <oomguard pid>`.
      // A second one means "now": SIGKILL.
      try {
        child.kill(signalCount > 1 ? 'SIGKILL' : signal);
      } catch {
        /* already gone */
      }
    };
    if (options.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }

    let finished = false;
    const finish = (exitCode: number | null, signal: string | null): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (options.handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (cgroup && exitCode === JOIN_FAILED && startError === undefined && /cgroup\.procs/.test(stderrTail.toString())) {
        startError = `could not join the cgroup ${cgroup.dir || '(not created)'}: ${stderrTail.toString().trim()}`;
      } else if (exitCode === 127 && startError === undefined && samples.length <= 2 && /not found/.test(stderrTail.toString())) {
        startError = `command not found: ${command[0]}`;
      } else if (exitCode === 126 && startError === undefined && /Permission denied|cannot execute/i.test(stderrTail.toString())) {
        startError = `command not executable: ${command[0]}`;
      }
      const kernelPeak = cgroup?.peakBytes();
      const cgroupPeakBytes = cgroup ? Math.max(kernelPeak ?? 0, cgroupSampledPeak) : undefined;
      const oomKills = cgroup?.oomKills();
      resolve({
        exitCode,
        signal,
        samples,
        rssPeakBytes: rss.peakBytes,
        ...(cgroupPeakBytes !== undefined ? { cgroupPeakBytes } : {}),
        ...(oomKills !== undefined ? { oomKills } : {}),
        durationMs: Math.round(performance.now() - started),
        output: `${stderrTail.toString()}\n${stdoutTail.toString()}`,
        interrupted,
        ...(startError !== undefined ? { startError } : {}),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      startError = error.code === 'ENOENT' ? `command not found: ${command[0]}` : `cannot start ${command[0]}: ${error.message}`;
      finish(error.code === 'ENOENT' ? 127 : 126, null);
    });
    // 'close' waits for the pipes too, so the output tail is complete.
    child.on('close', (code, signal) => finish(code, signal));
  });
}
