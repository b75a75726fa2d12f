/**
 * From engine findings to what cdk8s shows: a location string per finding and violations grouped by
 * rule, with the rule's summary as recommendation and its remediation as fix (both from rule metadata,
 * the single source). No cdk8s import, so the cdk8s-cli plugin loads without the construct library.
 */
import { formatJsonPath, type JsonPath } from '../core/workload';
import type { Finding, Linter } from '../engine/linter';
import { RULES_BY_ID } from '../rules';
import type { Severity } from '../rules/types';

/** `spec.template.spec.containers[0].resources.requests.memory` */
export function formatPath(path: JsonPath): string {
  return formatJsonPath(path) || '(document)';
}

/** A finding with where it came from. */
export interface LocatedFinding extends Finding {
  /** The synthesized manifest it was found in, when known. */
  readonly manifestPath?: string;
  /** 1-based line of the offending field in that manifest, when known. */
  readonly line?: number;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** Whether a finding's severity is at or above a threshold (`error` fails on errors only). */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

/** One sentence for a finding that stands alone: resource, field, message, rule id. */
export function describeFinding(finding: Finding): string {
  const { kind, name, namespace } = finding.resource;
  const resource = `${kind} ${namespace ? `${namespace}/` : ''}${name ?? '(unnamed)'}`;
  return `${finding.severity} ${finding.ruleId}: ${resource} at ${formatPath(finding.path)}: ${finding.message}`;
}

/** Lint objects (synthesized manifests); objects that are not pod-bearing give nothing. */
export function lintObjects(
  linter: Linter,
  objects: readonly { readonly object: unknown; readonly manifestPath?: string; readonly lineOf?: (path: JsonPath) => number }[],
): LocatedFinding[] {
  const findings: LocatedFinding[] = [];
  for (const { object, manifestPath, lineOf } of objects) {
    for (const finding of linter.lintDocument(object)) {
      findings.push({ ...finding, ...(manifestPath ? { manifestPath } : {}), ...(lineOf ? { line: lineOf(finding.path) } : {}) });
    }
  }
  return findings;
}

/** The shape of cdk8s-cli's `ValidationViolation` (lib/plugins/validation.d.ts). */
export interface Cdk8sViolation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: readonly { readonly resourceName: string; readonly locations: readonly string[]; readonly manifestPath: string }[];
}

/** Group findings by rule, then by resource, as cdk8s-cli reports them. */
export function toViolations(findings: readonly LocatedFinding[]): Cdk8sViolation[] {
  const byRule = new Map<string, LocatedFinding[]>();
  for (const finding of findings) byRule.set(finding.ruleId, [...(byRule.get(finding.ruleId) ?? []), finding]);
  const violations: Cdk8sViolation[] = [];
  for (const [ruleId, ruleFindings] of byRule) {
    const meta = RULES_BY_ID.get(ruleId)?.meta;
    const resources = new Map<string, { resourceName: string; manifestPath: string; locations: string[] }>();
    for (const finding of ruleFindings) {
      const resourceName = finding.resource.name ?? '(unnamed)';
      const manifestPath = finding.manifestPath ?? '(in memory)';
      const key = `${manifestPath}\0${finding.resource.kind}\0${resourceName}`;
      const entry = resources.get(key) ?? { resourceName, manifestPath, locations: [] };
      const line = finding.line !== undefined ? ` (line ${finding.line})` : '';
      entry.locations.push(`${finding.resource.kind} ${formatPath(finding.path)}${line}: ${finding.message}`);
      resources.set(key, entry);
    }
    const severity = ruleFindings[0].severity;
    violations.push({
      ruleName: ruleId,
      recommendation: `[${severity}] ${meta?.summary ?? ruleId}`,
      fix: meta?.remediation ?? 'see `oomguard rules`',
      violatingResources: [...resources.values()],
    });
  }
  // Errors first, then warnings, then info; within a severity, in the order first found.
  const rank = (violation: Cdk8sViolation) => SEVERITY_RANK[(byRule.get(violation.ruleName) ?? [])[0]?.severity ?? 'info'];
  return violations.map((violation, index) => ({ violation, index }))
    .sort((a, b) => rank(b.violation) - rank(a.violation) || a.index - b.index)
    .map(({ violation }) => violation);
}
