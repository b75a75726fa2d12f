/**
 * The PromQL `oomguard recommend` runs. Pure: strings in, strings out, so the queries can be read,
 * tested and pasted into the Prometheus UI.
 *
 * Every figure is aggregated on the server by (namespace, workload_kind, workload, container): the
 * answer grows with the fleet's workloads, not with its pods, and no query is ever run per
 * container. A pod is mapped to its workload by joining kube-state-metrics' owner series, as the
 * kube-prometheus mixin's `namespace_workload_pod:kube_pod_owner:relabel` rule does:
 *   pod → ReplicaSet → Deployment   (kube_pod_owner, kube_replicaset_owner)
 *   pod → Job → CronJob             (kube_pod_owner, kube_job_owner)
 *   pod → StatefulSet, DaemonSet, any other controller (kube_pod_owner)
 *   pod without an owner → the Pod itself
 * Owner series are read over the whole window at its end (`@ end()`), so pods that came and went in
 * the window still roll up, and the join is evaluated once per query, not once per step.
 */
import { escapeRegex, quoteLabelValue } from '../alerts/promql';

/** The labels every figure is grouped by. */
export const GROUP_LABELS = ['namespace', 'workload_kind', 'workload', 'container'] as const;
const BY = GROUP_LABELS.join(', ');

/** Which series a recommendation covers. */
export interface Scope {
  /** Namespaces of this page; every namespace when empty or absent. */
  readonly namespaces?: readonly string[];
  /** Extra PromQL label matchers put on every series (`cluster="eu-1"`), without braces. */
  readonly selector?: string;
  /** Prometheus duration of the window (`7d`). */
  readonly window: string;
}

/** `namespace=~"a|b"` (or nothing for every namespace) plus the user's selector. */
export function scopeMatchers(scope: Scope, more: readonly string[] = []): string {
  const parts: string[] = [];
  const namespaces = scope.namespaces ?? [];
  if (namespaces.length === 1) parts.push(`namespace=${quoteLabelValue(namespaces[0])}`);
  else if (namespaces.length > 1) parts.push(`namespace=~${quoteLabelValue(namespaces.map(escapeRegex).join('|'))}`);
  if (scope.selector) parts.push(scope.selector);
  parts.push(...more);
  return parts.join(', ');
}

const CONTAINERS = ['container!=""', 'container!="POD"'];

/** `max_over_time(metric{...}[window] @ end())`, over the whole window whatever the evaluation step. */
function overWindow(fn: string, metric: string, scope: Scope, more: readonly string[]): string {
  return `${fn}(${metric}{${scopeMatchers(scope, more)}}[${scope.window}] @ end())`;
}

function relabel(expr: string, to: string, from: string): string {
  return `label_replace(${expr}, ${quoteLabelValue(to)}, "$1", ${quoteLabelValue(from)}, "(.+)")`;
}

function constantLabel(expr: string, to: string, value: string): string {
  return `label_replace(${expr}, ${quoteLabelValue(to)}, ${quoteLabelValue(value)}, "", "")`;
}

/**
 * Pod → workload: one series per (namespace, pod) with labels `workload_kind` and `workload`, value 1.
 * `topk by (namespace, pod) (1, ...)` keeps the join one-to-one even when an owner changed in the
 * window (a ReplicaSet adopted by another Deployment).
 */
export function workloadOfPod(scope: Scope): string {
  const owners = (metric: string, more: readonly string[]) => overWindow('max_over_time', metric, scope, more);
  const direct = `max by (namespace, pod, workload_kind, workload) (${relabel(relabel(owners('kube_pod_owner', ['owner_kind!~"ReplicaSet|Job|<none>|"']), 'workload_kind', 'owner_kind'), 'workload', 'owner_name')})`;
  const via = (middleKind: string, middleLabel: string, ownerMetric: string) => {
    const pods = `${relabel(`max by (namespace, pod, owner_name) (${owners('kube_pod_owner', [`owner_kind="${middleKind}"`])})`, middleLabel, 'owner_name')}`;
    const owned = relabel(relabel(owners(ownerMetric, ['owner_kind!="<none>"', 'owner_kind!=""']), 'workload_kind', 'owner_kind'), 'workload', 'owner_name');
    const orphan = relabel(constantLabel(owners(ownerMetric, ['owner_kind=~"<none>|"']), 'workload_kind', middleKind), 'workload', middleLabel);
    const parents = `topk by (namespace, ${middleLabel}) (1, max by (namespace, ${middleLabel}, workload_kind, workload) (${owned} or ${orphan}))`;
    return `max by (namespace, pod, workload_kind, workload) (${pods} * on (namespace, ${middleLabel}) group_left (workload_kind, workload) ${parents})`;
  };
  const bare = `max by (namespace, pod, workload_kind, workload) (${relabel(constantLabel(owners('kube_pod_owner', ['owner_kind="<none>"']), 'workload_kind', 'Pod'), 'workload', 'pod')})`;
  return `topk by (namespace, pod) (1, ${direct} or ${via('ReplicaSet', 'replicaset', 'kube_replicaset_owner')} or ${via('Job', 'job_name', 'kube_job_owner')} or ${bare})`;
}

/** `expr * on (namespace, pod) group_left (workload_kind, workload) <pod → workload>`. */
function perWorkload(expr: string, scope: Scope): string {
  return `${expr} * on (namespace, pod) group_left (workload_kind, workload) ${workloadOfPod(scope)}`;
}

function figure(name: string, expr: string): string {
  return constantLabel(expr, 'figure', name);
}

export const WORKING_SET = 'container_memory_working_set_bytes';
export const RSS = 'container_memory_rss';

/**
 * The one instant query of a page: every per-container figure over the window, told apart by a
 * `figure` label (`ws`, `rss`, `limit`, `request`, `oom`, `restarts`, `pods`, `image`, `runtime`).
 */
export function figuresQuery(scope: Scope): string {
  const w = (fn: string, metric: string, more: readonly string[] = []) => overWindow(fn, metric, scope, more);
  const parts = [
    figure('ws', `max by (${BY}) (${perWorkload(w('max_over_time', WORKING_SET, CONTAINERS), scope)})`),
    figure('rss', `max by (${BY}) (${perWorkload(w('max_over_time', RSS, CONTAINERS), scope)})`),
    figure('pods', `count by (${BY}) (max by (pod, ${BY}) (${perWorkload(w('max_over_time', WORKING_SET, CONTAINERS), scope)}))`),
    figure('limit', `max by (${BY}) (${perWorkload(w('last_over_time', 'kube_pod_container_resource_limits', ['resource="memory"']), scope)})`),
    figure('request', `max by (${BY}) (${perWorkload(w('last_over_time', 'kube_pod_container_resource_requests', ['resource="memory"']), scope)})`),
    // kube-state-metrics keeps only the last termination reason: this counts pods whose container was
    // OOM-killed at least once in the window; the restart count below counts every kill.
    figure('oom', `sum by (${BY}) (${perWorkload(w('max_over_time', 'kube_pod_container_status_last_terminated_reason', ['reason="OOMKilled"']), scope)})`),
    // A restart counter only grows within a pod: max - min is the exact number of restarts in the
    // window, where increase() would extrapolate to the window's edges.
    figure('restarts', `sum by (${BY}) (${perWorkload(`(${w('max_over_time', 'kube_pod_container_status_restarts_total')} - ${w('min_over_time', 'kube_pod_container_status_restarts_total')})`, scope)})`),
    figure('image', `count by (${BY}, image) (${perWorkload(w('last_over_time', 'kube_pod_container_info'), scope)})`),
    // `oomguard.io/runtime` as a pod label or annotation, exported by kube-state-metrics when its
    // --metric-labels-allowlist / --metric-annotations-allowlist include it.
    figure('runtime', `count by (namespace, workload_kind, workload, runtime) (${perWorkload(
      `(${relabel(w('last_over_time', 'kube_pod_labels', ['label_oomguard_io_runtime!=""']), 'runtime', 'label_oomguard_io_runtime')} or ${relabel(w('last_over_time', 'kube_pod_annotations', ['annotation_oomguard_io_runtime!=""']), 'runtime', 'annotation_oomguard_io_runtime')})`,
      scope)})`),
  ];
  return parts.join('\nor\n');
}

/**
 * The one range query of a page: per step, the highest and the lowest working set of any of the
 * container's pods in the step before it (`figure` `max` and `min`). The steps tile the window, so
 * the maximum of `max` is the window's peak exactly, and the daily minimums are exact when a day is
 * a whole number of steps.
 */
export function memoryRangeQuery(scope: Scope, step: string): string {
  const selector = `${WORKING_SET}{${scopeMatchers(scope, CONTAINERS)}}[${step}]`;
  return [
    figure('max', `max by (${BY}) (${perWorkload(`max_over_time(${selector})`, scope)})`),
    figure('min', `min by (${BY}) (${perWorkload(`min_over_time(${selector})`, scope)})`),
  ].join('\nor\n');
}

/** Series per namespace: the size of each page, from an instant query that loads one series at a time. */
export function namespaceSizeQuery(scope: Scope): string {
  return `count by (namespace) (${overWindow('max_over_time', WORKING_SET, scope, CONTAINERS)})`;
}

/**
 * Extra label matchers from `--selector`: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`,
 * comma-separated. Checked here so a typo is a usage error, not a PromQL parse error from the server.
 */
export function parseSelector(text: string): string {
  const matcher = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
  const parts: string[] = [];
  let rest = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  if (rest.trim() === '') return '';
  // Split on commas outside quotes.
  let current = '';
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i];
    if (char === '\\' && quoted) {
      current += char + (rest[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  rest = '';
  return parts.map((part) => {
    const found = matcher.exec(part);
    if (!found) throw new RangeError(`--selector must be PromQL label matchers such as cluster="eu-1",team=~"pay.*"; cannot read ${JSON.stringify(part.trim())}`);
    return `${found[1]}${found[2]}"${found[3]}"`;
  }).join(', ');
}
