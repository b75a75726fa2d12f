/**
 * Alert rules that see an OOM kill coming, and say so when one happened anyway, as a prometheus-operator
 * `PrometheusRule` (or, through `ruleFileOf`, a plain Prometheus rule file for `promtool` and for
 * Prometheus without the operator). Pure: the builder returns plain objects; YAML is the caller's job.
 *
 * The metrics (all standard in a kube-prometheus install):
 * - `container_memory_working_set_bytes`, `container_memory_rss`: cAdvisor, scraped from the kubelet.
 *   The working set (usage minus inactive page cache) is what the kubelet evicts on and `kubectl top`
 *   shows; RSS is the anonymous memory the kernel cannot reclaim. The rules watch the larger of the two.
 * - `kube_pod_container_resource_limits{resource="memory"}`,
 *   `kube_pod_container_status_restarts_total`, `kube_pod_container_status_last_terminated_reason`:
 *   kube-state-metrics v2; `kube_pod_container_status_last_terminated_exitcode`: kube-state-metrics
 *   v2.7.0 and later (its CHANGELOG, #1752), for the exit-137 alert only.
 */
import { formatDuration, matchers, parseDuration, podNamePattern, type ContainerSelector } from './promql';

/** The alert names, stable like rule ids: routes and inhibitions are written against them. */
export const ALERT_NAMES = {
  nearLimit: 'OomguardMemoryNearLimit',
  growth: 'OomguardMemoryGrowthToLimit',
  oomKilled: 'OomguardContainerOOMKilled',
  killed: 'OomguardContainerKilled137',
} as const;

/**
 * Defaults, and why:
 * - 75% / 90%: the warning leaves a quarter of the limit, time to resize in working hours; at 90% a GC
 *   pause or one large request is enough to cross the limit, which is worth a page.
 * - `for` 15m (warning) / 5m (critical): kubernetes-mixin's container alerts wait 15m before a warning;
 *   a critical waits less because the next step is the kernel's.
 * - growth window 1h split in two halves, horizon 4h, `for` 10m: see `growthExpression`. 4h is long
 *   enough to act before a leak kills the pod, short enough that a cache warming over days stays quiet.
 * - OOM-kill lookback 10m: longer than the default 5m restart back-off cap (kubelet CrashLoopBackOff),
 *   so every restart of a crash-looping container is seen.
 */
export const ALERT_DEFAULTS = {
  warningRatio: 0.75,
  criticalRatio: 0.9,
  warningFor: '15m',
  criticalFor: '5m',
  growthWindow: '1h',
  growthHorizon: '4h',
  growthFor: '10m',
  oomKillLookback: '10m',
} as const;

export interface AlertRuleInput {
  /** The workload's name (Deployment, StatefulSet, ...). */
  readonly name: string;
  /** Without it the rules match the workload in every namespace. */
  readonly namespace?: string;
  /** The container the rules watch. */
  readonly container: string;
  /**
   * The container's memory limit in bytes, used when kube-state-metrics does not report one (the rules
   * prefer `kube_pod_container_resource_limits`, so a limit changed later is still right).
   * Without it the rules need kube-state-metrics.
   */
  readonly limitBytes?: number;
  /** The workload kind, which decides the pods' name pattern. @default 'Deployment' */
  readonly kind?: string;
  /** An RE2 pattern for the pods' names instead of the kind's. */
  readonly podPattern?: string;
  /** @default 0.75 */
  readonly warningRatio?: number;
  /** @default 0.9 */
  readonly criticalRatio?: number;
  /** Prometheus duration. @default '1h' */
  readonly growthWindow?: string;
  /** Prometheus duration. @default '4h' */
  readonly growthHorizon?: string;
  /** Labels on the PrometheusRule object, for the operator's `ruleSelector` (for example `release: prometheus`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** A `runbook_url` annotation on every alert. */
  readonly runbookUrl?: string;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface PrometheusRule {
  readonly apiVersion: 'monitoring.coreos.com/v1';
  readonly kind: 'PrometheusRule';
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: { readonly groups: readonly RuleGroup[] };
}

const BY = 'namespace, pod, container';
const USAGE_METRICS = 'container_memory_working_set_bytes|container_memory_rss';

interface Resolved {
  readonly selector: ContainerSelector;
  readonly limitBytes?: number;
  readonly warningRatio: number;
  readonly criticalRatio: number;
  readonly growthWindowSeconds: number;
  readonly growthHorizonSeconds: number;
  readonly workload?: { readonly name: string; readonly kind: string };
  readonly runbookUrl?: string;
}

/** The larger of working set and RSS per container, both cAdvisor series in one selector. */
function usage(selector: ContainerSelector): string {
  return `max by (${BY}) ({__name__=~"${USAGE_METRICS}", ${matchers(selector)}})`;
}

/** The limit per container: kube-state-metrics, else the known limit on the same label set. */
function limit(r: Resolved): string {
  const reported = `max by (${BY}) (kube_pod_container_resource_limits{resource="memory", ${matchers(r.selector)}})`;
  if (r.limitBytes === undefined) return reported;
  return `(\n  ${reported}\n  or\n  max by (${BY}) (container_memory_working_set_bytes{${matchers(r.selector)}}) * 0 + ${r.limitBytes}\n)`;
}

function indent(text: string, by = '  '): string {
  return text.split('\n').map((line) => by + line).join('\n');
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** `(usage / limit) > ratio` */
function nearLimitExpression(r: Resolved, ratio: number): string {
  return `${usage(r.selector)}\n/\n${limit(r)}\n> ${ratio}`;
}

/**
 * A leak, not a spike: the limit is predicted to be reached within the horizon by the trend of the
 * recent half of the window AND by the trend of the older half. A leak climbs in both halves. A spike
 * (a step up that then holds) lies in one half at most; the other half is flat and its trend predicts
 * the current level, below the limit, so the alert stays silent however steep the step was.
 * `predict_linear` extrapolates from the evaluation time in both terms, offset or not. Working set and
 * RSS are tested one after the other (`or`): `predict_linear` drops the metric name, so one selector
 * over both would yield two series with the same labels.
 */
function growthExpression(r: Resolved): string {
  const half = formatDuration(r.growthWindowSeconds / 2);
  const trend = (metric: string, offset: string) =>
    `max by (${BY}) (predict_linear(${metric}{${matchers(r.selector)}}[${half}]${offset}, ${r.growthHorizonSeconds}))\n  >\n${indent(limit(r))}`;
  const climbing = (metric: string) => `(\n${indent(trend(metric, ''))}\n)\nand\n(\n${indent(trend(metric, ` offset ${half}`))}\n)`;
  return `(\n${indent(climbing('container_memory_working_set_bytes'))}\n)\nor\n(\n${indent(climbing('container_memory_rss'))}\n)`;
}

/** The container restarted within the kill lookback: the termination gauges below describe a new kill. */
function restartedExpression(r: Resolved): string {
  return `max by (${BY}) (increase(kube_pod_container_status_restarts_total{${matchers(r.selector)}}[${ALERT_DEFAULTS.oomKillLookback}])) > 0`;
}

/** The last termination's reason was OOMKilled (the gauge is 1 for the current reason). */
function oomKilledReasonExpression(r: Resolved): string {
  return `max by (${BY}) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled", ${matchers(r.selector)}}) == 1`;
}

function oomKilledExpression(r: Resolved): string {
  return `${restartedExpression(r)}\nand on (${BY})\n${oomKilledReasonExpression(r)}`;
}

/**
 * Exit code 137 (128 + SIGKILL) without reason OOMKilled: something other than the container's own
 * cgroup limit killed it. The exit-code gauge keeps the last termination's code for as long as the pod
 * lives, so the alert is gated on a restart in the lookback, like the OOM-kill alert.
 */
function killedExpression(r: Resolved): string {
  const exitCode = `max by (${BY}) (kube_pod_container_status_last_terminated_exitcode{${matchers(r.selector)}}) == 137`;
  return `${restartedExpression(r)}\nand on (${BY})\n${exitCode}\nunless on (${BY})\n${oomKilledReasonExpression(r)}`;
}

const WHERE = '{{ $labels.namespace }}/{{ $labels.pod }} container {{ $labels.container }}';

function diagnoseHint(): string {
  return 'Explain the last termination with: kubectl get pod -n {{ $labels.namespace }} {{ $labels.pod }} -o json | oomguard diagnose -';
}

function measureHint(r: Resolved): string {
  const target = r.workload ? ` --workload ${r.workload.name}${r.workload.kind === 'Deployment' ? '' : ` --kind ${r.workload.kind}`}` : ' --workload <name>';
  return `Size the limit from the 7-day peak: oomguard measure --prometheus <url> --namespace {{ $labels.namespace }}${target} --container {{ $labels.container }}`;
}

function rulesOf(r: Resolved): AlertRule[] {
  const extra: Record<string, string> = {};
  if (r.workload) extra.workload = r.workload.name;
  const annotate = (annotations: Record<string, string>) => (r.runbookUrl ? { ...annotations, runbook_url: r.runbookUrl } : annotations);
  const nearLimit = (severity: 'warning' | 'critical', ratio: number, forDuration: string): AlertRule => ({
    alert: ALERT_NAMES.nearLimit,
    expr: nearLimitExpression(r, ratio),
    for: forDuration,
    labels: { severity, ...extra },
    annotations: annotate({
      summary: `${WHERE} uses {{ $value | humanizePercentage }} of its memory limit (${severity} at ${percent(ratio)}).`,
      description:
        `The larger of the container's working set and RSS has stayed above ${percent(ratio)} of its memory limit for ${forDuration}. ` +
        'At 100% the kernel OOM-kills it (exit code 137, reason OOMKilled). ' +
        `${measureHint(r)}; limit = ceil_Mi(peak × 1.5 + runtime overhead), and the runtime's heap flag below the limit.`,
    }),
  });
  const horizon = formatDuration(r.growthHorizonSeconds);
  const window = formatDuration(r.growthWindowSeconds);
  return [
    nearLimit('warning', r.warningRatio, ALERT_DEFAULTS.warningFor),
    nearLimit('critical', r.criticalRatio, ALERT_DEFAULTS.criticalFor),
    {
      alert: ALERT_NAMES.growth,
      expr: growthExpression(r),
      for: ALERT_DEFAULTS.growthFor,
      labels: { severity: 'warning', ...extra },
      annotations: annotate({
        summary: `${WHERE} will reach its memory limit within ${horizon} at its current growth (predicted {{ $value | humanize1024 }}B).`,
        description:
          `Memory has climbed steadily through both halves of the last ${window}, the shape of a leak or an unbounded cache rather than a one-off spike. ` +
          `At this rate the kernel OOM-kills the container within ${horizon}. Take a heap dump or profile before it restarts; a larger limit only buys time.`,
      }),
    },
    {
      alert: ALERT_NAMES.oomKilled,
      expr: oomKilledExpression(r),
      labels: { severity: 'critical', ...extra },
      annotations: annotate({
        summary: `${WHERE} was OOM-killed and restarted in the last ${ALERT_DEFAULTS.oomKillLookback}.`,
        description:
          'The kernel killed the container for exceeding its memory limit (exit code 137, reason OOMKilled): the runtime never got to fail on its own terms. ' +
          `${diagnoseHint()}`,
      }),
    },
    {
      alert: ALERT_NAMES.killed,
      expr: killedExpression(r),
      labels: { severity: 'warning', ...extra },
      annotations: annotate({
        summary: `${WHERE} was killed (exit code 137) and restarted in the last ${ALERT_DEFAULTS.oomKillLookback}, but not for its own memory limit.`,
        description:
          'Exit code 137 is SIGKILL; the reason is not OOMKilled, so the container\'s own cgroup limit did not do it. ' +
          'Usual causes: the node ran out of memory and its OOM killer chose this process (requests below limits let the node overcommit), ' +
          'or a failing liveness probe whose process outlived the termination grace period. ' +
          `${diagnoseHint()}; kubectl describe node shows SystemOOM events.`,
      }),
    },
  ];
}

function durationSeconds(text: string, what: string): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new RangeError(`${what} must be a Prometheus duration such as 30m, 4h or 7d, got ${JSON.stringify(text)}`);
  return seconds;
}

function ratioOf(value: number | undefined, fallback: number, what: string): number {
  const ratio = value ?? fallback;
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`${what} must be a fraction between 0 and 1 (0.75 for 75%), got ${ratio}`);
  return ratio;
}

function resolve(input: Omit<AlertRuleInput, 'name' | 'container'> & { selector: ContainerSelector; workload?: Resolved['workload'] }): Resolved {
  const warningRatio = ratioOf(input.warningRatio, ALERT_DEFAULTS.warningRatio, 'warningRatio');
  const criticalRatio = ratioOf(input.criticalRatio, ALERT_DEFAULTS.criticalRatio, 'criticalRatio');
  if (warningRatio >= criticalRatio) throw new RangeError(`warningRatio ${warningRatio} must be below criticalRatio ${criticalRatio}`);
  const growthWindowSeconds = durationSeconds(input.growthWindow ?? ALERT_DEFAULTS.growthWindow, 'growthWindow');
  if (growthWindowSeconds % 2 !== 0 || growthWindowSeconds < 10 * 60) {
    throw new RangeError(`growthWindow must be at least 10m and split into two whole-second halves, got ${input.growthWindow}`);
  }
  if (input.limitBytes !== undefined && !(Number.isSafeInteger(input.limitBytes) && input.limitBytes > 0)) {
    throw new RangeError(`limitBytes must be a positive whole number of bytes, got ${input.limitBytes}`);
  }
  return {
    selector: input.selector,
    ...(input.limitBytes !== undefined ? { limitBytes: input.limitBytes } : {}),
    warningRatio,
    criticalRatio,
    growthWindowSeconds,
    growthHorizonSeconds: durationSeconds(input.growthHorizon ?? ALERT_DEFAULTS.growthHorizon, 'growthHorizon'),
    ...(input.workload ? { workload: input.workload } : {}),
    ...(input.runbookUrl ? { runbookUrl: input.runbookUrl } : {}),
  };
}

/** A DNS-1123 name for the PrometheusRule: `<workload>-memory`, or `<workload>-<container>-memory`. */
function objectName(name: string, container: string): string {
  const base = container === name ? `${name}-memory` : `${name}-${container}-memory`;
  return base.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

/**
 * The PrometheusRule for one container of a sized workload: near-limit warning and critical, growth
 * toward the limit, and OOM kills. Throws RangeError on impossible input (ratios, durations, limit).
 */
export function buildPrometheusRule(input: AlertRuleInput): PrometheusRule {
  if (!input.name) throw new RangeError('name (the workload name) is required');
  if (!input.container) throw new RangeError('container is required');
  const kind = input.kind ?? 'Deployment';
  const selector: ContainerSelector = {
    ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
    podPattern: input.podPattern ?? podNamePattern(kind, input.name),
    container: input.container,
  };
  const resolved = resolve({ ...input, selector, workload: { name: input.name, kind } });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: objectName(input.name, input.container),
      ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
      labels: { 'app.kubernetes.io/name': input.name, 'app.kubernetes.io/managed-by': 'oomguard', ...(input.labels ?? {}) },
    },
    spec: { groups: [{ name: `oomguard.${input.name}.${input.container}`, rules: rulesOf(resolved) }] },
  };
}

/** The per-workload options that also make sense cluster-wide (`namespace` then limits the rules to one). */
export interface ClusterAlertInput
  extends Pick<AlertRuleInput, 'namespace' | 'warningRatio' | 'criticalRatio' | 'growthWindow' | 'growthHorizon' | 'labels' | 'runbookUrl'> {
  /** The PrometheusRule's name. @default 'oomguard-memory' */
  readonly name?: string;
}

/**
 * The same alerts for every container that has a limit (kube-state-metrics required): the rule set
 * shipped in `templates/alerts/`, for clusters that want the alerts without generating per workload.
 */
export function buildClusterPrometheusRule(input: ClusterAlertInput = {}): PrometheusRule {
  const selector: ContainerSelector = input.namespace !== undefined ? { namespace: input.namespace } : {};
  const resolved = resolve({ ...input, limitBytes: undefined, selector });
  const name = input.name ?? 'oomguard-memory';
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name,
      ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
      labels: { 'app.kubernetes.io/managed-by': 'oomguard', ...(input.labels ?? {}) },
    },
    spec: { groups: [{ name: 'oomguard.memory', rules: rulesOf(resolved) }] },
  };
}

/** The Prometheus rule file inside a PrometheusRule (`{groups: [...]}`), what `promtool check rules` reads. */
export function ruleFileOf(rule: PrometheusRule): { groups: RuleGroup[] } {
  return { groups: rule.spec.groups.map((group) => ({ name: group.name, rules: group.rules.map((r) => ({ ...r })) })) };
}


