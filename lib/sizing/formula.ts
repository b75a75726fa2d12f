/**
 * The one sizing formula, shared by the generator, the linter, the fixer and the evidence tools:
 *
 *   heap    = peak x factor (at least the runtime's minimum heap)
 *   limit   = ceil_Mi(heap + overhead(heap))
 *   request = limit
 *   runtime ceiling at a limit = the largest heap H with H + overhead(H) <= limit   (budgetAt)
 *
 * The overhead is the runtime's model (lib/runtimes/<id>.ts `overheadModel`): a constant for most
 * runtimes, for the JVM 200 MiB plus its collector's structures per GiB of heap, measured with Native
 * Memory Tracking (lib/runtimes/jvm-memory.ts). A configured overhead is a constant that replaces it.
 *
 * The 1.5 factor is headroom over a measured peak: a peak measured in a load test is seldom the
 * peak production sees, and a GC'd heap needs room above its live set to collect efficiently
 * (the Go GC guide's GOGC=100 lets the heap reach twice the live set; JVM collectors are tuned with
 * similar slack). Requests equal limits because the kernel kills containers over their request first
 * when a node runs short of memory ("Node-pressure eviction" and "Resource Management for Pods and
 * Containers", kubernetes.io), and only request = limit gives a memory-Guaranteed container.
 */
import { MIB, ceilToMiB, describeBytes } from '../core/quantity';
import { PROFILES, RUNTIME_IDS, type RuntimeId } from '../runtimes';
import type { LinearOverhead, MachineShape } from '../runtimes/types';

/** Headroom multiplier over the measured peak. */
export const DEFAULT_FACTOR = 1.5;

/**
 * Overhead for a container whose runtime is unknown: the largest interpreter overhead that is not a
 * JVM's (Python/Ruby class), since an unknown runtime has no flag to cap it.
 */
export const UNKNOWN_RUNTIME_OVERHEAD = 100 * MIB;

export type OverheadKey = RuntimeId | 'unknown';
export const OVERHEAD_KEYS: readonly OverheadKey[] = [...RUNTIME_IDS, 'unknown'];

export interface SizingConfig {
  readonly factor: number;
  /**
   * Constant overheads in bytes, per runtime (and `unknown`), that replace the runtime's own figure: a
   * configured constant always wins over the JVM's measured model. Runtimes not named use their model.
   */
  readonly overheads: Readonly<Partial<Record<OverheadKey, number>>>;
}

/** Nothing configured: factor 1.5 and every runtime's own overhead model. */
export const DEFAULT_SIZING: SizingConfig = { factor: DEFAULT_FACTOR, overheads: {} };

/** The overhead a runtime gets when nothing is configured, for one container shape (JVM: the model's). */
export function defaultOverheadBytes(runtime: OverheadKey): number {
  return runtime === 'unknown' ? UNKNOWN_RUNTIME_OVERHEAD : PROFILES[runtime].overhead.bytes;
}

export interface Recommendation {
  readonly peakBytes: number;
  readonly factor: number;
  /** Overhead on top of the heap, whole MiB: the configured constant or the runtime's model at that heap. */
  readonly overheadBytes: number;
  /** The runtime's own ceiling the limit is sized for: peak × factor, at least the runtime's minimum. */
  readonly heapBytes: number;
  /** What the overhead is (`G1 GC`, `configured`), for explanations. */
  readonly overheadLabel: string;
  readonly runtime: RuntimeId | undefined;
  /** The limit (and request), whole MiB. */
  readonly limitBytes: number;
  /** `peak 400Mi x 1.5 + 203Mi JVM overhead (Serial GC) = 803Mi` */
  readonly explanation: string;
}

/** The overhead model in force for a runtime: the configured constant, else the runtime's own model. */
export function overheadModelFor(runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING, machine: MachineShape = { memoryBytes: undefined }): LinearOverhead {
  const configured = sizing.overheads[runtime ?? 'unknown'];
  if (configured !== undefined) {
    // A configured figure equal to a constant model is that model (a Pulumi CLI sends every default).
    const own = runtime ? PROFILES[runtime].overheadModel(machine) : undefined;
    if (own && own.perHeapByte === 0 && own.fixedBytes === configured) return own;
    if (!runtime && configured === UNKNOWN_RUNTIME_OVERHEAD) return { fixedBytes: configured, perHeapByte: 0, label: 'default' };
    return { fixedBytes: configured, perHeapByte: 0, label: 'configured' };
  }
  if (!runtime) return { fixedBytes: UNKNOWN_RUNTIME_OVERHEAD, perHeapByte: 0, label: 'default' };
  return PROFILES[runtime].overheadModel(machine);
}

/**
 * The overhead for a runtime in bytes. With `limitBytes`, what the model leaves outside the heap at that
 * limit (`budgetAt`); without, the model's fixed part (the whole overhead for a constant).
 */
export function overheadFor(runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING, limitBytes?: number): number {
  if (limitBytes !== undefined) return budgetAt(limitBytes, runtime, sizing).overheadBytes;
  return overheadModelFor(runtime, sizing).fixedBytes;
}

export function runtimeTitle(runtime: RuntimeId | undefined): string {
  return runtime ? PROFILES[runtime].title : 'unknown-runtime';
}

/** What a limit leaves the runtime's own ceiling once the overhead is set aside. */
export interface Budget {
  readonly limitBytes: number;
  /** The largest ceiling (heap) that, with its overhead, fits the limit; 0 when none does. */
  readonly heapBytes: number;
  /** `limit - heap`: the overhead at that heap. */
  readonly overheadBytes: number;
  readonly overheadLabel: string;
  /** The ceiling is below the runtime's minimum worth setting: the limit is too small for the runtime. */
  readonly tooSmall: boolean;
  /** The runtime's minimum ceiling, when it has a ceiling flag. */
  readonly minHeapBytes: number | undefined;
}

/**
 * The container a limit makes, its optional fields present only when known (the keys and their order as
 * conditional spreads gave them; literals cost less, and this runs for every container of a fleet).
 */
function machineShape(memoryBytes: number | undefined, cpus: number | undefined, collector: string | undefined): MachineShape {
  if (cpus !== undefined) return collector ? { memoryBytes, cpus, collector } : { memoryBytes, cpus };
  return collector ? { memoryBytes, collector } : { memoryBytes };
}

/** The runtime's ceiling budget at a limit: the largest heap H with H + overhead(H) ≤ limit. */
export function budgetAt(limitBytes: number, runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING, cpus?: number, collector?: string): Budget {
  const model = overheadModelFor(runtime, sizing, machineShape(limitBytes, cpus, collector));
  const heapBytes = Math.max(0, Math.floor((limitBytes - model.fixedBytes) / (1 + model.perHeapByte)));
  const minHeapBytes = runtime ? PROFILES[runtime].minHeapBytes : undefined;
  return { limitBytes, heapBytes, overheadBytes: limitBytes - heapBytes, overheadLabel: model.label, tooSmall: minHeapBytes !== undefined && heapBytes < minHeapBytes, minHeapBytes };
}

/** The settings (heap flags, env) oomguard gives a runtime at a limit: the one place generate, fix and verify take them from. */
export function settingsAt(limitBytes: number, runtime: RuntimeId, sizing: SizingConfig = DEFAULT_SIZING, options: { legacy?: boolean; cpus?: number; collector?: string } = {}) {
  const budget = budgetAt(limitBytes, runtime, sizing, options.cpus, options.collector);
  return { budget, settings: PROFILES[runtime].settings(limitBytes, budget.heapBytes, { legacy: options.legacy === true }) };
}

/**
 * The recommended memory limit (= request) for a measured peak: ceil_Mi(peak × factor + overhead), the
 * overhead taken at that heap and for the container the limit makes (the JVM's collector depends on it).
 */
export function recommend(peakBytes: number, runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING, cpus?: number, collector?: string): Recommendation {
  if (!(peakBytes > 0) || !Number.isFinite(peakBytes)) throw new RangeError(`peak must be a positive number of bytes, got ${peakBytes}`);
  const minHeap = runtime ? PROFILES[runtime].minHeapBytes ?? 0 : 0;
  const heapBytes = Math.max(peakBytes * sizing.factor, minHeap);
  const shape = (memoryBytes: number | undefined): MachineShape => machineShape(memoryBytes, cpus, collector);
  // The model depends on the container the limit makes (HotSpot picks Serial below 1792 MiB): start from
  // the smallest container and move up while the limit changes the model.
  let model = overheadModelFor(runtime, sizing, shape(0));
  let overheadBytes = ceilToMiB(model.fixedBytes + model.perHeapByte * heapBytes);
  let limitBytes = ceilToMiB(heapBytes + overheadBytes);
  for (let round = 0; round < 3; round++) {
    const next = overheadModelFor(runtime, sizing, shape(limitBytes));
    if (next.label === model.label && next.fixedBytes === model.fixedBytes && next.perHeapByte === model.perHeapByte) break;
    model = next;
    overheadBytes = ceilToMiB(model.fixedBytes + model.perHeapByte * heapBytes);
    limitBytes = ceilToMiB(heapBytes + overheadBytes);
  }
  return new SizedRecommendation(peakBytes, sizing.factor, overheadBytes, heapBytes, model.label, runtime, limitBytes);
}

/** The explanation is written only when a message needs it: a fleet sizes many containers that pass. */
class SizedRecommendation implements Recommendation {
  constructor(
    readonly peakBytes: number,
    readonly factor: number,
    readonly overheadBytes: number,
    readonly heapBytes: number,
    readonly overheadLabel: string,
    readonly runtime: RuntimeId | undefined,
    readonly limitBytes: number,
  ) {}

  get explanation(): string {
    const floor = this.heapBytes > this.peakBytes * this.factor ? ` (raised to the ${describeBytes(this.heapBytes)} minimum heap)` : '';
    return `peak ${describeBytes(this.peakBytes)} × ${this.factor}${floor} + ${describeBytes(this.overheadBytes)} ${overheadText(this.runtime, this.overheadLabel)} = ${describeBytes(this.limitBytes)}`;
  }

  toJSON(): Recommendation {
    const { peakBytes, factor, overheadBytes, heapBytes, overheadLabel, runtime, limitBytes, explanation } = this;
    return { peakBytes, factor, overheadBytes, heapBytes, overheadLabel, runtime, limitBytes, explanation };
  }
}

/** `JVM overhead (G1 GC)`, `Node.js overhead`, `JVM overhead (configured)`. */
export function overheadText(runtime: RuntimeId | undefined, label: string): string {
  const title = runtimeTitle(runtime);
  // A constant (configured, or a runtime's own) needs no label; a model says which part it took.
  return label === title || label === 'default' || label === 'configured' ? `${title} overhead` : `${title} overhead (${label})`;
}

/**
 * The bounds of the headroom factor, for every surface (CLI flags, `.oomguard.yaml`, cdk8s, Pulumi): at
 * least 1 (no headroom) and at most 10 (schemas/config.schema.json holds the same bounds).
 */
export const FACTOR_RANGE = { minimum: 1, maximum: 10 } as const;

/** Why a factor cannot be used (`must be a number from 1 to 10, got 50`), or undefined when it can. */
export function validateFactor(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < FACTOR_RANGE.minimum || value > FACTOR_RANGE.maximum) {
    return `must be a number from ${FACTOR_RANGE.minimum} to ${FACTOR_RANGE.maximum}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  }
  return undefined;
}

/** Sizing settings as a surface receives them: the factor and overheads as quantities (strings) or bytes. */
export interface SizingSettings {
  readonly factor?: unknown;
  readonly overheads?: Readonly<Record<string, unknown>>;
}

/**
 * Apply sizing settings over a base, with the one validation every surface shares. `where(key)` names a
 * setting in problems (`--factor`, `/sizing/factor`). Returns the sizing and the problems found.
 */
export function applySizing(base: SizingConfig, settings: SizingSettings, where: (key: string) => string, parseOverhead: (value: unknown) => { ok: true; bytes: number } | { ok: false; reason: string }): { sizing: SizingConfig; problems: string[] } {
  const problems: string[] = [];
  let factor = base.factor;
  if (settings.factor !== undefined) {
    const problem = validateFactor(settings.factor);
    if (problem) problems.push(`${where('factor')} ${problem}`);
    else factor = settings.factor as number;
  }
  const overheads: Partial<Record<OverheadKey, number>> = { ...base.overheads };
  for (const [key, value] of Object.entries(settings.overheads ?? {})) {
    if (!(OVERHEAD_KEYS as readonly string[]).includes(key)) {
      problems.push(`${where(`overheads/${key}`)} is not a runtime (use ${OVERHEAD_KEYS.join(', ')})`);
      continue;
    }
    const parsed = parseOverhead(value);
    if (!parsed.ok) problems.push(`${where(`overheads/${key}`)} "${String(value)}" ${parsed.reason}`);
    else overheads[key as OverheadKey] = parsed.bytes;
  }
  return { sizing: { factor, overheads }, problems };
}
