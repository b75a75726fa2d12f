/**
 * `oomguard measure --prometheus` against a real Prometheus server: the test backfills eight days of
 * cAdvisor and kube-state-metrics series with `promtool tsdb create-blocks-from openmetrics`, starts
 * `prometheus` on 127.0.0.1 with a random free port and a temporary data directory, queries it at an
 * explicit time, and stops it in teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../lib/cli/commands/measure-prometheus';
import { main } from '../lib/cli/main';
import { createPrometheusClient, PrometheusError, queryPeak } from '../lib/prometheus';
import { haveTool } from './helpers/tools';
import { captureRun } from './helpers/capture';
import { authProxy, freePort } from './helpers/prometheus-server';

const MI = 1024 * 1024;
const HOUR = 3600;
const DAY = 24 * HOUR;
/** The end of the data and the evaluation time: three hours before now, so every block is complete. */
const END = Math.floor(Date.now() / 1000 / 600) * 600 - 3 * HOUR;

interface Context { dir: string; server?: ChildProcess; url: string; ready: boolean }
const test = suite<Context>('prometheus', { dir: '', url: '', ready: false });


/** Eight days of samples every 10 minutes: a daily wave, one spike, and decoys the selector must skip. */
function openMetrics(): string {
  const lines: string[] = [];
  const family = (name: string, series: Array<[Record<string, string>, (t: number) => number | undefined]>) => {
    lines.push(`# TYPE ${name} gauge`);
    for (const [labels, valueAt] of series) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      for (let t = END - 8 * DAY; t <= END; t += 600) {
        const value = valueAt(t);
        if (value !== undefined) lines.push(`${name}{${text}} ${value} ${t}`);
      }
    }
  };
  const pod = (name: string, container: string, namespace = 'shop') => ({ namespace, pod: name, container });
  const wave = (base: number, amplitude: number) => (t: number) => Math.round(base + amplitude * (1 + Math.sin((2 * Math.PI * t) / DAY)) / 2);
  const spikeAt = END - 2 * DAY;
  const oldSpikeAt = END - 7.5 * DAY; // outside the 7-day window
  family('container_memory_working_set_bytes', [
    [pod('api-7d4b9c8f6d-x2x7k', 'api'), (t) => (t === spikeAt ? 812 * MI : t === oldSpikeAt ? 5120 * MI : wave(400 * MI, 200 * MI)(t))],
    [pod('api-7d4b9c8f6d-b5n6m', 'api'), wave(380 * MI, 150 * MI)],
    [pod('api-7d4b9c8f6d-x2x7k', 'envoy'), wave(40 * MI, 20 * MI)],
    [pod('api-7d4b9c8f6d-x2x7k', 'POD'), () => 1 * MI],
    [pod('api-gateway-5f6c7d8e9f-abcde', 'api'), () => 3072 * MI],
    [pod('api-7d4b9c8f6d-q1w2e', 'api', 'staging'), () => 2048 * MI],
    [pod('web-0', 'web'), (t) => (t > END - DAY ? 250 * MI : undefined)],
  ]);
  family('container_memory_rss', [
    [pod('api-7d4b9c8f6d-x2x7k', 'api'), (t) => (t === spikeAt ? 640 * MI : wave(300 * MI, 150 * MI)(t))],
    [pod('api-7d4b9c8f6d-b5n6m', 'api'), wave(280 * MI, 100 * MI)],
    [pod('api-7d4b9c8f6d-x2x7k', 'envoy'), wave(30 * MI, 15 * MI)],
    [pod('web-0', 'web'), (t) => (t > END - DAY ? 200 * MI : undefined)],
  ]);
  family('kube_pod_container_resource_limits', [
    [{ ...pod('api-7d4b9c8f6d-x2x7k', 'api'), resource: 'memory', unit: 'byte' }, () => 1024 * MI],
    [{ ...pod('api-7d4b9c8f6d-x2x7k', 'envoy'), resource: 'memory', unit: 'byte' }, () => 128 * MI],
    [{ ...pod('web-0', 'web'), resource: 'memory', unit: 'byte' }, () => 256 * MI],
  ]);
  family('kube_pod_container_status_last_terminated_reason', [
    [{ ...pod('web-0', 'web'), reason: 'OOMKilled' }, (t) => (t > END - 12 * HOUR ? 1 : undefined)],
  ]);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

test.before(async (context) => {
  if (!haveTool('prometheus', 'measure --prometheus is tested against a real Prometheus server (apt-get install prometheus)')) return;
  if (!haveTool('promtool', 'the test backfills Prometheus with promtool (apt-get install prometheus)')) return;
  context.dir = mkdtempSync(join(tmpdir(), 'oomguard-prometheus-'));
  writeFileSync(join(context.dir, 'data.om'), openMetrics());
  writeFileSync(join(context.dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const backfill = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=168h', join(context.dir, 'data.om'), join(context.dir, 'tsdb')], { encoding: 'utf8' });
  if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stderr}`);
  const port = await freePort();
  context.url = `http://127.0.0.1:${port}`;
  let log = '';
  context.server = spawn('prometheus', [
    `--config.file=${join(context.dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(context.dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=30d', // keeps the 8-day-old blocks
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  context.server.stderr!.on('data', (chunk) => { log = (log + chunk).slice(-4000); });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (context.server.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
    try {
      if ((await fetch(`${context.url}/-/ready`)).ok) { context.ready = true; return; }
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus not ready within 30s: ${log}`);
});

test.after(async (context) => {
  const server = context.server;
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

const cli = (argv: string[]) => captureRun(run, argv);
/** Through the CLI's entry, which turns a usage error into its sentence and exit 2. */
const viaMain = (argv: string[]) => captureRun(main, ['measure', ...argv]);

test('queryPeak: the 7-day max per container, only this workload\'s pods, with limit and OOM kills', async ({ ready, url }) => {
  if (!ready) return;
  const result = await queryPeak(createPrometheusClient({ url }), { namespace: 'shop', workload: 'api', at: new Date(END * 1000) });
  assert.equal(result.containers.map((c) => c.container), ['api', 'envoy'], 'no POD, no api-gateway, no staging');
  const [api, envoy] = result.containers;
  assert.equal([api.workingSetBytes, api.rssBytes, api.peakBytes, api.peakMetric, api.series, api.limitBytes, api.oomKilled],
    [812 * MI, 640 * MI, 812 * MI, 'working set', 2, 1024 * MI, false], 'the 5Gi sample 7.5 days back is outside the window');
  assert.equal([envoy.workingSetBytes, envoy.rssBytes, envoy.limitBytes], [60 * MI, 45 * MI, 128 * MI]);
  assert.equal(result.selector, '{namespace="shop", pod=~"api-[a-z0-9]+-[a-z0-9]{5}", container!="", container!="POD"}');
  // A shorter window that ends before the spike sees only the daily wave.
  const day = await queryPeak(createPrometheusClient({ url }), { namespace: 'shop', workload: 'api', container: 'api', window: '1d', at: new Date(END * 1000) });
  assert.equal(day.containers.map((c) => c.peakBytes), [600 * MI]);
});

test('measure --prometheus: recommended limit and flags, human and json', async ({ ready, url }) => {
  if (!ready) return;
  const base = ['--prometheus', url, '--namespace', 'shop', '--workload', 'api', '--at', String(END)];
  const human = await cli([...base, '--container', 'api', '--runtime', 'jvm']);
  assert.equal(human.code, 0, human.stderr);
  assert.equal(human.stdout.split('\n').slice(1, 5), [
    '  container api: peak 812Mi (working set 812Mi, RSS 640Mi; 2 pod series; limit 1Gi)',
    '    limit = request = 1422Mi (peak 812Mi × 1.5 + 204Mi JVM overhead (Serial GC) = 1422Mi)',
    '    JAVA_TOOL_OPTIONS="-XX:+UseContainerSupport -XX:MaxRAMPercentage=85.6 -XX:MinRAMPercentage=85.6 -XX:+ExitOnOutOfMemoryError"',
    '    oomguard.io/peak-rss: 812Mi',
  ]);
  const json = await cli([...base, '--format', 'json', '--kind', 'StatefulSet', '--workload', 'web', '--runtime', 'go']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.containers.length, 1);
  const web = report.containers[0];
  assert.equal([web.container, web.peakBytes, web.recommendedLimit, web.oomKilled], ['web', 250 * MI, '425Mi', true]);
  assert.equal(web.flags, [{ name: 'GOMEMLIMIT', value: '375MiB' }]);
  // 250Mi of a 256Mi limit, and an OOM kill: both say the real need may be higher.
  assert.equal(web.warnings, [
    'the peak 250Mi is within 5% of the limit 256Mi: the limit capped it, so the real need may be higher and 425Mi is a lower bound',
    'container web was OOM-killed in the window: its usage at the kill was not scraped, so the peak may be understated',
  ]);
});

test('measure --prometheus --write: one line per container added, every other byte kept', async ({ ready, url, dir }) => {
  if (!ready) return;
  const original = [
    '# The api, sized by oomguard.',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: api   # keep this comment',
    '  namespace: shop',
    '  labels: {app: api}',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: api',
    '        image: "eclipse-temurin:17-jre"',
    '      - {name: envoy, image: envoyproxy/envoy:v1.30.1}',
    '',
  ].join('\n');
  const file = join(dir, 'api.yaml');
  writeFileSync(file, original);
  const result = await cli(['--prometheus', url, '--namespace', 'shop', '--workload', 'api', '--at', String(END), '--write', file]);
  assert.equal(result.code, 0, result.stderr);
  const expected = original.replace('  labels: {app: api}\n', '  labels: {app: api}\n  annotations:\n    oomguard.io/peak-rss.api: 812Mi\n    oomguard.io/peak-rss.envoy: 60Mi\n');
  assert.equal(readFileSync(file, 'utf8'), expected);
  // The runtime came from the manifest's image.
  assert.ok(result.stdout.includes('    limit = request = 1422Mi (peak 812Mi × 1.5 + 204Mi JVM overhead (Serial GC) = 1422Mi)'), result.stdout);
  // Measuring again changes nothing.
  await cli(['--prometheus', url, '--namespace', 'shop', '--workload', 'api', '--at', String(END), '--write', file]);
  assert.equal(readFileSync(file, 'utf8'), expected);
});

test('measure --write keeps CRLF and refuses a hard-linked manifest, leaving it as it was (exit 2)', async ({ ready, url, dir }) => {
  if (!ready) return;
  const lf = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: "eclipse-temurin:17-jre"\n      - {name: envoy, image: envoyproxy/envoy:v1.30.1}\n';
  const crlf = join(dir, 'crlf.yaml');
  writeFileSync(crlf, lf.replace(/\n/g, '\r\n'));
  const written = await cli(['--prometheus', url, '--namespace', 'shop', '--workload', 'api', '--at', String(END), '--write', crlf]);
  assert.equal(written.code, 0, written.stderr);
  const expected = lf.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    oomguard.io/peak-rss.api: 812Mi\n    oomguard.io/peak-rss.envoy: 60Mi\n');
  assert.equal(readFileSync(crlf, 'utf8'), expected.replace(/\n/g, '\r\n'));
  const linked = join(dir, 'linked.yaml');
  writeFileSync(linked, lf);
  linkSync(linked, join(dir, 'linked-too.yaml'));
  const refused = await cli(['--prometheus', url, '--namespace', 'shop', '--workload', 'api', '--at', String(END), '--write', linked]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /cannot write .*linked\.yaml: it has 2 hard links: an atomic replace would split them.*; the file is left unchanged/);
  assert.equal(readFileSync(linked, 'utf8'), lf);
});

test('no samples, bad PromQL, an unreachable server: clear messages and exit codes', async ({ ready, url }) => {
  if (!ready) return;
  const none = await cli(['--prometheus', url, '--namespace', 'shop', '--workload', 'nope', '--at', String(END)]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /has no container_memory_working_set_bytes or container_memory_rss for Deployment shop\/nope in the last 7d/);
  try {
    await createPrometheusClient({ url }).query('max_over_time(foo[');
    assert.unreachable('a parse error must throw');
  } catch (error) {
    assert.instance(error, PrometheusError);
    assert.match((error as Error).message, /^Prometheus rejected the query \(HTTP 400, bad_data\)/);
  }
  const port = await freePort();
  const down = await cli(['--prometheus', `http://127.0.0.1:${port}`, '--workload', 'api']);
  assert.equal(down.code, 2);
  assert.match(down.stderr, new RegExp(`cannot reach Prometheus at http://127.0.0.1:${port}/api/v1/query`));
});

// authProxy (test/helpers/prometheus-server.ts): a stand-in for kube-rbac-proxy or an OAuth proxy
// (neither runs here) in front of the real Prometheus.

test('--bearer-token-file: a Prometheus behind an authenticating proxy', async ({ ready, url, dir }) => {
  if (!ready) return;
  const proxy = await authProxy(url, 'secret-token-1');
  try {
    const base = ['--prometheus', proxy.url, '--namespace', 'shop', '--workload', 'api', '--container', 'api', '--at', String(END), '--format', 'json'];
    // A token file as `kubectl create token ... > file` writes it: with a trailing newline.
    const good = join(dir, 'token');
    writeFileSync(good, 'secret-token-1\n');
    const measured = await cli([...base, '--bearer-token-file', good]);
    assert.equal(measured.code, 0, measured.stderr);
    assert.is(JSON.parse(measured.stdout).containers[0].peakBytes, 812 * MI);

    const anonymous = await cli(base);
    assert.equal(anonymous.code, 2);
    assert.equal(anonymous.stderr, `oomguard measure: ${proxy.url}/api/v1/query answered HTTP 401 (not authenticated): Unauthorized (pass a token with --bearer-token-file FILE)\n`);

    const wrong = join(dir, 'wrong-token');
    writeFileSync(wrong, 'not-the-token');
    const refused = await cli([...base, '--bearer-token-file', wrong]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`answered HTTP 401 \\(not authenticated\\): Unauthorized \\(the token in ${wrong} was refused\\)\\n$`));

    const missing = await viaMain([...base, '--bearer-token-file', join(dir, 'absent')]);
    assert.equal([missing.code, missing.stderr], [2, `oomguard measure: --bearer-token-file ${join(dir, 'absent')}: ENOENT\n`]);
    // Bounded: /dev/zero is refused (a device), a token over 64 KiB is refused, a FIFO nobody writes reads as empty.
    const zero = await viaMain([...base, '--bearer-token-file', '/dev/zero']);
    assert.equal([zero.code, zero.stderr], [2, 'oomguard measure: --bearer-token-file /dev/zero: is a character device, not a regular file\n']);
    const fifo = join(dir, 'token-fifo');
    spawnSync('mkfifo', [fifo]);
    try {
      await cli([...base, '--bearer-token-file', fifo]);
      assert.unreachable('a FIFO without a writer is an empty token, not a hang');
    } catch (error) {
      assert.match((error as Error).message, /must hold one token \(it is empty\)/);
    }
    const empty = join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    try {
      await cli([...base, '--bearer-token-file', empty]);
      assert.unreachable('an empty token file is a usage error');
    } catch (error) {
      assert.match((error as Error).message, /must hold one token \(it is empty\)/);
    }
  } finally {
    await proxy.close();
  }
});

test('usage errors', async () => {
  for (const [argv, message] of [
    [['--workload', 'api'], /--prometheus URL is required/],
    [['--prometheus', 'http://x', '--workload', 'api', '--window', 'a week'], /--window must be a Prometheus duration/],
    [['--prometheus', 'http://x', '--workload', 'api', '--runtime', 'cobol'], /--runtime must be one of/],
  ] as const) {
    try {
      await cli([...argv]);
      assert.unreachable(`${argv.join(' ')} must be a usage error`);
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
});

test.run();
