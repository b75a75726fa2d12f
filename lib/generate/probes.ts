/**
 * Probe defaults for generated workloads.
 *
 * Timings are Kubernetes' own defaults made explicit (periodSeconds 10, timeoutSeconds 1,
 * failureThreshold 3: "Configure Liveness, Readiness and Startup Probes", kubernetes.io), with two
 * documented departures:
 * - readiness checks every 5 s, so a pod leaves the endpoints within ~15 s of going unready;
 * - the JVM gets a startup probe of failureThreshold 30 × periodSeconds 10 = up to 300 s to start,
 *   the pattern the same page gives for slow-starting containers, and liveness only begins after it.
 * Liveness and readiness use different endpoints (`/livez`, `/readyz`, the Kubernetes API server's
 * own names) so a busy-but-alive pod is taken out of rotation rather than restarted.
 */
import { PROFILES, RUNTIME_IDS, type RuntimeId } from '../runtimes';

export interface ProbePaths {
  /** @default '/livez' */
  readonly liveness?: string;
  /** @default '/readyz' */
  readonly readiness?: string;
  /** @default the liveness path */
  readonly startup?: string;
}

export interface GeneratedProbes {
  readonly livenessProbe: Record<string, unknown>;
  readonly readinessProbe: Record<string, unknown>;
  readonly startupProbe?: Record<string, unknown>;
}

/** Runtimes that start slowly enough to need a startup probe: each profile's `slowStart`, decided once. */
export const SLOW_STARTING: ReadonlySet<RuntimeId> = new Set<RuntimeId>(RUNTIME_IDS.filter((id) => PROFILES[id].slowStart));

export const PROBE_TIMINGS = {
  liveness: { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
  readiness: { periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 },
  startup: { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 30 },
} as const;

export function probesFor(runtime: RuntimeId, port: number, paths: ProbePaths = {}): GeneratedProbes {
  const liveness = paths.liveness ?? '/livez';
  const readiness = paths.readiness ?? '/readyz';
  const http = (path: string) => ({ httpGet: { path, port } });
  return {
    livenessProbe: { ...http(liveness), ...PROBE_TIMINGS.liveness },
    readinessProbe: { ...http(readiness), ...PROBE_TIMINGS.readiness },
    ...(SLOW_STARTING.has(runtime) ? { startupProbe: { ...http(paths.startup ?? liveness), ...PROBE_TIMINGS.startup } } : {}),
  };
}
