/**
 * The rules write their paths and fixes in the workload model's Kubernetes terms (`command`, `args`,
 * `resources.limits.memory`, an env entry's `value`, `addEnv`); this turns them into the Compose
 * fields of the service, in the form the file already uses: `mem_limit` or `deploy.resources`, the
 * string or list form of `command` and `entrypoint`, the map or list form of `environment`, and
 * Docker's units for a size. A fix is dropped (left to the user) when what it would edit is
 * inherited through `extends`, or is an interpolation (`${VAR}`): writing a literal there would
 * silently drop the variable. Pure.
 */
import type { JsonPath } from '../core/workload';
import type { Edit, Fix } from '../rules/types';
import type { ServiceFields } from './model';
import { quantityBytes } from './model';
import { formatDockerBytes } from './units';

export interface ServiceScope {
  readonly base: JsonPath;
  readonly fields: ServiceFields;
  /** The document as written, for the forms and the values already there. */
  readonly raw: unknown;
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** Whether `path` is `base` + the rest (on the same service). */
function under(path: JsonPath, base: JsonPath): boolean {
  return path.length >= base.length && base.every((segment, index) => path[index] === segment);
}

/** The Compose path for a model path of this service (for lines, and for edits). */
export function composePath(path: JsonPath, scope: ServiceScope): JsonPath {
  const { base, fields } = scope;
  if (!under(path, base) || path.length === base.length) return path;
  const rest = path.slice(base.length);
  const head = rest[0];
  if (head === 'resources' && rest[2] === 'memory') {
    if (rest[1] === 'limits') return fields.limit?.path ?? (fields.deployForm ? [...base, 'deploy', 'resources', 'limits', 'memory'] : [...base, 'mem_limit']);
    if (rest[1] === 'requests') return fields.request?.path ?? (fields.deployForm ? [...base, 'deploy', 'resources', 'reservations', 'memory'] : [...base, 'mem_reservation']);
  }
  if (head === 'command' || head === 'args') {
    const field = head === 'command' ? fields.entrypoint : fields.command;
    const name = head === 'command' ? 'entrypoint' : 'command';
    if (!field) return [...base, name];
    return field.string ? field.path : [...field.path, ...rest.slice(1)];
  }
  // An env variable's `value`: the variable's own path is its map key or its list item.
  if (rest[rest.length - 1] === 'value' && path.includes('environment')) return path.slice(0, -1);
  return path;
}


function settable(path: JsonPath, scope: ServiceScope): boolean {
  if (path[scope.base.length] === 'extends') return false;
  const existing = valueAt(scope.raw, path);
  return !(typeof existing === 'string' && existing.includes('$'));
}

function translateEdit(edit: Edit, scope: ServiceScope): Edit[] | undefined {
  if (edit.op === 'set') {
    const path = composePath(edit.path, scope);
    if (!settable(path, scope)) return undefined;
    let value = edit.value;
    const rest = edit.path.slice(scope.base.length);
    if (rest[0] === 'resources' && rest[2] === 'memory' && typeof value === 'string') {
      const bytes = quantityBytes(value);
      if (bytes === undefined) return undefined;
      value = formatDockerBytes(bytes);
    }
    // The limit copied to the reservation or memswap_limit: copy it as written, so `${MEM:-1g}` stays one knob.
    const limit = scope.fields.limit;
    if (limit && typeof limit.source === 'string' && limit.source.includes('$') && value === limit.value && path.join('.') !== limit.path.join('.')) value = limit.source;
    // A list item of `environment` is `NAME=value`.
    const parent = valueAt(scope.raw, path.slice(0, -1));
    if (Array.isArray(parent) && path[path.length - 2] === 'environment') {
      const item = parent[path[path.length - 1] as number];
      if (typeof item !== 'string') return undefined;
      const name = item.includes('=') ? item.slice(0, item.indexOf('=')) : item;
      value = `${name}=${value}`;
    }
    return [{ op: 'set', path, value }];
  }
  if (edit.op === 'addEnv') {
    const environment = scope.fields.environment;
    if (!environment) return [{ op: 'set', path: [...scope.base, 'environment', edit.name], value: edit.value }];
    if (environment.origin !== 'own') return undefined;
    // One past the list's last item: the fixer appends there.
    if (environment.list) {
      const list = valueAt(scope.raw, environment.path);
      if (!Array.isArray(list)) return undefined;
      return [{ op: 'set', path: [...environment.path, list.length], value: `${edit.name}=${edit.value}` }];
    }
    return [{ op: 'set', path: [...environment.path, edit.name], value: edit.value }];
  }
  return [edit];
}

/** The fix in Compose terms, or undefined when it cannot be applied safely. */
export function translateFix(fix: Fix, scope: ServiceScope): Fix | undefined {
  const edits: Edit[] = [];
  for (const edit of fix.edits) {
    const translated = translateEdit(edit, scope);
    if (!translated) return undefined;
    edits.push(...translated);
  }
  return { description: fix.description.replace(/\b(\d+)(Ki|Mi|Gi|Ti)\b/g, (whole) => {
    const bytes = quantityBytes(whole);
    return bytes === undefined ? whole : formatDockerBytes(bytes);
  }), edits };
}
