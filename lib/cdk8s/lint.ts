/**
 * In-app validation: add it to a Chart (or the App) and `app.synth()` throws on error-level findings in
 * everything synthesized below it, no cdk8s-cli needed. It lints the same objects `cdk8s synth` writes
 * (`ApiObject.toJson()`), with the same engine as the CLI and the plugin.
 */
import { ApiObject, Size } from 'cdk8s';
import type { Construct, IValidation } from 'constructs';
import { createLinter, type Finding } from '../engine/linter';
import type { RuntimeId } from '../runtimes';
import type { Severity, SeveritySetting } from '../rules/types';
import { DEFAULT_SIZING, validateFactor, type SizingConfig } from '../sizing/formula';
import { atLeast, describeFinding } from './findings';
import { sizeToBytes } from './runtime';

export interface OomguardLintProps {
  /** Severity per rule id (`off` disables, a severity enables an opt-in rule). @default each rule's default */
  readonly rules?: Readonly<Record<string, SeveritySetting>>;
  /** Headroom factor the linter expects. @default 1.5 (lib/sizing/formula.ts) */
  readonly factor?: number;
  /** Overheads the linter expects, per runtime. @default lib/runtimes/*.ts (JVM 400Mi, Node.js 100Mi, Go 50Mi, Python 100Mi, ...) */
  readonly overheads?: Partial<Record<RuntimeId | 'unknown', Size>>;
  /** Lowest severity that fails synth. @default 'error' */
  readonly failOn?: 'error' | 'warning';
  /**
   * Called with each finding below `failOn` (warnings, info).
   * @default print them to standard error
   */
  readonly onFinding?: (finding: Finding, apiObject: ApiObject) => void;
}

/**
 * Runs oomguard's rules on every ApiObject under the scope it is added to.
 *
 * @example
 * OomguardLint.addTo(chart);           // app.synth() now fails on error-level findings
 */
export class OomguardLint implements IValidation {
  /** Add the validation to `scope` (a Chart, or the App for all charts). */
  public static addTo(scope: Construct, props: OomguardLintProps = {}): OomguardLint {
    const lint = new OomguardLint(scope, props);
    scope.node.addValidation(lint);
    return lint;
  }

  /** Findings of the last validation, all severities. */
  public findings: readonly Finding[] = [];

  private constructor(private readonly scope: Construct, private readonly props: OomguardLintProps) {
    const problem = props.factor === undefined ? undefined : validateFactor(props.factor);
    if (problem) throw new Error(`OomguardLint on ${scope.node.path || 'the app'}: factor ${problem}`);
  }

  public validate(): string[] {
    // Overheads given here are constants that replace the runtime's model (the JVM's measured one).
    const overheads: Record<string, number> = { ...DEFAULT_SIZING.overheads };
    for (const [runtime, size] of Object.entries(this.props.overheads ?? {})) if (size) overheads[runtime] = sizeToBytes(size);
    const sizing: SizingConfig = { factor: this.props.factor ?? DEFAULT_SIZING.factor, overheads: overheads as unknown as SizingConfig['overheads'] };
    const linter = createLinter({ severities: this.props.rules ?? {}, sizing });
    const failOn: Severity = this.props.failOn ?? 'error';
    const errors: string[] = [];
    const all: Finding[] = [];
    for (const apiObject of this.scope.node.findAll().filter((child): child is ApiObject => ApiObject.isApiObject(child))) {
      for (const finding of linter.lintDocument(apiObject.toJson())) {
        all.push(finding);
        const line = `${describeFinding(finding)} (construct ${apiObject.node.path})`;
        if (atLeast(finding.severity, failOn)) errors.push(line);
        else if (this.props.onFinding) this.props.onFinding(finding, apiObject);
        else console.error(`oomguard: ${line}`);
      }
    }
    this.findings = all;
    return errors;
  }
}
