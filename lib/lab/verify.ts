/**
 * `verify`: run a command in a fresh memory cgroup with a limit, with the runtime flags oomguard would
 * generate for that limit injected through the environment, and classify how it ends.
 */
import { mergeEnvEntries, type EnvEntry } from '../generate/container';
import { PROFILES, type RuntimeId } from '../runtimes';
import { DEFAULT_SIZING, overheadFor, type SizingConfig } from '../sizing/formula';
import { findCgroupParent, MemoryCgroup, type CgroupEnvironment, type CgroupFsOptions, type CgroupParent, type CgroupVersion } from './cgroup';
import { classifyExit, type Outcome } from './classify';
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
  /** Filesystem hooks, for tests on a directory laid out like cgroupfs. */
  readonly cgroupFs?: CgroupFsOptions;
  readonly intervalMs?: number;
  readonly stdout?: RunOptions['stdout'];
  readonly echoStderr?: boolean;
  readonly handleSignals?: boolean;
  readonly onSample?: RunOptions['onSample'];
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
  readonly evidence: string;
  readonly cgroup: { readonly version: CgroupVersion; readonly path: string };
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
  const overhead = overheadFor(runtime, options.sizing ?? DEFAULT_SIZING);
  const generated = PROFILES[runtime].flags(limitBytes, overhead, { legacy: options.legacyJvm === true });
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

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  if (!(options.limitBytes > 0)) throw new RangeError(`limit must be a positive number of bytes, got ${options.limitBytes}`);
  const notes: string[] = [];
  let parent = options.parent;
  if (!parent) {
    const lookup = findCgroupParent(options.cgroupEnvironment);
    if (!lookup.ok) throw new CgroupUnavailableError(lookup.problem);
    parent = lookup.parent;
    notes.push(...lookup.notes);
  }
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
    const overhead = overheadFor(options.runtime, options.sizing ?? DEFAULT_SIZING);
    if (options.limitBytes <= overhead) {
      notes.push(`the limit ${options.limitBytes} bytes is not above the ${PROFILES[options.runtime].title} overhead of ${overhead} bytes: the runtime's ceiling is pinned at its minimum`);
    }
  }
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  for (const setting of flags) env[setting.name] = setting.value;

  let group: MemoryCgroup;
  try {
    group = MemoryCgroup.create(parent, options.limitBytes, options.cgroupFs);
  } catch (error) {
    throw new CgroupUnavailableError(error instanceof Error ? error.message : String(error));
  }
  try {
    const run = await runMeasured({
      command: options.command,
      env,
      cgroup: group,
      intervalMs: options.intervalMs ?? 50,
      stdout: options.stdout,
      echoStderr: options.echoStderr,
      handleSignals: options.handleSignals,
      onSample: options.onSample,
    });
    const classification = classifyExit({ exitCode: run.exitCode, signal: run.signal, output: run.output, oomKills: run.oomKills });
    if (classification.outcome === 'ok' && run.oomKills) notes.push(`the command exited 0, but the kernel OOM-killed ${run.oomKills} process(es) in its group on the way`);
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
      evidence: run.startError ?? classification.evidence,
      cgroup: { version: group.version, path: group.dir },
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
