import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ALERT_NAMES, buildClusterPrometheusRule, buildPrometheusRule, formatDuration, parseDuration, podNamePattern,
  prometheusRuleYaml, ruleFileYaml, templateFiles,
} from '../lib/alerts';
import { haveTool } from './helpers/tools';

const MI = 1024 * 1024;
const ROOT = join(__dirname, '..');

test('buildPrometheusRule: one PrometheusRule per container, five alerts, labels for the operator', () => {
  const rule = buildPrometheusRule({ name: 'api', namespace: 'shop', container: 'api', limitBytes: 512 * MI, labels: { release: 'prometheus' } });
  assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
  assert.equal(rule.kind, 'PrometheusRule');
  assert.equal(rule.metadata, {
    name: 'api-memory',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/managed-by': 'oomguard', release: 'prometheus' },
  });
  const rules = rule.spec.groups[0].rules;
  assert.equal(rule.spec.groups[0].name, 'oomguard.api.api');
  assert.equal(rules.map((r) => [r.alert, r.labels.severity, r.for]), [
    [ALERT_NAMES.nearLimit, 'warning', '15m'],
    [ALERT_NAMES.nearLimit, 'critical', '5m'],
    [ALERT_NAMES.growth, 'warning', '10m'],
    [ALERT_NAMES.oomKilled, 'critical', undefined],
    [ALERT_NAMES.killed, 'warning', undefined],
  ]);
  // Exit 137 counts only with a restart in the lookback, and never when the reason is OOMKilled.
  assert.ok(rules[4].expr.includes('kube_pod_container_status_last_terminated_exitcode{namespace="shop", pod=~"api-[a-z0-9]+-[a-z0-9]{5}", container="api"}) == 137\nunless on (namespace, pod, container)'));
  assert.ok(rules[0].expr.endsWith('\n> 0.75'));
  assert.ok(rules[1].expr.endsWith('\n> 0.9'));
  // The known limit is the fallback when kube-state-metrics has none.
  assert.ok(rules[0].expr.includes('* 0 + 536870912'));
  assert.ok(rules[0].expr.includes('pod=~"api-[a-z0-9]+-[a-z0-9]{5}", container="api"'));
  assert.ok(rules[2].expr.includes('[30m], 14400)') && rules[2].expr.includes('[30m] offset 30m, 14400)'));
  assert.equal(rules[0].labels, { severity: 'warning', workload: 'api' });
});

test('buildPrometheusRule: without a known limit only kube-state-metrics sizes the ratio', () => {
  const rule = buildPrometheusRule({ name: 'worker', container: 'sidecar', kind: 'StatefulSet' });
  const expr = rule.spec.groups[0].rules[0].expr;
  assert.not.ok(expr.includes(' or\n'));
  assert.ok(expr.includes('pod=~"worker-[0-9]+", container="sidecar"'));
  assert.not.ok(expr.includes('namespace='));
  assert.equal(rule.metadata.name, 'worker-sidecar-memory');
  assert.equal(rule.metadata.namespace, undefined);
});

test('buildPrometheusRule: thresholds, window and horizon are configurable and validated', () => {
  const rule = buildPrometheusRule({ name: 'api', container: 'api', warningRatio: 0.6, criticalRatio: 0.8, growthWindow: '2h', growthHorizon: '1d' });
  const rules = rule.spec.groups[0].rules;
  assert.ok(rules[0].expr.endsWith('> 0.6') && rules[0].annotations.summary.includes('(warning at 60%)'));
  assert.ok(rules[2].expr.includes('[1h] offset 1h, 86400)'));
  assert.ok(rules[2].annotations.summary.includes('within 1d'));
  assert.throws(() => buildPrometheusRule({ name: 'api', container: 'api', warningRatio: 0.9, criticalRatio: 0.8 }), /warningRatio 0.9 must be below criticalRatio 0.8/);
  assert.throws(() => buildPrometheusRule({ name: 'api', container: 'api', warningRatio: 75 }), /fraction between 0 and 1 \(0.75 for 75%\), got 75/);
  assert.throws(() => buildPrometheusRule({ name: 'api', container: 'api', growthHorizon: '4 hours' }), /growthHorizon must be a Prometheus duration/);
  assert.throws(() => buildPrometheusRule({ name: 'api', container: 'api', growthWindow: '5m' }), /at least 10m/);
  assert.throws(() => buildPrometheusRule({ name: 'api', container: 'api', limitBytes: 0 }), /limitBytes must be a positive whole number of bytes, got 0/);
  assert.throws(() => buildPrometheusRule({ name: '', container: 'api' }), /name/);
});

test('buildPrometheusRule: label values are escaped, runbook_url lands on every alert', () => {
  const rule = buildPrometheusRule({ name: 'my.app', namespace: 'a"b', container: 'c', runbookUrl: 'https://runbooks.example/oom' });
  const expr = rule.spec.groups[0].rules[0].expr;
  assert.ok(expr.includes('namespace="a\\"b", pod=~"my\\\\.app-[a-z0-9]+-[a-z0-9]{5}"'), expr);
  assert.ok(rule.spec.groups[0].rules.every((r) => r.annotations.runbook_url === 'https://runbooks.example/oom'));
});

test('podNamePattern follows each controller\'s naming', () => {
  assert.equal(podNamePattern('Deployment', 'api'), 'api-[a-z0-9]+-[a-z0-9]{5}');
  assert.equal(podNamePattern('StatefulSet', 'db'), 'db-[0-9]+');
  assert.equal(podNamePattern('DaemonSet', 'agent'), 'agent-[a-z0-9]{5}');
  assert.equal(podNamePattern('CronJob', 'nightly'), 'nightly-[0-9]+-[a-z0-9]{5}');
  assert.equal(podNamePattern('Pod', 'one.off'), 'one\\.off');
  const deployment = new RegExp(`^${podNamePattern('Deployment', 'api')}$`);
  assert.ok(deployment.test('api-7d4b9c8f6d-x2x7k'));
  assert.not.ok(deployment.test('api-gateway-7d4b9c8f6d-x2x7k'), 'api must not match the pods of api-gateway');
});

test('durations parse and print the Prometheus way', () => {
  assert.equal(parseDuration('4h'), 14400);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('7d'), 604800);
  assert.equal(parseDuration('30m1h'), undefined);
  assert.equal(parseDuration('4 h'), undefined);
  assert.equal(parseDuration('0s'), undefined);
  assert.equal(formatDuration(14400), '4h');
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(604800), '7d');
});

test('templates/alerts is generated from buildClusterPrometheusRule and not stale', () => {
  for (const [path, text] of Object.entries(templateFiles())) {
    const file = join(ROOT, 'templates', path);
    if (process.env.UPDATE_TEMPLATES === '1') writeFileSync(file, text);
    assert.equal(readFileSync(file, 'utf8'), text, `templates/${path} is stale: UPDATE_TEMPLATES=1 node test/run.js alerts.test`);
  }
  const cluster = buildClusterPrometheusRule();
  assert.ok(cluster.spec.groups[0].rules[0].expr.includes('container!="", container!="POD"'));
});

test('promtool check rules accepts every generated rule file', () => {
  if (!haveTool('promtool', 'the generated rules are checked by the real promtool (apt-get install prometheus)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-alerts-'));
  try {
    const files: string[] = [];
    const write = (name: string, text: string) => { writeFileSync(join(dir, name), text); files.push(join(dir, name)); };
    write('deployment.yaml', ruleFileYaml(buildPrometheusRule({ name: 'api', namespace: 'shop', container: 'api', limitBytes: 512 * MI })));
    write('statefulset.yaml', ruleFileYaml(buildPrometheusRule({ name: 'db', kind: 'StatefulSet', container: 'postgres', growthWindow: '6h', growthHorizon: '1d' })));
    write('cluster.yaml', ruleFileYaml(buildClusterPrometheusRule({ namespace: 'shop' })));
    files.push(join(ROOT, 'templates/alerts/oomguard-memory.rules.yaml'));
    const result = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal((result.stdout.match(/SUCCESS: 5 rules found/g) ?? []).length, 4, result.stdout);
    // The operator's manifest carries the very same groups.
    assert.ok(prometheusRuleYaml(buildPrometheusRule({ name: 'api', container: 'api' })).startsWith('apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
