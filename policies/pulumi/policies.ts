/**
 * oomguard's rules as Pulumi CrossGuard resource policies: one policy per rule id, named by it, with
 * description, remediation and enforcement taken from the rule's metadata. This module only defines
 * the policies; `index.ts` builds the pack (constructing a `PolicyPack` starts its gRPC server), so
 * tests can call each policy's `validateResource` directly.
 */
import type { EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity as PulumiSeverity } from '@pulumi/policy';
import { ANNOTATION, KUBERNETES_RULES, createLinter, extractWorkloads, isRuntimeId, type JsonPath, type Linter, type Rule, type SeveritySetting, type Workload } from '../../lib';
import { annotationFor } from '../../lib/engine/context';
import { SIZING_CONFIG_SCHEMA, sizingFromConfig, type SizingPolicyConfig } from './config';
import { formatJsonPath } from '../../lib/core/workload';
import { CheckBlockedError, POD_BEARING_TYPES, manifestOf, type PodBearingType, type UnknownInput } from './resources';
import { remediateWithRule } from './remediate';

/**
 * Enforcement from the rule's default severity: an error blocks `pulumi up` (mandatory), a warning or
 * an info is shown (advisory), an opt-in rule is off (disabled) until enabled in the pack config.
 */
export const ENFORCEMENT: Readonly<Record<SeveritySetting, EnforcementLevel>> = {
  error: 'mandatory',
  warning: 'advisory',
  info: 'advisory',
  off: 'disabled',
};

/** Pulumi's own severity scale (shown in Pulumi Cloud), kept apart from enforcement. */
export const PULUMI_SEVERITY: Readonly<Record<SeveritySetting, PulumiSeverity>> = {
  error: 'high',
  warning: 'medium',
  info: 'low',
  off: 'low',
};

function startsWith(path: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= path.length && prefix.every((part, index) => path[index] === part);
}

/** Annotations whose value changes a verdict: oomguard's own and kubectl's default container. */
function annotationMatters(key: string | number | undefined): boolean {
  return typeof key !== 'string' || key.startsWith('oomguard.io/') || key.startsWith('ignore.oomguard.io/') || key === 'kubectl.kubernetes.io/default-container';
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * Which unknown inputs stop which checks. An unknown inside one container (an env value from a
 * Secret's output, an image tag from a registry resource) blocks only that container's findings; an
 * unknown container list, pod spec, restart policy or oomguard annotation blocks the whole object;
 * anything else (name, namespace, labels, replicas, volumes, a checksum annotation) changes no verdict.
 */
export interface UnknownImpact {
  /** Unknowns that block every check on the object. */
  readonly whole: readonly UnknownInput[];
  /** Container paths (`[...podSpec, 'containers', 0]`) and the unknowns inside each. */
  readonly containers: ReadonlyMap<string, { readonly path: JsonPath; readonly unknowns: UnknownInput[] }>;
}

export function unknownImpact(type: PodBearingType, unknowns: readonly UnknownInput[]): UnknownImpact {
  const whole: UnknownInput[] = [];
  const containers = new Map<string, { path: JsonPath; unknowns: UnknownInput[] }>();
  const annotationRoots = [['metadata', 'annotations'], [...type.templateMetadataPath, 'annotations']];
  const wholeRoots = [...annotationRoots, [...type.podSpecPath, 'restartPolicy'], ...CONTAINER_LISTS.map((key) => [...type.podSpecPath, key])];
  for (const unknown of unknowns) {
    const { path } = unknown;
    // The unknown holds a whole root (the spec, the container list, all annotations).
    if (wholeRoots.some((root) => startsWith(root, path))) {
      whole.push(unknown);
      continue;
    }
    const annotations = annotationRoots.find((root) => startsWith(path, root));
    if (annotations) {
      if (annotationMatters(path[annotations.length])) whole.push(unknown);
      continue;
    }
    const list = CONTAINER_LISTS.find((key) => startsWith(path, [...type.podSpecPath, key]));
    if (list) {
      const containerPath = path.slice(0, type.podSpecPath.length + 2);
      const key = JSON.stringify(containerPath);
      const entry = containers.get(key) ?? { path: containerPath, unknowns: [] };
      entry.unknowns.push(unknown);
      containers.set(key, entry);
    }
  }
  return { whole, containers };
}

function describeUnknowns(unknowns: readonly UnknownInput[]): string {
  const paths = unknowns.map((unknown) => formatJsonPath(unknown.path));
  const shown = paths.length > 3 ? [...paths.slice(0, 3), `${paths.length - 3} more`] : paths;
  return `${shown.join(', ')} ${paths.length === 1 ? 'is' : 'are'} computed from other resources and unknown until they exist`;
}

function blockedMessage(ruleId: string, subject: string, unknowns: readonly UnknownInput[]): string {
  return `oomguard could not check ${ruleId} on ${subject} during preview: ${describeUnknowns(unknowns)}; it is checked again when pulumi up knows the values`;
}

function containerName(manifest: Record<string, unknown>, path: JsonPath): string | undefined {
  let value: unknown = manifest;
  for (const part of path) value = value && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
  const name = value && typeof value === 'object' ? (value as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** The container's name as written, else its position (`containers[0]`). */
function containerLabel(manifest: Record<string, unknown>, path: JsonPath): string {
  const name = containerName(manifest, path);
  return name !== undefined ? `container "${name}"` : formatJsonPath(path.slice(-2));
}

/**
 * Whether `rule` could report on a container whatever its unknown fields turn out to be: not when the
 * rule's scope excludes the container's role, the workload's class, or the runtime its annotation
 * declares. Workload rules can read any container, so they are always affected.
 */
function couldApply(rule: Rule, workload: Workload | undefined, path: JsonPath, unknowns: readonly UnknownInput[]): boolean {
  const container = workload?.containers.find((each) => JSON.stringify(each.path) === JSON.stringify(path));
  if (!workload || !container || rule.checkWorkload) return true;
  const { scope } = rule.meta;
  if (!scope.workloadClasses.includes(workload.workloadClass)) return false;
  const roleKnown = container.role === 'app' || container.role === 'ephemeral' || !unknowns.some((unknown) => unknown.path.length > path.length && unknown.path[path.length] === 'restartPolicy');
  if (roleKnown && !scope.roles.includes(container.role)) return false;
  if (scope.runtimes && typeof container.raw.name === 'string') {
    const declared = annotationFor(workload, container, ANNOTATION.runtime)?.annotation.value;
    if (isRuntimeId(declared) && !scope.runtimes.includes(declared)) return false;
  }
  return true;
}

/** A linter running only `rule`, per sizing config (configs are few; this map stays small). */
function linterCache(rule: Rule): (config: SizingPolicyConfig | undefined) => Linter {
  const cache = new Map<string, Linter>();
  // An opt-in rule (`off`) runs when its policy is enabled, so give it a severity of its own.
  const severity = rule.meta.defaultSeverity === 'off' ? 'warning' : rule.meta.defaultSeverity;
  return (config) => {
    const key = JSON.stringify(config ?? {});
    let linter = cache.get(key);
    if (!linter) {
      linter = createLinter({ rules: [rule], severities: { [rule.meta.id]: severity }, sizing: sizingFromConfig(config) });
      cache.set(key, linter);
    }
    return linter;
  };
}

/**
 * The validation for one rule: lint the resource's inputs as a manifest and report each finding's
 * sentence. Findings on containers with unknown inputs are held back, and the check that could not
 * run is reported as advisory by throwing the policy server's `UnknownValueError` (a subclass that
 * names the container and fields) after the known findings are reported.
 */
export function validateWithRule(rule: Rule, linterFor = linterCache(rule)): (args: ResourceValidationArgs, reportViolation: ReportViolation) => void {
  return (args, reportViolation) => {
    const type = POD_BEARING_TYPES.get(args.type);
    if (!type) return;
    const linter = linterFor(args.getConfig<SizingPolicyConfig>());
    const { manifest, unknowns } = manifestOf(type, args.props);
    const impact = unknownImpact(type, unknowns);
    const metadata = manifest.metadata as Record<string, unknown> | undefined;
    const resourceName = typeof metadata?.name === 'string' ? metadata.name : args.name;
    if (impact.whole.length > 0) {
      throw new CheckBlockedError(impact.whole[0], blockedMessage(rule.meta.id, `${type.kind} "${resourceName}"`, impact.whole));
    }
    const workloads = extractWorkloads(manifest) as Workload[];
    const blocked = [...impact.containers.values()].filter((entry) => couldApply(rule, workloads[0], entry.path, entry.unknowns));
    const blockedNames = new Set(blocked.map((entry) => containerName(manifest, entry.path)).filter((name) => name !== undefined));
    for (const workload of workloads) {
      for (const finding of linter.lintWorkload(workload)) {
        if (blocked.some((entry) => startsWith(finding.path, entry.path))) continue;
        if (finding.container !== undefined && blockedNames.has(finding.container)) continue;
        reportViolation(finding.message);
      }
    }
    if (blocked.length > 0) {
      const subject = blocked.map((entry) => containerLabel(manifest, entry.path)).join(', ');
      throw new CheckBlockedError(blocked[0].unknowns[0], blockedMessage(rule.meta.id, `${subject} of ${type.kind} "${resourceName}"`, blocked.flatMap((entry) => entry.unknowns)));
    }
  };
}

/**
 * The resource policy for one rule. A fixable rule also remediates: set its enforcement level to
 * `remediate` in the pack config and `pulumi up` applies the fix `oomguard fix` would write.
 */
export function policyFor(rule: Rule): ResourceValidationPolicy {
  const { meta } = rule;
  const linterFor = linterCache(rule);
  return {
    name: meta.id,
    description: meta.summary,
    enforcementLevel: ENFORCEMENT[meta.defaultSeverity],
    severity: PULUMI_SEVERITY[meta.defaultSeverity],
    remediationSteps: meta.remediation,
    tags: ['kubernetes', 'memory', 'oomguard'],
    configSchema: SIZING_CONFIG_SCHEMA,
    validateResource: validateWithRule(rule, linterFor),
    ...(meta.fixable ? { remediateResource: remediateWithRule(linterFor) } : {}),
  };
}

/** Every oomguard policy, in the rule registry's order (the Compose-only rules cannot fire on a Kubernetes resource). */
export const policies: readonly ResourceValidationPolicy[] = KUBERNETES_RULES.map(policyFor);
