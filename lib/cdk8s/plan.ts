/**
 * From a Runtime value object and a measured peak to the sized container: request = limit from the one
 * formula, the runtime's ceiling merged into the user's env, probes, and the annotations the linter
 * re-checks. Built-in runtimes go through lib/generate/container.ts `sizeContainer`, so a construct
 * with default sizing synthesizes what `oomguard generate` prints. No cdk8s import: shared by the
 * constructs and the cdk8s-plus helpers.
 */
import { describeBytes, formatQuantity } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { ANNOTATION } from '../rules/types';
import { mergeEnvWith, sizeContainer, type EnvEntry } from '../generate/container';
import { PROBE_TIMINGS, probesFor, type ProbePaths } from '../generate/probes';
import { DEFAULT_SIZING, recommend, type Recommendation } from '../sizing/formula';
import { fillTemplate, type Runtime } from './runtime';

export interface ContainerPlanInput {
  readonly runtime: Runtime;
  readonly peakBytes: number;
  readonly env?: readonly EnvEntry[];
  readonly port?: number;
  readonly probePaths?: ProbePaths;
}

export interface ContainerPlan {
  readonly recommendation: Recommendation;
  /** The limit (= request) as a Kubernetes quantity. */
  readonly memory: string;
  readonly env: readonly EnvEntry[];
  readonly probes?: {
    readonly livenessProbe: Record<string, unknown>;
    readonly readinessProbe: Record<string, unknown>;
    readonly startupProbe?: Record<string, unknown>;
  };
  /** `oomguard.io/runtime` (built-in bases only) and `oomguard.io/peak-rss`, unsuffixed. */
  readonly annotations: Readonly<Record<string, string>>;
}

function startupProbe(port: number, paths: ProbePaths = {}): Record<string, unknown> {
  return { httpGet: { path: paths.startup ?? paths.liveness ?? '/livez', port }, ...PROBE_TIMINGS.startup };
}

/** Replace same-named variables (a custom runtime's single-valued settings), append the others. */
function replaceEnv(env: readonly EnvEntry[], generated: readonly EnvEntry[]): EnvEntry[] {
  return mergeEnvWith(env, generated, () => true);
}

export function planContainer(input: ContainerPlanInput): ContainerPlan {
  const { runtime, peakBytes } = input;
  if (runtime.base) {
    const sizing = {
      factor: runtime.factor,
      overheads: { ...DEFAULT_SIZING.overheads, [runtime.base]: runtime.overheadBytes },
    };
    const sized = sizeContainer({
      runtime: runtime.base,
      peakBytes,
      sizing,
      env: input.env ?? [],
      legacyJvm: runtime.legacyJvm,
      ...(input.port !== undefined ? { port: input.port } : {}),
      ...(input.probePaths ? { probePaths: input.probePaths } : {}),
    });
    const limit = sized.recommendation.limitBytes;
    const extra = runtime.env.map((entry) => ({ name: entry.name, value: fillTemplate(entry.value, limit, runtime.overheadBytes) }));
    let probes = sized.probes;
    if (probes && input.port !== undefined) {
      // slowStart can add a startup probe to a fast runtime, or remove the JVM's.
      const { startupProbe: generated, ...rest } = probes;
      probes = runtime.slowStart ? { ...rest, startupProbe: generated ?? startupProbe(input.port, input.probePaths) } : rest;
    }
    return {
      recommendation: sized.recommendation,
      memory: sized.memory,
      env: replaceEnv(sized.env, extra),
      ...(probes ? { probes } : {}),
      annotations: sized.annotations,
    };
  }
  // A runtime oomguard does not know: the formula with the profile's own overhead, its own env template.
  const base = recommend(peakBytes, undefined, { factor: runtime.factor, overheads: { ...DEFAULT_SIZING.overheads, unknown: runtime.overheadBytes } });
  const recommendation: Recommendation = {
    ...base,
    explanation: `peak ${describeBytes(peakBytes)} × ${runtime.factor} + ${describeBytes(runtime.overheadBytes)} ${runtime.title} overhead = ${describeBytes(base.limitBytes)}`,
  };
  const memory = formatQuantity(recommendation.limitBytes);
  const generated = runtime.env.map((entry) => ({ name: entry.name, value: fillTemplate(entry.value, recommendation.limitBytes, runtime.overheadBytes) }));
  let probes: ContainerPlan['probes'];
  if (input.port !== undefined) {
    // Liveness and readiness as for any runtime (go has no startup probe of its own).
    const { livenessProbe, readinessProbe } = probesFor('go', input.port, input.probePaths);
    probes = { livenessProbe, readinessProbe, ...(runtime.slowStart ? { startupProbe: startupProbe(input.port, input.probePaths) } : {}) };
  }
  return {
    recommendation,
    memory,
    env: replaceEnv(input.env ?? [], generated),
    ...(probes ? { probes } : {}),
    // No runtime annotation: the linter knows only built-in ids and would report an unknown one.
    annotations: { [ANNOTATION.peak]: formatQuantity(Math.ceil(peakBytes)) },
  };
}

/** Heap flags on a command line override the generated env (the JVM and Node.js read the command line last). */
const COMMAND_LINE_OVERRIDES: Partial<Record<string, RegExp>> = {
  jvm: /^["']?(-Xmx\S*|-XX:MaxHeapSize=\S*|-XX:MaxRAMPercentage=\S*|-XX:MaxRAMFraction=\S*|-XX:-UseContainerSupport)["']?$/,
  node: /^["']?(--max[-_]old[-_]space[-_]size=\S*)["']?$/,
};

/**
 * Tokens in `command`/`args` that set the heap and so override the generated env variable. Returned as
 * `args[1] -Xmx2g` strings for messages.
 */
export function commandLineOverrides(runtime: Runtime, command: readonly string[] = [], args: readonly string[] = []): string[] {
  const pattern = runtime.base ? COMMAND_LINE_OVERRIDES[runtime.base] : undefined;
  if (!pattern) return [];
  const found: string[] = [];
  for (const [field, list] of [['command', command], ['args', args]] as const) {
    list.forEach((text, index) => {
      for (const token of text.split(/\s+/)) if (pattern.test(token)) found.push(`${field}[${index}] ${token.replace(/^["']|["']$/g, '')}`);
    });
  }
  return found;
}

/** The variable the base runtime's ceiling is generated in (`JAVA_TOOL_OPTIONS`), for messages. */
export function ceilingVariable(runtime: Runtime, limitBytes: number): string | undefined {
  if (!runtime.base) return undefined;
  const [first] = PROFILES[runtime.base].flags(limitBytes, runtime.overheadBytes, { legacy: runtime.legacyJvm });
  return first ? `${first.name}=${first.value}` : undefined;
}
