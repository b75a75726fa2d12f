/**
 * The generator's core: from a runtime, a measured peak and a port, the sized container (request =
 * limit from the one formula, the runtime's own ceiling merged into the user's env, and probes).
 * The CLI's `generate`, the cdk8s constructs and the Pulumi component all build on this. Pure.
 */
import { formatQuantity } from '../core/quantity';
import { ANNOTATION, factsOfSpec } from '../facts';
import { PROFILES, type RuntimeId } from '../runtimes';
import { jvmVariant } from '../runtimes/jvm';
import { mergeOptions } from '../runtimes/options';
import { DEFAULT_SIZING, recommend, settingsAt, type Recommendation, type SizingConfig } from '../sizing/formula';
import { probesFor, type GeneratedProbes, type ProbePaths } from './probes';

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
}

export interface SizedContainerInput {
  readonly runtime: RuntimeId;
  /** Measured peak memory in bytes. */
  readonly peakBytes: number;
  /** @default DEFAULT_SIZING */
  readonly sizing?: SizingConfig;
  /** Environment the user sets; heap options in it are merged, never duplicated. */
  readonly env?: readonly EnvEntry[];
  /**
   * A JVM without container support (Java 8 before 8u191, Java 9) gets `-Xmx`.
   * @default read from `image` (the facts model's JVM variant), false without one
   */
  readonly legacyJvm?: boolean;
  /** The image, from which a JVM's variant (legacy or not) is read. */
  readonly image?: string;
  /** CPU limit in cores: below 2 processors HotSpot picks Serial GC, whose overhead is smaller. @default unknown (2 or more) */
  readonly cpu?: number;
  /** Port probed over HTTP. Without one no probes are generated. */
  readonly port?: number;
  readonly probePaths?: ProbePaths;
}

export interface SizedContainer {
  readonly recommendation: Recommendation;
  readonly memory: string;
  readonly resources: { readonly limits: { memory: string }; readonly requests: { memory: string } };
  readonly env: readonly EnvEntry[];
  /**
   * The ceiling the runtime will really use with these settings at this limit, as the facts model
   * computes it (the JVM's `MaxHeapSize` after HotSpot's ergonomics, V8's heap_size_limit, GOMEMLIMIT).
   */
  readonly ceilingBytes: number | undefined;
  readonly probes?: GeneratedProbes;
  /** Annotations that record what the sizing was based on, for the linter to re-check. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Merge generated settings into env entries with the runtime's rule for superseded options. */
export function mergeEnvEntries(runtime: RuntimeId, env: readonly EnvEntry[], generated: readonly EnvEntry[]): EnvEntry[] {
  return mergeEnvWith(env, generated, PROFILES[runtime].supersedes);
}

/**
 * Merge generated settings into env entries: a variable already set keeps its options except those
 * `supersedes` drops, then gets the generated ones; other generated variables are appended.
 */
export function mergeEnvWith(env: readonly EnvEntry[], generated: readonly EnvEntry[], supersedes: (token: string) => boolean): EnvEntry[] {
  const result = env.map((entry) => ({ ...entry }));
  for (const setting of generated) {
    const existing = result.find((entry) => entry.name === setting.name);
    if (existing) existing.value = mergeOptions(existing.value, setting.value, supersedes);
    else result.push({ ...setting });
  }
  return result;
}

/** Whether a JVM image has no container support; false for other runtimes or without an image. */
export function legacyJvmFor(runtime: RuntimeId, image: string | undefined, declared?: boolean): boolean {
  if (declared !== undefined) return declared;
  return runtime === 'jvm' && image !== undefined && jvmVariant(image).legacy;
}

export function sizeContainer(input: SizedContainerInput): SizedContainer {
  const sizing = input.sizing ?? DEFAULT_SIZING;
  const cpus = input.cpu === undefined ? undefined : Math.max(1, Math.ceil(input.cpu));
  // A collector the user's options choose (-XX:+UseG1GC) sizes the overhead, whatever HotSpot would pick.
  const given = input.runtime === 'jvm' && input.env?.length ? factsOfSpec({ image: input.image ?? '', env: input.env, runtime: 'jvm' }).jvm : undefined;
  const collector = given?.gcChosenBy === 'flag' ? given.gc : undefined;
  const recommendation = recommend(input.peakBytes, input.runtime, sizing, cpus, collector);
  const memory = formatQuantity(recommendation.limitBytes);
  const legacy = legacyJvmFor(input.runtime, input.image, input.legacyJvm);
  const { settings } = settingsAt(recommendation.limitBytes, input.runtime, sizing, { legacy, ...(cpus !== undefined ? { cpus } : {}), ...(collector ? { collector } : {}) });
  const env = mergeEnvEntries(input.runtime, input.env ?? [], settings);
  // What the runtime will do with exactly this container, read back through the facts model.
  const facts = factsOfSpec({ image: input.image ?? '', env, limitBytes: recommendation.limitBytes, runtime: input.runtime, ...(input.cpu !== undefined ? { cpu: input.cpu } : {}) }, sizing);
  return {
    recommendation,
    memory,
    resources: { limits: { memory }, requests: { memory } },
    env,
    ceilingBytes: facts.ceilingBytes,
    ...(input.port !== undefined ? { probes: probesFor(input.runtime, input.port, input.probePaths) } : {}),
    annotations: { [ANNOTATION.runtime]: input.runtime, [ANNOTATION.peak]: formatQuantity(Math.ceil(input.peakBytes)) },
  };
}
