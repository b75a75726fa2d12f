/**
 * Run-time checks of `SizedDeployment`'s arguments. Pulumi programs often run through tsx or plain
 * JavaScript, which check no types, so every prop is checked here and a wrong one is named with what
 * was expected (`env` as a list where a map was meant crashed deep inside oomguard before).
 *
 * The vocabulary is the cdk8s constructs' (lib/cdk8s/workloads.ts) in Pulumi's idioms: `peakMemory`
 * (a quantity string such as `700Mi`, or bytes), `env` as a map of name to value (the cdk8s shape) or
 * as Kubernetes `{name, value}` entries, `command`, `args`, `labels`, `annotations`, `cpu`, values as
 * `pulumi.Input`s where oomguard does not need to read them.
 */
import { isRuntimeId, parseQuantity, RUNTIME_IDS, type RuntimeId } from '../index';

export class SizedDeploymentArgsError extends Error {
  override readonly name = 'SizedDeploymentArgsError';
}

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

export interface Checker {
  fail(prop: string, expected: string, value: unknown): never;
}

export function checker(component: string): Checker {
  return {
    fail(prop, expected, value) {
      throw new SizedDeploymentArgsError(`SizedDeployment "${component}": ${prop} must be ${expected}, got ${describe(value)}`);
    },
  };
}

/** The runtime id: `'jvm'`, or `Runtime.JVM` from `oomguard/pulumi` (the same string), or a cdk8s `Runtime` (its `id`). */
export function checkRuntime(check: Checker, value: unknown): RuntimeId {
  const id = typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : value;
  if (!isRuntimeId(id)) check.fail('runtime', `one of ${RUNTIME_IDS.join(', ')}`, value);
  return id;
}

/** `peakMemory` (or the 0.1 name `peakRss`): a Kubernetes quantity, or a number of bytes. */
export function checkPeak(check: Checker, value: unknown, prop: string): number {
  if (typeof value === 'number') {
    if (!(Number.isFinite(value) && value > 0)) check.fail(prop, 'a number of bytes above zero', value);
    return value;
  }
  if (typeof value !== 'string') check.fail(prop, 'a Kubernetes quantity such as "700Mi" (or a number of bytes)', value);
  const parsed = parseQuantity(value);
  if (!parsed.ok) check.fail(prop, `a Kubernetes quantity such as "700Mi" (${parsed.reason})`, value);
  if (!(parsed.bytes > 0)) check.fail(prop, 'more than zero', value);
  return parsed.bytes;
}

export interface EnvInput<I> {
  readonly name: string;
  readonly value: I;
}

/**
 * `env` as `{ NAME: value }` (the cdk8s constructs' shape) or `[{ name, value }]` (Kubernetes' shape).
 * Values are checked by `isValue` (a string, or a Pulumi input).
 */
export function checkEnv<I>(check: Checker, value: unknown, isValue: (value: unknown) => value is I): EnvInput<I>[] {
  if (value === undefined) return [];
  const expected = 'a map of name to value ({ NODE_OPTIONS: "--enable-source-maps" }) or a list of { name, value }';
  let entries: [string, unknown][];
  if (Array.isArray(value)) {
    entries = value.map((entry, index) => {
      if (!isPlainObject(entry) || typeof entry.name !== 'string') check.fail(`env[${index}]`, 'an object with a string name and a value', entry);
      if ('valueFrom' in entry) check.fail(`env[${index}] (${entry.name})`, 'a plain value: put valueFrom variables in podSpec or containers', entry.valueFrom);
      return [entry.name, entry.value];
    });
  } else if (isPlainObject(value)) {
    entries = Object.entries(value);
  } else {
    check.fail('env', expected, value);
  }
  return entries.map(([name, entry]) => {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) check.fail(`env name "${name}"`, 'a valid environment variable name', name);
    if (!isValue(entry)) check.fail(`env.${name}`, 'a string', entry);
    return { name, value: entry };
  });
}

export function checkOptional<T>(check: Checker, prop: string, value: unknown, expected: string, ok: (value: unknown) => boolean): T | undefined {
  if (value === undefined) return undefined;
  if (!ok(value)) check.fail(prop, expected, value);
  return value as T;
}

export function checkStringMap(check: Checker, prop: string, value: unknown, isValue: (value: unknown) => boolean): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) check.fail(prop, 'a map of name to string', value);
  for (const [key, entry] of Object.entries(value)) if (!isValue(entry)) check.fail(`${prop}.${key}`, 'a string', entry);
  return value;
}

export const UNKNOWN_ARGS = new Set([
  'image', 'runtime', 'peakMemory', 'peakRss', 'port', 'env', 'command', 'args', 'labels', 'annotations', 'cpu',
  'containers', 'initContainers', 'podSpec', 'legacyJvm', 'probePaths', 'sizing', 'name', 'deploymentName', 'containerName',
  'namespace', 'replicas',
]);
