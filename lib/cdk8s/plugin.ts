/**
 * The cdk8s-cli validation plugin: `cdk8s synth` runs oomguard's rules on every manifest the app
 * synthesizes and fails (exit 2) on error-level findings.
 *
 *   validations:
 *     - package: ./node_modules/oomguard/dist/lib/cdk8s/plugin.js   # or ./dist/lib/cdk8s/plugin.js here
 *       class: OomguardValidation
 *       version: 0.4.0
 *       properties:                    # optional, same shape as .oomguard.yaml, which is read too
 *         rules: { startup-probe-missing: error }
 *         sizing: { factor: 1.5, overheads: { jvm: 400Mi } }
 *         failOn: error                # or warning
 *
 * Contract (cdk8s-cli lib/plugins/validation.d.ts): the CLI `require`s this module, constructs the class
 * with `properties`, calls `validate(context)`, and throws "Report is incomplete" unless the report is
 * submitted, so `validate` submits on every path, a crash included. The context type is declared here
 * structurally, so the package does not depend on cdk8s-cli.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parseQuantity } from '../core/quantity';
import { RULES_BY_ID } from '../rules';
import type { JsonPath } from '../core/workload';
import { createLinter } from '../engine/linter';
import type { Severity, SeveritySetting } from '../rules/types';
import { applySizing, type SizingConfig } from '../sizing/formula';
import { parseOverhead } from '../config/sizing';
import { loadConfig } from '../config/load';
import { parseManifests } from '../manifests/documents';
import configSchema from '../../schemas/config.schema.json';
import { atLeast, lintObjects, toViolations, type Cdk8sViolation, type LocatedFinding } from './findings';

/** What the plugin uses of cdk8s-cli's `ValidationContext` (cdk8s-cli lib/plugins/validation.d.ts). */
export interface ValidationContextLike {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: Cdk8sViolation): void;
    submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
  };
}

/** `properties` of the plugin in cdk8s.yaml. */
export interface OomguardValidationProperties {
  /** Severity per rule id (`off` disables). Merged over `.oomguard.yaml`. @default the rules' defaults */
  readonly rules?: Readonly<Record<string, SeveritySetting>>;
  /** Sizing: `factor` and per-runtime `overheads` as quantities. Merged over `.oomguard.yaml`. @default lib/sizing/formula.ts */
  readonly sizing?: { readonly factor?: number; readonly overheads?: Readonly<Record<string, string>> };
  /** Path of an `.oomguard.yaml`, relative to where `cdk8s synth` runs. @default the nearest one upward, if any */
  readonly config?: string;
  /** Lowest severity that fails synth. @default 'error' */
  readonly failOn?: 'error' | 'warning';
}

const PROPERTIES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: configSchema.properties.rules,
    sizing: configSchema.properties.sizing,
    config: { type: 'string', minLength: 1 },
    failOn: { enum: ['error', 'warning'] },
  },
  definitions: configSchema.definitions,
};

/** Thrown by the constructor when cdk8s.yaml gives properties the plugin cannot use. */
export class OomguardPluginError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`oomguard validation plugin: invalid properties in cdk8s.yaml:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'OomguardPluginError';
  }
}

/**
 * The problems with cdk8s.yaml's `properties`, checked as `.oomguard.yaml` is: the schema, then what a
 * schema cannot say (a rule id that no rule has, an overhead that is no Kubernetes quantity).
 */
export function propertyProblems(properties: unknown): string[] {
  const check = new Ajv({ allErrors: true, strict: false }).compile(PROPERTIES_SCHEMA);
  if (!check(properties)) {
    return (check.errors ?? []).map((error) => {
      const params = error.params as Record<string, unknown>;
      const detail = 'allowedValues' in params ? ` (allowed: ${(params.allowedValues as string[]).join(', ')})`
        : 'additionalProperty' in params ? `: "${String(params.additionalProperty)}"` : '';
      return `properties${error.instancePath} ${error.message ?? 'is invalid'}${detail}`;
    });
  }
  const valid = properties as OomguardValidationProperties;
  const problems: string[] = [];
  for (const id of Object.keys(valid.rules ?? {})) {
    if (!RULES_BY_ID.has(id)) problems.push(`properties/rules/${id}: no rule has this id (see \`oomguard rules\`)`);
  }
  for (const [runtime, quantity] of Object.entries(valid.sizing?.overheads ?? {})) {
    const parsed = parseQuantity(quantity);
    if (!parsed.ok) problems.push(`properties/sizing/overheads/${runtime} "${quantity}" ${parsed.reason}`);
  }
  return problems;
}

/** The engine options in force: `.oomguard.yaml` (when present), then the plugin properties over it. */
export function resolvePluginOptions(properties: OomguardValidationProperties, cwd: string): { severities: Record<string, SeveritySetting>; sizing: SizingConfig } {
  const file = loadConfig(cwd, properties.config);
  // The same validation as every other surface (lib/sizing/formula.ts applySizing), over the file's sizing.
  const { sizing, problems } = applySizing(file.sizing, properties.sizing ?? {}, (key) => `properties/sizing/${key}`, parseOverhead);
  if (problems.length > 0) throw new OomguardPluginError(problems);
  return { severities: { ...file.severities, ...properties.rules }, sizing };
}

/**
 * oomguard as a cdk8s-cli validation plugin. Findings are grouped by rule id; each occurrence names the
 * resource (with its construct path, which cdk8s adds), the field and the message with its numbers.
 */
export class OomguardValidation {
  private readonly properties: OomguardValidationProperties;
  private readonly problems: readonly string[];

  /**
   * Invalid properties do not throw here: cdk8s-cli constructs the plugin outside any error handling
   * and would print a stack trace. They fail the validation instead, as a violation naming each one.
   */
  constructor(properties: OomguardValidationProperties = {}) {
    this.problems = propertyProblems(properties ?? {});
    this.properties = this.problems.length === 0 ? properties ?? {} : {};
  }

  public async validate(context: ValidationContextLike): Promise<void> {
    const report = context.report;
    if (this.problems.length > 0) {
      const error = new OomguardPluginError(this.problems);
      report.addViolation({
        ruleName: 'invalid-plugin-properties',
        recommendation: error.message,
        fix: 'Correct the properties of the oomguard entry under `validations:` in cdk8s.yaml (the same settings as .oomguard.yaml; `oomguard rules` lists the rule ids).',
        violatingResources: [],
      });
      report.submit('failure', { Error: `${this.problems.length} invalid propert${this.problems.length === 1 ? 'y' : 'ies'} in cdk8s.yaml` });
      return;
    }
    try {
      const options = resolvePluginOptions(this.properties, process.cwd());
      const linter = createLinter(options);
      // Parsed with oomguard's own parser (not context.parseManifest, which drops YAML errors silently),
      // so a finding carries its line and a broken manifest is reported, not skipped.
      const objects: { object: unknown; manifestPath: string; lineOf: (path: JsonPath) => number }[] = [];
      const unreadable: string[] = [];
      for (const manifestPath of context.manifests) {
        const parsed = parseManifests(readFileSync(manifestPath, 'utf8'), manifestPath);
        if (!parsed.ok) {
          unreadable.push(`${manifestPath}${parsed.problem.line ? `:${parsed.problem.line}` : ''}: ${parsed.problem.message}`);
          continue;
        }
        for (const document of parsed.documents) objects.push({ object: document.value, manifestPath, lineOf: (path) => document.lineOf(path) });
      }
      const findings = lintObjects(linter, objects);
      for (const violation of toViolations(findings)) report.addViolation(violation);
      if (unreadable.length > 0) {
        report.addViolation({
          ruleName: 'invalid-manifest',
          recommendation: '[error] A synthesized manifest could not be parsed as YAML, so oomguard could not check it.',
          fix: 'Look at the file and line named; a synthesized manifest should always parse.',
          violatingResources: unreadable.map((text) => ({ resourceName: '(file)', locations: [text], manifestPath: text.split(':')[0] })),
        });
      }
      const failOn: Severity = this.properties.failOn ?? 'error';
      const failing = findings.filter((finding: LocatedFinding) => atLeast(finding.severity, failOn));
      const count = (severity: Severity) => String(findings.filter((finding) => finding.severity === severity).length);
      report.submit(failing.length > 0 || unreadable.length > 0 ? 'failure' : 'success', {
        Manifests: String(context.manifests.length),
        Objects: String(objects.length),
        Errors: count('error'),
        Warnings: count('warning'),
        'Fails on': failOn,
      });
    } catch (error) {
      // A crash must still produce a report: cdk8s-cli otherwise hides it behind "Report is incomplete".
      report.addViolation({
        ruleName: 'oomguard-internal-error',
        recommendation: `oomguard could not check the manifests: ${(error as Error).message}`,
        fix: 'Fix the configuration named above, or report the error with the manifests that cause it.',
        violatingResources: [],
      });
      report.submit('failure', { Error: (error as Error).message.split('\n')[0] });
    }
  }
}
