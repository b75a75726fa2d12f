/**
 * Whatever `generate` prints, `lint` passes without an error or a warning: a property over every
 * runtime and peaks from 32Mi to 64Gi (edges plus a deterministic spread), then the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTool } from './helpers/tools';
import { dump } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GIB, MIB } from '../lib/core/quantity';
import { createLinter } from '../lib/engine/linter';
import { lintText } from '../lib/engine/lint-text';
import { buildDeployment } from '../lib/generate/deployment';
import { RUNTIME_IDS } from '../lib/runtimes';

const linter = createLinter();
const IMAGES: Record<string, string> = { jvm: 'eclipse-temurin:17', node: 'node:20', go: 'example/go-svc:1', python: 'python:3.12', dotnet: 'mcr.microsoft.com/dotnet/aspnet:8.0', ruby: 'ruby:3.3' };

function peaks(): number[] {
  const values = [32 * MIB, 32 * MIB + 1, 33 * MIB, 100 * MIB, 999 * MIB, GIB, GIB + 1, 10 * GIB, 64 * GIB - 1, 64 * GIB];
  // A deterministic spread: 200 points, log-uniform between 32Mi and 64Gi, not rounded to anything.
  let seed = 42;
  for (let index = 0; index < 200; index++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    values.push(Math.round(32 * MIB * Math.pow(2048, seed / 2 ** 31)));
  }
  return values;
}

test('every generated Deployment lints clean (6 runtimes × 210 peaks, plus legacy JVMs)', () => {
  let checked = 0;
  for (const runtime of RUNTIME_IDS) {
    for (const peakBytes of peaks()) {
      for (const legacy of runtime === 'jvm' ? [false, true] : [false]) {
        const image = legacy ? 'openjdk:8u181-jre' : IMAGES[runtime];
        const text = dump(buildDeployment({ name: 'svc', image, runtime, peakBytes, port: 8080, legacyJvm: legacy }));
        const report = lintText(text, 'generated.yaml', linter);
        const problems = report.findings.filter((finding) => finding.severity !== 'info');
        if (problems.length) assert.unreachable(`${runtime} peak ${peakBytes}${legacy ? ' legacy' : ''}: ${problems.map((p) => `${p.ruleId}: ${p.message}`).join('; ')}`);
        assert.is(report.workloads, 1);
        checked++;
      }
    }
  }
  assert.is(checked, 7 * 210);
});

test('the numbers: 400Mi JVM peak gives 802Mi with MaxRAMPercentage=MinRAMPercentage=74.8 and a startup probe', () => {
  const deployment = buildDeployment({ name: 'api', image: 'eclipse-temurin:17', runtime: 'jvm', peakBytes: 400 * MIB, port: 8080 }) as any;
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.resources, { limits: { memory: '802Mi' }, requests: { memory: '802Mi' } });
  assert.equal(container.env, [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseContainerSupport -XX:MaxRAMPercentage=74.8 -XX:MinRAMPercentage=74.8 -XX:+ExitOnOutOfMemoryError' }]);
  assert.equal(container.startupProbe, { httpGet: { path: '/livez', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 30 });
  assert.equal(deployment.metadata.annotations, { 'oomguard.io/runtime': 'jvm', 'oomguard.io/peak-rss': '400Mi' });
});

test('user options are merged, not clobbered', () => {
  const deployment = buildDeployment({
    name: 'web', image: 'node:20', runtime: 'node', peakBytes: 200 * MIB, port: 3000,
    env: [{ name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=4096' }, { name: 'PORT', value: '3000' }],
  }) as any;
  assert.equal(deployment.spec.template.spec.containers[0].env, [
    // 400Mi limit - 100Mi overhead - the 3 MiB young generation V8 adds in a container that size.
    { name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=297' },
    { name: 'PORT', value: '3000' },
  ]);
});

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');
const cli = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });

test('CLI: generate | lint - passes for every runtime; bad arguments exit 2', () => {
  for (const runtime of RUNTIME_IDS) {
    const generated = cli(['generate', '--name', `svc-${runtime}`, '--image', IMAGES[runtime], '--runtime', runtime, '--peak-rss', '300Mi']);
    assert.is(generated.status, 0, generated.stderr);
    const linted = cli(['lint', '-f', 'json', '-'], generated.stdout);
    assert.is(linted.status, 0, linted.stdout);
    assert.equal(JSON.parse(linted.stdout).findings, []);
  }
  const json = JSON.parse(cli(['generate', '--name', 'x', '--image', 'i', '--runtime', 'go', '--peak-rss', '100Mi', '-f', 'json']).stdout);
  assert.equal(json.spec.template.spec.containers[0].env, [{ name: 'GOMEMLIMIT', value: '150MiB' }]);
  for (const [args, message] of [
    [['--name', 'x', '--image', 'i', '--runtime', 'java', '--peak-rss', '1Gi'], /--runtime "java" is not one of jvm, node/],
    [['--name', 'x', '--image', 'i', '--runtime', 'go', '--peak-rss', '512MB'], /--peak-rss "512MB" uses the unit "MB"/],
    [['--name', 'x', '--image', 'i', '--runtime', 'go', '--peak-rss', '0'], /more than zero/],
    [['--name', 'Bad_Name', '--image', 'i', '--runtime', 'go', '--peak-rss', '1Gi'], /not a valid Kubernetes name/],
    [['--image', 'i', '--runtime', 'go', '--peak-rss', '1Gi'], /missing --name/],
  ] as const) {
    const result = cli(['generate', ...args]);
    assert.is(result.status, 2);
    assert.match(result.stderr, message);
    assert.not.match(result.stderr, /at .*\.js:\d+/); // no stack trace
  }
});

test('CLI: generate refuses what Kubernetes cannot store and output that would not lint clean (issue #12)', () => {
  // (A 1-byte peak used to be refused for the JVM; since the runtime facts model puts each runtime's
  // minimum heap inside the limit, every runtime's smallest Deployment lints clean: see the loop below.)
  const base = ['generate', '--name', 'x', '--image', 'eclipse-temurin:17', '--runtime', 'jvm'];
  for (const [args, message] of [
    [['--peak-rss', '6Ei'], /--peak-rss "6Ei" needs a memory limit of \d+Mi, more than Kubernetes can store \(an int64 count of bytes/],
    [['--peak-rss', '1Gi', '--replicas', '2147483648'], /--replicas "2147483648" is not a whole number from 0 to 2147483647 \(replicas is an int32\)/],
    [['--peak-rss', '1Gi', '--replicas', ''], /--replicas "" is not a whole number/],
    [['--peak-rss', '1Gi', '--replicas', '1e3'], /--replicas "1e3" is not a whole number/],
    [['--peak-rss', '1Gi', '--port', '0x50'], /--port "0x50" is not a port number/],
    [['--peak-rss', '1Gi', '--namespace', 'Shop_NS'], /--namespace "Shop_NS" is not a valid Kubernetes namespace \(a DNS-1123 label/],
    [['--peak-rss', '1Gi', '--namespace', 'a'.repeat(64)], /is not a valid Kubernetes namespace/],
  ] as const) {
    const result = cli([...base, ...args]);
    assert.equal([result.status, result.stdout], [2, ''], args.join(' '));
    assert.match(result.stderr, message);
  }
  // The largest that fits, and the edges that are allowed, still print a Deployment that lints clean.
  const big = cli([...base, '--peak-rss', '5Ei', '--replicas', '2147483647', '--namespace', 'shop']);
  assert.is(big.status, 0, big.stderr);
  assert.match(big.stdout, /replicas: 2147483647\n/);
  const linted = cli(['lint', '-f', 'json', '-'], big.stdout);
  assert.equal(JSON.parse(linted.stdout).findings, []);
  for (const runtime of ['jvm', 'node', 'go', 'python', 'dotnet', 'ruby']) {
    const tiny = cli(['generate', '--name', 'x', '--image', 'eclipse-temurin:17', '--runtime', runtime, '--peak-rss', '1']);
    assert.is(tiny.status, 0, `${runtime}: ${tiny.stderr}`);
    assert.equal(JSON.parse(cli(['lint', '-f', 'json', '-'], tiny.stdout).stdout).findings, [], runtime);
  }
});

test('CLI: generate --alerts adds a PrometheusRule that promtool accepts, for the generated limit', () => {
  const result = cli(['generate', '--name', 'api', '--image', 'node:20', '--runtime', 'node', '--peak-rss', '200Mi', '--alerts', '-f', 'json']);
  assert.is(result.status, 0, result.stderr);
  const list = JSON.parse(result.stdout);
  assert.equal(list.items.map((item: any) => item.kind), ['Deployment', 'PrometheusRule']);
  const rule = list.items[1];
  assert.is(rule.metadata.labels['app.kubernetes.io/name'], 'api');
  const exprs = rule.spec.groups[0].rules.map((r: any) => r.expr).join('\n');
  assert.match(exprs, /container_memory_working_set_bytes/);
  assert.match(exprs, /\* 0 \+ 419430400\b/); // the 400Mi limit (200Mi × 1.5 + 100Mi), as the fallback limit
  if (!haveTool('promtool', 'checks generated alert rules')) return;
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-alerts-'));
  try {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, JSON.stringify(rule.spec));
    const check = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    assert.is(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
