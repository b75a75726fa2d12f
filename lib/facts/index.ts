/**
 * The per-container facts model: what oomguard knows about one container, computed once and read by
 * every rule, fix, `generate`, the cdk8s constructs, the Pulumi component and policy pack, `verify` and
 * `diagnose`. Pure.
 *
 *   annotations + container  →  runtime (annotation, else detection) and JVM variant (vendor, version, legacy)
 *                            →  every heap option with its source, in the order the runtime applies them
 *                                 (lib/runtimes/jvm.ts, node.ts, go.ts: one file per runtime)
 *                            →  the ceiling the runtime will really use (HotSpot ergonomics, V8's young
 *                                 generation, GOMEMLIMIT as Go parses it)
 *   + sizing (lib/sizing)    →  the budget at the limit (heap the limit allows after the overhead model),
 *                                 the recommendation for a declared peak, the minimum heap, slow start
 *
 * Runtime decisions live in lib/runtimes/<runtime>.ts; this file only composes them.
 */
import { parseQuantity } from '../core/quantity';
import { extractWorkloads, type Annotation, type Container, type JsonPath, type Workload } from '../core/workload';
import { detectRuntime, isRuntimeId, PROFILES, type Detection, type RuntimeId } from '../runtimes';
import { readGoMemLimit, type GoMemLimit } from '../runtimes/go';
import { jvmFacts, jvmVariant, type JvmFacts } from '../runtimes/jvm';
import { nodeFacts, type NodeFacts } from '../runtimes/node';
import { budgetAt, recommend, DEFAULT_SIZING, type Budget, type Recommendation, type SizingConfig } from '../sizing/formula';

/** Annotation keys oomguard reads (PRODUCT.md). */
export const ANNOTATION = {
  runtime: 'oomguard.io/runtime',
  peak: 'oomguard.io/peak-rss',
  ignorePrefix: 'ignore.oomguard.io/',
} as const;

/** The measured peak declared for a container by annotation. */
export interface DeclaredPeak {
  readonly bytes: number;
  readonly annotation: string;
  readonly path: JsonPath;
}

/**
 * The annotation that applies to a container: `<key>.<container>` first, then `<key>` for the
 * workload's default container (the one `kubectl` picks; the first app container unless
 * `kubectl.kubernetes.io/default-container` names another), so a general annotation never leaks onto
 * a sidecar.
 */
export function annotationFor(workload: Workload, container: Container, key: string): { key: string; annotation: Annotation } | undefined {
  if (workload.annotations.size === 0) return undefined; // most workloads: no key to build and look up
  const specific = `${key}.${container.name}`;
  const own = workload.annotations.get(specific);
  if (own) return { key: specific, annotation: own };
  const general = workload.annotations.get(key);
  if (general && workload.defaultContainer === container.name) return { key, annotation: general };
  return undefined;
}

/**
 * The container's runtime: the `oomguard.io/runtime` annotation, else detection. A JVM's legacy flag
 * comes from the image either way, so an annotated Java 8u181 is still a JVM without container support.
 */
export function runtimeOf(workload: Workload, container: Container): Detection | undefined {
  const declared = annotationFor(workload, container, ANNOTATION.runtime);
  if (declared) {
    const value = declared.annotation.value;
    // An unknown value is reported by invalid-annotation; detection still runs so other rules work.
    if (isRuntimeId(value)) {
      const legacy = value === 'jvm' && jvmVariant(container.image).legacy;
      return { runtime: value, reason: `annotation ${declared.key}`, ...(legacy ? { legacyJvm: true } : {}) };
    }
  }
  return detectRuntime(container);
}

export function peakOf(workload: Workload, container: Container): DeclaredPeak | undefined {
  const declared = annotationFor(workload, container, ANNOTATION.peak);
  if (!declared) return undefined;
  const parsed = parseQuantity(declared.annotation.value);
  // An invalid or zero peak is reported by invalid-memory-quantity; it sizes nothing.
  if (!parsed.ok || parsed.bytes === 0) return undefined;
  return { bytes: parsed.bytes, annotation: declared.key, path: declared.annotation.path };
}

/** Processors a runtime sees from a CPU limit: `ceil(limit)`, at least 1 (undefined without a limit). */
export function cpusOf(container: Container): number | undefined {
  const parsed = container.limits.cpu?.parsed;
  return parsed?.ok && parsed.bytes > 0 ? Math.max(1, Math.ceil(parsed.bytes)) : undefined;
}

export interface ContainerFacts {
  readonly workload: Workload;
  readonly container: Container;
  readonly sizing: SizingConfig;
  /** The runtime from `oomguard.io/runtime[.<container>]`, else detected; undefined when unknown. */
  readonly runtime: Detection | undefined;
  /** The container's memory limit in bytes, when set and valid. */
  readonly limitBytes: number | undefined;
  /** Processors from the CPU limit (the JVM's collector depends on it), when set. */
  readonly cpus: number | undefined;
  readonly peak: DeclaredPeak | undefined;
  /** The recommendation for the declared peak, when there is one. */
  readonly recommendation: Recommendation | undefined;
  /** The heap the limit allows once the overhead is set aside, when there is a limit. */
  readonly budget: Budget | undefined;
  /** Overhead in bytes at this container's limit (the model's fixed part without a limit). */
  readonly overheadBytes: number;
  /** Whether the runtime needs a startup probe. */
  readonly slowStart: boolean;
  /** The smallest ceiling worth setting for the runtime. */
  readonly minHeapBytes: number | undefined;
  /** JVM facts, for a JVM container. */
  readonly jvm: JvmFacts | undefined;
  readonly node: NodeFacts | undefined;
  readonly go: GoMemLimit | undefined;
  /**
   * The ceiling the runtime will really use, in bytes: the JVM's `MaxHeapSize` (HotSpot ergonomics),
   * V8's `heap_size_limit` (old space + young generation), GOMEMLIMIT. Undefined when unset or unknown.
   */
  readonly ceilingBytes: number | undefined;
}

/** Facts are computed once per container; the per-runtime parts only when first read. */
class Facts implements ContainerFacts {
  readonly runtime: Detection | undefined;
  readonly limitBytes: number | undefined;
  readonly peak: DeclaredPeak | undefined;
  private cachedCpus: number | undefined | null = null;
  private cachedBudget: Budget | undefined | null = null;
  private cachedRecommendation: Recommendation | undefined | null = null;
  private cachedJvm: JvmFacts | undefined | null = null;
  private cachedNode: NodeFacts | undefined | null = null;
  private cachedGo: GoMemLimit | undefined | null = null;

  constructor(readonly workload: Workload, readonly container: Container, readonly sizing: SizingConfig) {
    this.runtime = runtimeOf(workload, container);
    const limit = container.limits.memory?.parsed;
    this.limitBytes = limit?.ok && limit.bytes > 0 ? limit.bytes : undefined;
    this.peak = peakOf(workload, container);
  }

  private get id(): RuntimeId | undefined {
    return this.runtime?.runtime;
  }

  get cpus(): number | undefined {
    if (this.cachedCpus === null) this.cachedCpus = cpusOf(this.container);
    return this.cachedCpus;
  }

  /** A collector the options choose (the JVM's `-XX:+UseG1GC`): the overhead model follows it. */
  private get collector(): string | undefined {
    const jvm = this.id === 'jvm' ? this.jvm : undefined;
    return jvm?.gcChosenBy === 'flag' ? jvm.gc : undefined;
  }

  get recommendation(): Recommendation | undefined {
    if (this.cachedRecommendation === null) this.cachedRecommendation = this.peak ? recommend(this.peak.bytes, this.id, this.sizing, this.cpus, this.collector) : undefined;
    return this.cachedRecommendation;
  }

  get budget(): Budget | undefined {
    if (this.cachedBudget === null) this.cachedBudget = this.limitBytes === undefined ? undefined : budgetAt(this.limitBytes, this.id, this.sizing, this.cpus, this.collector);
    return this.cachedBudget;
  }

  get overheadBytes(): number {
    const budget = this.budget;
    if (budget) return budget.overheadBytes;
    const configured = this.sizing.overheads[this.id ?? 'unknown'];
    return configured ?? (this.id ? PROFILES[this.id].overhead.bytes : budgetAt(0, undefined, this.sizing).overheadBytes);
  }

  get slowStart(): boolean {
    return this.id ? PROFILES[this.id].slowStart : false;
  }

  get minHeapBytes(): number | undefined {
    return this.id ? PROFILES[this.id].minHeapBytes : undefined;
  }

  get jvm(): JvmFacts | undefined {
    if (this.cachedJvm === null) this.cachedJvm = this.id === 'jvm' ? jvmFacts(this.container, this.limitBytes, this.cpus, this.runtime?.legacyJvm === true) : undefined;
    return this.cachedJvm;
  }

  get node(): NodeFacts | undefined {
    if (this.cachedNode === null) this.cachedNode = this.id === 'node' ? nodeFacts(this.container, this.limitBytes) : undefined;
    return this.cachedNode;
  }

  get go(): GoMemLimit | undefined {
    if (this.cachedGo === null) this.cachedGo = readGoMemLimit(this.container);
    return this.cachedGo;
  }

  get ceilingBytes(): number | undefined {
    if (this.id === 'jvm') return this.jvm?.heap.bytes;
    if (this.id === 'node') return this.node?.heapCeilingBytes;
    if (this.id === 'go') {
      const parsed = this.go?.parsed;
      return parsed?.ok && parsed.bytes !== null ? parsed.bytes : undefined;
    }
    return undefined;
  }
}

/** The facts of one container of a workload, with the sizing in force. */
export function containerFacts(workload: Workload, container: Container, sizing: SizingConfig = DEFAULT_SIZING): ContainerFacts {
  return new Facts(workload, container, sizing);
}

/** A container that has no manifest yet (generate, verify, the constructs), as the facts model reads one. */
export interface ContainerSpec {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly limitBytes?: number;
  /** CPU limit in cores. */
  readonly cpu?: number;
  /** `oomguard.io/runtime`, when the runtime is declared rather than detected. */
  readonly runtime?: RuntimeId;
}

/** The facts of a container described in code rather than read from a manifest. */
export function factsOfSpec(spec: ContainerSpec, sizing: SizingConfig = DEFAULT_SIZING): ContainerFacts {
  const limits: Record<string, string | number> = {};
  if (spec.limitBytes !== undefined) limits.memory = spec.limitBytes;
  if (spec.cpu !== undefined) limits.cpu = spec.cpu;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name ?? 'main', ...(spec.runtime ? { annotations: { [ANNOTATION.runtime]: spec.runtime } } : {}) },
    spec: {
      containers: [{
        name: spec.name ?? 'main',
        image: spec.image ?? '',
        ...(spec.command ? { command: [...spec.command] } : {}),
        ...(spec.args ? { args: [...spec.args] } : {}),
        ...(spec.env ? { env: spec.env.map((entry) => ({ ...entry })) } : {}),
        resources: { limits },
      }],
    },
  };
  const [workload] = extractWorkloads(pod);
  return new Facts(workload, workload.containers[0], sizing);
}
