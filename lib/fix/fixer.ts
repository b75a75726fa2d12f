/**
 * `fix` as a pure function of one file's text: lint, apply every fix whose edits do not touch the
 * text another fix in the same pass touches, re-parse, and repeat until nothing fixable remains (the
 * way ESLint applies fixes in passes). Each pass is checked before it is kept: the new text must
 * parse to exactly the old documents with the edits applied, nothing more, or the pass is retried
 * fix by fix and the ones that fail the check are reported instead of written.
 */
import { parseAllDocuments, type Document } from 'yaml';
import type { JsonPath } from '../core/workload';
import { lintText, type FileReport, type InputError, type LocatedFinding, type Note } from '../engine/lint-text';
import type { Linter } from '../engine/linter';
import { parseManifests } from '../manifests/documents';
import { RULES_BY_ID } from '../rules';
import type { Edit } from '../rules/types';
import { Layout, applySplices, overlaps, planEdits, type Splice } from './plan';

/**
 * ESLint stops after 10 passes (`MAX_AUTOFIX_PASSES` in linter.js); oomguard's fixes settle in two
 * (a limit, then the flags sized from it), so 10 only matters for rules that disagree.
 */
export const MAX_FIX_PASSES = 10;

export interface AppliedFix {
  readonly ruleId: string;
  readonly description: string;
  /** Line of the finding in the text the pass started from. */
  readonly line: number;
  readonly resource: LocatedFinding['resource'];
  readonly container?: string;
  readonly pass: number;
}

export interface UnfixedFinding {
  readonly finding: LocatedFinding;
  /** Why `fix` left it: no automatic fix exists, or why the offered one was not applied. */
  readonly reason: string;
}

export interface FixResult {
  readonly file: string;
  readonly input: string;
  /** The fixed text; equal to `input` when nothing changed or the file could not be parsed. */
  readonly output: string;
  readonly changed: boolean;
  readonly applied: readonly AppliedFix[];
  /** Findings left in `output`, with the reason each was not fixed. */
  readonly unfixed: readonly UnfixedFinding[];
  /** Parse errors: such a file is never rewritten. */
  readonly errors: readonly InputError[];
  readonly notes: readonly Note[];
  readonly passes: number;
}

export interface FixOptions {
  readonly maxPasses?: number;
  /** How a text is linted: `lintText` for manifests; the Compose adapter passes its own (lib/compose). */
  readonly lint?: (text: string, file: string, linter: Linter) => FileReport;
}

type Value = unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function deepEqual(a: Value, b: Value): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

function clone(value: Value): Value {
  if (Array.isArray(value)) return value.map(clone);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)]));
  return value;
}

/** The edit applied to plain data: what the text edit must amount to once parsed. */
function applyToValue(root: Value, edit: Edit): Value {
  const descend = (node: Value, path: JsonPath, create: boolean): Value => {
    let at = node;
    for (const segment of path) {
      const container = at as Record<string | number, unknown>;
      if (container[segment] === undefined && create) container[segment] = {};
      at = container[segment];
      if (at === undefined || at === null) return undefined;
    }
    return at;
  };
  if (edit.op === 'set') {
    const parent = descend(root, edit.path.slice(0, -1), true) as Record<string | number, unknown> | undefined;
    if (parent) parent[edit.path[edit.path.length - 1]] = edit.value;
  } else {
    const container = descend(root, edit.container, false) as Record<string, unknown> | undefined;
    if (container) {
      if (!Array.isArray(container.env)) container.env = [];
      (container.env as unknown[]).push({ name: edit.name, value: edit.value });
    }
  }
  return root;
}

interface Candidate {
  readonly finding: LocatedFinding;
  readonly splices: readonly Splice[];
}

/** Whether `next` parses to `before` with exactly the candidates' edits applied. */
function verify(next: string, file: string, before: readonly Value[], candidates: readonly Candidate[]): boolean {
  const expected = before.map(clone);
  for (const { finding } of candidates) {
    for (const edit of finding.fix!.edits) expected[finding.document] = applyToValue(expected[finding.document], edit);
  }
  const parsed = parseManifests(next, file);
  if (!parsed.ok || parsed.documents.length !== expected.length) return false;
  return parsed.documents.every((document, index) => deepEqual(document.value, expected[index]));
}

function findingKey(finding: LocatedFinding): string {
  return JSON.stringify([finding.ruleId, finding.document, finding.path, finding.container ?? null]);
}

function containerKey(finding: LocatedFinding): string {
  return JSON.stringify([finding.document, finding.resource, finding.container ?? null]);
}

/** Whether the finding's fix changes a memory limit or request (Compose: also `mem_limit`, `mem_reservation`). */
function resizes(finding: LocatedFinding): boolean {
  return (finding.fix?.edits ?? []).some((edit) => edit.op === 'set' && (edit.path.includes('resources') || edit.path.includes('mem_limit') || edit.path.includes('mem_reservation')));
}

function editsKey(finding: LocatedFinding): string {
  return JSON.stringify([finding.document, finding.fix!.edits]);
}

export function fixText(text: string, file: string, linter: Linter, options: FixOptions = {}): FixResult {
  const maxPasses = options.maxPasses ?? MAX_FIX_PASSES;
  const lint = options.lint ?? lintText;
  const applied: AppliedFix[] = [];
  const reasons = new Map<string, string>();
  let current = text;
  let passes = 0;
  let report = lint(current, file, linter);
  if (report.errors.length > 0) {
    return { file, input: text, output: text, changed: false, applied, unfixed: [], errors: report.errors, notes: report.notes, passes };
  }
  while (passes < maxPasses) {
    const fixable = report.findings
      .filter((finding) => finding.fix && !reasons.has(findingKey(finding)))
      // Resizing fixes first: flags computed from a limit must wait for the limit they depend on.
      .sort((a, b) => Number(resizes(b)) - Number(resizes(a)));
    if (fixable.length === 0) break;
    const parsed = parseManifests(current, file);
    if (!parsed.ok) break; // cannot happen: lintText parsed the same text
    const documents = parseAllDocuments(current, { keepSourceTokens: true }) as Document[] | { empty: true };
    const yamlDocuments: Document[] = Array.isArray(documents) ? documents : [];
    if (yamlDocuments.length !== parsed.documents.length || yamlDocuments.some((document) => document.errors.length > 0)) {
      for (const finding of fixable) reasons.set(findingKey(finding), 'the YAML editor reads this file\'s documents differently from the linter; fix it by hand');
      break;
    }
    passes++;
    const layouts = new Map<number, Layout>();
    const layoutOf = (index: number) => {
      let layout = layouts.get(index);
      if (!layout) layouts.set(index, (layout = new Layout(current, yamlDocuments[index])));
      return layout;
    };
    const accepted: Candidate[] = [];
    const alsoFixed: LocatedFinding[] = [];
    const seen = new Set<string>();
    const resized = new Set<string>();
    for (const finding of fixable) {
      const key = editsKey(finding);
      if (seen.has(key)) {
        alsoFixed.push(finding);
        continue;
      }
      const plan = planEdits(current, yamlDocuments[finding.document], finding.fix!.edits, layoutOf(finding.document));
      if (!plan.ok) {
        reasons.set(findingKey(finding), `fix not applied: ${plan.reason}`);
        continue;
      }
      // A fix touching text another fix of this pass touches waits for the next pass, re-linted;
      // so does any other fix of a container whose memory is being resized in this pass.
      if (plan.splices.some((splice) => accepted.some((other) => other.splices.some((taken) => overlaps(splice, taken))))) continue;
      if (resized.has(containerKey(finding))) continue;
      if (resizes(finding)) resized.add(containerKey(finding));
      seen.add(key);
      accepted.push({ finding, splices: plan.splices });
    }
    if (accepted.length === 0) break;
    const before = parsed.documents.map((document) => document.value);
    let kept = accepted;
    let next = applySplices(current, accepted.flatMap((candidate) => candidate.splices));
    if (!verify(next, file, before, accepted)) {
      kept = [];
      for (const candidate of accepted) {
        const trial = [...kept, candidate];
        const text = applySplices(current, trial.flatMap((item) => item.splices));
        if (verify(text, file, before, trial)) kept = trial;
        else reasons.set(findingKey(candidate.finding), 'fix not applied: the edited text would not read back as exactly the fixed value (oomguard refuses rather than risk other fields); fix it by hand');
      }
      next = applySplices(current, kept.flatMap((item) => item.splices));
    }
    if (kept.length === 0) break;
    if (next === current) {
      // The fixes wrote what was already there: applying them again would loop.
      for (const candidate of kept) reasons.set(findingKey(candidate.finding), 'fix not applied: its edit leaves the text unchanged, yet the rule still reports');
      continue;
    }
    const keptKeys = new Set(kept.map((candidate) => editsKey(candidate.finding)));
    for (const finding of [...kept.map((candidate) => candidate.finding), ...alsoFixed.filter((finding) => keptKeys.has(editsKey(finding)))]) {
      applied.push({
        ruleId: finding.ruleId,
        description: finding.fix!.description,
        line: finding.line,
        resource: finding.resource,
        ...(finding.container !== undefined ? { container: finding.container } : {}),
        pass: passes,
      });
    }
    current = next;
    report = lint(current, file, linter);
    if (report.errors.length > 0) throw new Error(`oomguard fix: internal error: pass ${passes} produced text that does not parse (${report.errors[0].message})`);
  }
  const unfixed = report.findings.map((finding): UnfixedFinding => ({
    finding,
    reason: reasons.get(findingKey(finding)) ?? (finding.fix ? `fixes did not settle within ${maxPasses} passes` : RULES_BY_ID.get(finding.ruleId)?.meta.fixable ? 'no automatic fix for this case' : 'no automatic fix'),
  }));
  return { file, input: text, output: current, changed: current !== text, applied, unfixed, errors: [], notes: report.notes, passes };
}
