/**
 * What Compose does to a file before it runs it, short of interpolation (which the model applies as
 * it reads each field, so it can say which values are unknown): YAML merge keys (`<<: *anchor`,
 * `<<: [*a, *b]`, the YAML 1.1 merge that Compose's loaders apply) and `extends` (a service in the
 * same file, or `file:` another one), merged the way the Compose specification's "Merge and
 * override" section says: mappings key by key, `environment` and `labels` by variable or label name
 * whichever of the list or map form each side uses, everything else (`command`, `entrypoint`,
 * `healthcheck.test`, scalars) replaced by the extending service. Pure: another file is read through
 * the caller's `readFile`.
 */
import type { JsonPath } from '../core/workload';
import { interpolate, type Variables } from './interpolate';

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ComposeHost {
  /** Variables for interpolation: the shell's over `--compose-env-file` / `.env`. */
  readonly variables: Variables;
  /** Where the linted file is (its display name may be relative to elsewhere): `extends.file` is read relative to it. */
  readonly origin?: string;
  /** Read another Compose file named by `extends.file`, relative to the folder of `from`. */
  readFile?(path: string, from: string): { readonly ok: true; readonly text: string; readonly file: string } | { readonly ok: false; readonly message: string };
  /** Parse another file's text to its first document's value (the caller's YAML reader). */
  parse?(text: string, file: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly line?: number };
}

export interface ResolveProblem {
  readonly message: string;
  /** Where in this file: lines come from it. */
  readonly path: JsonPath;
  /** `error`: Compose itself refuses the file; `note`: oomguard could not follow something. */
  readonly level: 'error' | 'note';
}

/** Chains of `extends` longer than this are refused: real files use one or two levels. */
export const MAX_EXTENDS_DEPTH = 16;
/** Mappings nested deeper than this are not merged further (the YAML reader already stops at 100). */
const MAX_MERGE_DEPTH = 64;

/**
 * A copy of `value` with every `<<` merge key applied: the mapping's own keys win, then the merged
 * mappings in order (earlier first). Aliased nodes are resolved once (a memo by identity), so an
 * anchor used a thousand times costs one merge.
 */
export function applyMerges(value: unknown, problems: ResolveProblem[] = [], path: JsonPath = []): unknown {
  const memo = new Map<object, unknown>();
  const visit = (node: unknown, at: JsonPath, depth: number): unknown => {
    if (typeof node !== 'object' || node === null || node instanceof Date) return node;
    const known = memo.get(node);
    if (known !== undefined) return known;
    if (depth > MAX_MERGE_DEPTH) return node;
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      memo.set(node, out);
      node.forEach((item, index) => out.push(visit(item, [...at, index], depth + 1)));
      return out;
    }
    const out: Obj = {};
    memo.set(node, out);
    const own = node as Obj;
    for (const key of Object.keys(own)) if (key !== '<<') out[key] = visit(own[key], [...at, key], depth + 1);
    if ('<<' in own) {
      const sources = Array.isArray(own['<<']) ? (own['<<'] as unknown[]) : [own['<<']];
      sources.forEach((source, index) => {
        const merged = visit(source, [...at, '<<', ...(Array.isArray(own['<<']) ? [index] : [])], depth + 1);
        if (!isObject(merged)) {
          problems.push({ level: 'error', message: 'a merge key (<<) takes a mapping or a list of mappings', path: [...at, '<<'] });
          return;
        }
        for (const key of Object.keys(merged)) if (!(key in out)) out[key] = merged[key];
      });
    }
    return out;
  };
  return visit(value, path, 0);
}

/** `environment` or `labels` in either form, as a map (a bare `- NAME` maps to null, as Compose reads it). */
export function asNameMap(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'string') continue;
      const equals = item.indexOf('=');
      if (equals < 0) map.set(item, null);
      else map.set(item.slice(0, equals), item.slice(equals + 1));
    }
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) map.set(key, value[key]);
  }
  return map;
}

const BY_NAME = new Set(['environment', 'labels']);
const REPLACED = new Set(['command', 'entrypoint', 'test']);

function mergeMappings(base: Obj, local: Obj, depth: number): Obj {
  const out: Obj = { ...base };
  for (const key of Object.keys(local)) {
    const mine = local[key];
    const theirs = base[key];
    if (!(key in base)) out[key] = mine;
    else if (BY_NAME.has(key) && (Array.isArray(mine) || isObject(mine)) && (Array.isArray(theirs) || isObject(theirs))) {
      out[key] = Object.fromEntries([...asNameMap(theirs), ...asNameMap(mine)]);
    } else if (isObject(mine) && isObject(theirs) && !REPLACED.has(key) && depth < MAX_MERGE_DEPTH) out[key] = mergeMappings(theirs, mine, depth + 1);
    else out[key] = mine;
  }
  return out;
}

interface FileScope {
  /** For messages. */
  readonly file: string;
  /** Where it is: the same file reached twice is one scope (cycles, cache). */
  readonly id: string;
  readonly services: Obj;
}

export interface ResolvedServices {
  /** Each service with `extends` followed (and the `extends` key removed). */
  readonly services: ReadonlyMap<string, Obj>;
  /** Services whose values come partly from `extends`. */
  readonly extended: ReadonlySet<string>;
}

/**
 * Follow `extends` for every service of a file whose merge keys are already applied. Problems are
 * placed on the `extends` key of the service in this file.
 */
export function resolveExtends(services: Obj, file: string, host: ComposeHost, problems: ResolveProblem[]): ResolvedServices {
  const resolved = new Map<string, Obj>();
  const extended = new Set<string>();
  const fileCache = new Map<string, FileScope | string>();
  const top: FileScope = { file, id: host.origin ?? file, services };

  const loadFile = (path: string, from: string): FileScope | string => {
    if (!host.readFile || !host.parse) return `cannot read ${path}: no file access here`;
    const read = host.readFile(path, from);
    if (!read.ok) return `cannot read ${path}: ${read.message}`;
    if (read.file === top.id) return top;
    const cached = fileCache.get(read.file);
    if (cached) return cached;
    const parsed = host.parse(read.text, read.file);
    let scope: FileScope | string;
    if (!parsed.ok) scope = `cannot parse ${path}${parsed.line ? ` (line ${parsed.line})` : ''}: ${parsed.message}`;
    else {
      const merged = applyMerges(parsed.value);
      scope = isObject(merged) && isObject(merged.services) ? { file: path, id: read.file, services: merged.services } : `${path} has no services mapping`;
    }
    fileCache.set(read.file, scope);
    return scope;
  };

  const resolve = (scope: FileScope, name: string, chain: string[]): Obj | string => {
    const service = scope.services[name];
    if (!isObject(service)) return service === null || service === undefined ? (name in scope.services ? {} : `service "${name}" is not defined in ${scope.file}`) : `service "${name}" is not a mapping`;
    if (!('extends' in service)) return service;
    const key = `${scope.id}\0${name}`;
    if (chain.includes(key)) return `extends forms a cycle (${[...chain, key].map((item) => item.split('\0')[1]).join(' → ')})`;
    if (chain.length >= MAX_EXTENDS_DEPTH) return `extends is nested more than ${MAX_EXTENDS_DEPTH} levels deep`;
    const spec = service.extends;
    const text = (value: unknown) => (typeof value === 'string' ? interpolate(value, host.variables).value : undefined);
    const baseName = typeof spec === 'string' ? text(spec) : isObject(spec) ? text(spec.service) : undefined;
    if (!baseName) return 'extends needs a service name (extends: NAME, or extends: {service: NAME, file: FILE})';
    let baseScope: FileScope = scope;
    if (isObject(spec) && spec.file !== undefined) {
      const path = text(spec.file);
      if (!path) return 'extends.file must be a file name';
      const loaded = loadFile(path, scope.id);
      if (typeof loaded === 'string') return loaded;
      baseScope = loaded;
    }
    const base = resolve(baseScope, baseName, [...chain, key]);
    if (typeof base === 'string') return base;
    const { extends: _ignored, ...own } = service;
    return mergeMappings(base, own, 0);
  };

  for (const name of Object.keys(services)) {
    const result = resolve(top, name, []);
    if (typeof result === 'string') {
      problems.push({ level: isObject(services[name]) && 'extends' in (services[name] as Obj) ? 'note' : 'error', message: `service "${name}": ${result}`, path: ['services', name, 'extends'] });
      const own = services[name];
      if (isObject(own)) {
        const { extends: _ignored, ...rest } = own;
        resolved.set(name, rest);
        extended.add(name);
      } else if (own === null) resolved.set(name, {});
      continue;
    }
    if (isObject(services[name]) && 'extends' in (services[name] as Obj)) extended.add(name);
    resolved.set(name, result);
  }
  return { services: resolved, extended };
}
