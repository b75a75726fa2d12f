/**
 * The rule registry, in documentation order. Each id is its file name, its fixture folder
 * (test/fixtures/rules/<id>/) and its doc page (docs/rules/<id>.md); a test keeps them in step.
 */
import cpuRequestNotEqualLimit from './cpu-request-not-equal-limit';
import goMemlimitExceedsLimit from './go-memlimit-exceeds-limit';
import goMemlimitInvalid from './go-memlimit-invalid';
import goMemlimitUnset from './go-memlimit-unset';
import heapOptionsUnresolved from './heap-options-unresolved';
import healthcheckMissing from './healthcheck-missing';
import invalidAnnotation from './invalid-annotation';
import invalidMemoryQuantity from './invalid-memory-quantity';
import jvmContainerSupportDisabled from './jvm-container-support-disabled';
import jvmHeapExceedsLimit from './jvm-heap-exceeds-limit';
import jvmHeapUnset from './jvm-heap-unset';
import jvmLegacyHeapUnset from './jvm-legacy-heap-unset';
import livenessProbeMissing from './liveness-probe-missing';
import memoryLimitBelowPeak from './memory-limit-below-peak';
import memoryLimitMissing from './memory-limit-missing';
import memoryRequestNotEqualLimit from './memory-request-not-equal-limit';
import memoryVolumeUnbounded from './memory-volume-unbounded';
import memorySwapAllowed from './memory-swap-allowed';
import nodeHeapExceedsLimit from './node-heap-exceeds-limit';
import nodeHeapUnset from './node-heap-unset';
import nodeOptionsInvalid from './node-options-invalid';
import probesIdentical from './probes-identical';
import readinessProbeMissing from './readiness-probe-missing';
import startupProbeMissing from './startup-probe-missing';
import type { Rule } from './types';

export const RULES: readonly Rule[] = [
  memoryLimitMissing,
  memoryRequestNotEqualLimit,
  memoryLimitBelowPeak,
  memorySwapAllowed,
  invalidMemoryQuantity,
  memoryVolumeUnbounded,
  jvmContainerSupportDisabled,
  jvmLegacyHeapUnset,
  jvmHeapExceedsLimit,
  jvmHeapUnset,
  nodeHeapUnset,
  nodeHeapExceedsLimit,
  nodeOptionsInvalid,
  goMemlimitUnset,
  goMemlimitExceedsLimit,
  goMemlimitInvalid,
  heapOptionsUnresolved,
  livenessProbeMissing,
  readinessProbeMissing,
  startupProbeMissing,
  probesIdentical,
  healthcheckMissing,
  cpuRequestNotEqualLimit,
  invalidAnnotation,
];

/** The rules that can report on a Kubernetes object (not the Compose-only ones): what the Pulumi pack and cdk8s plugin offer. */
export const KUBERNETES_RULES: readonly Rule[] = RULES.filter((rule) => !rule.meta.scope.platforms || rule.meta.scope.platforms.includes('kubernetes'));

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((rule) => [rule.meta.id, rule]));

export type { Rule, RuleMeta, Report, Fix, Edit, Severity, SeveritySetting } from './types';
