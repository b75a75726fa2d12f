/**
 * Mutation planning: what the mutating webhook changes in an admitted object, as an RFC 6902 JSON
 * Patch. It changes nothing the rules do not ask for: it takes the findings of the rules whose fix is
 * deterministic at admission time (request = limit, the runtime's heap ceiling from the container's
 * actual limit, a flag that contradicts the limit) and turns their fixes (data, lib/rules/types.ts
 * `Edit`) into patch operations. Limits are never changed: the limit is what the team chose and the
 * scheduler reserves; oomguard only makes the runtime and the request agree with it.
 *
 * Pure apart from the structured clone of the object it patches in memory (no I/O).
 */
import type { Container, JsonPath } from '../core/workload';
import { extractWorkloads } from '../core/workload';
import { describeBytes } from '../core/quantity';
import { containerContext } from '../engine/context';
import type { Linter } from '../engine/linter';
import { PROFILES, type RuntimeId } from '../runtimes';
import { mergeOptions } from '../runtimes/options';
import type { EnvSetting } from '../runtimes/types';
import type { Edit } from '../rules/types';
import { settingsAt, type SizingConfig } from '../sizing/formula';
import { cpusOf } from '../facts';

/** One RFC 6902 operation; the planner emits only these two. */
export type PatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown };

/**
 * Rules whose fixes the webhook applies. Not `memory-limit-missing` or `memory-limit-below-peak`:
 * their fixes set the limit, which admission must not second-guess (the declared peak may be stale,
 * and a larger limit can make the pod unschedulable).
 */
export const MUTATING_RULES: ReadonlySet<string> = new Set([
  'memory-request-not-equal-limit',
  'jvm-container-support-disabled',
  'jvm-heap-unset',
  'jvm-legacy-heap-unset',
  'jvm-heap-exceeds-limit',
  'node-heap-unset',
  'node-heap-exceeds-limit',
  'go-memlimit-unset',
  'go-memlimit-exceeds-limit',
  'go-memlimit-invalid',
]);

/** The rules whose fix sets a runtime option variable: the webhook computes those settings itself (heapSettings). */
/** A runtime option variable from valueFrom: the webhook warns with the settings it would have written. */
const UNRESOLVED_RULE = 'heap-options-unresolved';

const HEAP_ENV_RULES: ReadonlySet<string> = new Set(['jvm-heap-unset', 'jvm-legacy-heap-unset', 'node-heap-unset', 'go-memlimit-unset']);

/**
 * The runtime's own ceiling for a container limit, the one call the webhook makes to the runtime
 * model: the same budget (limit − the runtime's modelled overhead, its collector chosen for the CPUs
 * given) and the same settings as the rules' fixes and `oomguard generate` (lib/sizing settingsAt).
 */
export function heapSettings(runtime: RuntimeId, limitBytes: number, sizing: SizingConfig, legacy: boolean, cpus?: number): readonly EnvSetting[] {
  return settingsAt(limitBytes, runtime, sizing, { legacy, ...(cpus !== undefined ? { cpus } : {}) }).settings;
}

export interface AppliedChange {
  readonly ruleId: string;
  readonly container?: string;
  readonly description: string;
}

export interface MutationPlan {
  readonly patch: readonly PatchOperation[];
  readonly changes: readonly AppliedChange[];
  /** What the webhook would have changed and did not (a variable it cannot read), one sentence each. */
  readonly warnings: readonly string[];
  /** The object with the patch applied (the input when the patch is empty). */
  readonly result: unknown;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: `~` is `~0`, `/` is `~1`. */
export function pointer(path: JsonPath): string {
  let text = '';
  for (const segment of path) text += '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
  return text;
}

function nest(rest: JsonPath, value: unknown): unknown {
  let built = value;
  for (let index = rest.length - 1; index >= 0; index--) {
    const segment = rest[index];
    built = typeof segment === 'number' ? [built] : { [segment]: built };
  }
  return built;
}

/** Apply `set` at `path` to `root` (mutating it) and return the one operation that does the same. */
function setAt(root: Obj, path: JsonPath, value: unknown): PatchOperation {
  let node: unknown = root;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const last = index === path.length - 1;
    const container = node as Obj & unknown[];
    const present = Array.isArray(node) ? typeof segment === 'number' && segment < node.length : isObject(node) && Object.prototype.hasOwnProperty.call(node, segment);
    if (last) {
      container[segment as never] = value as never;
      return { op: present ? 'replace' : 'add', path: pointer(path), value };
    }
    const next = present ? container[segment as never] as unknown : undefined;
    if (!present || !(isObject(next) || Array.isArray(next))) {
      // Missing, or a null / scalar where a mapping belongs: build the rest of the path in one value.
      const built = nest(path.slice(index + 1), value);
      container[segment as never] = built as never;
      return { op: present ? 'replace' : 'add', path: pointer(path.slice(0, index + 1)), value: built };
    }
    node = next;
  }
  throw new Error('empty path');
}

function at(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const segment of path) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Obj)[segment as never];
  }
  return node;
}

/** Append an env entry to the container at `containerPath` of `root`. */
function addEnv(root: Obj, containerPath: JsonPath, name: string, value: string): PatchOperation {
  const container = at(root, containerPath) as Obj;
  if (Array.isArray(container.env)) {
    container.env.push({ name, value });
    return { op: 'add', path: pointer([...containerPath, 'env', '-']), value: { name, value } };
  }
  return setAt(root, [...containerPath, 'env'], [{ name, value }]);
}

function applyEdit(root: Obj, edit: Edit): PatchOperation {
  return edit.op === 'set' ? setAt(root, edit.path, edit.value) : addEnv(root, edit.container, edit.name, edit.value);
}

function describeSource(valueFrom: Readonly<Record<string, unknown>> | undefined): string {
  if (!valueFrom) return 'valueFrom';
  const kind = Object.keys(valueFrom)[0];
  const ref = valueFrom[kind];
  const name = isObject(ref) && typeof ref.name === 'string' ? ` ${ref.name}` : '';
  const key = isObject(ref) && typeof ref.key === 'string' ? ` key ${ref.key}` : '';
  return `${kind}${name}${key}`;
}

/** The index of the env entry Kubernetes uses for `name` (the last of that name), or -1. */
function lastEntryNamed(env: readonly unknown[], name: string): number {
  for (let position = env.length - 1; position >= 0; position--) {
    const entry = env[position];
    if (isObject(entry) && entry.name === name) return position;
  }
  return -1;
}

/**
 * Merge the heap settings into the container's env as it stands in `root` (earlier edits included):
 * into the literal variable Kubernetes uses (the last of that name), else a new entry. A variable the
 * webhook cannot read (`valueFrom`, or possibly set by `envFrom`) is left alone with a warning: adding
 * a literal one would override the user's options with a value that drops them.
 */
function mergeHeapEnv(root: Obj, container: Container, ruleId: string, settings: readonly EnvSetting[], supersedes: (token: string) => boolean, out: { patch: PatchOperation[]; changes: AppliedChange[]; warnings: string[] }): void {
  const raw = at(root, container.path);
  if (!isObject(raw)) return;
  const env = Array.isArray(raw.env) ? raw.env : [];
  for (const setting of settings) {
    const index = lastEntryNamed(env, setting.name);
    const entry = index >= 0 ? (env[index] as Obj) : undefined;
    if (entry && (entry.value === undefined || entry.value === null) && entry.valueFrom !== undefined) {
      out.warnings.push(`container "${container.name}": ${setting.name} comes from ${describeSource(isObject(entry.valueFrom) ? entry.valueFrom : undefined)}, which oomguard cannot read: not changed; put ${setting.value} there (${ruleId})`);
      return;
    }
    if (!entry && Array.isArray(raw.envFrom) && raw.envFrom.length > 0) {
      out.warnings.push(`container "${container.name}": envFrom may set ${setting.name}, which oomguard cannot read: not changed; set ${setting.name}="${setting.value}" in the container or its source (${ruleId})`);
      return;
    }
  }
  for (const setting of settings) {
    const index = lastEntryNamed(env, setting.name);
    if (index >= 0) {
      const current = (env[index] as Obj).value;
      const merged = mergeOptions(current === undefined || current === null ? undefined : String(current), setting.value, supersedes);
      if (merged === current) continue;
      out.patch.push(setAt(root, [...container.path, 'env', index, 'value'], merged));
      out.changes.push({ ruleId, container: container.name, description: `set ${setting.name}="${merged}"` });
    } else {
      out.patch.push(addEnv(root, container.path, setting.name, setting.value));
      out.changes.push({ ruleId, container: container.name, description: `set ${setting.name}="${setting.value}"` });
    }
  }
}

/** Rounds of lint-and-fix at most: a fix can uncover another (container support turned on, then the heap set). */
const MAX_ROUNDS = 4;

/**
 * Plan the patch for `object`: lint, apply the mutating rules' fixes to a copy, lint the copy again
 * (a fix can uncover the next, or two fixes may touch one variable), until nothing mutating is left.
 * Every operation applies to the object as the previous ones left it, as RFC 6902 requires.
 */
export function planMutation(object: unknown, linter: Linter, sizing: SizingConfig): MutationPlan {
  const out = { patch: [] as PatchOperation[], changes: [] as AppliedChange[], warnings: [] as string[] };
  let current: Obj | undefined; // the working copy, made on the first edit
  const warned = new Set<string>();
  // A warning repeats every round its finding stays: it is said once.
  const warnOnce = (warning: string) => {
    if (warned.has(warning)) return;
    warned.add(warning);
    out.warnings.push(warning);
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const subject = current ?? object;
    const workloads = extractWorkloads(subject);
    let changed = false;
    for (const workload of workloads) {
      const findings = linter.lintWorkload(workload);
      // One edit per JSON path per round: two fixes computed from the same original string would overwrite each other.
      const touched = new Set<string>();
      const containersDone = new Set<string>();
      for (const finding of findings) {
        const container = finding.container === undefined ? undefined : workload.containers.find((candidate) => candidate.name === finding.container);
        if (finding.ruleId === UNRESOLVED_RULE) {
          // The option variable comes from a ConfigMap or Secret: never shadowed by a literal, only said.
          if (!container) continue;
          const context = containerContext(workload, container, sizing);
          if (!context.runtime || context.limitBytes === undefined) continue;
          const settings = heapSettings(context.runtime.runtime, context.limitBytes, sizing, context.runtime.legacyJvm === true, cpusOf(container));
          const warning = `${finding.message}: not changed; for limit ${describeBytes(context.limitBytes)} set ${settings.map((setting) => `${setting.name}="${setting.value}"`).join(' ')} in that source (${UNRESOLVED_RULE})`;
          warnOnce(warning);
          continue;
        }
        // A heap rule without a fix is one envFrom may answer: mergeHeapEnv leaves it alone and says so.
        if (!MUTATING_RULES.has(finding.ruleId) || (!finding.fix && !HEAP_ENV_RULES.has(finding.ruleId))) continue;
        if (HEAP_ENV_RULES.has(finding.ruleId)) {
          if (!container || containersDone.has(`${container.name}`)) continue;
          const context = containerContext(workload, container, sizing);
          if (!context.runtime || context.limitBytes === undefined) continue;
          const settings = heapSettings(context.runtime.runtime, context.limitBytes, sizing, context.runtime.legacyJvm === true, cpusOf(container));
          const envPath = pointer([...container.path, 'env']);
          if (touched.has(envPath)) continue;
          current ??= structuredClone(object) as Obj;
          const before = out.patch.length;
          const warningsBefore = out.warnings.length;
          mergeHeapEnv(current, container, finding.ruleId, settings, PROFILES[context.runtime.runtime].supersedes, out);
          for (const warning of out.warnings.splice(warningsBefore)) warnOnce(warning);
          if (out.patch.length > before) {
            touched.add(envPath);
            containersDone.add(container.name);
            changed = true;
          }
          continue;
        }
        if (!finding.fix) continue;
        const edits = finding.fix.edits;
        const keys = edits.map((edit) => pointer(edit.op === 'set' ? edit.path : [...edit.container, 'env']));
        if (keys.some((key) => touched.has(key))) continue;
        current ??= structuredClone(object) as Obj;
        for (const edit of edits) out.patch.push(applyEdit(current, edit));
        for (const key of keys) touched.add(key);
        out.changes.push({ ruleId: finding.ruleId, ...(finding.container === undefined ? {} : { container: finding.container }), description: finding.fix.description });
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { patch: compact(out.patch), changes: out.changes, warnings: out.warnings, result: current ?? object };
}

/** Drop a `replace` that a later `replace` of the same path overwrites (two rounds editing one variable). */
function compact(patch: readonly PatchOperation[]): PatchOperation[] {
  return patch.filter((operation, index) => operation.op !== 'replace' || !patch.slice(index + 1).some((later) => later.op === 'replace' && later.path === operation.path));
}
