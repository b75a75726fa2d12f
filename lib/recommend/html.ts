/**
 * `recommend --html FILE`: one self-contained page, a chart per workload (each container's highest
 * working set over the window, its current limit, the recommended limit, and the 75%/90% lines of the
 * limit where the alerts fire), drawn by Vega-Lite, the charting library `measure --chart` uses.
 * Vega and Vega-Lite are inlined: the page opens offline, from a mail attachment or a CI artifact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBytes, formatQuantity, MIB } from '../core/quantity';
import type { ReportMeta } from './format';
import type { Recommendation } from './report';

const COLORS = { limit: '#d62728', recommended: '#2ca02c', p90: '#ff7f0e', p75: '#bcbd22' } as const;

function round(bytes: number): number {
  return Math.round((bytes / MIB) * 10) / 10;
}

/** The Vega-Lite specification of one workload's chart. */
export function workloadChartSpec(title: string, rows: readonly Recommendation[]): Record<string, unknown> {
  const points = rows.flatMap((row) => (row.series ?? []).map(([t, bytes]) => ({ time: t * 1000, mib: round(bytes), container: row.container })));
  const rules: { container: string; label: string; mib: number; color: string; side: 'left' | 'right' }[] = [];
  for (const row of rows) {
    const prefix = rows.length > 1 ? `${row.container} ` : '';
    if (row.limitBytes !== undefined) {
      rules.push({ container: row.container, label: `${prefix}limit ${formatQuantity(row.limitBytes)}`, mib: round(row.limitBytes), color: COLORS.limit, side: 'right' });
      rules.push({ container: row.container, label: `${prefix}90% ${describeBytes(Math.round(row.limitBytes * 0.9))}`, mib: round(row.limitBytes * 0.9), color: COLORS.p90, side: 'left' });
      rules.push({ container: row.container, label: `${prefix}75% ${describeBytes(Math.round(row.limitBytes * 0.75))}`, mib: round(row.limitBytes * 0.75), color: COLORS.p75, side: 'left' });
    }
    if (row.recommendedLimitBytes !== undefined) {
      rules.push({ container: row.container, label: `${prefix}recommended ${formatQuantity(row.recommendedLimitBytes)}`, mib: round(row.recommendedLimitBytes), color: COLORS.recommended, side: 'right' });
    }
  }
  const layers: Record<string, unknown>[] = [{
    data: { values: points },
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-before' },
    encoding: {
      x: { field: 'time', type: 'temporal', title: null },
      y: { field: 'mib', type: 'quantitative', title: 'working set (MiB)' },
      color: { field: 'container', type: 'nominal', title: 'container', legend: { orient: 'bottom' } },
    },
  }];
  if (rules.length > 0) {
    layers.push(
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1 }, encoding: { y: { field: 'mib', type: 'quantitative' }, color: { field: 'color', type: 'nominal', scale: null } } },
      // Limit and recommendation labelled on the right, the 75%/90% lines on the left: they sit close.
      ...(['right', 'left'] as const).map((side) => ({
        data: { values: rules },
        transform: [{ filter: `datum.side === '${side}'` }],
        mark: { type: 'text', align: side, baseline: 'bottom', dy: -1, dx: side === 'left' ? 3 : 0, fontSize: 10 },
        encoding: { x: { value: side === 'right' ? 'width' : 0 }, y: { field: 'mib', type: 'quantitative' }, text: { field: 'label' }, color: { field: 'color', type: 'nominal', scale: null } },
      })),
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 200,
    background: 'white',
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function library(name: 'vega' | 'vega-lite'): string {
  // The packages' export maps hide build/, so look for the file along the module search path.
  const path = (require.resolve.paths(name) ?? []).map((folder) => join(folder, name, 'build', `${name}.min.js`)).find((file) => existsSync(file));
  if (!path) throw new Error(`--html needs the charting libraries: npm install vega vega-lite (${name} is missing)`);
  // A literal `</script` inside the library would end the element early.
  return readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
}

export function renderHtml(rows: readonly Recommendation[], meta: ReportMeta): string {
  const groups = new Map<string, Recommendation[]>();
  for (const row of rows) {
    const id = `${row.namespace}/${row.kind}/${row.workload}`;
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  const charts = [...groups].map(([id, members]) => ({ id, spec: workloadChartSpec(id, members), rows: members }));
  const sections = charts.map((chart, index) => {
    const lines = chart.rows.map((row) => `<li><b>${escapeHtml(row.container)}</b> (${escapeHtml(row.runtime ?? 'unknown runtime')}): ${escapeHtml(row.action)}</li>`).join('');
    return `<section><div class="chart" id="chart-${index}"></div><ul>${lines}</ul></section>`;
  }).join('\n');
  const title = `oomguard recommend: ${rows.length} containers in ${groups.size} workloads`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
section { margin-bottom: 2em; border-top: 1px solid #ddd; padding-top: 1em; }
ul { margin: 0.5em 0; padding-left: 1.2em; }
#errors { color: #b00; white-space: pre-wrap; }
</style>
</head>
<body data-charts="${charts.length}">
<h1>${escapeHtml(title)}</h1>
<p>Window ${escapeHtml(meta.window)} to ${escapeHtml(new Date(meta.end * 1000).toISOString())}, step ${escapeHtml(meta.step)}, from ${escapeHtml(meta.prometheus)}. Dashed lines: limit (red), 90% and 75% of it (orange, olive), recommended limit (green).</p>
<div id="errors"></div>
${sections}
<script>${library('vega')}</script>
<script>${library('vega-lite')}</script>
<script>
(function () {
  var specs = ${scriptJson(charts.map((chart) => chart.spec))};
  var rendered = 0;
  function fail(error) {
    document.getElementById('errors').textContent += String(error && error.stack || error) + '\\n';
    document.body.setAttribute('data-error', 'true');
  }
  window.addEventListener('error', function (event) { fail(event.error || event.message); });
  var work = specs.map(function (spec, index) {
    var view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: '#chart-' + index, hover: false });
    return view.runAsync().then(function () { rendered++; });
  });
  Promise.all(work).then(function () { document.body.setAttribute('data-rendered', String(rendered)); }, fail);
})();
</script>
</body>
</html>
`;
}
