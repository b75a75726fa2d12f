/**
 * `oomguard recommend` against a real Prometheus server: the test generates a fleet of 2,000
 * containers in 400 workloads over 3 days at 5-minute resolution (bench/recommend-fleet.ts, with
 * known peaks, leaks and spikes), backfills it with `promtool tsdb create-blocks-from openmetrics`,
 * and starts `prometheus` with a small --query.max-samples, so the unpaged queries are refused and
 * paging is what makes the answers come back. Also: an authenticating proxy in front of it, a
 * Prometheus that is down, one that stops answering, and the docs' end-to-end example
 * (recommend → write → fix → lint clean), checked byte for byte against docs/recommend.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFleet, type ExpectedContainer } from '../bench/recommend-fleet';
import { run as recommend } from '../lib/cli/commands/recommend';
import { run as fix } from '../lib/cli/commands/fix';
import { run as lint } from '../lib/cli/commands/lint';
import { createPrometheusClient, PrometheusError } from '../lib/prometheus/client';
import { memoryRangeQuery } from '../lib/recommend/promql';
import { recommend as size } from '../lib/sizing/formula';
import { authProxy, backfill, copyBlocks, freePort, headerGateway, startPrometheus, type RunningPrometheus } from './helpers/prometheus-server';
import { haveTool } from './helpers/tools';
import { captureRun } from './helpers/capture';
import { main } from '../lib/cli/main';

const MI = 1024 * 1024;
/** A fixed end, so the figures in docs/recommend.md do not move. */
const END = Date.UTC(2026, 10, 30) / 1000;
/** Small enough that one range query over the whole fleet is refused (it loads ~420,000 samples). */
const MAX_SAMPLES = 100_000;

interface Context { dir: string; server?: RunningPrometheus; expected: ExpectedContainer[]; running: number; ready: boolean }
const test = suite<Context>('recommend', { dir: '', expected: [], running: 0, ready: false });

test.before(async (context) => {
  if (!haveTool('prometheus', 'recommend is tested against a real Prometheus server (apt-get install prometheus)')) return;
  if (!haveTool('promtool', 'the test backfills Prometheus with promtool (apt-get install prometheus)')) return;
  context.dir = mkdtempSync(join(tmpdir(), 'oomguard-recommend-'));
  const data = join(context.dir, 'fleet.om');
  const fleet = writeFleet(data, { end: END });
  context.expected = [...fleet.containers];
  context.running = fleet.running;
  backfill(context.dir, data);
  rmSync(data);
  context.server = await startPrometheus(context.dir, [`--query.max-samples=${MAX_SAMPLES}`]);
  context.ready = true;
});

test.after(async (context) => {
  await context.server?.stop();
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

const cli = captureRun;

const id = (c: { namespace: string; kind: string; workload: string; container: string }) => `${c.namespace}/${c.kind}/${c.workload}/${c.container}`;

function compare(expected: readonly ExpectedContainer[], containers: readonly Record<string, any>[]): Record<string, string[]> {
  const got = new Map(containers.map((c) => [id(c as never), c]));
  const wrong: Record<string, string[]> = {};
  for (const e of expected) {
    const g = got.get(id(e));
    const checks: Record<string, [unknown, unknown]> = g === undefined ? { found: [false, true] } : {
      workingSet: [g.workingSetBytes, e.peakWorkingSet], rss: [g.rssBytes, e.peakRss], peak: [g.peakBytes, Math.max(e.peakWorkingSet, e.peakRss)],
      verdict: [g.verdict.kind, e.verdict], limit: [g.limitBytes, e.limitBytes], request: [g.requestBytes, e.requestBytes],
      oomKilledPods: [g.oomKilledPods, e.oomPods], restarts: [g.restarts, e.restarts], runtime: [g.runtime, e.runtime], pods: [g.pods, e.pods],
    };
    for (const [name, [actual, wanted]] of Object.entries(checks)) {
      if (actual !== wanted) (wrong[name] ??= []).push(`${id(e)}: ${actual} instead of ${wanted}`);
    }
  }
  return wrong;
}

const base = (url: string) => ['--prometheus', url, '--window', '3d', '--at', String(END)];

test('2,000 containers in 400 workloads: every peak exact, every leak and spike, ≤ 20 queries, ≤ 30 s', async ({ ready, server, expected, running }) => {
  if (!ready) return;
  assert.is(running, 2000, 'the fixture has 2,000 running containers');
  assert.is(new Set(expected.map((c) => `${c.namespace}/${c.workload}`)).size, 400);
  assert.equal([...new Set(expected.map((c) => c.kind))].sort(), ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'StatefulSet']);
  // The limit is real: the whole fleet in one range query is refused.
  try {
    await createPrometheusClient({ url: server!.url }).queryRange(memoryRangeQuery({ window: '3d' }, '1h'), { start: END - 3 * 86400 + 3600, end: END, step: 3600 });
    assert.unreachable('the unpaged range query must exceed --query.max-samples');
  } catch (error) {
    assert.instance(error, PrometheusError);
    assert.match((error as Error).message, /too many samples/);
  }
  const started = Date.now();
  const result = await cli(recommend, [...base(server!.url), '--format', 'json', '--max-samples', String(MAX_SAMPLES)]);
  const seconds = (Date.now() - started) / 1000;
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.is(report.containers.length, expected.length);
  assert.equal(compare(expected, report.containers), {});
  assert.ok(report.pages > 1, `paged by namespace (${report.pages} pages)`);
  assert.is(report.splits, 0, 'pages packed under --max-samples need no split');
  assert.ok(report.queries <= 20, `${report.queries} queries`);
  assert.ok(seconds <= 30, `${seconds}s`);
  const verdicts = new Map<string, number>();
  for (const c of expected) verdicts.set(c.verdict, (verdicts.get(c.verdict) ?? 0) + 1);
  assert.ok((verdicts.get('leak') ?? 0) >= 50 && (verdicts.get('spike') ?? 0) >= 300 && (verdicts.get('job') ?? 0) >= 100, JSON.stringify([...verdicts]));
});

test('Jobs and CronJobs roll up and are sized from their peak: an hourly CronJob whose runs tile the window and grow is no leak', async ({ ready, server, expected }) => {
  if (!ready) return;
  const hourly = expected.find((c) => c.kind === 'CronJob' && c.pods === 360)!;
  const bare = expected.find((c) => c.kind === 'Job')!;
  const result = await cli(recommend, [...base(server!.url), '--format', 'json', '--namespace', hourly.namespace, '--namespace', bare.namespace]);
  assert.is(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout).containers as Record<string, any>[];
  for (const job of [hourly, bare]) {
    const row = rows.find((r) => id(r as never) === id(job))!;
    const peak = Math.max(job.peakWorkingSet, job.peakRss);
    assert.equal([row.verdict.kind, row.pods, row.recommendedLimitBytes], ['job', job.pods, size(Math.ceil(peak / MI) * MI, job.runtime as never).limitBytes]);
    assert.match(row.action, new RegExp(`; job: ${job.pods} short-lived pods? in the window, sized from (its|their) highest peak, [0-9.]+Mi at 2026-11-\\d\\dT\\d\\d:00Z \\(leak and spike are told apart only in long-running containers\\)$`));
  }
});

test('memory follows the page, not the fleet: the whole fleet costs at most 1.35x the peak RSS of one namespace', async ({ ready, server }) => {
  if (!ready) return;
  const bin = join(__dirname, '..', 'bin', 'oomguard.js');
  const rss = (scope: string[]) => {
    const file = join(tmpdir(), `oomguard-recommend-rss-${process.pid}`);
    const run = spawnSync(process.execPath, ['-r', join(__dirname, 'helpers', 'report-max-rss.js'), bin, 'recommend', ...base(server!.url), '--format', 'json', ...scope], {
      encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, OOMGUARD_TEST_RSS_FILE: file },
    });
    assert.is(run.status, 0, run.stderr);
    const kib = Number(readFileSync(file, 'utf8'));
    rmSync(file);
    return { kib, rows: JSON.parse(run.stdout).containers.length as number };
  };
  const one = rss(['--namespace', 'team-01']);
  const all = rss([]);
  assert.ok(all.rows >= 10 * one.rows, `${all.rows} rows vs ${one.rows}`);
  assert.ok(all.kib <= 1.35 * one.kib, `peak RSS ${Math.round(all.kib / 1024)} MiB for ${all.rows} containers vs ${Math.round(one.kib / 1024)} MiB for ${one.rows}`);
});

test('a page the server refuses for its size is split until it fits, with the same answers', async ({ ready, server, expected }) => {
  if (!ready) return;
  // The default budget packs everything in one page; the server's small limit refuses it.
  const result = await cli(recommend, [...base(server!.url), '--format', 'json', '--namespace', 'team-00', '--namespace', 'team-01', '--namespace', 'team-02', '--namespace', 'team-03']);
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.ok(report.splits > 0, `split ${report.splits} times`);
  const inScope = expected.filter((c) => ['team-00', 'team-01', 'team-02', 'team-03'].includes(c.namespace));
  assert.is(report.containers.length, inScope.length);
  assert.equal(compare(inScope, report.containers), {});
});

test('a leak gets no bigger limit but its days to the limit; a spike gets the sized limit; each with its figures', async ({ ready, server, expected }) => {
  if (!ready) return;
  const result = await cli(recommend, [...base(server!.url), '--format', 'json', '--namespace', 'team-03']);
  assert.is(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout).containers as Record<string, any>[];
  const leak = expected.find((c) => c.namespace === 'team-03' && c.verdict === 'leak' && c.limitBytes !== undefined)!;
  const row = rows.find((r) => id(r as never) === id(leak))!;
  assert.is(row.recommendedLimitBytes, undefined);
  assert.is(row.verdict.dailyMinimums.length, 3);
  // The daily minimums' slope is the generator's growth (within its 0.5% noise).
  assert.ok(Math.abs(row.verdict.growthPerDay - leak.leakPerDay!) / leak.leakPerDay! < 0.02, `${row.verdict.growthPerDay} vs ${leak.leakPerDay}`);
  const days = (leak.limitBytes! - row.verdict.currentBytes) / row.verdict.growthPerDay;
  assert.ok(Math.abs(row.verdict.daysToLimit - days) < 1e-9);
  assert.match(row.action, new RegExp(`^no bigger limit: leak: daily minimums [0-9.]+Mi → [0-9.]+Mi → [0-9.]+Mi \\(\\+[0-9.]+Mi/day\\) never return to baseline; profile this; it will be killed in about ${days < 10 ? days.toFixed(1) : days.toFixed(0)} days at this rate`));
  const spike = expected.find((c) => c.namespace === 'team-03' && c.verdict === 'spike' && c.runtime === 'python')!;
  const spiked = rows.find((r) => id(r as never) === id(spike))!;
  const peak = Math.max(spike.peakWorkingSet, spike.peakRss);
  // The one sizing formula: ceil_Mi(peak × 1.5 + the Python overhead).
  assert.is(spiked.recommendedLimitBytes, size(Math.ceil(peak / MI) * MI, 'python').limitBytes);
  assert.match(spiked.action, /^limit = request = \d+Mi \(peak [0-9.]+Mi × 1\.5 \+ \d+Mi Python overhead = \d+Mi; (limit \d+Mi|no limit) now\); spike: baseline [0-9.]+Mi, peak [0-9.]+Mi at 2026-11-\d\dT\d\d:\d\dZ, back to [0-9.]+Mi by/);
});

test('table sorted by risk (OOM kills, then headroom); csv', async ({ ready, server }) => {
  if (!ready) return;
  const table = await cli(recommend, [...base(server!.url), '--namespace', 'team-05', '--namespace', 'team-06']);
  assert.is(table.code, 0, table.stderr);
  const json = JSON.parse((await cli(recommend, [...base(server!.url), '--namespace', 'team-05', '--namespace', 'team-06', '--format', 'json'])).stdout).containers as Record<string, any>[];
  const lines = table.stdout.split('\n');
  assert.match(lines[0], /^NAMESPACE +WORKLOAD +CONTAINER +RUNTIME +PEAK +LIMIT +HEADROOM +OOM +RESTARTS +VERDICT +RECOMMENDED$/);
  const killed = json.filter((r) => r.oomKilledPods > 0).length;
  assert.ok(killed > 0);
  for (let i = 1; i < json.length; i++) {
    const [a, b] = [json[i - 1], json[i]];
    assert.ok(a.oomKilledPods > b.oomKilledPods || (a.oomKilledPods === b.oomKilledPods && (a.headroom ?? -Infinity) <= (b.headroom ?? -Infinity)), `row ${i} out of risk order`);
  }
  // The table lists the rows in the JSON's order.
  json.forEach((row, i) => assert.ok(lines[i + 1].startsWith(`${row.namespace.padEnd(9)}  ${`${row.kind}/${row.workload}`}`), lines[i + 1]));
  assert.match(table.stdout, /\n\d+ containers \(\d+ \w+.*\) over 3d to 2026-11-30T00:00:00.000Z from http:\/\/127\.0\.0\.1:\d+\/?: 3 queries in 1 page, [0-9.]+s\n$/);
  const csv = await cli(recommend, [...base(server!.url), '--namespace', 'team-05', '--namespace', 'team-06', '--format', 'csv']);
  const rows = csv.stdout.trimEnd().split('\n');
  assert.is(rows[0].split(',')[0], 'namespace');
  assert.is(rows.length, json.length + 1);
  // The action holds commas: quoted.
  assert.match(rows[1], /,"(limit|no bigger)[^"]*"$/);
  assert.is(rows[1].split(',').slice(0, 4).join('/'), `${json[0].namespace}/${json[0].kind}/${json[0].workload}/${json[0].container}`);
});

test('--html: one self-contained page, one chart per workload, no console error in a real Chromium', async ({ ready, server, dir, expected }) => {
  if (!ready) return;
  if (!haveTool('chromium', 'the HTML report is checked in a real headless browser (apt-get install chromium)')) return;
  const page = join(dir, 'report.html');
  const result = await cli(recommend, [...base(server!.url), '--namespace', 'team-03', '--namespace', 'team-04', '--html', page]);
  assert.is(result.code, 0, result.stderr);
  const html = readFileSync(page, 'utf8');
  assert.not.match(html, /<script[^>]+src=|<link[^>]+href=/, 'nothing loaded from elsewhere');
  const workloads = new Set(expected.filter((c) => ['team-03', 'team-04'].includes(c.namespace)).map((c) => `${c.namespace}/${c.workload}`)).size;
  const profile = join(dir, 'chromium-profile');
  const browser = spawnSync('/usr/bin/chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--virtual-time-budget=30000', '--dump-dom', `file://${page}`,
  ], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
  assert.is(browser.status, 0, browser.stderr);
  const dom = browser.stdout;
  // Console messages and uncaught errors are logged as CONSOLE lines; the page also records errors itself.
  assert.equal(browser.stderr.split('\n').filter((line) => /CONSOLE|Uncaught/.test(line)), []);
  assert.not.match(dom, /data-error=/);
  assert.match(dom, new RegExp(`<body data-charts="${workloads}" data-rendered="${workloads}"`));
  const charts = [...dom.matchAll(/<div class="chart" id="chart-\d+"[^>]*><svg/g)].length;
  assert.is(charts, workloads);
});

test('behind an authenticating proxy: --bearer-token-file (and --header for a tenant); without them a clear 401/403', async ({ ready, server, dir }) => {
  if (!ready) return;
  const proxy = await authProxy(server!.url, 'recommend-token');
  try {
    const token = join(dir, 'token');
    writeFileSync(token, 'recommend-token\n');
    const ok = await cli(recommend, [...base(proxy.url), '--namespace', 'team-07', '--format', 'json', '--bearer-token-file', token]);
    assert.is(ok.code, 0, ok.stderr);
    assert.ok(JSON.parse(ok.stdout).containers.length > 0);
    const anonymous = await cli(recommend, [...base(proxy.url), '--namespace', 'team-07']);
    assert.equal([anonymous.code, anonymous.stderr], [2, `oomguard recommend: ${proxy.url}/api/v1/query answered HTTP 401 (not authenticated): Unauthorized (pass a token with --bearer-token-file FILE)\n`]);
    const wrong = join(dir, 'wrong');
    writeFileSync(wrong, 'nope');
    const refused = await cli(recommend, [...base(proxy.url), '--namespace', 'team-07', '--bearer-token-file', wrong]);
    assert.is(refused.code, 2);
    assert.match(refused.stderr, /answered HTTP 401 \(not authenticated\): Unauthorized \(the token in .*wrong was refused\)\n$/);
    // The token is read bounded, as measure reads it: /dev/zero is refused at once (it grew to 8 GB).
    const zero = await cli(main, ['recommend', ...base(proxy.url), '--bearer-token-file', '/dev/zero']);
    assert.equal([zero.code, zero.stdout, zero.stderr], [2, '', 'oomguard recommend: --bearer-token-file /dev/zero: is a character device, not a regular file\n']);
  } finally {
    await proxy.close();
  }
  const gateway = await authProxy(server!.url, 'recommend-token', 'tenant-1');
  try {
    const token = join(dir, 'token');
    const tenant = await cli(recommend, [...base(gateway.url), '--namespace', 'team-07', '--format', 'json', '--bearer-token-file', token, '--header', 'X-Scope-OrgID: tenant-1']);
    assert.is(tenant.code, 0, tenant.stderr);
    const without = await cli(recommend, [...base(gateway.url), '--namespace', 'team-07', '--bearer-token-file', token]);
    assert.match(without.stderr, /answered HTTP 403 \(not allowed\): no org id \(the token in .* is not allowed this; a multi-tenant gateway such as Mimir's may want --header 'X-Scope-OrgID: TENANT'\)\n$/);
  } finally {
    await gateway.close();
  }
});

test('a Prometheus that is down, and one that stops answering: exit 2 with the reason; --selector; nothing in scope', async ({ ready, server }) => {
  if (!ready) return;
  const port = await freePort();
  const down = await cli(recommend, ['--prometheus', `http://127.0.0.1:${port}`]);
  assert.is(down.code, 2);
  assert.match(down.stderr, new RegExp(`^oomguard recommend: cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}/api/v1/query: fetch failed: connect ECONNREFUSED`));
  // The real server, stopped: it still accepts connections (the kernel does) but never answers.
  server!.process.kill('SIGSTOP');
  try {
    const started = Date.now();
    const stalled = await cli(recommend, [...base(server!.url), '--timeout', '2s']);
    assert.is(stalled.code, 2);
    assert.match(stalled.stderr, /^oomguard recommend: cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: no answer within 2s\n$/);
    assert.ok(Date.now() - started < 10_000);
  } finally {
    server!.process.kill('SIGCONT');
  }
  const selected = await cli(recommend, [...base(server!.url), '--selector', 'namespace=~"team-1[01]"', '--format', 'json']);
  assert.is(selected.code, 0, selected.stderr);
  assert.equal([...new Set(JSON.parse(selected.stdout).containers.map((c: { namespace: string }) => c.namespace))].sort(), ['team-10', 'team-11']);
  const none = await cli(recommend, [...base(server!.url), '--namespace', 'no-such-namespace']);
  assert.is(none.code, 1);
  assert.match(none.stderr, /has no container_memory_working_set_bytes with a kube_pod_owner in the last 3d in namespace no-such-namespace/);
});

test('what Thanos Query and Mimir add, on a real Prometheus: a path prefix, tenant headers, a partial answer\'s warnings', async ({ ready, dir, expected }) => {
  if (!ready) return;
  // Neither Thanos nor Mimir can be installed here (not in Debian, not on npm); what tells them apart
  // from Prometheus for recommend is reproduced with Prometheus itself. Mimir serves the API under
  // /prometheus and Thanos Query under its --web.route-prefix; a remote_read endpoint that is down
  // makes Prometheus answer with `warnings`, as Thanos does when a store is down (a partial response).
  const copy = join(dir, 'prefixed');
  copyBlocks(dir, copy);
  const closed = await freePort();
  const prefixed = await startPrometheus(copy, [], {
    routePrefix: '/prometheus',
    config: `remote_read:\n  - url: http://127.0.0.1:${closed}/api/v1/read\n    read_recent: true\n`,
  });
  const gateway = await headerGateway(prefixed.url, { 'X-Scope-OrgID': 'team-a|team-b', 'X-Team': 'platform' });
  try {
    const inScope = expected.filter((c) => c.namespace === 'team-08');
    const result = await cli(recommend, [...base(prefixed.url), '--namespace', 'team-08', '--format', 'json']);
    assert.is(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(compare(inScope, report.containers), {});
    // Every query came back with the same warning: printed once, the exit code unchanged, and in the JSON.
    const warning = `remote_read: error sending request: Post "http://127.0.0.1:${closed}/api/v1/read": dial tcp 127.0.0.1:${closed}: connect: connection refused`;
    assert.is(result.stderr, `oomguard recommend: warning from ${prefixed.url}: ${warning} (figures may be incomplete)\n`);
    assert.equal(report.warnings, [warning]);
    // The server's root is not the API: a 404, with the hint.
    const root = prefixed.url.replace(/\/prometheus$/, '');
    const wrong = await cli(recommend, [...base(root), '--namespace', 'team-08']);
    assert.is(wrong.code, 2);
    assert.is(wrong.stderr, `oomguard recommend: ${root}/api/v1/query answered HTTP 404 with something that is not the Prometheus API (404 page not found) (is the path right? Mimir serves the API under /prometheus, Thanos Query and Prometheus under their --web.route-prefix)\n`);
    // Headers, repeatable: every request carries each of them; without one, the gateway refuses.
    const tenants = await cli(recommend, [...base(`${gateway.url}/prometheus`), '--namespace', 'team-08', '--format', 'json', '--header', 'X-Scope-OrgID: team-a|team-b', '--header', 'x-team:platform']);
    assert.is(tenants.code, 0, tenants.stderr);
    assert.equal(compare(inScope, JSON.parse(tenants.stdout).containers), {});
    assert.ok(gateway.seen.length >= 3);
    assert.equal(new Set(gateway.seen.map((headers) => headers.join(' '))), new Set(['team-a|team-b platform']));
    const one = await cli(recommend, [...base(`${gateway.url}/prometheus`), '--namespace', 'team-08', '--header', 'X-Scope-OrgID: team-a|team-b']);
    assert.is(one.code, 2);
    assert.match(one.stderr, /answered HTTP 401 \(not authenticated\): missing X-Team/);
  } finally {
    await gateway.close();
    await prefixed.stop();
  }
  // Prometheus' sample limit, much lower: a namespace's range query is split in time until it fits,
  // with the same figures; lower than one series over the window: a clear error, exit 2.
  const limited = await startPrometheus(copy, ['--query.max-samples=4000']);
  try {
    const inScope = expected.filter((c) => c.namespace === 'team-05');
    const split = await cli(recommend, [...base(limited.url), '--namespace', 'team-05', '--format', 'json']);
    assert.is(split.code, 0, split.stderr);
    const report = JSON.parse(split.stdout);
    assert.ok(report.splits > 0, `${report.splits} splits`);
    assert.equal(compare(inScope, report.containers), {});
  } finally {
    await limited.stop();
  }
  const tiny = await startPrometheus(copy, ['--query.max-samples=500']);
  try {
    const refused = await cli(recommend, [...base(tiny.url), '--namespace', 'team-05']);
    assert.is(refused.code, 2);
    assert.is(refused.stderr, `oomguard recommend: Prometheus rejected the query (HTTP 422, execution): query processing would load too many samples into memory in query execution (one series over --window 3d is over the server's sample limit, its --query.max-samples: use a shorter --window or raise the limit)\n`);
  } finally {
    await tiny.stop();
  }
});

/** The fenced block that follows `<!-- recommend-e2e: NAME -->` in docs/recommend.md. */
function docBlock(doc: string, name: string): string {
  const found = new RegExp(`<!-- recommend-e2e: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
  if (!found) throw new Error(`docs/recommend.md has no block ${name}`);
  return found[1];
}

test('docs/recommend.md end to end: recommend → diff → --write → fix → lint clean, byte for byte', async ({ ready, server, dir }) => {
  if (!ready) return;
  const doc = readFileSync(join(__dirname, '..', 'docs', 'recommend.md'), 'utf8');
  const deploy = join(dir, 'e2e', 'deploy');
  mkdirSync(deploy, { recursive: true });
  const manifest = join(deploy, 'team-00.yaml');
  writeFileSync(manifest, docBlock(doc, 'manifest'));
  const args = [...base(server!.url), '--namespace', 'team-00', '--manifests', deploy];
  const dry = await cli(recommend, args);
  assert.is(dry.code, 0, dry.stderr);
  const diff = dry.stdout.slice(dry.stdout.indexOf('\n--- ') + 1).split('\n').slice(2).join('\n');
  assert.is(diff, docBlock(doc, 'diff').split('\n').slice(2).join('\n'));
  assert.is(readFileSync(manifest, 'utf8'), docBlock(doc, 'manifest'), 'without --write nothing is written');
  assert.match(dry.stderr, /^manifests: 2 peaks to record in 1 file \(run with --write\), 18 containers without a manifest in /);
  const written = await cli(recommend, [...args, '--write']);
  assert.is(written.code, 0, written.stderr);
  const fixed = await cli(fix, [deploy]);
  assert.is(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.is(readFileSync(manifest, 'utf8'), docBlock(doc, 'fixed'));
  const linted = await cli(lint, [deploy]);
  assert.is(linted.code, 0, linted.stdout);
  // Recording again changes nothing.
  await cli(recommend, [...args, '--write']);
  assert.is(readFileSync(manifest, 'utf8'), docBlock(doc, 'fixed'));
});

test('--manifests: a multi-container workload gets per-container keys; a leak is not written', async ({ ready, server, dir, expected }) => {
  if (!ready) return;
  const folder = join(dir, 'multi');
  mkdirSync(folder, { recursive: true });
  const leak = expected.find((c) => c.namespace === 'team-07' && c.verdict === 'leak')!;
  const members = expected.filter((c) => c.namespace === leak.namespace && c.workload === leak.workload);
  const text = [
    '# team-07, kept by hand',
    'apiVersion: apps/v1',
    `kind: ${leak.kind}`,
    'metadata:',
    `  name: ${leak.workload}`,
    '  namespace: team-07 # the namespace comment stays',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    ...members.map((c) => `      - {name: ${c.container}, image: "${c.image}"}`),
    '',
  ].join('\n');
  const file = join(folder, 'svc.yaml');
  writeFileSync(file, text);
  const result = await cli(recommend, [...base(server!.url), '--namespace', 'team-07', '--manifests', folder, '--write', '--format', 'json']);
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  const annotations = members.filter((c) => c.verdict !== 'leak').map((c) => {
    const row = report.containers.find((r: Record<string, unknown>) => id(r as never) === id(c));
    return `    oomguard.io/peak-rss.${c.container}: ${row.peakAnnotation}\n`;
  });
  assert.is(readFileSync(file, 'utf8'), text.replace('# the namespace comment stays\n', `# the namespace comment stays\n  annotations:\n${annotations.join('')}`));
  assert.equal(report.manifests.skipped.map((s: { container: string }) => s.container), members.filter((c) => c.verdict === 'leak').map((c) => c.container));
  assert.equal(report.manifests.written, [file]);
});

test('usage errors', async () => {
  for (const [argv, message] of [
    [[], /--prometheus URL is required/],
    [['--prometheus', 'http://x', '--window', 'a week'], /--window must be a Prometheus duration/],
    [['--prometheus', 'http://x', '--window', '7d', '--step', '5h'], /--window 7d must be a whole number of --step 5h/],
    [['--prometheus', 'http://x', '--step', '8d'], /--step 8d is longer than --window 7d/],
    [['--prometheus', 'http://x', '--selector', 'cluster=eu'], /--selector must be PromQL label matchers/],
    [['--prometheus', 'http://x', '--format', 'xml'], /--format must be table, json or csv/],
    [['--prometheus', 'http://x', '--write'], /--write needs --manifests DIR/],
    [['--prometheus', 'not a url'], /is not a URL/],
    [['--prometheus', 'http://x', '--max-samples', '0'], /--max-samples must be a positive whole number/],
    [['--prometheus', 'http://x', '--header', 'X-Scope-OrgID'], /--header must be "NAME: VALUE"/],
    [['--prometheus', 'http://x', '--header', 'X-Scope-OrgID: a', '--header', 'x-scope-orgid: b'], /--header x-scope-orgid is given twice; give it once \(Mimir reads several tenants from one value: 'X-Scope-OrgID: t1\|t2'\)/],
    [['--prometheus', 'http://x', '--html', '/no/such/folder/r.html'], /--html \/no\/such\/folder\/r\.html: the folder \/no\/such\/folder does not exist/],
  ] as const) {
    try {
      const result = await cli(recommend, [...argv]);
      assert.unreachable(`${argv.join(' ')} must be a usage error, got ${JSON.stringify(result)}`);
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
});

test.run();
