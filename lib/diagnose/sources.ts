/**
 * The inputs `oomguard diagnose` reads, turned into one shape: `kubectl get pod -o json` (a Pod or a
 * List of Pods) and `docker inspect` (an array of containers). A Docker container becomes a one-container
 * Pod spec so runtime detection and the rules read it exactly as they read a manifest. Pure.
 */
import { extractWorkloads, formatJsonPath, type Container, type JsonPath, type Workload } from '../core/workload';

/** A container's end as the runtime recorded it. */
export interface Termination {
  readonly exitCode: number;
  /** Kubernetes: `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, `StartError`, ... */
  readonly reason?: string;
  readonly signal?: number;
  readonly message?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The runtime's ID of the container that ran (Kubernetes: `containerd://<id>` as written). */
  readonly containerId?: string;
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
  /** The current container's ID (`containerStatuses[].containerID`, Docker's `Id`). */
  readonly containerId?: string;
  /** Docker: the host pid of the container's PID 1 while it runs (`State.Pid`). */
  readonly pid?: number;
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
    /** `metadata.uid`: the pod's cgroup is named after it. */
    readonly uid?: string;
  };
  /** Where the subject sits in the parsed document, for the line of a problem. */
  readonly path: JsonPath;
  /** The Pod (or the synthetic Pod for a Docker container) as a manifest, for the rules. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly workload: Workload;
  readonly statuses: ReadonlyMap<string, ContainerStatus>;
}

/** A field the input holds but not in the form Kubernetes or Docker write it: never guessed around. */
export interface InputProblem {
  readonly message: string;
  readonly path: JsonPath;
}

export type ReadResult =
  | { ok: true; subjects: Subject[]; problems?: InputProblem[] }
  | { ok: false; message: string; path?: JsonPath; problems?: InputProblem[] };

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const int = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

/** Collects problems for one input; each names the JSON path and what was found. */
class Problems {
  readonly list: InputProblem[] = [];
  add(path: JsonPath, message: string): void {
    this.list.push({ path, message: `${formatJsonPath(path) || 'the input'}: ${message}` });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : String(value);
}

/** An integer field that must be there (or may be absent when `optional`): anything else is a problem, never a default. */
function requireInt(obj: Obj, key: string, path: JsonPath, problems: Problems, optional = false): number | undefined {
  const value = obj[key];
  if (value === undefined && optional) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  problems.add([...path, key], `expected an integer, got ${describe(value)}${typeof value === 'string' && /^\d+$/.test(value) ? ' (quoted: kubectl and docker write a number)' : ''}`);
  return undefined;
}

function termination(value: unknown, path: JsonPath, problems: Problems): Termination | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    problems.add(path, `expected an object, got ${describe(value)}`);
    return undefined;
  }
  // The API server requires exitCode in a terminated state (core/v1 ContainerStateTerminated).
  const exitCode = requireInt(value, 'exitCode', path, problems);
  const signal = requireInt(value, 'signal', path, problems, true);
  if (exitCode === undefined) return undefined;
  const fields = {
    reason: text(value.reason), signal, message: text(value.message),
    startedAt: text(value.startedAt), finishedAt: text(value.finishedAt), containerId: text(value.containerID),
  };
  return { exitCode, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

function kubernetesStatus(raw: unknown, path: JsonPath, problems: Problems): ContainerStatus | undefined {
  if (!isObject(raw)) {
    problems.add(path, `expected a container status object, got ${describe(raw)}`);
    return undefined;
  }
  if (typeof raw.name !== 'string' || raw.name === '') {
    problems.add([...path, 'name'], `expected the container's name, got ${describe(raw.name)}`);
    return undefined;
  }
  const state = isObject(raw.state) ? raw.state : {};
  const last = isObject(raw.lastState) ? raw.lastState : {};
  const terminated = termination(state.terminated, [...path, 'state', 'terminated'], problems);
  const lastTerminated = termination(last.terminated, [...path, 'lastState', 'terminated'], problems);
  const waitingReason = isObject(state.waiting) ? text(state.waiting.reason) : undefined;
  const restartCount = requireInt(raw, 'restartCount', path, problems, true) ?? 0;
  const containerId = text(raw.containerID);
  return {
    name: raw.name,
    state: isObject(state.running) ? 'running' : isObject(state.waiting) ? 'waiting' : terminated ? 'terminated' : 'unknown',
    ...(waitingReason ? { waitingReason } : {}),
    restartCount,
    ...(terminated ? { terminated } : {}),
    ...(lastTerminated ? { lastTerminated } : {}),
    ...(containerId ? { containerId } : {}),
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

function podSubject(pod: Obj, path: JsonPath, problems: Problems): Subject | string {
  const at = formatJsonPath(path);
  const podSpec = isObject(pod.spec) ? pod.spec : undefined;
  if (podSpec && podSpec.containers !== undefined && !Array.isArray(podSpec.containers)) {
    problems.add([...path, 'spec', 'containers'], `expected a list of containers, got ${describe(podSpec.containers)}`);
    return `${at || 'the Pod'} cannot be read`;
  }
  const workload = extractWorkloads(pod)[0];
  if (!workload) return `${at || 'the Pod'} has no spec.containers`;
  const metadata = isObject(pod.metadata) ? pod.metadata : {};
  const status = isObject(pod.status) ? pod.status : {};
  const spec = isObject(pod.spec) ? pod.spec : {};
  const statuses = new Map<string, ContainerStatus>();
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    const list = status[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.add([...path, 'status', key], `expected a list, got ${describe(list)}`);
      continue;
    }
    list.forEach((raw, index) => {
      const parsed = kubernetesStatus(raw, [...path, 'status', key, index], problems);
      if (parsed) statuses.set(parsed.name, parsed);
    });
  }
  const owner = ownerOf(metadata);
  const fields = {
    namespace: text(metadata.namespace), phase: text(status.phase), reason: text(status.reason),
    message: text(status.message), restartPolicy: text(spec.restartPolicy), uid: text(metadata.uid),
  };
  return {
    source: 'kubernetes',
    at,
    path,
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
function dockerSubject(raw: Obj, path: JsonPath, problems: Problems): Subject | string {
  const at = formatJsonPath(path);
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
  const status = text(state.Status) ?? (state.Running === true ? 'running' : 'exited');
  // docker inspect always writes State.ExitCode and State.OOMKilled: a missing or quoted one is not
  // Docker's output, and reading it as 0 would call a killed container "completed successfully".
  const exitCode = requireInt(state, 'ExitCode', [...path, 'State'], problems);
  if (state.OOMKilled !== undefined && typeof state.OOMKilled !== 'boolean') problems.add([...path, 'State', 'OOMKilled'], `expected true or false, got ${describe(state.OOMKilled)}`);
  if (host.Memory !== undefined && int(host.Memory) === undefined) problems.add([...path, 'HostConfig', 'Memory'], `expected an integer number of bytes, got ${describe(host.Memory)}`);
  const restartCount = requireInt(raw, 'RestartCount', path, problems, true) ?? 0;
  if (exitCode === undefined) return `${at} cannot be explained without State.ExitCode`;
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
  const id = text(raw.Id);
  const pid = int(state.Pid);
  const statuses = new Map<string, ContainerStatus>([[name, {
    name,
    state: running ? 'running' : end ? 'terminated' : 'unknown',
    ...(status === 'restarting' ? { waitingReason: 'restarting' } : {}),
    restartCount,
    ...(!running && end ? { terminated: end } : {}),
    // A running container that restarted still shows the last exit in State while Docker restarts it.
    ...(running && restartCount > 0 && end && end.finishedAt ? { lastTerminated: end } : {}),
    ...(id ? { containerId: id } : {}),
    ...(pid ? { pid } : {}),
  }]]);
  return {
    source: 'docker',
    at,
    path,
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
  const problems = new Problems();
  const failures: string[] = [];
  const add = (result: Subject | string) => (typeof result === 'string' ? failures.push(result) : subjects.push(result));
  if (Array.isArray(document)) {
    document.forEach((item, index) => {
      if (isDockerInspect(item)) add(dockerSubject(item, [index], problems));
      else if (isObject(item) && item.kind === 'Pod') add(podSubject(item, [index], problems));
      else failures.push(`[${index}] is neither a docker inspect container nor a Pod`);
    });
  } else if (isObject(document) && document.kind === 'Pod') {
    add(podSubject(document, [], problems));
  } else if (isObject(document) && typeof document.kind === 'string' && document.kind.endsWith('List') && Array.isArray(document.items)) {
    document.items.forEach((item, index) => {
      if (isObject(item) && item.kind === 'Pod') add(podSubject(item, ['items', index], problems));
    });
    if (subjects.length === 0 && document.items.length > 0 && problems.list.length === 0) failures.push(`the ${document.kind} holds no Pod: run kubectl get pod -o json`);
  } else if (isObject(document) && typeof document.kind === 'string') {
    return { ok: false, message: `expected a Pod, a List of Pods or docker inspect output, got kind ${document.kind}: run kubectl get pod <name> -o json`, path: ['kind'] };
  } else {
    return { ok: false, message: 'expected kubectl get pod -o json (a Pod or a List) or docker inspect output (a JSON array)' };
  }
  const found = problems.list.length > 0 ? { problems: problems.list } : {};
  if (subjects.length === 0 && (failures.length > 0 || problems.list.length > 0)) {
    return { ok: false, message: [...failures, ...problems.list.map((p) => p.message)].join('; '), ...found, ...(problems.list[0] ? { path: problems.list[0].path } : {}) };
  }
  return { ok: true, subjects, ...found };
}

export type { Container };
