/**
 * The inputs `oomguard diagnose` reads, turned into one shape: `kubectl get pod -o json` (a Pod or a
 * List of Pods) and `docker inspect` (an array of containers). A Docker container becomes a one-container
 * Pod spec so runtime detection and the rules read it exactly as they read a manifest. Pure.
 */
import { extractWorkloads, type Container, type Workload } from '../core/workload';

/** A container's end as the runtime recorded it. */
export interface Termination {
  readonly exitCode: number;
  /** Kubernetes: `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, `StartError`, ... */
  readonly reason?: string;
  readonly signal?: number;
  readonly message?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface ContainerStatus {
  readonly name: string;
  readonly state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** `CrashLoopBackOff`, `ContainerCreating`, ... */
  readonly waitingReason?: string;
  readonly restartCount: number;
  /** The current state, when the container is terminated now. */
  readonly terminated?: Termination;
  /** The previous run's end (`lastState.terminated`), when it restarted. */
  readonly lastTerminated?: Termination;
}

export interface Subject {
  readonly source: 'kubernetes' | 'docker';
  /** Where the subject sits in the input: `items[2]`, `[0]`, or `` for a single Pod. */
  readonly at: string;
  readonly pod: {
    readonly name: string;
    readonly namespace?: string;
    readonly phase?: string;
    /** `Evicted`, `OOMKilled`, ... on the Pod itself. */
    readonly reason?: string;
    readonly message?: string;
    readonly restartPolicy?: string;
    /** The controller that owns the pod, as `oomguard measure` selects it. */
    readonly owner?: { readonly kind: string; readonly name: string };
  };
  /** The Pod (or the synthetic Pod for a Docker container) as a manifest, for the rules. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly workload: Workload;
  readonly statuses: ReadonlyMap<string, ContainerStatus>;
}

export type ReadResult = { ok: true; subjects: Subject[] } | { ok: false; message: string };

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const int = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

function termination(value: unknown): Termination | undefined {
  if (!isObject(value)) return undefined;
  const exitCode = int(value.exitCode);
  if (exitCode === undefined) return undefined;
  const fields = {
    reason: text(value.reason), signal: int(value.signal), message: text(value.message),
    startedAt: text(value.startedAt), finishedAt: text(value.finishedAt),
  };
  return { exitCode, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

function kubernetesStatus(raw: unknown): ContainerStatus | undefined {
  if (!isObject(raw) || typeof raw.name !== 'string') return undefined;
  const state = isObject(raw.state) ? raw.state : {};
  const last = isObject(raw.lastState) ? raw.lastState : {};
  const terminated = termination(state.terminated);
  const lastTerminated = termination(last.terminated);
  const waitingReason = isObject(state.waiting) ? text(state.waiting.reason) : undefined;
  return {
    name: raw.name,
    state: isObject(state.running) ? 'running' : isObject(state.waiting) ? 'waiting' : terminated ? 'terminated' : 'unknown',
    ...(waitingReason ? { waitingReason } : {}),
    restartCount: int(raw.restartCount) ?? 0,
    ...(terminated ? { terminated } : {}),
    ...(lastTerminated ? { lastTerminated } : {}),
  };
}

/** The Deployment behind a ReplicaSet-owned pod (the ReplicaSet is `<deployment>-<pod-template-hash>`). */
function ownerOf(metadata: Obj): Subject['pod']['owner'] {
  const refs = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isObject) : [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (!ref || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  const hash = isObject(metadata.labels) ? text(metadata.labels['pod-template-hash']) : undefined;
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  }
  return { kind: ref.kind, name: ref.name };
}

function podSubject(pod: Obj, at: string): Subject | string {
  const workload = extractWorkloads(pod)[0];
  if (!workload) return `${at || 'the Pod'} has no spec.containers`;
  const metadata = isObject(pod.metadata) ? pod.metadata : {};
  const status = isObject(pod.status) ? pod.status : {};
  const spec = isObject(pod.spec) ? pod.spec : {};
  const statuses = new Map<string, ContainerStatus>();
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const parsed = kubernetesStatus(raw);
      if (parsed) statuses.set(parsed.name, parsed);
    }
  }
  const owner = ownerOf(metadata);
  const fields = {
    namespace: text(metadata.namespace), phase: text(status.phase), reason: text(status.reason),
    message: text(status.message), restartPolicy: text(spec.restartPolicy),
  };
  return {
    source: 'kubernetes',
    at,
    pod: {
      name: text(metadata.name) ?? workload.resource.name,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      ...(owner ? { owner } : {}),
    },
    manifest: pod,
    workload,
    statuses,
  };
}

const DOCKER_RESTART_POLICY: Readonly<Record<string, string>> = { no: 'Never', '': 'Never', 'on-failure': 'OnFailure', always: 'Always', 'unless-stopped': 'Always' };

function isDockerInspect(value: unknown): value is Obj {
  return isObject(value) && isObject(value.State) && (isObject(value.Config) || isObject(value.HostConfig));
}

/** A `docker inspect` container as the Pod Kubernetes would run: name, image, command, env and memory limit. */
function dockerSubject(raw: Obj, at: string): Subject | string {
  const config = isObject(raw.Config) ? raw.Config : {};
  const host = isObject(raw.HostConfig) ? raw.HostConfig : {};
  const state = raw.State as Obj;
  const name = (text(raw.Name) ?? text(raw.Id)?.slice(0, 12) ?? 'container').replace(/^\//, '');
  const env = Array.isArray(config.Env)
    ? config.Env.filter((e): e is string => typeof e === 'string').map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? { name: entry, value: '' } : { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
      })
    : [];
  const memory = int(host.Memory) ?? 0;
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : undefined);
  const command = list(config.Entrypoint);
  const args = list(config.Cmd);
  const container: Obj = {
    name,
    image: text(config.Image) ?? text(raw.Image) ?? '',
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    env,
    // Docker has no request; a limit alone is what Kubernetes would default the request to.
    ...(memory > 0 ? { resources: { limits: { memory: String(memory) } } } : {}),
  };
  const restartPolicyName = isObject(host.RestartPolicy) ? String(host.RestartPolicy.Name ?? '') : '';
  const restartPolicy = DOCKER_RESTART_POLICY[restartPolicyName] ?? 'Never';
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(isObject(config.Labels) ? { annotations: config.Labels } : {}) },
    spec: { restartPolicy, containers: [container] },
  };
  const workload = extractWorkloads(manifest)[0];
  if (!workload) return `${at} is not a container`;
  const exitCode = int(state.ExitCode) ?? 0;
  const status = text(state.Status) ?? (state.Running === true ? 'running' : 'exited');
  const running = status === 'running' || status === 'restarting';
  // A container that never started stays `created`, with the runtime's error and a non-zero code.
  const neverStarted = status === 'created' && exitCode === 0 && !text(state.Error);
  const end: Termination | undefined = neverStarted ? undefined : {
    exitCode,
    // Docker keeps the kernel's verdict in State.OOMKilled; name it the way Kubernetes does.
    ...(state.OOMKilled === true ? { reason: 'OOMKilled' } : status === 'created' ? { reason: 'ContainerCannotRun' } : exitCode === 0 ? { reason: 'Completed' } : { reason: 'Error' }),
    ...(text(state.Error) ? { message: text(state.Error) } : {}),
    ...(text(state.StartedAt) ? { startedAt: text(state.StartedAt) } : {}),
    ...(text(state.FinishedAt) && !String(state.FinishedAt).startsWith('0001-') ? { finishedAt: text(state.FinishedAt) } : {}),
  };
  const restartCount = int(raw.RestartCount) ?? 0;
  const statuses = new Map<string, ContainerStatus>([[name, {
    name,
    state: running ? 'running' : end ? 'terminated' : 'unknown',
    ...(status === 'restarting' ? { waitingReason: 'restarting' } : {}),
    restartCount,
    ...(!running && end ? { terminated: end } : {}),
    // A running container that restarted still shows the last exit in State while Docker restarts it.
    ...(running && restartCount > 0 && end && end.finishedAt ? { lastTerminated: end } : {}),
  }]]);
  return {
    source: 'docker',
    at,
    pod: { name, restartPolicy },
    manifest,
    workload,
    statuses,
  };
}

/**
 * Every Pod or Docker container in a parsed input. A Pod, a List (any kind ending in List), or a
 * `docker inspect` array; anything else is an error naming what was found.
 */
export function readSubjects(document: unknown): ReadResult {
  const subjects: Subject[] = [];
  const problems: string[] = [];
  const add = (result: Subject | string) => (typeof result === 'string' ? problems.push(result) : subjects.push(result));
  if (Array.isArray(document)) {
    document.forEach((item, index) => {
      if (isDockerInspect(item)) add(dockerSubject(item, `[${index}]`));
      else if (isObject(item) && item.kind === 'Pod') add(podSubject(item, `[${index}]`));
      else problems.push(`[${index}] is neither a docker inspect container nor a Pod`);
    });
  } else if (isObject(document) && document.kind === 'Pod') {
    add(podSubject(document, ''));
  } else if (isObject(document) && typeof document.kind === 'string' && document.kind.endsWith('List') && Array.isArray(document.items)) {
    document.items.forEach((item, index) => {
      if (isObject(item) && item.kind === 'Pod') add(podSubject(item, `items[${index}]`));
    });
    if (subjects.length === 0 && document.items.length > 0) problems.push(`the ${document.kind} holds no Pod: run kubectl get pod -o json`);
  } else if (isObject(document) && typeof document.kind === 'string') {
    return { ok: false, message: `expected a Pod, a List of Pods or docker inspect output, got kind ${document.kind}: run kubectl get pod <name> -o json` };
  } else {
    return { ok: false, message: 'expected kubectl get pod -o json (a Pod or a List) or docker inspect output (a JSON array)' };
  }
  if (subjects.length === 0 && problems.length > 0) return { ok: false, message: problems.join('; ') };
  return { ok: true, subjects };
}

export type { Container };
