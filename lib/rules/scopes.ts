/** Scopes shared by several rules, as data. */
import type { RuleScope } from './types';

/** Every container that Kubernetes lets hold resources: app, init and native sidecar containers, in any workload. */
export const ALL_RESOURCE_CONTAINERS: RuleScope = { workloadClasses: ['service', 'batch'], roles: ['app', 'init', 'sidecar'] };

/** Long-running containers: app containers and native sidecars of services; not Jobs, CronJobs or init containers. */
export const LONG_RUNNING: RuleScope = { workloadClasses: ['service'], roles: ['app', 'sidecar'] };

/** LONG_RUNNING, for Kubernetes objects only: the probe rules (Compose has one healthcheck instead; see healthcheck-missing). */
export const LONG_RUNNING_PODS: RuleScope = { ...LONG_RUNNING, platforms: ['kubernetes'] };

/** Workload-level checks apply to every workload. */
export const EVERY_WORKLOAD: RuleScope = { workloadClasses: ['service', 'batch'], roles: [] };

export function runtimeScope(runtime: 'jvm' | 'node' | 'go'): RuleScope {
  return { ...ALL_RESOURCE_CONTAINERS, runtimes: [runtime] };
}
