/**
 * The normalized workload model: any pod-bearing Kubernetes object becomes a Workload holding
 * Containers, each field carrying its JSON path back into the source document so findings can be
 * placed on a line. Pure: no I/O.
 */
import { parseQuantity, type QuantityParse } from './quantity';

/** A path into a parsed document: mapping keys and sequence indexes. */
export type JsonPath = readonly (string | number)[];

/** Whether a key can follow a `.` in a path: `[A-Za-z_$][A-Za-z0-9_$]*` (tested by hand: a report writes a path per finding). */
function isIdentifier(key: string): boolean {
  if (key.length === 0) return false;
  for (let at = 0; at < key.length; at++) {
    const code = key.charCodeAt(at);
    const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
    if (!letter && !(at > 0 && code >= 48 && code <= 57)) return false;
  }
  return true;
}

/** `spec.template.spec.containers[0].metadata.annotations["oomguard.io/runtime"]`, for messages and reports. */
export function formatJsonPath(path: JsonPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += isIdentifier(segment) ? (text ? `.${segment}` : segment) : `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * - `app`: `spec.containers`
 * - `init`: `spec.initContainers` that run to completion before the app starts
 * - `sidecar`: a native sidecar, an init container with `restartPolicy: Always` (Kubernetes 1.28+)
 * - `ephemeral`: `spec.ephemeralContainers` (debug containers; Kubernetes forbids resources on them)
 */
export type ContainerRole = 'app' | 'init' | 'sidecar' | 'ephemeral';

/** `service` runs until stopped (Deployment, StatefulSet, ...); `batch` runs to completion (Job, CronJob). */
export type WorkloadClass = 'service' | 'batch';

/** Where a workload is declared: a Kubernetes object, or a Docker Compose service (lib/compose). */
export type Platform = 'kubernetes' | 'compose';

export interface EnvVar {
  readonly name: string;
  /** The literal value; undefined when the variable comes from `valueFrom`. */
  readonly value: string | undefined;
  /** `valueFrom` as written (a `resourceFieldRef` to `limits.memory` matters for GOMEMLIMIT). */
  readonly valueFrom?: Readonly<Record<string, unknown>>;
  readonly path: JsonPath;
}

export interface QuantityField {
  readonly raw: unknown;
  readonly parsed: QuantityParse;
  readonly path: JsonPath;
}

export interface ProbeField {
  readonly probe: Readonly<Record<string, unknown>>;
  readonly path: JsonPath;
}

/** A `volumeMounts` entry: which pod volume the container sees, and where. */
export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly path: JsonPath;
}

/** A pod volume; only what the rules read (an `emptyDir` and its medium and size limit). */
export interface Volume {
  readonly name: string;
  readonly path: JsonPath;
  /** Present for an `emptyDir` volume. */
  readonly emptyDir?: {
    /** `Memory` for a tmpfs, whose pages are charged to the memory cgroup of the container writing them. */
    readonly medium?: string;
    readonly sizeLimit?: QuantityField;
    /** Path of the `emptyDir` object. */
    readonly path: JsonPath;
  };
}

export interface Container {
  readonly name: string;
  readonly role: ContainerRole;
  /** Path of the container object itself. */
  readonly path: JsonPath;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly limits: { readonly memory?: QuantityField; readonly cpu?: QuantityField };
  readonly requests: { readonly memory?: QuantityField; readonly cpu?: QuantityField };
  /** Compose `memswap_limit` (memory plus swap, Docker units); `bytes` is Infinity for `-1` (unlimited swap). */
  readonly memorySwap?: QuantityField;
  readonly liveness?: ProbeField;
  readonly readiness?: ProbeField;
  readonly startup?: ProbeField;
  /** `volumeMounts`, in order (empty when none). */
  readonly volumeMounts?: readonly VolumeMount[];
  /** The container object as parsed, read-only. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** How the platform names the memory fields, for messages (Compose: `mem_limit`); Kubernetes' names when absent. */
  readonly fieldNames?: { readonly memoryLimit: string; readonly memoryRequest: string };
}

export interface Annotation {
  readonly value: unknown;
  readonly path: JsonPath;
}

export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface Workload {
  readonly resource: ResourceRef;
  /** Path of the object within its document (`[]`, or `['items', 3]` inside a List). */
  readonly path: JsonPath;
  readonly workloadClass: WorkloadClass;
  /** Workload annotations merged with the pod template's; the template's win on a clash. */
  readonly annotations: ReadonlyMap<string, Annotation>;
  /** The container `kubectl` treats as default: `kubectl.kubernetes.io/default-container`, else the first app container. */
  readonly defaultContainer: string | undefined;
  readonly containers: readonly Container[];
  /** The pod template's `volumes` (empty when none). */
  readonly volumes?: readonly Volume[];
  /** Undefined for Kubernetes objects. */
  readonly platform?: Platform;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NO_STRINGS: readonly string[] = Object.freeze([]);

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : String(item))) : NO_STRINGS;
}

const BATCH_KINDS = new Set(['Job', 'CronJob']);

/** Where the pod template sits for each kind; anything else with `spec.template.spec.containers` is a template too. */
function podTemplateOf(object: Obj): { metadata: unknown; spec: Obj; path: JsonPath } | undefined {
  const spec = object.spec;
  if (object.kind === 'Pod') return isObject(spec) ? { metadata: object.metadata, spec, path: ['spec'] } : undefined;
  if (object.kind === 'PodTemplate') {
    const template = object.template;
    if (isObject(template) && isObject(template.spec)) return { metadata: template.metadata, spec: template.spec, path: ['template', 'spec'] };
    return undefined;
  }
  if (!isObject(spec)) return undefined;
  if (object.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate;
    const template = isObject(jobTemplate) && isObject(jobTemplate.spec) ? jobTemplate.spec.template : undefined;
    if (isObject(template) && isObject(template.spec)) {
      return { metadata: template.metadata, spec: template.spec, path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] };
    }
    return undefined;
  }
  // Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, and CRDs that embed a
  // pod template the same way (Argo Rollouts, Knative, OpenKruise CloneSet, ...).
  const template = spec.template;
  if (isObject(template) && isObject(template.spec) && Array.isArray(template.spec.containers)) {
    return { metadata: template.metadata, spec: template.spec, path: ['spec', 'template', 'spec'] };
  }
  return undefined;
}

/**
 * A field whose path is built only when asked for: most fields of a fleet never appear in a finding,
 * and tens of thousands of path arrays are measurable garbage (bench/run.ts).
 */
abstract class LazyPath {
  private built: JsonPath | undefined;
  constructor(private readonly base: JsonPath) {}
  /** The segments below `base`; only called when the path is asked for. */
  protected abstract tail(): readonly (string | number)[];
  get path(): JsonPath {
    return (this.built ??= [...this.base, ...this.tail()]);
  }
}

class AnnotationField extends LazyPath implements Annotation {
  constructor(readonly value: unknown, base: JsonPath, private readonly key: string) {
    super(base);
  }
  protected tail() {
    return ['annotations', this.key];
  }
}

class Quantity extends LazyPath implements QuantityField {
  private parse: QuantityParse | undefined;
  constructor(readonly raw: unknown, base: JsonPath, private readonly section: string, private readonly name: string) {
    super(base);
  }
  /** Parsed when a rule reads it: the CPU quantities, for one, are read only by an opt-in rule. */
  get parsed(): QuantityParse {
    return (this.parse ??= parseQuantity(this.raw));
  }
  protected tail() {
    return ['resources', this.section, this.name];
  }
}

class Probe extends LazyPath implements ProbeField {
  constructor(readonly probe: Readonly<Record<string, unknown>>, base: JsonPath, private readonly key: string) {
    super(base);
  }
  protected tail() {
    return [this.key];
  }
}

/** A quantity somewhere other than `resources` (an emptyDir's sizeLimit), parsed when read. */
class PlainQuantity implements QuantityField {
  private parse: QuantityParse | undefined;
  constructor(readonly raw: unknown, readonly path: JsonPath) {}
  get parsed(): QuantityParse {
    return (this.parse ??= parseQuantity(this.raw));
  }
}

const NO_MOUNTS: readonly VolumeMount[] = Object.freeze([]);
const NO_VOLUMES: readonly Volume[] = Object.freeze([]);

function volumeMountsOf(raw: Obj, path: JsonPath): readonly VolumeMount[] {
  if (!Array.isArray(raw.volumeMounts) || raw.volumeMounts.length === 0) return NO_MOUNTS;
  const mounts: VolumeMount[] = [];
  raw.volumeMounts.forEach((entry, index) => {
    if (isObject(entry) && typeof entry.name === 'string') {
      mounts.push({ name: entry.name, mountPath: typeof entry.mountPath === 'string' ? entry.mountPath : '', path: [...path, 'volumeMounts', index] });
    }
  });
  return mounts;
}

function volumesOf(spec: Obj, specPath: JsonPath): readonly Volume[] {
  if (!Array.isArray(spec.volumes) || spec.volumes.length === 0) return NO_VOLUMES;
  const volumes: Volume[] = [];
  spec.volumes.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== 'string') return;
    const path = [...specPath, 'volumes', index];
    const emptyDir = entry.emptyDir;
    if (emptyDir === undefined) {
      volumes.push({ name: entry.name, path });
      return;
    }
    // `emptyDir: {}` and a bare `emptyDir:` (null) are both a disk-backed emptyDir.
    const fields = isObject(emptyDir) ? emptyDir : {};
    const dirPath = [...path, 'emptyDir'];
    volumes.push({
      name: entry.name,
      path,
      emptyDir: {
        ...(typeof fields.medium === 'string' ? { medium: fields.medium } : {}),
        ...(fields.sizeLimit !== undefined && fields.sizeLimit !== null ? { sizeLimit: new PlainQuantity(fields.sizeLimit, [...dirPath, 'sizeLimit']) } : {}),
        path: dirPath,
      },
    });
  });
  return volumes;
}

class Env extends LazyPath implements EnvVar {
  constructor(readonly name: string, readonly value: string | undefined, readonly valueFrom: Readonly<Record<string, unknown>> | undefined, base: JsonPath, private readonly index: number) {
    super(base);
  }
  protected tail() {
    return ['env', this.index];
  }
}

function annotationsOf(metadata: unknown, path: JsonPath, into: Map<string, Annotation>): void {
  if (!isObject(metadata) || !isObject(metadata.annotations)) return;
  for (const key of Object.keys(metadata.annotations)) {
    into.set(key, new AnnotationField(metadata.annotations[key], path, key));
  }
}

function quantityField(resources: unknown, section: 'limits' | 'requests', name: string, path: JsonPath): QuantityField | undefined {
  if (!isObject(resources)) return undefined;
  const block = resources[section];
  if (!isObject(block) || !(name in block)) return undefined;
  return new Quantity(block[name], path, section, name);
}

function probeField(container: Obj, key: string, path: JsonPath): ProbeField | undefined {
  const probe = container[key];
  return isObject(probe) ? new Probe(probe, path, key) : undefined;
}

function readContainer(raw: unknown, role: ContainerRole, path: JsonPath): Container | undefined {
  if (!isObject(raw)) return undefined;
  const env: EnvVar[] = [];
  if (Array.isArray(raw.env)) {
    raw.env.forEach((entry, index) => {
      if (!isObject(entry) || typeof entry.name !== 'string') return;
      const value = entry.value === undefined || entry.value === null ? undefined : String(entry.value);
      env.push(new Env(entry.name, value, isObject(entry.valueFrom) ? entry.valueFrom : undefined, path, index));
    });
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : `#${String(path[path.length - 1])}`,
    role,
    path,
    image: typeof raw.image === 'string' ? raw.image : '',
    command: stringList(raw.command),
    args: stringList(raw.args),
    env,
    limits: {
      memory: quantityField(raw.resources, 'limits', 'memory', path),
      cpu: quantityField(raw.resources, 'limits', 'cpu', path),
    },
    requests: {
      memory: quantityField(raw.resources, 'requests', 'memory', path),
      cpu: quantityField(raw.resources, 'requests', 'cpu', path),
    },
    liveness: probeField(raw, 'livenessProbe', path),
    readiness: probeField(raw, 'readinessProbe', path),
    startup: probeField(raw, 'startupProbe', path),
    volumeMounts: volumeMountsOf(raw, path),
    raw,
  };
}

/** The containers of one list of the pod spec, in order, with their roles (no closures per workload: a fleet has many). */
function collectContainers(spec: Obj, key: 'initContainers' | 'containers' | 'ephemeralContainers', specPath: JsonPath, into: Container[]): void {
  const list = spec[key];
  if (!Array.isArray(list)) return;
  for (let index = 0; index < list.length; index++) {
    if (!(index in list)) continue; // a hole, as forEach skips it
    const raw: unknown = list[index];
    const role: ContainerRole = key === 'containers' ? 'app' : key === 'ephemeralContainers' ? 'ephemeral' : isObject(raw) && raw.restartPolicy === 'Always' ? 'sidecar' : 'init';
    const container = readContainer(raw, role, [...specPath, key, index]);
    if (container) into.push(container);
  }
}

function readWorkload(object: Obj, path: JsonPath): Workload | undefined {
  const template = podTemplateOf(object);
  if (!template) return undefined;
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const annotations = new Map<string, Annotation>();
  annotationsOf(metadata, [...path, 'metadata'], annotations);
  if (template.metadata !== metadata) {
    annotationsOf(template.metadata, [...path, ...template.path.slice(0, -1), 'metadata'], annotations);
  }
  const specPath = [...path, ...template.path];
  const containers: Container[] = [];
  collectContainers(template.spec, 'initContainers', specPath, containers);
  collectContainers(template.spec, 'containers', specPath, containers);
  collectContainers(template.spec, 'ephemeralContainers', specPath, containers);

  const restartPolicy = template.spec.restartPolicy;
  const kind = String(object.kind);
  const workloadClass: WorkloadClass =
    BATCH_KINDS.has(kind) || (kind === 'Pod' && (restartPolicy === 'Never' || restartPolicy === 'OnFailure')) ? 'batch' : 'service';
  const named = annotations.get('kubectl.kubernetes.io/default-container')?.value;
  const firstApp = containers.find((c) => c.role === 'app')?.name;
  const defaultContainer = typeof named === 'string' && containers.some((c) => c.name === named) ? named : firstApp;

  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const name = typeof metadata.name === 'string' ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  return {
    // A literal in one of two shapes, not a conditional spread: once per workload of a fleet.
    resource: typeof metadata.namespace === 'string' ? { apiVersion, kind, name, namespace: metadata.namespace } : { apiVersion, kind, name },
    path,
    workloadClass,
    annotations,
    defaultContainer,
    containers,
    volumes: volumesOf(template.spec, specPath),
  };
}

/**
 * Every pod-bearing object in a parsed document: the document itself, or the items of a `List`
 * (any kind ending in `List` with an `items` array), recursively.
 */
export function extractWorkloads(document: unknown, path: JsonPath = []): Workload[] {
  if (!isObject(document)) return [];
  const kind = document.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document.items)) {
    return document.items.flatMap((item, index) => extractWorkloads(item, [...path, 'items', index]));
  }
  const workload = readWorkload(document, path);
  return workload ? [workload] : [];
}

/** Whether a parsed document looks like a Kubernetes object at all (apiVersion and kind). */
export function isKubernetesObject(document: unknown): boolean {
  return isObject(document) && typeof document.kind === 'string' && typeof document.apiVersion === 'string';
}
