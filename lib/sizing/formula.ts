/**
 * The one sizing formula, shared by the generator, the linter, the fixer and the evidence tools:
 *
 *   limit   = ceil_Mi(peak x factor + runtime overhead)
 *   request = limit
 *   runtime ceiling = limit - runtime overhead   (heap flag, GOMEMLIMIT, ...)
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

/** Headroom multiplier over the measured peak. */
export const DEFAULT_FACTOR = 1.5;

/**
 * Overhead for a container whose runtime is unknown: the largest interpreter overhead that is not a
 * JVM's (Python/Ruby class), since an unknown runtime has no flag to cap it.
 */
export const UNKNOWN_RUNTIME_OVERHEAD = 100 * MIB;

export interface SizingConfig {
  readonly factor: number;
  /** Overhead in bytes per runtime, and for `unknown`. */
  readonly overheads: Readonly<Record<RuntimeId | 'unknown', number>>;
}

export const DEFAULT_SIZING: SizingConfig = {
  factor: DEFAULT_FACTOR,
  overheads: {
    ...(Object.fromEntries(RUNTIME_IDS.map((id) => [id, PROFILES[id].overhead.bytes])) as Record<RuntimeId, number>),
    unknown: UNKNOWN_RUNTIME_OVERHEAD,
  },
};

export interface Recommendation {
  readonly peakBytes: number;
  readonly factor: number;
  readonly overheadBytes: number;
  readonly runtime: RuntimeId | undefined;
  /** The limit (and request), whole MiB. */
  readonly limitBytes: number;
  /** `peak 400Mi x 1.5 + 400Mi JVM overhead = 1000Mi` */
  readonly explanation: string;
}

export function overheadFor(runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING): number {
  return sizing.overheads[runtime ?? 'unknown'];
}

export function runtimeTitle(runtime: RuntimeId | undefined): string {
  return runtime ? PROFILES[runtime].title : 'unknown-runtime';
}

/** The recommended memory limit (= request) for a measured peak. */
export function recommend(peakBytes: number, runtime: RuntimeId | undefined, sizing: SizingConfig = DEFAULT_SIZING): Recommendation {
  if (!(peakBytes > 0) || !Number.isFinite(peakBytes)) throw new RangeError(`peak must be a positive number of bytes, got ${peakBytes}`);
  const overheadBytes = overheadFor(runtime, sizing);
  return new SizedRecommendation(peakBytes, sizing.factor, overheadBytes, runtime, ceilToMiB(peakBytes * sizing.factor + overheadBytes));
}

/** The explanation is written only when a message needs it: a fleet sizes many containers that pass. */
class SizedRecommendation implements Recommendation {
  constructor(
    readonly peakBytes: number,
    readonly factor: number,
    readonly overheadBytes: number,
    readonly runtime: RuntimeId | undefined,
    readonly limitBytes: number,
  ) {}

  get explanation(): string {
    return `peak ${describeBytes(this.peakBytes)} × ${this.factor} + ${describeBytes(this.overheadBytes)} ${runtimeTitle(this.runtime)} overhead = ${describeBytes(this.limitBytes)}`;
  }

  toJSON(): Recommendation {
    const { peakBytes, factor, overheadBytes, runtime, limitBytes, explanation } = this;
    return { peakBytes, factor, overheadBytes, runtime, limitBytes, explanation };
  }
}
