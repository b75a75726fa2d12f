/**
 * Run a command and sample its memory while it runs: the cgroup's usage when it runs in one, and the
 * process tree's resident memory from /proc either way. The group decides how the command is started
 * inside it (MemoryGroup.wrap), so the command allocates nothing outside it.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { JOIN_FAILED, type MemoryGroup } from './cgroup';
import { inPidNamespace, namespaceInit } from './namespace';
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
  /**
   * Forward Ctrl-C (SIGINT) and SIGTERM to the command (its PID 1 in a PID namespace), SIGKILL every
   * process of the run after `graceMs` or at a second signal, and report what was measured so far.
   * @default false
   */
  readonly handleSignals?: boolean;
  /**
   * How long a forwarded SIGTERM/SIGINT is given before every process of the run is SIGKILLed.
   * 10 s is `docker stop`'s default (`--time`, docs.docker.com/reference/cli/docker/container/stop);
   * Kubernetes gives 30 s (terminationGracePeriodSeconds), too long for a terminal.
   * @default 10000
   */
  readonly graceMs?: number;
  /**
   * Start the command as PID 1 of a PID namespace of its own (`unshare --pid --fork --mount-proc`), as a
   * container runtime does. The caller checks that it is possible (pidNamespaceAvailable). @default false
   */
  readonly pidNamespace?: boolean;
  /**
   * After the command exits, how long output is still read from its pipes before the run ends anyway:
   * a background process it left behind may hold them open for ever (`sleep 100 &`).
   * @default 500
   */
  readonly drainMs?: number;
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
  /** The command did not end within the grace period after the forwarded signal: everything was SIGKILLed. */
  readonly killedAfterGrace?: boolean;
  /** The run ended with processes left behind holding the output open (they were killed with the group). */
  readonly leftBehind?: boolean;
  /** The command could not be started (not found, not executable) or could not join the cgroup. */
  readonly startError?: string;
}

/** What unshare prints when the namespace's PID 1 was killed with SIGKILL (see finish below). */
const UNSHARE_SIGKILL_PREFIX = 'unshare: sigprocmask';
const UNSHARE_SIGKILL = /^unshare: sigprocmask[^\n]*\n?$/;

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
  const inner = options.pidNamespace ? inPidNamespace(command) : [...command];
  const { file, args } = cgroup ? cgroup.wrap(inner) : { file: inner[0], args: inner.slice(1) };
  const graceMs = options.graceMs ?? 10_000;
  const drainMs = options.drainMs ?? 500;

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
    // unshare's own "sigprocmask unblock failed" line (see finish) is not the command's output. glibc's
    // err() writes it in several write(2) calls, so it is recognised line by line: text that could still
    // become that line is held back until it is complete, everything else passes at once.
    let namespaceKilled = false;
    let held = '';
    const emitStderr = (text: string): void => {
      if (text === '') return;
      const chunk = Buffer.from(text, 'latin1');
      stderrTail.push(chunk);
      if (options.echoStderr !== false) process.stderr.write(chunk);
    };
    const filterStderr = (text: string, final: boolean): void => {
      let rest = held + text;
      held = '';
      let out = '';
      for (;;) {
        const newline = rest.indexOf('\n');
        if (newline < 0) break;
        const line = rest.slice(0, newline + 1);
        rest = rest.slice(newline + 1);
        if (UNSHARE_SIGKILL.test(line)) namespaceKilled = true;
        else out += line;
      }
      if (!final && rest !== '' && (UNSHARE_SIGKILL_PREFIX.startsWith(rest) || rest.startsWith(UNSHARE_SIGKILL_PREFIX))) held = rest;
      else if (final && UNSHARE_SIGKILL.test(rest)) namespaceKilled = true;
      else out += rest;
      emitStderr(out);
    };
    child.stderr.on('data', (data: Buffer) => {
      if (options.pidNamespace) filterStderr(data.toString('latin1'), false);
      else emitStderr(data.toString('latin1'));
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
    let graceTimer: NodeJS.Timeout | undefined;
    let killedAfterGrace = false;
    /** SIGKILL every process of the run: the whole cgroup, or the process tree without one. */
    const killAll = (): void => {
      if (child.pid === undefined) return;
      const pids = new Set([...(cgroup ? cgroup.pids() : []), ...processTree(child.pid)]);
      for (const pid of pids) {
        if (pid === process.pid) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    /** Where a forwarded signal goes: the namespace's PID 1 (unshare blocks SIGTERM/SIGINT while it waits), else the command. */
    const signalTarget = (): number | undefined => {
      if (child.pid === undefined) return undefined;
      return options.pidNamespace ? namespaceInit(child.pid) ?? child.pid : child.pid;
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      interrupted = true;
      signalCount++;
      // A second signal means "now". The first is forwarded as it came, as `docker stop` sends SIGTERM to
      // PID 1 (a PID 1 without a handler ignores it, as in a container), and the grace period starts.
      if (signalCount > 1) {
        killedAfterGrace = true;
        killAll();
        return;
      }
      const target = signalTarget();
      try {
        if (target !== undefined) process.kill(target, signal);
      } catch {
        /* already gone */
      }
      graceTimer = setTimeout(() => {
        killedAfterGrace = true;
        killAll();
      }, graceMs);
      graceTimer.unref();
    };
    if (options.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }

    let drainTimer: NodeJS.Timeout | undefined;
    let leftBehind = false;
    let finished = false;
    const finish = (code: number | null, endSignal: string | null): void => {
      if (finished) return;
      finished = true;
      if (held !== '') filterStderr('', true);
      // unshare (util-linux 2.38) passes a child's signal on by killing itself with it, except SIGKILL,
      // which signal(2) refuses: it then prints "sigprocmask unblock failed" and exits 1.
      const sigkilled = namespaceKilled && code === 1;
      const exitCode = sigkilled ? null : code;
      const signal = sigkilled ? 'SIGKILL' : endSignal;
      clearInterval(timer);
      if (graceTimer) clearTimeout(graceTimer);
      if (drainTimer) clearTimeout(drainTimer);
      if (options.handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (cgroup && exitCode === JOIN_FAILED && startError === undefined && /cgroup\.procs/.test(stderrTail.toString())) {
        startError = `could not join the cgroup ${cgroup.dir || '(not created)'}: ${stderrTail.toString().trim()}`;
      } else if (exitCode === 127 && startError === undefined && samples.length <= 2 && /not found|failed to execute .*: No such file/.test(stderrTail.toString())) {
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
        ...(killedAfterGrace ? { killedAfterGrace } : {}),
        ...(leftBehind ? { leftBehind } : {}),
        ...(startError !== undefined ? { startError } : {}),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      startError = error.code === 'ENOENT' ? `command not found: ${command[0]}` : `cannot start ${command[0]}: ${error.message}`;
      finish(error.code === 'ENOENT' ? 127 : 126, null);
    });
    // 'close' waits for the pipes too, so the output tail is complete. A background process the command
    // left behind can hold them open for ever: once the command has exited, the pipes get drainMs.
    child.on('exit', (code, signal) => {
      drainTimer = setTimeout(() => {
        leftBehind = true;
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, drainMs);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
