/**
 * `verify`: run a command in a fresh memory cgroup with a limit, with the runtime flags oomguard would
 * generate for that limit injected through the environment, and classify how it ends.
 */
import { mergeEnvEntries, type EnvEntry } from '../generate/container';
import { PROFILES, type RuntimeId } from '../runtimes';
import { DEFAULT_SIZING, overheadFor, settingsAt, type SizingConfig } from '../sizing/formula';
import { findCgroupParent, MemoryCgroup, type CgroupEnvironment, type CgroupFsOptions, type CgroupParent, type CgroupVersion, type MemoryGroup } from './cgroup';
import { SystemdScope, systemdScopeAvailable, type SystemdEnvironment } from './systemd';
import { classifyExit, type Outcome } from './classify';
import { pidNamespaceAvailable } from './namespace';
import { runMeasured, type RunOptions, type Sample } from './run';

export interface VerifyOptions {
  readonly command: readonly string[];
  readonly limitBytes: number;
  /** The runtime whose flags are injected; optional with `flags: false`. */
  readonly runtime?: RuntimeId;
  /** Inject the generated flags. @default true */
  readonly flags?: boolean;
  /** A JVM without container support: `-Xmx` instead of MaxRAMPercentage. @default false */
  readonly legacyJvm?: boolean;
  /** @default DEFAULT_SIZING */
  readonly sizing?: SizingConfig;
  /** The environment the command would get without oomguard. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the cgroup is made; found from /proc/self/cgroup when absent. */
  readonly parent?: CgroupParent;
  readonly cgroupEnvironment?: CgroupEnvironment;
  /** Where systemd-run is looked for when no cgroup of our own can be made. */
  readonly systemd?: SystemdEnvironment | false;
  /** Filesystem hooks, for tests on a directory laid out like cgroupfs. */
  readonly cgroupFs?: CgroupFsOptions;
  readonly intervalMs?: number;
  readonly stdout?: RunOptions['stdout'];
  readonly echoStderr?: boolean;
  readonly handleSignals?: boolean;
  readonly graceMs?: number;
  readonly onSample?: RunOptions['onSample'];
  /**
   * Run the command as PID 1 of a PID namespace of its own, as in a container (lib/lab/namespace.ts).
   * Where no namespace can be made the command runs as an ordinary child and a note says so.
   * @default true
   */
  readonly pidNamespace?: boolean;
}

export interface VerifyResult {
  readonly outcome: Outcome;
  /** The exit status as Kubernetes reports it (128 + signal for a signal). */
  readonly exitCode: number;
  readonly signal: string | null;
  /** The cgroup's peak usage (what the kernel compared with the limit). */
  readonly peakBytes: number;
  readonly limitBytes: number;
  readonly rssPeakBytes: number;
  readonly runtime?: RuntimeId;
  /** The settings injected into the environment (empty with flags off). */
  readonly flags: readonly EnvEntry[];
  readonly oomKills?: number;
  /** The kernel OOM-killed a child while the command lived on (it did not end with SIGKILL). */
  readonly childKilled?: boolean;
  /** Whether the command ran as PID 1 of its own PID namespace. */
  readonly pidNamespace: boolean;
  /** Everything was SIGKILLed after the grace period that followed a forwarded signal. */
  readonly killedAfterGrace?: boolean;
  readonly evidence: string;
  /** The group the command ran in; `via` says whether oomguard made it or systemd-run did. */
  readonly cgroup: { readonly version: CgroupVersion; readonly path: string; readonly via: 'cgroupfs' | 'systemd-run' };
  readonly durationMs: number;
  readonly interrupted: boolean;
  readonly samples: readonly Sample[];
  readonly notes: readonly string[];
  /** The command could not be started (not found, not executable) or could not join the cgroup. */
  readonly startError?: string;
}

/** Raised when no memory cgroup can be made: the message says exactly what is missing (CLI exit 2). */
export class CgroupUnavailableError extends Error {}

/** The environment settings oomguard generates for a runtime under a limit, merged into `env`. */
export function injectedSettings(runtime: RuntimeId, limitBytes: number, options: { sizing?: SizingConfig; legacyJvm?: boolean; env?: NodeJS.ProcessEnv } = {}): EnvEntry[] {
  // The facts model's settings at this limit: the same ones generate and fix write.
  const generated = settingsAt(limitBytes, runtime, options.sizing ?? DEFAULT_SIZING, { legacy: options.legacyJvm === true }).settings;
  const env = options.env ?? {};
  const existing = generated
    .filter((setting) => env[setting.name] !== undefined)
    .map((setting) => ({ name: setting.name, value: env[setting.name] as string }));
  return mergeEnvEntries(runtime, existing, generated);
}

/** A JVM command line that switches container support off needs `-Xmx`: MaxRAMPercentage would apply to the host's RAM. */
export function disablesContainerSupport(command: readonly string[]): boolean {
  return command.includes('-XX:-UseContainerSupport');
}

/**
 * A fresh memory group with the limit: a child of our own cgroup when we may make one, otherwise a
 * systemd scope when systemd delegates, otherwise CgroupUnavailableError naming what is missing.
 */
export function makeGroup(
  limitBytes: number | undefined,
  options: Pick<VerifyOptions, 'parent' | 'cgroupEnvironment' | 'cgroupFs' | 'systemd'>,
  notes: string[],
): MemoryGroup {
  let parent = options.parent;
  if (!parent) {
    const lookup = findCgroupParent(options.cgroupEnvironment);
    if (!lookup.ok) {
      const systemd = options.systemd === false ? { ok: false as const, problem: 'systemd-run not tried' } : systemdScopeAvailable(options.systemd);
      if (systemd.ok) {
        notes.push(`no cgroup of our own (${lookup.problem}); the command runs in a systemd scope instead`);
        return new SystemdScope(limitBytes, options.systemd || {});
      }
      throw new CgroupUnavailableError(`${lookup.problem}; and ${systemd.problem}`);
    }
    parent = lookup.parent;
    notes.push(...lookup.notes);
  }
  try {
    return MemoryCgroup.create(parent, limitBytes, options.cgroupFs);
  } catch (error) {
    throw new CgroupUnavailableError(error instanceof Error ? error.message : String(error));
  }
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  if (!(options.limitBytes > 0)) throw new RangeError(`limit must be a positive number of bytes, got ${options.limitBytes}`);
  const notes: string[] = [];
  const group = makeGroup(options.limitBytes, options, notes);
  const baseEnv = options.env ?? process.env;
  let flags: EnvEntry[] = [];
  if (options.flags !== false) {
    if (!options.runtime) throw new Error('a runtime is needed to generate its flags');
    let legacyJvm = options.legacyJvm === true;
    if (options.runtime === 'jvm' && !legacyJvm && disablesContainerSupport(options.command)) {
      legacyJvm = true;
      notes.push('the command line has -XX:-UseContainerSupport, so the JVM gets -Xmx (MaxRAMPercentage would size the heap from the host\'s RAM)');
    }
    flags = injectedSettings(options.runtime, options.limitBytes, { sizing: options.sizing, legacyJvm, env: baseEnv });
    const overhead = overheadFor(options.runtime, options.sizing ?? DEFAULT_SIZING, options.limitBytes);
    if (options.limitBytes <= overhead) {
      notes.push(`the limit ${options.limitBytes} bytes is not above the ${PROFILES[options.runtime].title} overhead of ${overhead} bytes: the runtime's ceiling is pinned at its minimum`);
    }
  }
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  for (const setting of flags) env[setting.name] = setting.value;

  let pidNamespace = options.pidNamespace !== false;
  if (pidNamespace) {
    const available = pidNamespaceAvailable();
    if (!available.ok) {
      pidNamespace = false;
      notes.push(`the command runs as an ordinary child, not as PID 1 of its own PID namespace as in a container (${available.problem}): a signal it does not handle acts as usual here, so Node.js ends a heap OOM with 134 where a container sees 139`);
    }
  } else {
    notes.push('--no-pid-namespace: the command runs as an ordinary child, not as PID 1 as in a container');
  }

  try {
    const run = await runMeasured({
      command: options.command,
      env,
      cgroup: group,
      pidNamespace,
      graceMs: options.graceMs,
      intervalMs: options.intervalMs ?? 50,
      stdout: options.stdout,
      echoStderr: options.echoStderr,
      handleSignals: options.handleSignals,
      onSample: options.onSample,
    });
    const classification = classifyExit({ exitCode: run.exitCode, signal: run.signal, output: run.output, oomKills: run.oomKills });
    if (run.killedAfterGrace) notes.push('the command did not stop within the grace period after the signal: every process of the run was killed with SIGKILL');
    if (run.leftBehind) notes.push('the command exited but left processes behind holding its output open; they were killed with the cgroup');
    return {
      outcome: classification.outcome,
      exitCode: classification.exitCode,
      signal: run.signal,
      peakBytes: run.cgroupPeakBytes ?? run.rssPeakBytes,
      limitBytes: options.limitBytes,
      rssPeakBytes: run.rssPeakBytes,
      ...(options.runtime ? { runtime: options.runtime } : {}),
      flags,
      ...(run.oomKills !== undefined ? { oomKills: run.oomKills } : {}),
      ...(classification.childKilled ? { childKilled: true } : {}),
      pidNamespace,
      ...(run.killedAfterGrace ? { killedAfterGrace: true } : {}),
      evidence: run.startError ?? classification.evidence,
      cgroup: { version: group.version, path: group.dir, via: group instanceof SystemdScope ? 'systemd-run' : 'cgroupfs' },
      durationMs: run.durationMs,
      interrupted: run.interrupted,
      samples: run.samples,
      notes,
      ...(run.startError !== undefined ? { startError: run.startError } : {}),
    };
  } finally {
    await group.destroy();
  }
}
