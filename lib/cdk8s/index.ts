/**
 * oomguard for cdk8s (`oomguard/cdk8s`): constructs that synthesize memory-safe workloads, the runtime
 * profile API, cdk8s-plus helpers and an in-app validation. The cdk8s-cli validation plugin is
 * `oomguard/cdk8s-plugin` (lib/cdk8s/plugin.ts). See docs/cdk8s.md.
 */
export { Runtime, RuntimeProfileError, validateRuntimeProfile, type RuntimeProfileSpec } from './runtime';
export {
  MemorySafeDeployment,
  MemorySafeStatefulSet,
  MemorySafeWorkload,
  type MemorySafeDeploymentProps,
  type MemorySafeStatefulSetProps,
  type MemorySafeWorkloadProps,
  type ProbePathsProps,
} from './workloads';
export { addMemorySafeContainer, memorySafeContainer, type MemorySafeContainerDefinition, type MemorySafeContainerProps } from './plus';
export { OomguardLint, type OomguardLintProps } from './lint';
export { planContainer, type ContainerPlan, type ContainerPlanInput } from './plan';
export { OomguardValidation, type OomguardValidationProperties } from './plugin';
