/**
 * PromQL building blocks shared by the alert rules and the Prometheus peak query: label matchers,
 * the pod-name pattern of a workload kind, and Prometheus durations. Pure: strings in, strings out.
 */

/** A label value quoted for PromQL: double quotes, backslash and newline escaped (PromQL string literal rules). */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A regular expression (RE2) matching `text` literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The names the controllers give a workload's pods, as an RE2 pattern (Prometheus anchors it):
 * - Deployment: `<name>-<pod-template-hash>-<5 chars>` (the ReplicaSet adds the hash, the ReplicaSet
 *   controller the suffix; k8s.io/apimachinery `names.SimpleNameGenerator` makes 5 random characters).
 * - StatefulSet: `<name>-<ordinal>`.
 * - DaemonSet, ReplicaSet, ReplicationController, Job: `<name>-<5 chars>`.
 * - CronJob: `<name>-<scheduled time>-<5 chars>` (the Job is named after the schedule).
 * - Pod: the name itself.
 * Anchoring on the shape keeps `api` from matching the pods of `api-gateway`.
 */
export function podNamePattern(kind: string, name: string): string {
  const base = escapeRegex(name);
  switch (kind) {
    case 'Pod':
      return base;
    case 'StatefulSet':
      return `${base}-[0-9]+`;
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return `${base}-[a-z0-9]{5}`;
    case 'CronJob':
      return `${base}-[0-9]+-[a-z0-9]{5}`;
    default:
      // Deployment, and pod-template CRDs that front a ReplicaSet the same way (Argo Rollouts).
      return `${base}-[a-z0-9]+-[a-z0-9]{5}`;
  }
}

/** Which pods and containers a query covers. */
export interface ContainerSelector {
  readonly namespace?: string;
  /** RE2 pattern for the `pod` label (see podNamePattern). */
  readonly podPattern?: string;
  /** The container's name; without it, every real container (not the pause container, not the pod total). */
  readonly container?: string;
}

/**
 * The label matchers for a selector, without braces: `namespace="shop", pod=~"api-...", container="api"`.
 * cAdvisor reports a pod-level series with `container=""` and the pause container as `POD`; both are
 * excluded when no container is named.
 */
export function matchers(selector: ContainerSelector): string {
  const parts: string[] = [];
  if (selector.namespace !== undefined) parts.push(`namespace=${quoteLabelValue(selector.namespace)}`);
  if (selector.podPattern !== undefined) parts.push(`pod=~${quoteLabelValue(selector.podPattern)}`);
  if (selector.container !== undefined) parts.push(`container=${quoteLabelValue(selector.container)}`);
  else parts.push('container!=""', 'container!="POD"');
  return parts.join(', ');
}

const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600], ['w', 7 * 24 * 3600], ['d', 24 * 3600], ['h', 3600], ['m', 60], ['s', 1],
];

/**
 * A Prometheus duration (`90s`, `30m`, `4h`, `1h30m`, `7d`) in whole seconds; undefined when it is not
 * one. Milliseconds are not accepted: nothing here is sized below a scrape interval.
 */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+[ywdhms])+$/.test(text)) return undefined;
  let seconds = 0;
  let lastUnit = Infinity;
  for (const [, digits, unit] of text.matchAll(/(\d+)([ywdhms])/g)) {
    const size = DURATION_UNITS.find(([name]) => name === unit)![1];
    if (size >= lastUnit) return undefined; // units must go from largest to smallest, like Prometheus requires
    lastUnit = size;
    seconds += Number(digits) * size;
  }
  return seconds > 0 ? seconds : undefined;
}

/** Seconds as the shortest Prometheus duration: 14400 → `4h`, 5400 → `1h30m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`a duration must be a positive whole number of seconds, got ${seconds}`);
  let rest = seconds;
  let text = '';
  for (const [unit, size] of DURATION_UNITS) {
    if (unit === 'y' || unit === 'w') continue; // 7d and 365d read better in alert text
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
