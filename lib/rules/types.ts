/**
 * The rule contract. A rule is metadata plus a pure check: it reports what it saw (a message id, the
 * numbers, the JSON path of the field) and, where a deterministic repair exists, the edits that make
 * it. The engine, not the rule, applies scope, suppression and severity; adapters add file and line.
 */
import type { ContainerRole, JsonPath, Platform, Workload, WorkloadClass } from '../core/workload';
import { ANNOTATION, type ContainerFacts, type DeclaredPeak } from '../facts';
import type { RuntimeId } from '../runtimes';
import type { SizingConfig } from '../sizing/formula';

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

export interface RuleScope {
  /** Which workloads the rule looks at. */
  readonly workloadClasses: readonly WorkloadClass[];
  /** Which containers (container rules only). */
  readonly roles: readonly ContainerRole[];
  /** Only containers detected as one of these runtimes (container rules only). */
  readonly runtimes?: readonly RuntimeId[];
  /** Only workloads declared on these platforms; every platform when absent. */
  readonly platforms?: readonly Platform[];
}

export interface RuleMeta {
  readonly id: string;
  /** `off` for opt-in rules. */
  readonly defaultSeverity: SeveritySetting;
  /** One line: what the rule reports. */
  readonly summary: string;
  /** Why it matters: what goes wrong at run time. */
  readonly rationale: string;
  /** What to change. */
  readonly remediation: string;
  readonly scope: RuleScope;
  /** Message templates by id; `{{name}}` is replaced from the report's data. */
  readonly messages: Readonly<Record<string, string>>;
  /** Whether `oomguard fix` can repair some of its findings. */
  readonly fixable: boolean;
}

/** One edit to a parsed document. Fixes are data so the fixer can apply them preserving formatting. */
export type Edit =
  /** Set the value at `path`, creating missing mappings on the way; an index one past a list's end appends to it. */
  | { readonly op: 'set'; readonly path: JsonPath; readonly value: string | number }
  /** Append `{name, value}` to the container's `env` list (created when missing). */
  | { readonly op: 'addEnv'; readonly container: JsonPath; readonly name: string; readonly value: string };

export interface Fix {
  /** What the fix does, for `fix --dry-run` and reports. */
  readonly description: string;
  readonly edits: readonly Edit[];
}

export interface Report {
  readonly messageId: string;
  readonly data: Readonly<Record<string, string | number>>;
  /** The offending field, or the container/object when the field is missing. */
  readonly path: JsonPath;
  readonly fix?: Fix;
  /**
   * A milder level for this report than the rule's default (a rule whose findings differ in weight,
   * such as memory-volume-unbounded). Applies only while the configuration leaves the rule's
   * severity at its default; a configured severity applies to every report of the rule.
   */
  readonly severity?: Severity;
}

/**
 * What a container rule reads: the container's facts (lib/facts), computed once per container. Rules
 * never parse annotations or options themselves.
 */
export type ContainerContext = ContainerFacts;
export type { DeclaredPeak };

export interface WorkloadContext {
  readonly workload: Workload;
  readonly sizing: SizingConfig;
  /** Rule ids known to the engine, for validating suppressions. */
  readonly ruleIds: ReadonlySet<string>;
}

export interface Rule {
  readonly meta: RuleMeta;
  checkContainer?(context: ContainerContext): readonly Report[];
  checkWorkload?(context: WorkloadContext): readonly Report[];
}

/** What a rule returns when it has nothing to report: shared, so a clean container allocates nothing. */
export const NONE: readonly Report[] = Object.freeze([]);

/** Identity helper that keeps rule files typed. */
export function defineRule(rule: Rule): Rule {
  return rule;
}

export { ANNOTATION };
