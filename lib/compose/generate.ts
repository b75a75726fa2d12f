/**
 * `oomguard generate --format compose`: a Compose service sized by the one formula (lib/sizing), the
 * limit equal to the reservation and to `memswap_limit` (no swap on top: see memory-swap-allowed),
 * the runtime's own ceiling in `environment`, a `healthcheck`, and labels recording the runtime and
 * the measured peak so `oomguard lint` re-checks it. Pure: returns the object to print.
 */
import type { RuntimeId } from '../runtimes';
import { ANNOTATION } from '../rules/types';
import { sizeContainer, type EnvEntry } from '../generate/container';
import { PROBE_TIMINGS, SLOW_STARTING } from '../generate/probes';
import type { SizingConfig } from '../sizing/formula';
import { formatDockerBytes } from './units';

export interface ComposeServiceInput {
  readonly name: string;
  readonly image: string;
  readonly runtime: RuntimeId;
  /** Measured peak memory in bytes. */
  readonly peakBytes: number;
  /** @default DEFAULT_SIZING */
  readonly sizing?: SizingConfig;
  readonly env?: readonly EnvEntry[];
  /** @default false */
  readonly legacyJvm?: boolean;
  /** Port the healthcheck requests. @default 8080 */
  readonly port?: number;
  /** @default '/livez' */
  readonly healthPath?: string;
  /** A shell command for the healthcheck instead of the generated HTTP request. */
  readonly healthCommand?: string;
  /**
   * `mem_limit`: service-level `mem_limit` / `mem_reservation` (read by docker compose v2 and
   * docker-compose 1.x alike); `deploy`: `deploy.resources` limits and reservations (also Swarm).
   * @default 'mem_limit'
   */
  readonly form?: 'mem_limit' | 'deploy';
}

/** Seconds as Compose durations. */
function seconds(value: number): string {
  return `${value}s`;
}

/**
 * The check itself. Node.js and Python images always hold their interpreter, so the request is
 * made with it; other images get `wget` or `curl` through the shell (busybox and most base images
 * have one), or the command the user gives. A Kubernetes httpGet costs nothing in the container;
 * a Docker healthcheck starts a process in it, hence a longer timeout than the probe's 1 s.
 */
export function healthcheckTest(runtime: RuntimeId, port: number, path: string, command?: string): string[] {
  const url = `http://localhost:${port}${path}`;
  if (command !== undefined) return ['CMD-SHELL', command];
  if (runtime === 'node') {
    return ['CMD', 'node', '-e', `require('http').get(${JSON.stringify(url)}, (r) => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))`];
  }
  if (runtime === 'python') return ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen(${JSON.stringify(url)}, timeout=2)`];
  return ['CMD-SHELL', `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url} || exit 1`];
}

/** Healthcheck timeout: the process start inside the container plus the request (see healthcheckTest). */
export const HEALTHCHECK_TIMEOUT_SECONDS = 3;

export function buildComposeService(input: ComposeServiceInput): { services: Record<string, Record<string, unknown>> } {
  const port = input.port ?? 8080;
  const sized = sizeContainer({ runtime: input.runtime, peakBytes: input.peakBytes, ...(input.sizing ? { sizing: input.sizing } : {}), ...(input.env ? { env: input.env } : {}), legacyJvm: input.legacyJvm === true });
  const memory = formatDockerBytes(sized.recommendation.limitBytes);
  const form = input.form ?? 'mem_limit';
  const timings = PROBE_TIMINGS.liveness;
  // The JVM gets what its Kubernetes startup probe allows (failureThreshold × period: 300 s); others one period.
  const startPeriod = SLOW_STARTING.has(input.runtime) ? PROBE_TIMINGS.startup.failureThreshold * PROBE_TIMINGS.startup.periodSeconds : timings.periodSeconds;
  const service: Record<string, unknown> = {
    image: input.image,
    ...(form === 'mem_limit'
      ? { mem_limit: memory, mem_reservation: memory }
      : { deploy: { resources: { limits: { memory }, reservations: { memory } } } }),
    memswap_limit: memory,
    ...(sized.env.length > 0 ? { environment: Object.fromEntries(sized.env.map((entry) => [entry.name, entry.value])) } : {}),
    expose: [String(port)],
    healthcheck: {
      test: healthcheckTest(input.runtime, port, input.healthPath ?? '/livez', input.healthCommand),
      interval: seconds(timings.periodSeconds),
      timeout: seconds(HEALTHCHECK_TIMEOUT_SECONDS),
      retries: timings.failureThreshold,
      start_period: seconds(startPeriod),
    },
    labels: {
      [ANNOTATION.runtime]: input.runtime,
      [ANNOTATION.peak]: formatDockerBytes(Math.ceil(input.peakBytes)),
    },
  };
  return { services: { [input.name]: escapeDollars(service) as Record<string, unknown> } };
}

/** Compose interpolates every `$` in a value: a literal one (a shell variable in --health-cmd, say) is written `$$`. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeDollars(item)]));
  return value;
}
