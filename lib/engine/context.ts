/**
 * Resolve what the annotations and the container say into the context rules read: the runtime, the
 * declared peak, the limit in bytes and the recommendation. Rules never parse annotations themselves.
 */
import { parseQuantity } from '../core/quantity';
import type { Annotation, Container, Workload } from '../core/workload';
import { detectRuntime, isRuntimeId, type Detection } from '../runtimes';
import { recommend, overheadFor, type SizingConfig } from '../sizing/formula';
import { ANNOTATION, type ContainerContext, type DeclaredPeak } from '../rules/types';

/**
 * The annotation that applies to a container: `<key>.<container>` first, then `<key>` for the
 * workload's default container (the one `kubectl` picks; the first app container unless
 * `kubectl.kubernetes.io/default-container` names another), so a general annotation never leaks onto
 * a sidecar.
 */
export function annotationFor(workload: Workload, container: Container, key: string): { key: string; annotation: Annotation } | undefined {
  const specific = `${key}.${container.name}`;
  const own = workload.annotations.get(specific);
  if (own) return { key: specific, annotation: own };
  const general = workload.annotations.get(key);
  if (general && workload.defaultContainer === container.name) return { key, annotation: general };
  return undefined;
}

export function runtimeOf(workload: Workload, container: Container): Detection | undefined {
  const declared = annotationFor(workload, container, ANNOTATION.runtime);
  if (declared) {
    const value = declared.annotation.value;
    // An unknown value is reported by invalid-annotation; detection still runs so other rules work.
    if (isRuntimeId(value)) return { runtime: value, reason: `annotation ${declared.key}` };
  }
  return detectRuntime(container);
}

export function peakOf(workload: Workload, container: Container): DeclaredPeak | undefined {
  const declared = annotationFor(workload, container, ANNOTATION.peak);
  if (!declared) return undefined;
  const parsed = parseQuantity(declared.annotation.value);
  // An invalid or zero peak is reported by invalid-memory-quantity; it sizes nothing.
  if (!parsed.ok || parsed.bytes === 0) return undefined;
  return { bytes: parsed.bytes, annotation: declared.key, path: declared.annotation.path };
}

export function containerContext(workload: Workload, container: Container, sizing: SizingConfig): ContainerContext {
  const runtime = runtimeOf(workload, container);
  const peak = peakOf(workload, container);
  const limit = container.limits.memory?.parsed;
  return {
    workload,
    container,
    runtime,
    peak,
    sizing,
    limitBytes: limit?.ok && limit.bytes > 0 ? limit.bytes : undefined,
    recommendation: peak ? recommend(peak.bytes, runtime?.runtime, sizing) : undefined,
    overheadBytes: overheadFor(runtime?.runtime, sizing),
  };
}
