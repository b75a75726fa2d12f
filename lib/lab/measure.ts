/**
 * `measure`: run a command and report its peak memory as the kernel accounts a container: the peak of a
 * fresh memory cgroup without a limit when one can be made, and the process tree's RSS high-water mark
 * from /proc always. Then the recommended limit and flags for a runtime.
 */
import type { EnvEntry } from '../generate/container';
import type { RuntimeId } from '../runtimes';
import { DEFAULT_SIZING, recommend, type Recommendation, type SizingConfig } from '../sizing/formula';
import type { CgroupEnvironment, CgroupVersion, MemoryGroup } from './cgroup';
import type { SystemdEnvironment } from './systemd';
import { statusCode } from './classify';
import { runMeasured, type RunOptions, type Sample } from './run';
import { CgroupUnavailableError, injectedSettings, makeGroup } from './verify';

/** What the peak was read from. */
export type PeakSource = 'cgroup-v1' | 'cgroup-v2' | 'proc';

export interface MeasureOptions {
  readonly command: readonly string[];
  readonly runtime?: RuntimeId;
  /** A JVM without container support gets `-Xmx` in the recommended flags. @default false */
  readonly legacyJvm?: boolean;
  /** @default DEFAULT_SIZING */
  readonly sizing?: SizingConfig;
  /** Try a cgroup (`auto`) or read /proc only (`never`). @default 'auto' */
  readonly cgroup?: 'auto' | 'never';
  readonly cgroupEnvironment?: CgroupEnvironment;
  readonly systemd?: SystemdEnvironment | false;
  readonly env?: NodeJS.ProcessEnv;
  readonly intervalMs?: number;
  readonly stdout?: RunOptions['stdout'];
  readonly echoStderr?: boolean;
  readonly stdin?: boolean;
  readonly handleSignals?: boolean;
  readonly graceMs?: number;
  readonly onSample?: RunOptions['onSample'];
}

export interface MeasureResult {
  /** The figure to size from: the cgroup's peak when there was a cgroup, else the RSS high-water mark. */
  readonly peakBytes: number;
  readonly source: PeakSource;
  readonly cgroupPeakBytes?: number;
  readonly rssPeakBytes: number;
  /** Absent when nothing was measured (the command ended before the first sample, outside a cgroup). */
  readonly recommendation?: Recommendation;
  /** The settings to give the runtime at the recommended limit (empty without a runtime). */
  readonly flags: readonly EnvEntry[];
  readonly exitCode: number;
  readonly signal: string | null;
  readonly interrupted: boolean;
  readonly durationMs: number;
  readonly samples: readonly Sample[];
  readonly cgroup?: { readonly version: CgroupVersion; readonly path: string };
  /** Why there is no cgroup figure, and other things the reader should know. */
  readonly notes: readonly string[];
  /** The command could not be started (not found, not executable) or could not join the cgroup. */
  readonly startError?: string;
}

export async function measure(options: MeasureOptions): Promise<MeasureResult> {
  const notes: string[] = [];
  let group: MemoryGroup | undefined;
  if (options.cgroup !== 'never') {
    try {
      group = makeGroup(undefined, { cgroupEnvironment: options.cgroupEnvironment, systemd: options.systemd }, notes);
    } catch (error) {
      if (!(error instanceof CgroupUnavailableError)) throw error;
      notes.push(`no cgroup figure: ${error.message}; peak is the process tree's RSS from /proc, which leaves out page cache and kernel memory the kernel charges to a container`);
    }
  } else {
    notes.push('cgroup disabled (--no-cgroup): peak is the process tree\'s RSS from /proc');
  }
  try {
    const run = await runMeasured({
      command: options.command,
      env: options.env,
      cgroup: group,
      intervalMs: options.intervalMs,
      stdout: options.stdout,
      echoStderr: options.echoStderr,
      stdin: options.stdin,
      handleSignals: options.handleSignals,
      graceMs: options.graceMs,
      onSample: options.onSample,
    });
    const peakBytes = run.cgroupPeakBytes ?? run.rssPeakBytes;
    const sizing = options.sizing ?? DEFAULT_SIZING;
    const recommendation = peakBytes > 0 ? recommend(peakBytes, options.runtime, sizing) : undefined;
    if (run.killedAfterGrace) notes.push('the command did not stop within the grace period after the signal: every process of the run was killed with SIGKILL');
    if (run.leftBehind) notes.push('the command exited but left processes behind holding its output open');
    if (!recommendation) notes.push('nothing was measured: the command ended before the first sample');
    const flags = recommendation && options.runtime
      ? injectedSettings(options.runtime, recommendation.limitBytes, { sizing, legacyJvm: options.legacyJvm })
      : [];
    return {
      peakBytes,
      source: group ? (group.version === 2 ? 'cgroup-v2' : 'cgroup-v1') : 'proc',
      ...(run.cgroupPeakBytes !== undefined ? { cgroupPeakBytes: run.cgroupPeakBytes } : {}),
      rssPeakBytes: run.rssPeakBytes,
      ...(recommendation ? { recommendation } : {}),
      flags,
      exitCode: statusCode(run.exitCode, run.signal),
      signal: run.signal,
      interrupted: run.interrupted,
      durationMs: run.durationMs,
      samples: run.samples,
      ...(group ? { cgroup: { version: group.version, path: group.dir } } : {}),
      notes,
      ...(run.startError !== undefined ? { startError: run.startError } : {}),
    };
  } finally {
    await group?.destroy();
  }
}
