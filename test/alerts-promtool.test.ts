/**
 * The alert rules proven with `promtool test rules`: synthetic cAdvisor and kube-state-metrics series,
 * evaluated by Prometheus' own rule engine, with the exact alerts (labels and annotations) expected.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ALERT_NAMES, buildPrometheusRule, ruleFileYaml, toYaml, type AlertRule } from '../lib/alerts';
import { haveTool } from './helpers/tools';

const MI = 1024 * 1024;
const LIMIT = 512 * MI;
const POD = { namespace: 'shop', pod: 'api-7d4b9c8f6d-x2x7k', container: 'api' };
const RULE = buildPrometheusRule({ name: 'api', namespace: 'shop', container: 'api', limitBytes: LIMIT });
const BY_SEVERITY = (alert: string, severity: string): AlertRule =>
  RULE.spec.groups[0].rules.find((r) => r.alert === alert && r.labels.severity === severity)!;

function series(metric: string, labels: Record<string, string>, values: string) {
  const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return { series: `${metric}{${text}}`, values };
}
const cadvisor = (metric: string, values: string, pod = POD) => series(metric, { ...pod, id: `/kubepods/pod1/${pod.container}`, image: 'eclipse-temurin:17' }, values);
const ksmLimit = (bytes: number, pod = POD) => series('kube_pod_container_resource_limits', { ...pod, resource: 'memory', unit: 'byte', node: 'n1' }, `${bytes}x300`);

/** The annotations Prometheus renders for these templates; `value` is what `$value` prints as. */
function expected(rule: AlertRule, value: string, labels = POD): Record<string, string> {
  const render = (text: string) => text
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, key: keyof typeof POD) => labels[key])
    .replace(/\{\{ \$value \| humanize(Percentage|1024) \}\}/g, value);
  return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)]));
}
const alert = (rule: AlertRule, value: string) => ({ exp_labels: { ...POD, severity: rule.labels.severity, workload: 'api' }, exp_annotations: expected(rule, value) });

const WARNING = BY_SEVERITY(ALERT_NAMES.nearLimit, 'warning');
const CRITICAL = BY_SEVERITY(ALERT_NAMES.nearLimit, 'critical');
const GROWTH = BY_SEVERITY(ALERT_NAMES.growth, 'warning');
const OOM = BY_SEVERITY(ALERT_NAMES.oomKilled, 'critical');
const KILLED = BY_SEVERITY(ALERT_NAMES.killed, 'warning');

/** A restart 20 minutes in, after a termination with this reason (and this exit code, when given). */
const terminated = (reason: string, exitCode?: number) => [
  series('kube_pod_container_status_restarts_total', { ...POD, uid: 'u1' }, '0x19 1x40'),
  series('kube_pod_container_status_last_terminated_reason', { ...POD, reason, uid: 'u1' }, '_x19 1x40'),
  ...(exitCode === undefined ? [] : [series('kube_pod_container_status_last_terminated_exitcode', { ...POD, uid: 'u1' }, `_x19 ${exitCode}x40`)]),
];

/** Every case is one promtool test group. */
const CASES: Record<string, unknown> = {
  '76% of the limit: the warning fires, the critical does not': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${Math.ceil(LIMIT * 0.76)}x60`), cadvisor('container_memory_rss', `${300 * MI}x60`), ksmLimit(LIMIT)],
    alert_rule_test: [
      { eval_time: '10m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [] }, // pending: for 15m
      { eval_time: '20m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [alert(WARNING, '76%')] },
      { eval_time: '20m', alertname: ALERT_NAMES.growth, exp_alerts: [] },
      { eval_time: '20m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] },
    ],
  },
  '91% of the limit: warning and critical both fire': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${Math.ceil(LIMIT * 0.91)}x60`), ksmLimit(LIMIT)],
    alert_rule_test: [
      { eval_time: '6m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [alert(CRITICAL, '91%')] },
      { eval_time: '20m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [alert(WARNING, '91%'), alert(CRITICAL, '91%')] },
    ],
  },
  'RSS counts too: RSS at 80% fires the warning while the working set reads 50%': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${LIMIT / 2}x60`), cadvisor('container_memory_rss', `${LIMIT * 0.8}x60`), ksmLimit(LIMIT)],
    alert_rule_test: [{ eval_time: '20m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [alert(WARNING, '80%')] }],
  },
  'without kube-state-metrics the known limit (512Mi) sizes the ratio': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${Math.ceil(LIMIT * 0.76)}x60`)],
    alert_rule_test: [{ eval_time: '20m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [alert(WARNING, '76%')] }],
  },
  'a limit raised to 1Gi since generation wins over the known 512Mi: 38% is silent': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${Math.ceil(LIMIT * 0.76)}x60`), ksmLimit(2 * LIMIT)],
    alert_rule_test: [{ eval_time: '20m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [] }],
  },
  'a leak (100Mi + 2Mi a minute) fires the growth alert long before the near-limit ones': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${100 * MI}+${2 * MI}x120`), cadvisor('container_memory_rss', `${80 * MI}+${2 * MI}x120`), ksmLimit(LIMIT)],
    alert_rule_test: [
      // 280Mi now + 2Mi × 240 minutes = 760Mi in 4h, above 512Mi in both halves of the hour.
      { eval_time: '90m', alertname: ALERT_NAMES.growth, exp_alerts: [alert(GROWTH, '760Mi')] },
      { eval_time: '90m', alertname: ALERT_NAMES.nearLimit, exp_alerts: [] }, // 280Mi is 55%
    ],
  },
  'a stable spike (100Mi, then 300Mi held) never fires the growth alert': {
    interval: '1m',
    input_series: [cadvisor('container_memory_working_set_bytes', `${100 * MI}x60 ${300 * MI}x120`), ksmLimit(LIMIT)],
    alert_rule_test: ['61m', '70m', '75m', '80m', '90m', '95m', '105m', '120m', '150m'].flatMap((t) => [
      { eval_time: t, alertname: ALERT_NAMES.growth, exp_alerts: [] },
      { eval_time: t, alertname: ALERT_NAMES.nearLimit, exp_alerts: [] },
    ]),
  },
  'an OOM kill with a restart fires once, for the restart\'s lookback': {
    interval: '1m',
    input_series: terminated('OOMKilled'),
    alert_rule_test: [
      { eval_time: '15m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] },
      { eval_time: '22m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [alert(OOM, '')] },
      { eval_time: '45m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] },
    ],
  },
  'a restart after a plain error is not an OOM kill': {
    interval: '1m',
    input_series: terminated('Error'),
    alert_rule_test: [{ eval_time: '22m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] }],
  },
  'exit 137 with reason Error (a node OOM kill, a liveness kill past the grace period) fires the exit-137 alert only': {
    interval: '1m',
    input_series: terminated('Error', 137),
    alert_rule_test: [
      { eval_time: '15m', alertname: ALERT_NAMES.killed, exp_alerts: [] },
      { eval_time: '22m', alertname: ALERT_NAMES.killed, exp_alerts: [alert(KILLED, '')] },
      { eval_time: '22m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] },
      { eval_time: '45m', alertname: ALERT_NAMES.killed, exp_alerts: [] }, // the code stays 137, but no new restart
    ],
  },
  'exit 137 with reason OOMKilled is the OOM-kill alert\'s, not the exit-137 one': {
    interval: '1m',
    input_series: terminated('OOMKilled', 137),
    alert_rule_test: [
      { eval_time: '22m', alertname: ALERT_NAMES.killed, exp_alerts: [] },
      { eval_time: '22m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [alert(OOM, '')] },
    ],
  },
  'a restart with exit code 1 fires neither kill alert': {
    interval: '1m',
    input_series: terminated('Error', 1),
    alert_rule_test: [
      { eval_time: '22m', alertname: ALERT_NAMES.killed, exp_alerts: [] },
      { eval_time: '22m', alertname: ALERT_NAMES.oomKilled, exp_alerts: [] },
    ],
  },
  'healthy at 50%, and another workload (api-gateway) at 95%: nothing fires for api': {
    interval: '1m',
    input_series: [
      cadvisor('container_memory_working_set_bytes', `${LIMIT / 2}x120`),
      ksmLimit(LIMIT),
      cadvisor('container_memory_working_set_bytes', `${LIMIT * 0.95}x120`, { ...POD, pod: 'api-gateway-5f6c7d8e9f-abcde' }),
      ksmLimit(LIMIT, { ...POD, pod: 'api-gateway-5f6c7d8e9f-abcde' }),
    ],
    alert_rule_test: Object.values(ALERT_NAMES).map((name) => ({ eval_time: '100m', alertname: name, exp_alerts: [] })),
  },
};

test('promtool test rules: each alert fires when it should and stays silent otherwise', () => {
  if (!haveTool('promtool', 'the alert rules are unit-tested by the real promtool (apt-get install prometheus)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), ruleFileYaml(RULE));
    const tests = Object.entries(CASES).map(([name, body]) => ({ name, ...(body as object) }));
    writeFileSync(join(dir, 'tests.yaml'), toYaml({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const result = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yaml')], { encoding: 'utf8' });
    assert.equal(result.status, 0, `promtool test rules failed:\n${result.stdout}${result.stderr}`);
    assert.ok(/SUCCESS/.test(result.stdout + result.stderr), result.stdout + result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('promtool test rules catches a wrong expectation (the harness can fail)', () => {
  if (!haveTool('promtool', 'the alert rules are unit-tested by the real promtool (apt-get install prometheus)')) return;
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), ruleFileYaml(RULE));
    const spike = CASES['a stable spike (100Mi, then 300Mi held) never fires the growth alert'] as { input_series: unknown };
    // Claim the spike fires the growth alert: promtool must disagree.
    const tests = [{ name: 'wrong', interval: '1m', input_series: spike.input_series, alert_rule_test: [{ eval_time: '80m', alertname: ALERT_NAMES.growth, exp_alerts: [alert(GROWTH, '1Gi')] }] }];
    writeFileSync(join(dir, 'tests.yaml'), toYaml({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const result = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yaml')], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /FAILED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
