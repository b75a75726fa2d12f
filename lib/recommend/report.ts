/**
 * One recommendation per container: its measured figures, its verdict (leak, spike, ...) and what to
 * do, sized by the one sizing formula for its runtime. Pure.
 */
import { ceilToMiB, describeBytes, formatQuantity } from '../core/quantity';
import type { Container } from '../core/workload';
import { detectRuntime, isRuntimeId, type RuntimeId } from '../runtimes';
import { recommend, type SizingConfig } from '../sizing/formula';
import { classify, type Verdict } from './classify';
import type { ContainerFigures } from './collect';

/**
 * The sized limit for a measured peak: the single place `recommend` calls the sizing formula, so a
 * different resolver (per-runtime overhead models) can be switched in here.
 */
export function sizeLimit(peakBytes: number, runtime: RuntimeId | undefined, sizing?: SizingConfig): { limitBytes: number; explanation: string } {
  const sized = recommend(peakBytes, runtime, sizing);
  return { limitBytes: sized.limitBytes, explanation: sized.explanation };
}

/** How the runtime was known. */
export type RuntimeSource = 'manifest annotation' | 'pod label' | 'manifest' | 'image';

export interface Recommendation {
  readonly namespace: string;
  readonly kind: string;
  readonly workload: string;
  readonly container: string;
  readonly pods: number;
  readonly images: readonly string[];
  readonly runtime?: RuntimeId;
  readonly runtimeSource?: RuntimeSource;
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  /** The larger of the two: what sizing uses. */
  readonly peakBytes: number;
  readonly limitBytes?: number;
  readonly requestBytes?: number;
  /** (limit − peak) / limit; undefined without a limit. */
  readonly headroom?: number;
  readonly oomKilledPods: number;
  readonly restarts: number;
  readonly verdict: Verdict;
  /** The limit (= request) to set; undefined for a leak (no bigger limit) and when unknown. */
  readonly recommendedLimitBytes?: number;
  readonly explanation?: string;
  /** What to do, in one sentence with its figures. */
  readonly action: string;
  /** The annotation that records the peak (`oomguard.io/peak-rss[.<container>]` is chosen by the writer). */
  readonly peakAnnotation: string;
  /** Memory over the window for charts: [unix seconds, highest working set] (only with `keepSeries`). */
  readonly series?: readonly (readonly [number, number])[];
}

/** What a manifest says about a container, when one declares its workload. */
export interface ManifestHint {
  readonly runtime?: RuntimeId;
  readonly source?: 'manifest annotation' | 'manifest';
}

function imageRuntime(image: string): RuntimeId | undefined {
  // Detection from the image name alone: Prometheus knows the image, not the command or env.
  const container = { name: '', role: 'app', path: [], image, command: [], args: [], env: [], limits: {}, requests: {}, raw: {} } as unknown as Container;
  return detectRuntime(container)?.runtime;
}

function resolveRuntime(figures: ContainerFigures, hint: ManifestHint | undefined): { runtime?: RuntimeId; source?: RuntimeSource } {
  if (hint?.runtime && hint.source === 'manifest annotation') return { runtime: hint.runtime, source: 'manifest annotation' };
  if (figures.runtimeLabel && isRuntimeId(figures.runtimeLabel)) return { runtime: figures.runtimeLabel, source: 'pod label' };
  if (hint?.runtime) return { runtime: hint.runtime, source: 'manifest' };
  for (const image of figures.images.keys()) {
    const runtime = imageRuntime(image);
    if (runtime) return { runtime, source: 'image' };
  }
  return {};
}

function days(value: number): string {
  return value < 1 ? value.toFixed(1) : value < 10 ? value.toFixed(1) : value.toFixed(0);
}

/** The sentence that states a verdict with the figures it rests on. */
export function describeVerdict(verdict: Verdict, limitBytes?: number): string {
  switch (verdict.kind) {
    case 'leak': {
      const minimums = verdict.dailyMinimums.map((value) => describeBytes(Math.round(value))).join(' → ');
      const rate = `+${describeBytes(Math.round(verdict.growthPerDay))}/day`;
      const when = verdict.daysToLimit === undefined
        ? 'it has no memory limit and will grow until the node runs short'
        : verdict.daysToLimit === 0
          ? `it is at its limit ${formatQuantity(limitBytes!)} now`
          : `it will be killed in about ${days(verdict.daysToLimit)} days at this rate (now ${describeBytes(Math.round(verdict.currentBytes))} of limit ${formatQuantity(limitBytes!)})`;
      return `leak: daily minimums ${minimums} (${rate}) never return to baseline; profile this; ${when}`;
    }
    case 'spike':
      return `spike: baseline ${describeBytes(Math.round(verdict.baselineBytes))}, peak ${describeBytes(verdict.peakBytes)} at ${new Date(verdict.peakAt * 1000).toISOString().slice(0, 16)}Z, back to ${describeBytes(Math.round(verdict.returnedBytes))} by ${new Date(verdict.returnedAt * 1000).toISOString().slice(0, 16)}Z`;
    case 'rising':
      return `rising: peak ${describeBytes(verdict.peakBytes)} at ${new Date(verdict.peakAt * 1000).toISOString().slice(0, 16)}Z over baseline ${describeBytes(Math.round(verdict.baselineBytes))}, not back to baseline by the window's end; measure again`;
    case 'steady':
      return `steady: baseline ${describeBytes(Math.round(verdict.baselineBytes))}, peak ${describeBytes(verdict.peakBytes)}`;
    case 'unknown':
      return `unknown: ${verdict.reason}`;
  }
}

export interface BuildOptions {
  readonly sizing?: SizingConfig;
  /** Keep the memory series for charts (otherwise dropped with the page). */
  readonly keepSeries?: boolean;
  /** Points per chart series at most (highest of each bucket kept, so peaks survive). @default 300 */
  readonly chartPoints?: number;
}

function chartSeries(figures: ContainerFigures, points: number): [number, number][] {
  const out: [number, number][] = [];
  const bucket = Math.max(1, Math.ceil(figures.times.length / points));
  for (let i = 0; i < figures.times.length; i += bucket) {
    let best = Number.NaN;
    let at = figures.times[i];
    for (let j = i; j < Math.min(figures.times.length, i + bucket); j++) {
      if (Number.isFinite(figures.max[j]) && !(best >= figures.max[j])) {
        best = figures.max[j];
        at = figures.times[j];
      }
    }
    if (Number.isFinite(best)) out.push([at, best]);
  }
  return out;
}

export function buildRecommendation(figures: ContainerFigures, step: number, end: number, hint?: ManifestHint, options: BuildOptions = {}): Recommendation {
  const peakBytes = Math.max(figures.workingSetBytes ?? 0, figures.rssBytes ?? 0);
  const { runtime, source } = resolveRuntime(figures, hint);
  const verdict = classify({ times: figures.times, max: figures.max, min: figures.min, step, end }, figures.limitBytes);
  const headroom = figures.limitBytes !== undefined ? (figures.limitBytes - peakBytes) / figures.limitBytes : undefined;
  let recommendedLimitBytes: number | undefined;
  let explanation: string | undefined;
  let action: string;
  const described = describeVerdict(verdict, figures.limitBytes);
  if (verdict.kind === 'leak') {
    action = `no bigger limit: ${described}`;
  } else if (verdict.kind === 'unknown' || !(peakBytes > 0)) {
    action = `no recommendation: ${described}`;
  } else {
    // Sized from the peak as it is recorded (whole Mi, rounded up), so `fix` arrives at the same limit.
    const sized = sizeLimit(ceilToMiB(peakBytes), runtime, options.sizing);
    recommendedLimitBytes = sized.limitBytes;
    explanation = sized.explanation;
    const now = figures.limitBytes === undefined ? 'no limit now' : `limit ${formatQuantity(figures.limitBytes)} now`;
    action = `limit = request = ${formatQuantity(sized.limitBytes)} (${sized.explanation}; ${now}); ${described}`;
  }
  return {
    namespace: figures.namespace, kind: figures.kind, workload: figures.workload, container: figures.container,
    pods: figures.pods, images: [...figures.images.keys()].sort(),
    ...(runtime ? { runtime } : {}), ...(source ? { runtimeSource: source } : {}),
    ...(figures.workingSetBytes !== undefined ? { workingSetBytes: figures.workingSetBytes } : {}),
    ...(figures.rssBytes !== undefined ? { rssBytes: figures.rssBytes } : {}),
    peakBytes,
    ...(figures.limitBytes !== undefined ? { limitBytes: figures.limitBytes } : {}),
    ...(figures.requestBytes !== undefined ? { requestBytes: figures.requestBytes } : {}),
    ...(headroom !== undefined ? { headroom } : {}),
    oomKilledPods: figures.oomKilledPods, restarts: figures.restarts, verdict,
    ...(recommendedLimitBytes !== undefined ? { recommendedLimitBytes, explanation } : {}),
    action,
    peakAnnotation: formatQuantity(ceilToMiB(peakBytes)),
    ...(options.keepSeries ? { series: chartSeries(figures, options.chartPoints ?? 300) } : {}),
  };
}

/**
 * Riskiest first: OOM kills, then the least headroom under the current limit (no limit at all ranks
 * as none), then a leak's days to its limit; ties by name so the order is stable.
 */
export function byRisk(a: Recommendation, b: Recommendation): number {
  if (a.oomKilledPods !== b.oomKilledPods) return b.oomKilledPods - a.oomKilledPods;
  const headroomA = a.headroom ?? -Infinity;
  const headroomB = b.headroom ?? -Infinity;
  if (headroomA !== headroomB) return headroomA - headroomB;
  const leakA = a.verdict.kind === 'leak' ? a.verdict.daysToLimit ?? Infinity : Infinity;
  const leakB = b.verdict.kind === 'leak' ? b.verdict.daysToLimit ?? Infinity : Infinity;
  if (leakA !== leakB) return leakA - leakB;
  return `${a.namespace}/${a.kind}/${a.workload}/${a.container}`.localeCompare(`${b.namespace}/${b.kind}/${b.workload}/${b.container}`);
}
