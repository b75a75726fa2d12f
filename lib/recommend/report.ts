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
    case 'job':
      return `job: ${verdict.pods} short-lived pod${verdict.pods === 1 ? '' : 's'} in the window, sized from ${verdict.pods === 1 ? 'its' : 'their'} highest peak, ${describeBytes(verdict.peakBytes)} at ${new Date(verdict.peakAt * 1000).toISOString().slice(0, 16)}Z (leak and spike are told apart only in long-running containers)`;
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

/** Memory over the window for a chart, downsampled to a fixed number of points: step index and bytes. */
interface ChartPoints {
  readonly start: number;
  readonly step: number;
  /** Step of each point (a series has at most 11,000 steps). */
  readonly index: Uint16Array;
  readonly bytes: Float64Array;
}

/** The highest working set of each bucket of steps (so peaks survive), at most `points` buckets. */
function chartPoints(figures: ContainerFigures, step: number, points: number): ChartPoints {
  const n = figures.times.length;
  const bucket = Math.max(1, Math.ceil(n / points));
  const index = new Uint16Array(Math.ceil(n / bucket));
  const bytes = new Float64Array(index.length);
  let kept = 0;
  for (let i = 0; i < n; i += bucket) {
    let best = Number.NaN;
    let at = i;
    for (let j = i; j < Math.min(n, i + bucket); j++) {
      if (Number.isFinite(figures.max[j]) && !(best >= figures.max[j])) {
        best = figures.max[j];
        at = j;
      }
    }
    if (!Number.isFinite(best)) continue;
    index[kept] = at;
    bytes[kept] = best;
    kept++;
  }
  return { start: figures.times[0], step, index: index.slice(0, kept), bytes: bytes.slice(0, kept) };
}

/**
 * One container's recommendation as the run keeps it until the report is written: the figures and the
 * verdict, while the sentences (`action`, `explanation`) and the chart's pairs are made when they are
 * read. A fleet's report holds every row at once to sort them by risk, so a row keeps only numbers and
 * shared strings (a few hundred bytes), never its sentences or its series (bench/recommend.ts).
 */
class FleetRow implements Recommendation {
  readonly runtime?: RuntimeId;
  readonly runtimeSource?: RuntimeSource;
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  readonly limitBytes?: number;
  readonly requestBytes?: number;
  readonly headroom?: number;
  readonly recommendedLimitBytes?: number;

  constructor(
    readonly namespace: string, readonly kind: string, readonly workload: string, readonly container: string,
    readonly pods: number, readonly images: readonly string[], figures: ContainerFigures, runtime: RuntimeId | undefined, source: RuntimeSource | undefined,
    readonly peakBytes: number, readonly oomKilledPods: number, readonly restarts: number, readonly verdict: Verdict,
    private readonly sizing: SizingConfig | undefined, private readonly chart: ChartPoints | undefined,
  ) {
    if (runtime) this.runtime = runtime;
    if (source) this.runtimeSource = source;
    if (figures.workingSetBytes !== undefined) this.workingSetBytes = figures.workingSetBytes;
    if (figures.rssBytes !== undefined) this.rssBytes = figures.rssBytes;
    if (figures.limitBytes !== undefined) {
      this.limitBytes = figures.limitBytes;
      this.headroom = (figures.limitBytes - peakBytes) / figures.limitBytes;
    }
    if (figures.requestBytes !== undefined) this.requestBytes = figures.requestBytes;
    if (sizedVerdict(verdict) && peakBytes > 0) this.recommendedLimitBytes = sizeLimit(ceilToMiB(peakBytes), runtime, sizing).limitBytes;
  }

  get explanation(): string | undefined {
    // Sized from the peak as it is recorded (whole Mi, rounded up), so `fix` arrives at the same limit.
    return this.recommendedLimitBytes === undefined ? undefined : sizeLimit(ceilToMiB(this.peakBytes), this.runtime, this.sizing).explanation;
  }

  get action(): string {
    const described = describeVerdict(this.verdict, this.limitBytes);
    if (this.verdict.kind === 'leak') return `no bigger limit: ${described}`;
    if (this.recommendedLimitBytes === undefined) return `no recommendation: ${described}`;
    const now = this.limitBytes === undefined ? 'no limit now' : `limit ${formatQuantity(this.limitBytes)} now`;
    return `limit = request = ${formatQuantity(this.recommendedLimitBytes)} (${this.explanation}; ${now}); ${described}`;
  }

  get peakAnnotation(): string {
    return formatQuantity(ceilToMiB(this.peakBytes));
  }

  get series(): readonly (readonly [number, number])[] | undefined {
    const chart = this.chart;
    if (!chart) return undefined;
    return Array.from(chart.index, (at, i) => [chart.start + at * chart.step, chart.bytes[i]] as const);
  }
}

/** Verdicts that get the sized limit: not a leak (a bigger limit only postpones its kill), not unknown. */
function sizedVerdict(verdict: Verdict): boolean {
  return verdict.kind !== 'leak' && verdict.kind !== 'unknown';
}

/** Kinds whose pods run to completion: their containers are sized from their peak, never judged a leak or a spike. */
export const SHORT_LIVED_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob']);

export function buildRecommendation(figures: ContainerFigures, step: number, end: number, hint?: ManifestHint, options: BuildOptions = {}): Recommendation {
  const peakBytes = Math.max(figures.workingSetBytes ?? 0, figures.rssBytes ?? 0);
  const { runtime, source } = resolveRuntime(figures, hint);
  const verdict = classify({ times: figures.times, max: figures.max, min: figures.min, step, end }, figures.limitBytes, SHORT_LIVED_KINDS.has(figures.kind) ? { shortLivedPods: figures.pods } : {});
  return new FleetRow(
    figures.namespace, figures.kind, figures.workload, figures.container, figures.pods, [...figures.images.keys()].sort(), figures, runtime, source,
    peakBytes, figures.oomKilledPods, figures.restarts, verdict, options.sizing,
    options.keepSeries ? chartPoints(figures, step, options.chartPoints ?? 300) : undefined,
  );
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
