/**
 * From a Runtime value object and a measured peak to the sized container: request = limit from the one
 * formula, the runtime's ceiling merged into the user's env, probes, and the annotations the linter
 * re-checks. Built-in runtimes go through lib/generate/container.ts `sizeContainer`, so a construct
 * with default sizing synthesizes what `oomguard generate` prints. No cdk8s import: shared by the
 * constructs and the cdk8s-plus helpers.
 */
import { describeBytes, formatQuantity } from '../core/quantity';
import { ANNOTATION, factsOfSpec } from '../facts';
import { isJvmHeapOption } from '../runtimes/jvm';
import { isNodeHeapOption } from '../runtimes/node';
import type { OptionToken } from '../runtimes/types';
import { mergeEnvWith, sizeContainer, type EnvEntry } from '../generate/container';
import { PROBE_TIMINGS, probesFor, type ProbePaths } from '../generate/probes';
import { DEFAULT_SIZING, recommend, settingsAt, type Recommendation, type SizingConfig } from '../sizing/formula';
import { fillTemplate, type Runtime } from './runtime';

export interface ContainerPlanInput {
  readonly runtime: Runtime;
  readonly peakBytes: number;
  /** The image, from which a JVM's variant (legacy or not) is read, as `generate` does. */
  readonly image?: string;
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

/** The engine's sizing for a Runtime value object: its factor, and its overhead only when configured. */
export function sizingOf(runtime: Runtime): SizingConfig {
  return {
    factor: runtime.factor,
    overheads: runtime.overheadConfigured && runtime.base ? { [runtime.base]: runtime.overheadBytes } : {},
  };
}

export function planContainer(input: ContainerPlanInput): ContainerPlan {
  const { runtime, peakBytes } = input;
  if (runtime.base) {
    const sized = sizeContainer({
      runtime: runtime.base,
      peakBytes,
      sizing: sizingOf(runtime),
      env: input.env ?? [],
      // Runtime.legacyJvm() says so; otherwise the image decides, as for `oomguard generate`.
      ...(runtime.legacyJvm ? { legacyJvm: true } : {}),
      ...(input.image !== undefined ? { image: input.image } : {}),
      ...(input.port !== undefined ? { port: input.port } : {}),
      ...(input.probePaths ? { probePaths: input.probePaths } : {}),
    });
    const limit = sized.recommendation.limitBytes;
    const extra = runtime.env.map((entry) => ({ name: entry.name, value: fillTemplate(entry.value, limit, limit - settingsAt(limit, runtime.base!, sizingOf(runtime)).budget.heapBytes) }));
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

/**
 * Tokens in `command`/`args` that set the heap and so override the generated env variable (the JVM and
 * Node.js read the command line after it), read by the facts model as the runtime reads them: options
 * after `-jar FILE` or the script are the application's and do not count. Returned as `args[1] -Xmx2g`.
 */
export function commandLineOverrides(runtime: Runtime, command: readonly string[] = [], args: readonly string[] = [], image = ''): string[] {
  if (runtime.base !== 'jvm' && runtime.base !== 'node') return [];
  const facts = factsOfSpec({ image, command, args, runtime: runtime.base });
  const tokens: readonly OptionToken[] = runtime.base === 'jvm' ? facts.jvm?.options.tokens ?? [] : facts.node?.options.tokens ?? [];
  const isHeap = runtime.base === 'jvm' ? isJvmHeapOption : isNodeHeapOption;
  return tokens
    .filter((at) => /^(command|args)\[/.test(at.source) && isHeap(at.token.replace(/^["']|["']$/g, '')))
    .map((at) => `${at.source} ${at.token.replace(/^["']|["']$/g, '')}`);
}

/** The variable the base runtime's ceiling is generated in (`JAVA_TOOL_OPTIONS=...`), for messages. */
export function ceilingVariable(runtime: Runtime, limitBytes: number): string | undefined {
  if (!runtime.base) return undefined;
  const [first] = settingsAt(limitBytes, runtime.base, sizingOf(runtime), { legacy: runtime.legacyJvm }).settings;
  return first ? `${first.name}=${first.value}` : undefined;
}
