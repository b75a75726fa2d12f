/**
 * From a Pulumi resource's inputs to a Kubernetes manifest the engine can lint, and which of those
 * inputs were unknown.
 *
 * `@pulumi/kubernetes` inputs are the Kubernetes object in its own camelCase spelling
 * (`{apiVersion, kind, metadata, spec}`), so they need no renaming. Two things differ from a file:
 * - `apiVersion`/`kind` may be absent (the type token carries them), so they are filled from it;
 * - during `pulumi preview` a value computed from another resource's output is unknown. The policy
 *   server hands policies a proxy that throws `UnknownValueError` when such a value is read
 *   (@pulumi/policy `proxy.ts`, `unknownCheckingProxy`); we read every field through that proxy,
 *   record where the unknowns are, and leave them out of the manifest.
 */
import * as policySdk from '@pulumi/policy';
import type { JsonPath } from '../../lib';

/** The pod-bearing `@pulumi/kubernetes` resource types, by Pulumi type token. */
export interface PodBearingType {
  readonly apiVersion: string;
  readonly kind: string;
  /** Where the pod spec sits in the object. */
  readonly podSpecPath: JsonPath;
  /** Where the pod template's metadata sits (the object's own for a Pod). */
  readonly templateMetadataPath: JsonPath;
}

const TEMPLATE_SPEC: JsonPath = ['spec', 'template', 'spec'];
const TEMPLATE_METADATA: JsonPath = ['spec', 'template', 'metadata'];

function templated(apiVersion: string, kind: string): PodBearingType {
  return { apiVersion, kind, podSpecPath: TEMPLATE_SPEC, templateMetadataPath: TEMPLATE_METADATA };
}

function cronJob(apiVersion: string): PodBearingType {
  const template = ['spec', 'jobTemplate', 'spec', 'template'];
  return { apiVersion, kind: 'CronJob', podSpecPath: [...template, 'spec'], templateMetadataPath: [...template, 'metadata'] };
}

/**
 * Every pod-bearing type in `@pulumi/kubernetes` 4.x, the current versions first. The beta API
 * versions are still resource types in the SDK (deprecated, served by old clusters), so they are
 * checked too. The `...Patch` types are partial objects (server-side apply patches) and are left out:
 * a patch without `resources` is not a container without a limit.
 */
export const POD_BEARING_TYPES: ReadonlyMap<string, PodBearingType> = new Map<string, PodBearingType>([
  ['kubernetes:apps/v1:Deployment', templated('apps/v1', 'Deployment')],
  ['kubernetes:apps/v1:StatefulSet', templated('apps/v1', 'StatefulSet')],
  ['kubernetes:apps/v1:DaemonSet', templated('apps/v1', 'DaemonSet')],
  ['kubernetes:apps/v1:ReplicaSet', templated('apps/v1', 'ReplicaSet')],
  ['kubernetes:core/v1:Pod', { apiVersion: 'v1', kind: 'Pod', podSpecPath: ['spec'], templateMetadataPath: ['metadata'] }],
  ['kubernetes:core/v1:ReplicationController', templated('v1', 'ReplicationController')],
  ['kubernetes:batch/v1:Job', templated('batch/v1', 'Job')],
  ['kubernetes:batch/v1:CronJob', cronJob('batch/v1')],
  ['kubernetes:apps/v1beta1:Deployment', templated('apps/v1beta1', 'Deployment')],
  ['kubernetes:apps/v1beta1:StatefulSet', templated('apps/v1beta1', 'StatefulSet')],
  ['kubernetes:apps/v1beta2:Deployment', templated('apps/v1beta2', 'Deployment')],
  ['kubernetes:apps/v1beta2:StatefulSet', templated('apps/v1beta2', 'StatefulSet')],
  ['kubernetes:apps/v1beta2:DaemonSet', templated('apps/v1beta2', 'DaemonSet')],
  ['kubernetes:apps/v1beta2:ReplicaSet', templated('apps/v1beta2', 'ReplicaSet')],
  ['kubernetes:extensions/v1beta1:Deployment', templated('extensions/v1beta1', 'Deployment')],
  ['kubernetes:extensions/v1beta1:DaemonSet', templated('extensions/v1beta1', 'DaemonSet')],
  ['kubernetes:extensions/v1beta1:ReplicaSet', templated('extensions/v1beta1', 'ReplicaSet')],
  ['kubernetes:batch/v1beta1:CronJob', cronJob('batch/v1beta1')],
]);

/** An input that is unknown during preview, with the error the policy server's proxy raised for it. */
export interface UnknownInput {
  readonly path: JsonPath;
  readonly error: Error & { readonly unknownTypeSentinel?: unknown };
}

export interface ResourceManifest {
  /** The Kubernetes object with unknown values left out (`null` in a list, to keep indexes). */
  readonly manifest: Record<string, unknown>;
  readonly unknowns: readonly UnknownInput[];
}

// `UnknownValueError` is exported by @pulumi/policy at run time, but its declaration file omits it.
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (sentinel: unknown, path: JsonPath) => Error })
  .UnknownValueError;

export function isUnknownValueError(error: unknown): error is UnknownInput['error'] {
  return error instanceof UnknownValueError;
}

/**
 * A subclass of the server's `UnknownValueError`, so the server reports it the way it reports every
 * unknown ("can't run policy ... during preview: <message>", enforcement `advisory`), but with a
 * message that names the container and the field.
 */
export class CheckBlockedError extends UnknownValueError {
  constructor(unknown: UnknownInput, message: string) {
    super(unknown.error.unknownTypeSentinel, unknown.path);
    this.message = message;
    this.name = 'CheckBlockedError';
  }
}

/** Lists and plain objects (read through the proxy, which reports its target's prototype); not assets. */
function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/** Deep copy of `value` read through the server's proxy, recording unknowns instead of throwing. */
function copyKnown(value: unknown, path: JsonPath, unknowns: UnknownInput[]): unknown {
  if (!isPlainContainer(value)) return value;
  const read = (key: string | number): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: (value as Record<string | number, unknown>)[key] };
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      unknowns.push({ path: [...path, key], error });
      return { ok: false };
    }
  };
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (let index = 0; index < value.length; index++) {
      const entry = read(index);
      copy.push(entry.ok ? copyKnown(entry.value, [...path, index], unknowns) : null);
    }
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const entry = read(key);
    if (entry.ok && entry.value !== undefined) copy[key] = copyKnown(entry.value, [...path, key], unknowns);
  }
  return copy;
}

/** The manifest for a pod-bearing resource's inputs (`args.props`), and the inputs unknown during preview. */
export function manifestOf(type: PodBearingType, props: Record<string, unknown>): ResourceManifest {
  const unknowns: UnknownInput[] = [];
  const copy = copyKnown(props, [], unknowns) as Record<string, unknown>;
  return {
    manifest: { ...copy, apiVersion: typeof copy.apiVersion === 'string' ? copy.apiVersion : type.apiVersion, kind: type.kind },
    unknowns,
  };
}
