/**
 * The pure parts of `recommend`: the leak/spike verdicts and their thresholds, the PromQL pieces
 * that are checked before any query is sent, page packing, the risk order and the CSV quoting.
 * The queries themselves are tested against a real Prometheus in recommend.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify, dailyMinimums, LEAK_DAILY_RISE, type MemorySeries } from '../lib/recommend/classify';
import { packPages, resolveWindow } from '../lib/recommend/collect';
import { CSV_COLUMNS, formatCsv, formatJson } from '../lib/recommend/format';
import { parseSelector, scopeMatchers, workloadOfPod } from '../lib/recommend/promql';
import { buildRecommendation, byRisk, describeVerdict, type Recommendation } from '../lib/recommend/report';
import { workloadChartSpec } from '../lib/recommend/html';
import { MAX_ENVELOPE_CHARS, ResultSplitter } from '../lib/prometheus/stream';
import { indexManifests, planPeakEdits } from '../lib/recommend/manifests';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MI = 1024 * 1024;
const HOUR = 3600;
const END = Date.UTC(2026, 10, 30) / 1000;

/** Hourly points over `days` days ending at END, from a function of the hour index. */
function series(days: number, max: (h: number) => number, min: (h: number) => number = max): MemorySeries {
  const n = days * 24;
  const times = Array.from({ length: n }, (_, i) => END - (n - 1 - i) * HOUR);
  return { times, max: times.map((_, i) => max(i)), min: times.map((_, i) => min(i)), step: HOUR, end: END };
}

test('leak: daily minimums rising every day, with the rate and the days to the limit', () => {
  // 300Mi growing 30Mi a day, a 50Mi sawtooth above the minimum (GC runs, but never back to baseline).
  const s = series(4, (h) => (300 + (30 * h) / 24 + 50) * MI, (h) => (300 + (30 * h) / 24) * MI);
  assert.equal(dailyMinimums(s, 4).map((v) => v / MI), [300, 330, 360, 390]);
  const verdict = classify(s, 1024 * MI);
  assert.is(verdict.kind, 'leak');
  if (verdict.kind !== 'leak') return;
  assert.is(verdict.growthPerDay, 30 * MI);
  assert.is(verdict.currentBytes, (300 + (30 * 95) / 24 + 50) * MI);
  assert.is(verdict.daysToLimit, (1024 * MI - verdict.currentBytes) / (30 * MI));
  assert.match(describeVerdict(verdict, 1024 * MI), /^leak: daily minimums 300Mi → 330Mi → 360Mi → 390Mi \(\+30Mi\/day\) never return to baseline; profile this; it will be killed in about 19 days at this rate \(now 469Mi of limit 1Gi\)$/);
  // No limit: no countdown, and the sentence says so.
  const unlimited = classify(s);
  assert.is(unlimited.kind === 'leak' && unlimited.daysToLimit, undefined);
  assert.match(describeVerdict(unlimited), /it has no memory limit and will grow until the node runs short$/);
});

test('leak thresholds: one rise is not a trend; a rise below LEAK_DAILY_RISE is noise; gaps are other processes', () => {
  const twoDays = series(2, (h) => (300 + 30 * h) * MI);
  assert.not.equal(classify(twoDays).kind, 'leak');
  const flatThenStep = series(3, (h) => (h < 48 ? 300 : 330) * MI);
  assert.not.equal(classify(flatThenStep).kind, 'leak', 'day 1 → day 2 does not rise');
  const slow = series(4, (h) => 300 * MI * (1 + ((LEAK_DAILY_RISE * 0.9) * Math.floor(h / 24))));
  assert.is(classify(slow).kind, 'steady');
  const gaps = series(4, (h) => (h % 24 < 8 ? (300 + 30 * Math.floor(h / 24)) * MI : Number.NaN));
  assert.not.equal(classify(gaps).kind, 'leak');
});

test('spike returns to its baseline; rising does not; steady has no excursion; unknown without data', () => {
  const spike = classify(series(3, (h) => (h === 30 ? 900 : 300) * MI), 1024 * MI);
  assert.equal(spike, { kind: 'spike', baselineBytes: 300 * MI, peakBytes: 900 * MI, peakAt: END - 41 * HOUR, returnedBytes: 300 * MI, returnedAt: END - 40 * HOUR });
  assert.is(describeVerdict(spike), 'spike: baseline 300Mi, peak 900Mi at 2026-11-28T07:00Z, back to 300Mi by 2026-11-28T08:00Z');
  const rising = classify(series(3, (h) => (h >= 70 ? 900 : 300) * MI));
  assert.is(rising.kind, 'rising');
  assert.is(classify(series(3, (h) => (h % 24 === 12 ? 370 : 300) * MI)).kind, 'steady', '370/300 is under SPIKE_RATIO 1.25');
  assert.is(classify(series(3, (h) => (h % 24 === 12 ? 380 : 300) * MI)).kind, 'spike', 'a daily wave returns to baseline: a spike');
  assert.equal(classify(series(1, () => Number.NaN)), { kind: 'unknown', reason: '0 points of data in the window' });
});

test('--window and --step: whole steps, at most 11,000 points, Prometheus durations', () => {
  assert.equal(resolveWindow({ window: '7d', step: '1h' }), { window: '7d', step: '1h', windowSeconds: 604800, stepSeconds: 3600 });
  assert.equal(resolveWindow({ window: '168h', step: '90m' }).window, '7d');
  assert.throws(() => resolveWindow({ window: '7d', step: '5h' }), /whole number of --step/);
  assert.throws(() => resolveWindow({ window: '30d', step: '1m' }), /43200 points; Prometheus returns at most 11000/);
  assert.throws(() => resolveWindow({ window: '1w2x', step: '1h' }), /--window must be a Prometheus duration/);
});

test('--selector: PromQL matchers, quoted values, commas inside quotes; anything else is refused', () => {
  assert.is(parseSelector('cluster="eu-1"'), 'cluster="eu-1"');
  assert.is(parseSelector('{cluster="eu-1", team=~"pay,ments|ops", env!="dev"}'), 'cluster="eu-1", team=~"pay,ments|ops", env!="dev"');
  assert.is(parseSelector('a="say \\"hi\\""'), 'a="say \\"hi\\""');
  assert.is(parseSelector(''), '');
  for (const bad of ['cluster=eu', 'cluster="eu"} or vector(1) or {a="b"', '1x="y"', 'a="b",']) assert.throws(() => parseSelector(bad), /--selector must be PromQL label matchers/, bad);
});

test('namespaces are quoted and regex-escaped in the queries', () => {
  assert.is(scopeMatchers({ window: '7d', namespaces: ['a.b', 'c"d'] }), 'namespace=~"a\\\\.b|c\\"d"');
  assert.is(scopeMatchers({ window: '7d', namespaces: ['shop'], selector: 'cluster="x"' }), 'namespace="shop", cluster="x"');
  const join = workloadOfPod({ window: '3d', namespaces: ['shop'] });
  assert.match(join, /kube_replicaset_owner\{namespace="shop", owner_kind!="<none>", owner_kind!=""\}\[3d\] @ end\(\)/);
  assert.match(join, /kube_job_owner/);
});

test('pages: namespaces packed in name order under the sample budget; an oversized one alone', () => {
  const sizes = new Map([['b', 100], ['a', 100], ['c', 1000], ['d', 10]]);
  // 72 points × 3 samples per series-point: a = b = 21,600, c = 216,000, d = 2,160.
  assert.equal(packPages(sizes, 72, 50_000), [['a', 'b'], ['c'], ['d']]);
  assert.equal(packPages(sizes, 72, 10_000_000), [['a', 'b', 'c', 'd']]);
  assert.equal(packPages(new Map(), 72, 1), []);
});

function row(partial: Partial<Recommendation> & Pick<Recommendation, 'workload'>): Recommendation {
  return {
    namespace: 'ns', kind: 'Deployment', container: 'app', pods: 1, images: [], peakBytes: MI, oomKilledPods: 0, restarts: 0,
    verdict: { kind: 'steady', baselineBytes: MI, peakBytes: MI }, action: 'x', peakAnnotation: '1Mi', ...partial,
  };
}

test('risk order: OOM kills, then headroom (no limit counts as none), then a leak\'s days left, then name', () => {
  const rows = [
    row({ workload: 'roomy', headroom: 0.6 }),
    row({ workload: 'tight', headroom: 0.05 }),
    row({ workload: 'killed', headroom: 0.5, oomKilledPods: 1 }),
    row({ workload: 'unlimited' }),
    row({ workload: 'leak-late', headroom: 0.6, verdict: { kind: 'leak', dailyMinimums: [], growthPerDay: 1, currentBytes: 1, daysToLimit: 9 } }),
    row({ workload: 'leak-soon', headroom: 0.6, verdict: { kind: 'leak', dailyMinimums: [], growthPerDay: 1, currentBytes: 1, daysToLimit: 2 } }),
  ];
  assert.equal(rows.sort(byRisk).map((r) => r.workload), ['killed', 'unlimited', 'tight', 'leak-soon', 'leak-late', 'roomy']);
});

test('a recommendation is sized by the one formula from the recorded (whole-Mi) peak; a leak is not sized', () => {
  const points = 72;
  const times = Float64Array.from({ length: points }, (_, i) => END - (points - 1 - i) * HOUR);
  const figures = (max: (i: number) => number) => ({
    namespace: 'shop', kind: 'Deployment', workload: 'api', container: 'api', workingSetBytes: Math.max(...times.map((_, i) => max(i))), rssBytes: 100 * MI,
    limitBytes: 1024 * MI, oomKilledPods: 0, restarts: 0, pods: 2, images: new Map([['eclipse-temurin:17-jre', 2]]),
    times, max: Float64Array.from(times, (_, i) => max(i)), min: Float64Array.from(times, (_, i) => max(i)),
  });
  const spike = buildRecommendation(figures((i) => (i === 10 ? 812.5 * MI : 300 * MI)), HOUR, END);
  assert.equal([spike.runtime, spike.runtimeSource, spike.recommendedLimitBytes, spike.peakAnnotation], ['jvm', 'image', 1424 * MI, '813Mi']);
  assert.is(spike.action, 'limit = request = 1424Mi (peak 813Mi × 1.5 + 204Mi JVM overhead (Serial GC) = 1424Mi; limit 1Gi now); spike: baseline 300Mi, peak 813Mi at 2026-11-27T11:00Z, back to 300Mi by 2026-11-27T12:00Z');
  const declared = buildRecommendation(figures(() => 300 * MI), HOUR, END, { runtime: 'go', source: 'manifest annotation' });
  assert.equal([declared.runtime, declared.runtimeSource], ['go', 'manifest annotation']);
  const leak = buildRecommendation(figures((i) => (300 + i) * MI), HOUR, END);
  assert.equal([leak.verdict.kind, leak.recommendedLimitBytes], ['leak', undefined]);
  assert.match(leak.action, /^no bigger limit: leak: /);
});

test('csv: one header, RFC 4180 quoting of commas and quotes', () => {
  const text = formatCsv([row({ workload: 'a,b', action: 'say "hi", then go' })]);
  const [header, line] = text.trimEnd().split('\n');
  assert.is(header, CSV_COLUMNS.join(','));
  assert.ok(line.startsWith('ns,Deployment,"a,b",app,'), line);
  assert.ok(line.endsWith(',"say ""hi"", then go"'), line);
});

test('json is written in pieces, and is exactly JSON.stringify(report, null, 2)', () => {
  const meta = { prometheus: 'http://p', window: '7d', step: '1h', end: END, queries: 3, pages: 1, splits: 0 };
  const rows = [row({ workload: 'a', limitBytes: 2 * MI }), row({ workload: 'b' })];
  const text = formatJson(rows, meta, { manifests: { files: 1, edits: [] } });
  const parsed = JSON.parse(text);
  assert.is(text, `${JSON.stringify(parsed, null, 2)}\n`);
  assert.equal(parsed.containers.map((c: { workload: string; limit?: string }) => [c.workload, c.limit]), [['a', '2Mi'], ['b', undefined]]);
  assert.is(parsed.end, '2026-11-30T00:00:00.000Z');
  const empty = formatJson([], meta);
  assert.is(empty, `${JSON.stringify(JSON.parse(empty), null, 2)}\n`);
});

test('chart spec: a line per container, the limit, 90% and 75% of it, and the recommendation', () => {
  const spec = workloadChartSpec('ns/Deployment/api', [row({ workload: 'api', limitBytes: 1024 * MI, recommendedLimitBytes: 1500 * MI, series: [[END, 512 * MI]] })]);
  const layers = spec.layer as { data: { values: { label?: string; mib: number; time?: number }[] } }[];
  assert.equal(layers[0].data.values, [{ time: END * 1000, mib: 512, container: 'app' } as never]);
  assert.equal(layers[1].data.values.map((v) => v.label), ['limit 1Gi', '90% 922Mi', '75% 768Mi', 'recommended 1500Mi']);
});

test('--manifests in one generated file of 3,000 workloads: every edit in place, each document parsed once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-recommend-unit-'));
  try {
    const documents = Array.from({ length: 3000 }, (_, i) => [
      `# workload ${i}`, 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: svc-${i}`, '  namespace: shop',
      'spec:', '  template:', '    spec:', '      containers:', '        - name: app', '          image: nginx:1.27',
      ...(i % 2 ? ['        - name: side', '          image: nginx:1.27'] : []),
    ].join('\n'));
    const text = `${documents.join('\n---\n')}\n`;
    writeFileSync(join(dir, 'all.yaml'), text);
    const rows = Array.from({ length: 3000 }, (_, i) => row({ namespace: 'shop', workload: `svc-${i}`, container: 'app', recommendedLimitBytes: MI, peakAnnotation: `${i + 1}Mi` }));
    const started = Date.now();
    const plan = planPeakEdits(indexManifests(dir), rows);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 10, `${seconds}s`);
    assert.equal(plan.problems, []);
    const after = plan.changed.get(join(dir, 'all.yaml'))!.after;
    const expected = documents.map((document, i) => document.replace('  namespace: shop', `  namespace: shop\n  annotations:\n    oomguard.io/peak-rss${i % 2 ? '.app' : ''}: ${i + 1}Mi`));
    assert.is(after, `${expected.join('\n---\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Feed `text` to a splitter in pieces of `size` characters; the elements and the envelope. */
function split(text: string, size: number): { elements: unknown[]; envelope: string } {
  const elements: unknown[] = [];
  const splitter = new ResultSplitter((json) => elements.push(JSON.parse(json)));
  for (let i = 0; i < text.length; i += size) splitter.push(text.slice(i, i + size));
  return { elements, envelope: splitter.end() };
}

test('answers are cut into result elements as they arrive, whatever the chunks; the envelope stays', () => {
  // Label values with everything that could fool a scanner: quotes, backslashes, brackets, commas, keys' names.
  const result = [
    { metric: { namespace: 'a"b', pod: 'x\\"]}', container: '{"result":[1,2]}', image: 'caf\u00e9 \u2028 ✓' }, values: [[1, '1'], [2, '2.5e9']] },
    { metric: {}, values: [] },
    { metric: { figure: 'max', note: ',,,][' }, values: [[3, 'NaN']] },
  ];
  const answer = { status: 'success', data: { resultType: 'matrix', result }, warnings: ['store "eu" down: a,b]'], infos: [] };
  for (const text of [JSON.stringify(answer), JSON.stringify(answer, null, 2)]) {
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const { elements, envelope } = split(text, size);
      assert.equal(elements, result, `chunks of ${size}`);
      assert.equal(JSON.parse(envelope), { ...answer, data: { resultType: 'matrix', result: [] } }, `chunks of ${size}`);
    }
  }
  // A scalar's result is [time, value]; an empty result; a key order other than Prometheus'.
  assert.equal(split('{"status":"success","data":{"resultType":"scalar","result":[1764460800.5,"7"]}}', 5).elements, [1764460800.5, '7']);
  assert.equal(split('{"data":{"result":[],"resultType":"vector"},"status":"success"}', 3), { elements: [], envelope: '{"data":{"result":[],"resultType":"vector"},"status":"success"}' });
  // An error, and something that is not JSON at all, pass through whole into the envelope.
  const error = '{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}';
  assert.equal(split(error, 10), { elements: [], envelope: error });
  assert.equal(split('<html><body>502 Bad Gateway [nginx]</body></html>\n', 4), { elements: [], envelope: '<html><body>502 Bad Gateway [nginx]</body></html>\n' });
  // Only `data.result` of the top object is cut up; a `result` elsewhere is envelope.
  assert.equal(split('{"other":{"result":[{"a":1}]},"data":{"result":[{"b":2}]}}', 6), { elements: [{ b: 2 }], envelope: '{"other":{"result":[{"a":1}]},"data":{"result":[]}}' });
  // The envelope is bounded: a huge page that is not the API does not grow memory.
  assert.is(split('x'.repeat(MAX_ENVELOPE_CHARS + 5000), 65536).envelope.length, MAX_ENVELOPE_CHARS);
  // Nor does a body of brackets, or a giant key.
  assert.throws(() => split('['.repeat(1_000_000), 4096), /JSON nested deeper than 64/);
  assert.equal(split(`{"${'k'.repeat(1_000_000)}":1,"data":{"result":[2]}}`, 4096).elements, [2]);
});

test('a Job\'s or CronJob\'s containers: sized from the peak of their runs, never a leak, even when the runs tile the window and grow', () => {
  // Hourly runs that leave no gap, each a little bigger: daily minimums rise, as a leak's would.
  const runs = series(3, (h) => (300 + 2 * h + (h % 24 === 5 ? 200 : 0)) * MI, (h) => (300 + 2 * h) * MI);
  assert.is(classify(runs, 2048 * MI).kind, 'leak', 'judged as one process, it would look like a leak');
  const verdict = classify(runs, 2048 * MI, { shortLivedPods: 72 });
  assert.equal(verdict, { kind: 'job', pods: 72, peakBytes: (300 + 2 * 53 + 200) * MI, peakAt: END - 18 * HOUR });
  assert.is(describeVerdict(verdict), 'job: 72 short-lived pods in the window, sized from their highest peak, 606Mi at 2026-11-29T06:00Z (leak and spike are told apart only in long-running containers)');
  assert.equal(classify(series(1, () => Number.NaN), undefined, { shortLivedPods: 3 }).kind, 'unknown');
});

test.run();
