/**
 * A running workload's peak memory per container, read from Prometheus: the maximum over a window
 * (7 days by default, a full weekly cycle of traffic) of cAdvisor's working set and RSS, with the limit
 * and OOM kills kube-state-metrics saw over the same window.
 */
import { matchers, parseDuration, podNamePattern, type ContainerSelector } from '../alerts/promql';
import type { PrometheusClient } from './client';

export interface PeakQuery {
  readonly namespace: string;
  /** The workload's name; its pods are matched by the kind's naming pattern. */
  readonly workload: string;
  /** @default 'Deployment' */
  readonly kind?: string;
  /** Only this container. */
  readonly container?: string;
  /** Prometheus duration. @default '7d' */
  readonly window?: string;
  /** Evaluation time (the end of the window). @default the server's now */
  readonly at?: Date;
}

export interface ContainerPeak {
  readonly container: string;
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  /** The larger of the two: what sizing uses. */
  readonly peakBytes: number;
  /** Which figure the peak is. */
  readonly peakMetric: 'working set' | 'RSS';
  /** Pod series seen over the window (pods, counting restarts that changed the cgroup). */
  readonly series: number;
  /** The memory limit kube-state-metrics reported last in the window. */
  readonly limitBytes?: number;
  /** Whether kube-state-metrics saw an OOMKilled termination in the window. */
  readonly oomKilled: boolean;
}

export interface PeakResult {
  readonly selector: string;
  readonly window: string;
  readonly at?: string;
  readonly containers: readonly ContainerPeak[];
  /** The PromQL run, for reproduction in the Prometheus UI. */
  readonly queries: Readonly<Record<string, string>>;
}

/** The PromQL `measure --prometheus` runs, by figure. Pure, exported for docs and tests. */
export function peakQueries(query: PeakQuery): Record<'workingSet' | 'rss' | 'series' | 'limit' | 'oomKilled', string> {
  const window = query.window ?? '7d';
  if (parseDuration(window) === undefined) throw new RangeError(`--window must be a Prometheus duration such as 7d or 24h, got ${JSON.stringify(window)}`);
  const selector: ContainerSelector = {
    namespace: query.namespace,
    podPattern: podNamePattern(query.kind ?? 'Deployment', query.workload),
    ...(query.container !== undefined ? { container: query.container } : {}),
  };
  const m = matchers(selector);
  return {
    workingSet: `max by (container) (max_over_time(container_memory_working_set_bytes{${m}}[${window}]))`,
    rss: `max by (container) (max_over_time(container_memory_rss{${m}}[${window}]))`,
    series: `count by (container) (max_over_time(container_memory_working_set_bytes{${m}}[${window}]))`,
    limit: `max by (container) (last_over_time(kube_pod_container_resource_limits{resource="memory", ${m}}[${window}]))`,
    oomKilled: `max by (container) (max_over_time(kube_pod_container_status_last_terminated_reason{reason="OOMKilled", ${m}}[${window}]))`,
  };
}

export async function queryPeak(client: PrometheusClient, query: PeakQuery): Promise<PeakResult> {
  const queries = peakQueries(query);
  const names = Object.keys(queries) as (keyof typeof queries)[];
  const results = await Promise.all(names.map((name) => client.query(queries[name], query.at)));
  const byContainer = new Map<string, Partial<Record<keyof typeof queries, number>>>();
  names.forEach((name, index) => {
    for (const sample of results[index]) {
      const container = sample.metric.container ?? '';
      if (!Number.isFinite(sample.value)) continue;
      const entry = byContainer.get(container) ?? {};
      entry[name] = sample.value;
      byContainer.set(container, entry);
    }
  });
  const containers: ContainerPeak[] = [];
  for (const [container, figures] of [...byContainer].sort(([a], [b]) => a.localeCompare(b))) {
    const ws = figures.workingSet;
    const rss = figures.rss;
    if (ws === undefined && rss === undefined) continue; // only kube-state-metrics knows it: no usage to size from
    const peakBytes = Math.max(ws ?? 0, rss ?? 0);
    containers.push({
      container,
      ...(ws !== undefined ? { workingSetBytes: ws } : {}),
      ...(rss !== undefined ? { rssBytes: rss } : {}),
      peakBytes,
      peakMetric: ws !== undefined && ws >= (rss ?? 0) ? 'working set' : 'RSS',
      series: figures.series ?? 0,
      ...(figures.limit !== undefined ? { limitBytes: figures.limit } : {}),
      oomKilled: figures.oomKilled === 1,
    });
  }
  return {
    selector: `{${matchers({ namespace: query.namespace, podPattern: podNamePattern(query.kind ?? 'Deployment', query.workload), ...(query.container !== undefined ? { container: query.container } : {}) })}}`,
    window: query.window ?? '7d',
    ...(query.at ? { at: query.at.toISOString() } : {}),
    containers,
    queries,
  };
}
