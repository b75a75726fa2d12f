/**
 * oomguard's library entry: the pure engine every surface adapts (no Node, cdk8s or Pulumi imports).
 * cdk8s constructs live at `oomguard/cdk8s`, the Pulumi component at `oomguard/pulumi`.
 */
export * from './core/quantity';
export * from './core/workload';
export * from './runtimes';
export { readJvmOptions, isLegacyJvmImage, jvmVariant, jvmFacts, type JvmFacts, type JvmVariant } from './runtimes/jvm';
export { effectiveMaxHeap, ergonomicGc, jvmNonHeapModel, type JvmGc } from './runtimes/jvm-memory';
export { readNodeOptions, nodeFacts, youngGenerationBytes, type NodeFacts } from './runtimes/node';
export { readGoMemLimit } from './runtimes/go';
export { containerFacts, factsOfSpec, type ContainerFacts, type ContainerSpec } from './facts';
export * from './sizing/formula';
export { KUBERNETES_RULES, RULES, RULES_BY_ID } from './rules';
export type { Rule, RuleMeta, Report, Fix, Edit, Severity, SeveritySetting } from './rules';
export { ANNOTATION } from './rules/types';
export { annotationFor, runtimeOf, peakOf } from './engine/context';
export { lintText, type FileReport, type LocatedFinding } from './engine/lint-text';
export { createLinter, formatMessage, type Finding, type Linter, type LinterOptions } from './engine/linter';
export { parseManifests, type ManifestDocument, type ParsedFile, type ParseProblem } from './manifests/documents';
export { sizeContainer, mergeEnvEntries, legacyJvmFor, type SizedContainer, type SizedContainerInput, type EnvEntry } from './generate/container';
export { buildDeployment, type DeploymentInput } from './generate/deployment';
export { probesFor, PROBE_TIMINGS, type ProbePaths } from './generate/probes';

/**
 * cdk8s-cli loads a validation plugin given by package name (`package: oomguard`) from the package's
 * main entry. A getter, so importing the engine does not load the plugin (node:fs, ajv, config).
 */
export declare const OomguardValidation: typeof import('./cdk8s/plugin').OomguardValidation;
Object.defineProperty(exports, 'OomguardValidation', { enumerable: true, get: () => require('./cdk8s/plugin').OomguardValidation });
