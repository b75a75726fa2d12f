/**
 * `recommend` output: a table (riskiest first), JSON, CSV. Pure: recommendations in, text out.
 */
import { describeBytes, formatQuantity } from '../core/quantity';
import type { Recommendation } from './report';

export interface ReportMeta {
  readonly prometheus: string;
  readonly window: string;
  readonly step: string;
  readonly end: number;
  readonly queries: number;
  readonly pages: number;
  readonly splits: number;
  readonly seconds?: number;
}

function percent(value: number | undefined): string {
  return value === undefined ? 'no limit' : `${Math.round(value * 100)}%`;
}

function verdictCell(row: Recommendation): string {
  const v = row.verdict;
  if (v.kind === 'leak') return v.daysToLimit === undefined ? 'leak' : `leak (~${v.daysToLimit < 10 ? v.daysToLimit.toFixed(1) : v.daysToLimit.toFixed(0)}d)`;
  return v.kind;
}

/** The table, then one line per container with its action and figures, then the summary, in pieces. */
export function* tablePieces(rows: readonly Recommendation[], meta: ReportMeta): Generator<string> {
  const header = ['NAMESPACE', 'WORKLOAD', 'CONTAINER', 'RUNTIME', 'PEAK', 'LIMIT', 'HEADROOM', 'OOM', 'RESTARTS', 'VERDICT', 'RECOMMENDED'];
  const cellsOf = (row: Recommendation) => [
    row.namespace, `${row.kind}/${row.workload}`, row.container, row.runtime ?? 'unknown', describeBytes(row.peakBytes),
    row.limitBytes !== undefined ? formatQuantity(row.limitBytes) : '-', percent(row.headroom), String(row.oomKilledPods), String(row.restarts),
    verdictCell(row), row.recommendedLimitBytes !== undefined ? formatQuantity(row.recommendedLimitBytes) : row.verdict.kind === 'leak' ? 'profile' : '-',
  ];
  // Widths first, from cells made and dropped row by row: a fleet's table never exists as one string.
  const widths = header.map((title) => title.length);
  for (const row of rows) cellsOf(row).forEach((cell, column) => { widths[column] = Math.max(widths[column], cell.length); });
  const line = (values: readonly string[]) => values.map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column]))).join('  ');
  yield `${line(header)}\n`;
  for (const row of rows) yield `${line(cellsOf(row))}\n`;
  yield '\n';
  // Each verdict with its figures, in the table's order.
  for (const row of rows) yield `${row.namespace}/${row.kind}/${row.workload} ${row.container}: ${row.action}\n`;
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.verdict.kind, (counts.get(row.verdict.kind) ?? 0) + 1);
  yield `\n${rows.length} container${rows.length === 1 ? '' : 's'} (${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ')}) over ${meta.window} to ${new Date(meta.end * 1000).toISOString()} from ${meta.prometheus}: ${meta.queries} queries in ${meta.pages} page${meta.pages === 1 ? '' : 's'}${meta.seconds !== undefined ? `, ${meta.seconds.toFixed(1)}s` : ''}\n`;
}

export function formatTable(rows: readonly Recommendation[], meta: ReportMeta): string {
  return [...tablePieces(rows, meta)].join('');
}

/** One container's JSON, every key in this order (a row's sentences are read from it here, once). */
function jsonRow(row: Recommendation): Record<string, unknown> {
  return {
    namespace: row.namespace, kind: row.kind, workload: row.workload, container: row.container, pods: row.pods, images: row.images,
    runtime: row.runtime, runtimeSource: row.runtimeSource, workingSetBytes: row.workingSetBytes, rssBytes: row.rssBytes, peakBytes: row.peakBytes,
    limitBytes: row.limitBytes, requestBytes: row.requestBytes, headroom: row.headroom, oomKilledPods: row.oomKilledPods, restarts: row.restarts,
    verdict: row.verdict, recommendedLimitBytes: row.recommendedLimitBytes, explanation: row.explanation, action: row.action, peakAnnotation: row.peakAnnotation,
    // JSON.stringify leaves out the keys whose value is undefined.
    peak: formatQuantity(Math.ceil(row.peakBytes / 1048576) * 1048576),
    limit: row.limitBytes !== undefined ? formatQuantity(row.limitBytes) : undefined,
    recommendedLimit: row.recommendedLimitBytes !== undefined ? formatQuantity(row.recommendedLimitBytes) : undefined,
  };
}

/**
 * The JSON report in pieces (one per container), so a fleet's report never exists as one string:
 * the same text `JSON.stringify(report, null, 2)` would give.
 */
export function* jsonPieces(rows: readonly Recommendation[], meta: ReportMeta, extra: Record<string, unknown> = {}): Generator<string> {
  const head = JSON.stringify({ ...meta, end: new Date(meta.end * 1000).toISOString() }, null, 2);
  yield `${head.slice(0, -2)},\n  "containers": [`;
  let index = 0;
  for (const row of rows) yield `${index++ === 0 ? '' : ','}\n    ${JSON.stringify(jsonRow(row), null, 2).replace(/\n/g, '\n    ')}`;
  yield rows.length === 0 ? ']' : '\n  ]';
  for (const [key, value] of Object.entries(extra)) yield `,\n  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;
  yield '\n}\n';
}

export function writeJson(write: (text: string) => void, rows: readonly Recommendation[], meta: ReportMeta, extra: Record<string, unknown> = {}): void {
  for (const piece of jsonPieces(rows, meta, extra)) write(piece);
}

export function formatJson(rows: readonly Recommendation[], meta: ReportMeta, extra: Record<string, unknown> = {}): string {
  return [...jsonPieces(rows, meta, extra)].join('');
}

/** RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes. */
function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'namespace', 'kind', 'workload', 'container', 'runtime', 'runtime_source', 'pods', 'working_set_bytes', 'rss_bytes', 'peak_bytes',
  'limit_bytes', 'request_bytes', 'headroom', 'oom_killed_pods', 'restarts', 'verdict', 'leak_growth_bytes_per_day', 'leak_days_to_limit',
  'baseline_bytes', 'recommended_limit_bytes', 'recommended_limit', 'action',
] as const;

export function formatCsv(rows: readonly Recommendation[]): string {
  return [...csvPieces(rows)].join('');
}

/** The CSV, a line at a time. */
export function* csvPieces(rows: readonly Recommendation[]): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\n`;
  for (const row of rows) {
    const v = row.verdict;
    const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      namespace: row.namespace, kind: row.kind, workload: row.workload, container: row.container, runtime: row.runtime, runtime_source: row.runtimeSource,
      pods: row.pods, working_set_bytes: row.workingSetBytes, rss_bytes: row.rssBytes, peak_bytes: row.peakBytes, limit_bytes: row.limitBytes,
      request_bytes: row.requestBytes, headroom: row.headroom === undefined ? undefined : row.headroom.toFixed(4), oom_killed_pods: row.oomKilledPods,
      restarts: row.restarts, verdict: v.kind,
      leak_growth_bytes_per_day: v.kind === 'leak' ? Math.round(v.growthPerDay) : undefined,
      leak_days_to_limit: v.kind === 'leak' && v.daysToLimit !== undefined ? v.daysToLimit.toFixed(2) : undefined,
      baseline_bytes: 'baselineBytes' in v ? Math.round(v.baselineBytes) : undefined,
      recommended_limit_bytes: row.recommendedLimitBytes, recommended_limit: row.recommendedLimitBytes !== undefined ? formatQuantity(row.recommendedLimitBytes) : undefined,
      action: row.action,
    };
    yield `${CSV_COLUMNS.map((column) => csvField(values[column])).join(',')}\n`;
  }
}
