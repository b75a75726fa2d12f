/**
 * Read every container's figures from Prometheus, page by page: one instant query sizes the
 * namespaces, then each page (a group of namespaces) costs one instant query (every figure over the
 * window) and one range query (memory over the window). Pages are packed so that no range query is
 * expected to load more than `maxSamples` samples; if the server still refuses a query for loading
 * too many samples (its --query.max-samples, or Thanos/Mimir's limits), the page is split in two
 * namespaces-wise, and a single namespace's range query in two time-wise, until it fits.
 * Pages are handed to `onPage` one at a time and then dropped: memory follows the page, not the fleet.
 */
import { formatDuration, parseDuration } from '../alerts/promql';
import { PrometheusError, type MatrixSeries, type PrometheusClient, type VectorSample } from '../prometheus/client';
import { figuresQuery, memoryRangeQuery, namespaceSizeQuery, type Scope } from './promql';

export interface CollectOptions {
  /** Namespaces to cover; every namespace with cAdvisor series when empty. */
  readonly namespaces?: readonly string[];
  /** PromQL label matchers for every series (already checked by parseSelector). */
  readonly selector?: string;
  /** Prometheus duration. @default '7d' */
  readonly window?: string;
  /** Prometheus duration between points of the memory series. @default '1h' */
  readonly step?: string;
  /** Unix seconds of the window's end. */
  readonly end: number;
  /**
   * Samples one range query may load (series × points, with the owner join). Prometheus' own default
   * --query.max-samples is 50,000,000 (prometheus.io/docs/prometheus/latest/command-line/prometheus);
   * 1% of it leaves room for everyone else's queries and keeps one page's answer near 5 MB of JSON,
   * so memory follows the page, not the fleet (bench/recommend.ts measures it). @default 500_000
   */
  readonly maxSamples?: number;
}

export interface ContainerFigures {
  readonly namespace: string;
  readonly kind: string;
  readonly workload: string;
  readonly container: string;
  workingSetBytes?: number;
  rssBytes?: number;
  limitBytes?: number;
  requestBytes?: number;
  oomKilledPods: number;
  restarts: number;
  pods: number;
  /** Image → pods running it. */
  readonly images: Map<string, number>;
  /** `oomguard.io/runtime` from a pod label or annotation. */
  runtimeLabel?: string;
  /** Memory over the window, one point per step. */
  readonly times: Float64Array;
  readonly max: Float64Array;
  readonly min: Float64Array;
}

export interface Page {
  readonly namespaces: readonly string[];
  readonly containers: readonly ContainerFigures[];
}

export interface CollectStats {
  queries: number;
  pages: number;
  /** Pages or time ranges split after the server refused them for their size. */
  splits: number;
  readonly window: string;
  readonly step: string;
  readonly start: number;
  readonly end: number;
}

/** Too many samples, as Prometheus, Thanos and Mimir word it. */
function isSampleLimit(error: unknown): boolean {
  return error instanceof PrometheusError && /too many samples|max.?samples|maximum number of samples|samples limit|exceeded the limit/i.test(error.message);
}

function key(metric: Readonly<Record<string, string>>): string {
  return `${metric.namespace}\u0000${metric.workload_kind}\u0000${metric.workload}\u0000${metric.container}`;
}

export const DEFAULT_WINDOW = '7d';
/** One hour: a day is 24 whole steps (exact daily minimums), a week 168 points per container. */
export const DEFAULT_STEP = '1h';
export const DEFAULT_MAX_SAMPLES = 500_000;
/** Points Prometheus returns at most per series of a range query (its 11,000-point resolution cap). */
const MAX_POINTS = 11_000;
/** Series loaded per cAdvisor series in the range query: max and min, and the owner join beside them. */
const SAMPLES_PER_SERIES_POINT = 3;

export function resolveWindow(options: Pick<CollectOptions, 'window' | 'step'>): { window: string; step: string; windowSeconds: number; stepSeconds: number } {
  const window = options.window ?? DEFAULT_WINDOW;
  const step = options.step ?? DEFAULT_STEP;
  const windowSeconds = parseDuration(window);
  if (windowSeconds === undefined) throw new RangeError(`--window must be a Prometheus duration such as 7d or 72h, got ${JSON.stringify(window)}`);
  const stepSeconds = parseDuration(step);
  if (stepSeconds === undefined) throw new RangeError(`--step must be a Prometheus duration such as 1h or 30m, got ${JSON.stringify(step)}`);
  if (stepSeconds > windowSeconds) throw new RangeError(`--step ${step} is longer than --window ${window}`);
  // The steps tile the window, so the highest point is the window's peak: not a sample more or less.
  if (windowSeconds % stepSeconds !== 0) throw new RangeError(`--window ${window} must be a whole number of --step ${step} (so the steps cover the window exactly)`);
  if (windowSeconds / stepSeconds > MAX_POINTS) throw new RangeError(`--window ${window} / --step ${step} is ${windowSeconds / stepSeconds} points; Prometheus returns at most ${MAX_POINTS} per series: use a longer --step`);
  return { window: formatDuration(windowSeconds), step: formatDuration(stepSeconds), windowSeconds, stepSeconds };
}

/** Pack namespaces (sorted by name) into pages whose range query stays under the sample budget. */
export function packPages(sizes: ReadonlyMap<string, number>, points: number, maxSamples: number): string[][] {
  const pages: string[][] = [];
  let current: string[] = [];
  let load = 0;
  for (const namespace of [...sizes.keys()].sort()) {
    const cost = (sizes.get(namespace) ?? 0) * points * SAMPLES_PER_SERIES_POINT;
    if (current.length > 0 && load + cost > maxSamples) {
      pages.push(current);
      current = [];
      load = 0;
    }
    current.push(namespace);
    load += cost;
  }
  if (current.length > 0) pages.push(current);
  return pages;
}

export async function collect(client: PrometheusClient, options: CollectOptions, onPage: (page: Page) => void | Promise<void>): Promise<CollectStats> {
  const { window, step, windowSeconds, stepSeconds } = resolveWindow(options);
  const end = options.end;
  const start = end - windowSeconds + stepSeconds;
  const points = windowSeconds / stepSeconds;
  const stats: CollectStats = { queries: 0, pages: 0, splits: 0, window, step, start, end };
  const base: Scope = { window, ...(options.selector ? { selector: options.selector } : {}) };
  const instant = (expr: string) => {
    stats.queries++;
    return client.query(expr, end);
  };

  const sized = await instant(namespaceSizeQuery({ ...base, ...(options.namespaces?.length ? { namespaces: options.namespaces } : {}) })).catch((error) => {
    // This query loads one series at a time: refused, no page can be small enough.
    throw isSampleLimit(error)
      ? new PrometheusError(`${(error as Error).message} (one series over --window ${window} is over the server's sample limit, its --query.max-samples: use a shorter --window or raise the limit)`, (error as PrometheusError).status, (error as PrometheusError).errorType)
      : error;
  });
  const sizes = new Map<string, number>();
  for (const sample of sized) if (sample.metric.namespace) sizes.set(sample.metric.namespace, sample.value);

  // Label values recur in every series of a workload: one copy of each for the whole run.
  const names = new Map<string, string>();
  const intern = (text: string) => {
    const found = names.get(text);
    if (found !== undefined) return found;
    names.set(text, text);
    return text;
  };

  /** The memory series of one page into `page`, split in time when the server refuses the whole range. */
  const memory = async (scope: Scope, page: PageFigures, from: number, to: number): Promise<void> => {
    try {
      stats.queries++;
      await client.queryRangeEach(memoryRangeQuery(scope, step), { start: from, end: to, step: stepSeconds }, (series) => page.addSeries(series));
    } catch (error) {
      const steps = Math.round((to - from) / stepSeconds) + 1;
      if (!isSampleLimit(error) || steps < 2 || (scope.namespaces?.length ?? 0) > 1) throw error;
      // A refused answer carries no data: the halves fill the same page, each point at its own step.
      stats.splits++;
      const middle = from + Math.floor(steps / 2) * stepSeconds;
      await memory(scope, page, from, middle - stepSeconds);
      await memory(scope, page, middle, to);
    }
  };
  const figures = (scope: Scope, page: PageFigures) => {
    stats.queries++;
    return client.queryEach(figuresQuery(scope), end, (sample) => page.addFigure(sample));
  };

  const cost = (namespaces: readonly string[]) => namespaces.reduce((sum, namespace) => sum + (sizes.get(namespace) ?? 0), 0) * points * SAMPLES_PER_SERIES_POINT;
  /** One page's figures; undefined when the server refused them for their size and the page can be made smaller. */
  const runPage = async (namespaces: string[]): Promise<PageFigures | undefined> => {
    const scope: Scope = { ...base, namespaces };
    const page = new PageFigures(start, stepSeconds, points, intern);
    try {
      await Promise.all([figures(scope, page), memory(scope, page, start, end)]);
      return page;
    } catch (error) {
      if (!isSampleLimit(error)) throw error;
      stats.splits++;
      if (namespaces.length > 1) return undefined;
      const alone = new PageFigures(start, stepSeconds, points, intern);
      await figures(scope, alone).catch((cause) => {
        throw isSampleLimit(cause)
          ? new PrometheusError(`${(cause as Error).message} (namespace ${namespaces[0]} alone is over the server's sample limit for one series over --window ${window}: use a shorter --window or raise the limit)`)
          : cause;
      });
      await memory(scope, alone, start, end);
      return alone;
    }
  };

  // Pages are packed under the budget; when the server refuses one for its size, the budget drops to
  // half that page's estimate and the rest is packed again: the server's limit is learnt, not retried.
  let budget = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  let queue = [...sizes.keys()].sort();
  while (queue.length > 0) {
    const [page] = packPages(new Map(queue.map((namespace) => [namespace, sizes.get(namespace) ?? 0])), points, budget);
    const answers = await runPage(page);
    if (!answers) {
      budget = Math.max(1, Math.floor(cost(page) / 2));
      continue;
    }
    queue = queue.slice(page.length);
    stats.pages++;
    await onPage({ namespaces: page, containers: answers.containers() });
  }
  return stats;
}

/**
 * One page's figures, filled as the answers arrive (a sample or a series at a time, in any order):
 * one record per container, its memory series as typed arrays, one point per step.
 */
export class PageFigures {
  private readonly byKey = new Map<string, ContainerFigures>();
  private readonly runtimes = new Map<string, string>();
  /** The steps' times, shared by every container of the page. */
  private readonly times: Float64Array;

  constructor(private readonly start: number, private readonly step: number, private readonly points: number, private readonly intern: (text: string) => string = (text) => text) {
    this.times = new Float64Array(points);
    for (let i = 0; i < points; i++) this.times[i] = start + i * step;
  }

  private entry(metric: Readonly<Record<string, string>>): ContainerFigures {
    const id = key(metric);
    let found = this.byKey.get(id);
    if (!found) {
      const intern = this.intern;
      found = {
        namespace: intern(metric.namespace), kind: intern(metric.workload_kind), workload: intern(metric.workload), container: intern(metric.container),
        oomKilledPods: 0, restarts: 0, pods: 0, images: new Map(),
        times: this.times, max: new Float64Array(this.points).fill(Number.NaN), min: new Float64Array(this.points).fill(Number.NaN),
      };
      this.byKey.set(id, found);
    }
    return found;
  }

  addFigure(sample: VectorSample): void {
    const { metric, value } = sample;
    if (!Number.isFinite(value)) return;
    if (metric.figure === 'runtime') {
      this.runtimes.set(`${metric.namespace}\u0000${metric.workload_kind}\u0000${metric.workload}`, this.intern(metric.runtime));
      return;
    }
    const container = this.entry(metric);
    switch (metric.figure) {
      case 'ws': container.workingSetBytes = value; break;
      case 'rss': container.rssBytes = value; break;
      case 'limit': if (value > 0) container.limitBytes = value; break;
      case 'request': if (value > 0) container.requestBytes = value; break;
      case 'oom': container.oomKilledPods = value; break;
      case 'restarts': container.restarts = Math.round(value); break;
      case 'pods': container.pods = value; break;
      case 'image': container.images.set(this.intern(metric.image ?? ''), value); break;
      default: break;
    }
  }

  addSeries(series: MatrixSeries): void {
    const figure = series.metric.figure;
    if (figure !== 'max' && figure !== 'min') return;
    const container = this.entry(series.metric);
    const target = figure === 'max' ? container.max : container.min;
    for (const [time, value] of series.values) {
      const index = Math.round((time - this.start) / this.step);
      if (index >= 0 && index < this.points) target[index] = value;
    }
  }

  /** One record per container that cAdvisor knows (kube-state-metrics alone gives nothing to size from). */
  containers(): ContainerFigures[] {
    const result: ContainerFigures[] = [];
    for (const container of this.byKey.values()) {
      if (container.workingSetBytes === undefined && container.rssBytes === undefined) continue;
      const runtime = this.runtimes.get(`${container.namespace}\u0000${container.kind}\u0000${container.workload}`);
      if (runtime) container.runtimeLabel = runtime;
      result.push(container);
    }
    return result;
  }
}
