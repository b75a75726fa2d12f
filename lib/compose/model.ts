/**
 * Compose services as the workload model the rules read: each service is a Workload with one app
 * container, so the same engine and the same rules run over it.
 *
 *   image                                                  → image
 *   entrypoint / command (string or list)                  → command / args (Kubernetes' names for the same two)
 *   environment (map or list; a bare name is unknown)      → env
 *   deploy.resources.limits.memory, else mem_limit         → limits.memory (Docker units)
 *   deploy.resources.reservations.memory, else mem_reservation → requests.memory
 *   healthcheck (unless `disable: true` or test NONE)      → the liveness probe's counterpart
 *   labels (map or list)                                   → annotations (oomguard.io/*, ignore.oomguard.io/*)
 *
 * Every field keeps the path of where it is written in this file: the service's own key, the merge
 * key (`<<`) it came through, or the service's `extends` when it is inherited. Values are
 * interpolated as they are read; what depends on an unset variable is recorded as unknown. Pure.
 */
import { formatQuantity, parseQuantity } from '../core/quantity';
import type { Annotation, Container, EnvVar, JsonPath, ProbeField, QuantityField, Workload } from '../core/workload';
import { ANNOTATION } from '../rules/types';
import { interpolate, type Variables } from './interpolate';
import { asNameMap, isObject, type Obj } from './resolve';
import { parseDockerBytes } from './units';

/** The resource every service finding names: `service/<name>` (kind lower-case: not a Kubernetes Service). */
export const COMPOSE_API_VERSION = 'compose';
export const COMPOSE_KIND = 'service';

/** Where a field is written, and whether a fix may edit it there. */
export interface Located {
  readonly path: JsonPath;
  /** `own`: in the service itself; `merge`: through a `<<` merge key; `extends`: inherited; `missing`: nowhere. */
  readonly origin: 'own' | 'merge' | 'extends' | 'missing';
}

/** Find `segments` under the raw (as written) service, through merge keys. */
export function locate(raw: unknown, base: JsonPath, segments: readonly (string | number)[], extended: boolean): Located {
  let node = raw;
  const path: (string | number)[] = [...base];
  let origin: Located['origin'] = 'own';
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number' && segment < node.length) {
      path.push(segment);
      node = node[segment];
      continue;
    }
    if (!isObject(node)) return { path: extended && origin === 'own' ? [...base, 'extends'] : path, origin: extended && origin === 'own' ? 'extends' : 'missing' };
    if (Object.prototype.hasOwnProperty.call(node, segment)) {
      path.push(segment);
      node = node[segment as string];
      continue;
    }
    const found = throughMerge(node, String(segment));
    if (!found) return { path: extended && origin === 'own' ? [...base, 'extends'] : path, origin: extended && origin === 'own' ? 'extends' : 'missing' };
    path.push(...found.via, segment);
    node = found.value;
    origin = 'merge';
  }
  return { path, origin };
}

/** The `<<` route to `key` in a mapping, following nested merges (earlier sources win, as YAML merges). */
function throughMerge(node: Obj, key: string, depth = 0): { via: (string | number)[]; value: unknown } | undefined {
  if (!('<<' in node) || depth > 16) return undefined;
  const merge = node['<<'];
  const sources = Array.isArray(merge) ? merge : [merge];
  for (let index = 0; index < sources.length; index++) {
    const source = sources[index];
    if (!isObject(source)) continue;
    const prefix: (string | number)[] = Array.isArray(merge) ? ['<<', index] : ['<<'];
    if (Object.prototype.hasOwnProperty.call(source, key)) return { via: prefix, value: source[key] };
    const deeper = throughMerge(source, key, depth + 1);
    if (deeper) return { via: [...prefix, ...deeper.via], value: deeper.value };
  }
  return undefined;
}

/** What the model could not know: fields whose value depends on variables that are not set. */
export interface Unknown {
  readonly path: JsonPath;
  readonly field: string;
  readonly variables: readonly string[];
}

export interface ServiceInput {
  readonly name: string;
  /** The service as written (merge keys not applied), for paths. */
  readonly raw: unknown;
  /** The service with merge keys and `extends` applied, not interpolated. */
  readonly resolved: Obj;
  readonly extended: boolean;
  /** A service another one waits for with `condition: service_completed_successfully` runs to completion. */
  readonly runsToCompletion: boolean;
}

export interface ComposeService {
  readonly workload: Workload;
  readonly container: Container;
  readonly unknowns: readonly Unknown[];
  /** `env_file` entries: variables from them are not read. */
  readonly envFiles: readonly { readonly file: string; readonly path: JsonPath }[];
  /** Per model field, where it is written (limit, request, memswap, entrypoint, command, environment). */
  readonly fields: ServiceFields;
}

export interface ServiceFields {
  /** `source`: the limit as written (`${MEM:-1g}`), `value`: as interpolated (`1g`). */
  readonly limit?: Located & { readonly form: 'deploy' | 'mem_limit'; readonly source: unknown; readonly value: unknown };
  readonly request?: Located & { readonly form: 'deploy' | 'mem_reservation' };
  readonly entrypoint?: Located & { readonly string: boolean };
  readonly command?: Located & { readonly string: boolean };
  readonly environment?: Located & { readonly list: boolean };
  /** Whether both memory forms are used in the file (the fixer writes the one the file uses). */
  readonly deployForm: boolean;
}

/** Labels that declare a peak take Docker units (`400m` is 400 MiB here, not 0.4 bytes as in Kubernetes). */
function labelValue(key: string, value: unknown): unknown {
  if (!key.startsWith(ANNOTATION.peak)) return value;
  const docker = parseDockerBytes(value);
  if (docker.ok && docker.bytes > 0) return formatQuantity(docker.bytes);
  return value;
}

export function buildService(input: ServiceInput, variables: Variables, deployFormInFile: boolean): ComposeService {
  const { name, raw, resolved, extended } = input;
  const base: JsonPath = ['services', name];
  const unknowns: Unknown[] = [];
  const where = (segments: readonly (string | number)[]) => locate(raw, base, segments, extended);
  const read = (value: unknown, segments: readonly (string | number)[], field: string): unknown => {
    if (typeof value !== 'string') return value;
    const result = interpolate(value, variables);
    if (result.unset.length > 0 || result.required.length > 0 || result.invalid) {
      unknowns.push({ path: where(segments).path, field, variables: result.unset.length ? result.unset : [] });
      return undefined;
    }
    return result.value;
  };
  const words = (value: unknown, segments: readonly (string | number)[], field: string): string[] => {
    if (typeof value === 'string') {
      const text = read(value, segments, field);
      return typeof text === 'string' ? [text] : [];
    }
    if (!Array.isArray(value)) return [];
    return value.map((item, index) => read(typeof item === 'string' ? item : String(item), [...segments, index], `${field}[${index}]`)).filter((item): item is string => typeof item === 'string');
  };

  const image = read(resolved.image, ['image'], 'image');
  const entrypoint = words(resolved.entrypoint, ['entrypoint'], 'entrypoint');
  const command = words(resolved.command, ['command'], 'command');

  const env: EnvVar[] = [];
  const environment = resolved.environment;
  const rawEnvironment = where(['environment']);
  for (const [key, value] of asNameMap(environment)) {
    const at = envPath(raw, base, key, extended);
    if (value === null || value === undefined) {
      env.push({ name: key, value: undefined, valueFrom: { compose: `${key} is passed through from the shell that runs docker compose` }, path: at });
      continue;
    }
    const text = typeof value === 'string' ? interpolate(value, variables) : { value: String(value), unset: [], required: [] as string[] };
    if (text.unset.length > 0 || text.required.length > 0 || ('invalid' in text && text.invalid)) {
      unknowns.push({ path: at, field: `environment ${key}`, variables: text.unset });
      env.push({ name: key, value: undefined, valueFrom: { compose: `interpolation of unset variable${text.unset.length === 1 ? '' : 's'} ${text.unset.join(', ')}` }, path: at });
      continue;
    }
    env.push({ name: key, value: text.value, path: at });
  }

  const deploy = isObject(resolved.deploy) ? resolved.deploy : undefined;
  const resources = deploy && isObject(deploy.resources) ? deploy.resources : undefined;
  const limitsBlock = resources && isObject(resources.limits) ? resources.limits : undefined;
  const reservationsBlock = resources && isObject(resources.reservations) ? resources.reservations : undefined;
  const quantity = (value: unknown, segments: readonly (string | number)[], field: string): QuantityField => {
    const located = where(segments);
    const text = read(value, segments, field);
    // An interpolation of an unset variable is unknown, not invalid: the lint adapter says so.
    return { raw: text === undefined ? value : text, parsed: text === undefined ? { ok: false, reason: 'depends on an unset variable' } : parseDockerBytes(text), path: located.path };
  };
  let limit: QuantityField | undefined;
  let limitField: ServiceFields['limit'];
  if (limitsBlock && 'memory' in limitsBlock) {
    limit = quantity(limitsBlock.memory, ['deploy', 'resources', 'limits', 'memory'], 'deploy.resources.limits.memory');
    limitField = { ...where(['deploy', 'resources', 'limits', 'memory']), form: 'deploy', source: limitsBlock.memory, value: limit.raw };
  } else if ('mem_limit' in resolved) {
    limit = quantity(resolved.mem_limit, ['mem_limit'], 'mem_limit');
    limitField = { ...where(['mem_limit']), form: 'mem_limit', source: resolved.mem_limit, value: limit.raw };
  }
  let request: QuantityField | undefined;
  let requestField: ServiceFields['request'];
  if (reservationsBlock && 'memory' in reservationsBlock) {
    request = quantity(reservationsBlock.memory, ['deploy', 'resources', 'reservations', 'memory'], 'deploy.resources.reservations.memory');
    requestField = { ...where(['deploy', 'resources', 'reservations', 'memory']), form: 'deploy' };
  } else if ('mem_reservation' in resolved) {
    request = quantity(resolved.mem_reservation, ['mem_reservation'], 'mem_reservation');
    requestField = { ...where(['mem_reservation']), form: 'mem_reservation' };
  }
  let memorySwap: QuantityField | undefined;
  if ('memswap_limit' in resolved) {
    const text = read(resolved.memswap_limit, ['memswap_limit'], 'memswap_limit');
    // -1: unlimited swap (docker run --memory-swap -1).
    const unlimited = text === -1 || text === '-1';
    memorySwap = {
      raw: text ?? resolved.memswap_limit,
      parsed: unlimited ? { ok: true, bytes: Number.POSITIVE_INFINITY } : text === undefined ? { ok: false, reason: 'depends on an unset variable' } : parseDockerBytes(text),
      path: where(['memswap_limit']).path,
    };
  }

  let liveness: ProbeField | undefined;
  const healthcheck = resolved.healthcheck;
  if (isObject(healthcheck) && !healthcheckDisabled(healthcheck)) liveness = { probe: healthcheck, path: where(['healthcheck']).path };

  const annotations = new Map<string, Annotation>();
  const labels = resolved.labels;
  for (const [key, value] of asNameMap(labels)) {
    const at = Array.isArray(labels) ? where(['labels', (labels as unknown[]).findIndex((item) => typeof item === 'string' && (item === key || item.startsWith(`${key}=`)))]) : where(['labels', key]);
    const text = typeof value === 'string' ? interpolate(value, variables).value : value;
    annotations.set(key, { value: labelValue(key, text), path: at.path });
  }

  const envFiles: { file: string; path: JsonPath }[] = [];
  const envFile = resolved.env_file;
  const envFileList = Array.isArray(envFile) ? envFile : envFile === undefined || envFile === null ? [] : [envFile];
  envFileList.forEach((entry, index) => {
    const file = typeof entry === 'string' ? entry : isObject(entry) && typeof entry.path === 'string' ? entry.path : undefined;
    if (file !== undefined) envFiles.push({ file, path: where(Array.isArray(envFile) ? ['env_file', index] : ['env_file']).path });
  });

  // The form a new limit is written in: the service's own, else the file's.
  const deployForm = limitField ? limitField.form === 'deploy' : requestField ? requestField.form === 'deploy' : deployFormInFile;
  // Docker reads a limit of 0 as no limit at all (docker run --memory 0): the service is unlimited.
  if (limit && limit.parsed.ok && limit.parsed.bytes === 0) limit = undefined;
  const container: Container = {
    name,
    role: 'app',
    path: base,
    image: typeof image === 'string' ? image : '',
    command: entrypoint,
    args: command,
    env,
    limits: { ...(limit ? { memory: limit } : {}) },
    requests: { ...(request ? { memory: request } : {}) },
    ...(memorySwap ? { memorySwap } : {}),
    ...(liveness ? { liveness } : {}),
    raw: resolved,
    fieldNames: {
      memoryLimit: (limitField?.form ?? (deployForm ? 'deploy' : 'mem_limit')) === 'mem_limit' ? 'mem_limit' : 'deploy.resources.limits.memory',
      memoryRequest: (requestField?.form ?? (deployForm ? 'deploy' : 'mem_reservation')) === 'mem_reservation' ? 'mem_reservation' : 'deploy.resources.reservations.memory',
    },
  };
  const restartPolicy = deploy && isObject(deploy.restart_policy) ? deploy.restart_policy.condition : undefined;
  const workload: Workload = {
    resource: { apiVersion: COMPOSE_API_VERSION, kind: COMPOSE_KIND, name },
    path: base,
    workloadClass: input.runsToCompletion || restartPolicy === 'none' ? 'batch' : 'service',
    annotations,
    defaultContainer: name,
    containers: [container],
    platform: 'compose',
  };
  const fields: ServiceFields = {
    ...(limitField ? { limit: limitField } : {}),
    ...(requestField ? { request: requestField } : {}),
    ...('entrypoint' in resolved ? { entrypoint: { ...where(['entrypoint']), string: typeof resolved.entrypoint === 'string' } } : {}),
    ...('command' in resolved ? { command: { ...where(['command']), string: typeof resolved.command === 'string' } } : {}),
    ...(environment !== undefined && environment !== null ? { environment: { ...rawEnvironment, list: Array.isArray(environment) } } : {}),
    deployForm,
  };
  return { workload, container, unknowns, envFiles, fields };
}

/** `disable: true`, or `test: ["NONE"]` / `test: NONE`: the image's HEALTHCHECK is turned off too. */
export function healthcheckDisabled(healthcheck: Obj): boolean {
  if (healthcheck.disable === true) return true;
  const test = healthcheck.test;
  return test === 'NONE' || (Array.isArray(test) && test[0] === 'NONE');
}

/** Where variable `name` is written: its map key, or its `NAME=value` / `NAME` list item. */
function envPath(raw: unknown, base: JsonPath, name: string, extended: boolean): JsonPath {
  const located = locate(raw, base, ['environment'], extended);
  if (located.origin === 'extends' || located.origin === 'missing') return located.path;
  let node: unknown = raw;
  for (const segment of located.path.slice(base.length)) node = (node as Record<string | number, unknown>)[segment];
  if (Array.isArray(node)) {
    const index = node.findIndex((item) => typeof item === 'string' && (item === name || item.startsWith(`${name}=`)));
    if (index >= 0) return [...located.path, index];
    return extended ? [...base, 'extends'] : located.path;
  }
  const inside = locate(node, located.path, [name], false);
  if (inside.origin === 'missing') return extended ? [...base, 'extends'] : located.path;
  return inside.path;
}

/** Whether a Kubernetes quantity string converts to bytes (used when a fix's value is translated). */
export function quantityBytes(value: string | number): number | undefined {
  const parsed = parseQuantity(value);
  return parsed.ok ? parsed.bytes : undefined;
}
