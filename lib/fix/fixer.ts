/**
 * `fix` as a pure function of one file's text: lint, apply every fix whose edits do not touch the
 * text another fix in the same pass touches, re-parse, and repeat until nothing fixable remains (the
 * way ESLint applies fixes in passes). Each pass is checked before it is kept: the new text must
 * parse to exactly the old documents with the edits applied, nothing more, or the pass is retried
 * fix by fix and the ones that fail the check are reported instead of written.
 */
import { parseEvents } from 'js-yaml';
import type { Document } from 'yaml';
import { extractWorkloads, isKubernetesObject, type JsonPath } from '../core/workload';
import { lintText, type FileReport, type InputError, type LocatedFinding, type Note } from '../engine/lint-text';
import type { Linter } from '../engine/linter';
import { PARSE_LIMITS, parseManifests, type ManifestDocument } from '../manifests/documents';
import { RULES_BY_ID } from '../rules';
import type { Edit } from '../rules/types';
import type { Layout, Planned } from './plan';
import { applySplices, overlaps, type Splice } from './splice';
import { DocumentEvents, planScalarEdits, planScalarLines } from './scalar-plan';
import { lineFeeds, markerSafe, splitDocuments } from './split';

/** The YAML editor (the `yaml` package and ./plan.ts), loaded when a fix first needs it (./splice.ts). */
function yamlEditor(): { parseAllDocuments: typeof import('yaml').parseAllDocuments } & Pick<typeof import('./plan'), 'Layout' | 'planEdits'> {
  const { parseAllDocuments } = require('yaml') as typeof import('yaml');
  const { Layout, planEdits } = require('./plan') as typeof import('./plan');
  return { parseAllDocuments, Layout, planEdits };
}

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
  /**
   * The documents' texts before and after, when the fix edited the file document by document (joined
   * they are `input` and `output`): `fix --dry-run` diffs them one by one (lib/fix/diff.ts).
   */
  readonly documents?: { readonly before: readonly string[]; readonly after: readonly string[] };
}

export interface FixOptions {
  readonly maxPasses?: number;
  /** How a text is linted: `lintText` for manifests; the Compose adapter passes its own (lib/compose). */
  readonly lint?: (text: string, file: string, linter: Linter) => FileReport;
  /**
   * Work document by document where the stream allows it (the same results, faster); `false` forces
   * the whole-file passes, which tests compare against.
   * @default true
   */
  readonly byDocument?: boolean;
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

/** The findings a pass tries to fix: not yet refused, resizing fixes first (flags computed from a limit must wait for the limit they depend on). */
function fixableOf(findings: readonly LocatedFinding[], reasons: ReadonlyMap<string, string>): LocatedFinding[] {
  return findings.filter((finding) => finding.fix && !reasons.has(findingKey(finding))).sort((a, b) => Number(resizes(b)) - Number(resizes(a)));
}

/**
 * The fixes a pass applies, chosen in order, the same way by both pass loops: a fix whose edits a
 * chosen one already makes fixes its finding too (`alsoFixed`); one that cannot be planned says why
 * in `reasons`; one touching text a chosen fix touches (`clashes`) waits for the next pass, re-linted,
 * as does any other fix of a container whose memory is being resized in this pass.
 */
function chooseFixes<C extends Candidate>(
  fixable: readonly LocatedFinding[],
  reasons: Map<string, string>,
  plan: (finding: LocatedFinding) => Planned,
  clashes: (finding: LocatedFinding, splices: readonly Splice[], accepted: readonly C[]) => boolean,
  take: (finding: LocatedFinding, splices: readonly Splice[]) => C,
): { accepted: C[]; alsoFixed: LocatedFinding[] } {
  const accepted: C[] = [];
  const alsoFixed: LocatedFinding[] = [];
  const seen = new Set<string>();
  const resized = new Set<string>();
  for (const finding of fixable) {
    const key = editsKey(finding);
    if (seen.has(key)) {
      alsoFixed.push(finding);
      continue;
    }
    const planned = plan(finding);
    if (!planned.ok) {
      reasons.set(findingKey(finding), `fix not applied: ${planned.reason}`);
      continue;
    }
    if (clashes(finding, planned.splices, accepted)) continue;
    const container = containerKey(finding);
    if (resized.has(container)) continue;
    if (resizes(finding)) resized.add(container);
    seen.add(key);
    accepted.push(take(finding, planned.splices));
  }
  return { accepted, alsoFixed };
}

/** The whole file re-parsed and re-linted each pass: Compose files, and streams `splitDocuments` declines. */
function fixWhole(text: string, file: string, linter: Linter, maxPasses: number, lint: NonNullable<FixOptions['lint']>, initial: FileReport): FixResult {
  const applied: AppliedFix[] = [];
  const reasons = new Map<string, string>();
  let current = text;
  let passes = 0;
  let report = initial;
  while (passes < maxPasses) {
    const fixable = fixableOf(report.findings, reasons);
    if (fixable.length === 0) break;
    const parsed = parseManifests(current, file);
    if (!parsed.ok) break; // cannot happen: lintText parsed the same text
    fixCounters.editorParses++;
    const { parseAllDocuments, Layout, planEdits } = yamlEditor();
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
    const { accepted, alsoFixed } = chooseFixes(
      fixable,
      reasons,
      (finding) => planEdits(current, yamlDocuments[finding.document], finding.fix!.edits, layoutOf(finding.document)),
      (_, splices, chosen) => splices.some((splice) => chosen.some((other) => other.splices.some((taken) => overlaps(splice, taken)))),
      (finding, splices): Candidate => ({ finding, splices }),
    );
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
      applied.push(appliedOf(finding, passes));
    }
    current = next;
    report = lint(current, file, linter);
    if (report.errors.length > 0) throw new Error(`oomguard fix: internal error: pass ${passes} produced text that does not parse (${report.errors[0].message})`);
  }
  return { file, input: text, output: current, changed: current !== text, applied, unfixed: unfixedOf(report.findings, reasons, maxPasses), errors: [], notes: report.notes, passes };
}

/**
 * How often `fix` did its costly steps since the process started (tests read it; nothing else does):
 * `editorParses` counts parses with the `yaml` package's Document and source tokens (whole files and
 * single documents alike), `documentLints` the documents re-linted alone after a pass edited them.
 */
export const fixCounters = { editorParses: 0, documentLints: 0 };

function unfixedOf(findings: readonly LocatedFinding[], reasons: ReadonlyMap<string, string>, maxPasses: number): UnfixedFinding[] {
  return findings.map((finding): UnfixedFinding => ({
    finding,
    reason: reasons.get(findingKey(finding)) ?? (finding.fix ? `fixes did not settle within ${maxPasses} passes` : RULES_BY_ID.get(finding.ruleId)?.meta.fixable ? 'no automatic fix for this case' : 'no automatic fix'),
  }));
}

/** What a pass's edits of existing scalars amount to, by path: the value each sets. */
type SetTree = Map<string | number, SetTree | { readonly value: string | number }>;

/** The edits as a SetTree when every one sets a value that exists in `before` (else undefined). */
function setTree(before: unknown, candidates: readonly Candidate[]): SetTree | undefined {
  const root: SetTree = new Map();
  for (const { finding } of candidates) {
    for (const edit of finding.fix!.edits) {
      if (edit.op !== 'set') return undefined;
      let tree = root;
      let at = before;
      for (let index = 0; index < edit.path.length; index++) {
        const segment = edit.path[index];
        if (Array.isArray(at) ? typeof segment !== 'number' || segment < 0 || segment >= at.length : !isRecord(at) || typeof segment !== 'string' || !Object.prototype.hasOwnProperty.call(at, segment)) return undefined;
        at = (at as Record<string | number, unknown>)[segment];
        if (index === edit.path.length - 1) {
          if (typeof at === 'object' && at !== null) return undefined;
          tree.set(segment, { value: edit.value });
        } else {
          let child = tree.get(segment);
          if (!(child instanceof Map)) tree.set(segment, (child = new Map()));
          tree = child;
        }
      }
    }
  }
  return root;
}

function equalWithSets(next: unknown, before: unknown, tree: SetTree): boolean {
  if (Array.isArray(before)) {
    if (!Array.isArray(next) || next.length !== before.length) return false;
    for (let index = 0; index < before.length; index++) {
      const sub = tree.get(index);
      if (!(sub === undefined ? deepEqual(next[index], before[index]) : sub instanceof Map ? equalWithSets(next[index], before[index], sub) : Object.is(next[index], sub.value))) return false;
    }
    return true;
  }
  if (!isRecord(before) || !isRecord(next)) return false;
  const keys = Object.keys(before);
  if (keys.length !== Object.keys(next).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(next, key)) return false;
    const sub = tree.get(key);
    if (!(sub === undefined ? deepEqual(next[key], before[key]) : sub instanceof Map ? equalWithSets(next[key], before[key], sub) : Object.is(next[key], sub.value))) return false;
  }
  return true;
}

/** Whether `next` is `before` with exactly the candidates' edits applied (what `verify` checks for a whole file). */
function readsAsEdited(next: unknown, before: unknown, candidates: readonly Candidate[]): boolean {
  const tree = setTree(before, candidates);
  if (tree) return equalWithSets(next, before, tree);
  let expected = clone(before);
  for (const { finding } of candidates) for (const edit of finding.fix!.edits) expected = applyToValue(expected, edit);
  return deepEqual(next, expected);
}

/**
 * `lintText`'s loop over one document already read (by the pass's check), so that an edited
 * document is parsed once, not twice; test/fix-documents.test.ts holds the two to the same findings.
 */
function lintReading(reading: ManifestDocument, file: string, linter: Linter): LocatedFinding[] {
  const value = reading.value;
  if (value === null || value === undefined || !isKubernetesObject(value)) return [];
  const findings: LocatedFinding[] = [];
  for (const workload of extractWorkloads(value)) {
    findings.push(...linter.lintWorkload(workload, { file, document: reading.index, lineOf: (path) => reading.lineOf(path) }));
  }
  return findings.sort((a, b) => a.document - b.document || a.line - b.line);
}

/** Declines: the caller falls back to `fixWhole`, which decides as oomguard always has. */
class Decline extends Error {}

/**
 * The same passes as `fixWhole`, with each document of the stream handled alone: a pass reads for
 * editing, verifies and re-lints only the documents it edits, and a fix that only replaces existing
 * scalars is planned from js-yaml's events (./scalar-plan.ts) instead of the `yaml` package's
 * Document. The passes, their order and their results are `fixWhole`'s (test/fix-documents.test.ts
 * compares the two on every fixture); anything the split cannot promise throws `Decline`.
 */
function fixByDocument(text: string, file: string, linter: Linter, maxPasses: number, initial: FileReport): FixResult {
  const texts = splitDocuments(text);
  if (!texts) throw new Decline();
  const originals = [...texts];
  const startsLikeJson = /^\s*[{[]/.test(text);
  const count = texts.length;
  const feeds = texts.map(lineFeeds);
  const originalFeeds = [...feeds];
  // Findings per document, lines counted from the document's first line.
  const local: LocatedFinding[][] = texts.map(() => []);
  {
    let offset = 0;
    const offsets = feeds.map((lines) => ((offset += lines), offset - lines));
    for (const finding of initial.findings) {
      if (finding.document >= count) throw new Decline();
      local[finding.document].push({ ...finding, line: finding.line - offsets[finding.document] });
    }
  }
  // Each document to be edited is first read alone: it must be one document, and the whole file's
  // findings for it must sit on its lines (the split put it where the linter did).
  const values: unknown[] = new Array(count);
  /** The linter's reading of each document being edited, for `lineOf`. */
  const read: (ManifestDocument | undefined)[] = new Array(count);
  const proven: boolean[] = new Array(count).fill(false);
  const prove = (index: number) => {
    if (proven[index]) return;
    const parsed = parseManifests(texts[index], file);
    if (!parsed.ok || parsed.documents.length !== 1 || parsed.problems.length > 0) throw new Decline();
    const lines = feeds[index] + 1;
    if (local[index].some((finding) => finding.line < 1 || finding.line > lines)) throw new Decline();
    values[index] = parsed.documents[0].value;
    read[index] = parsed.documents[0];
    proven[index] = true;
  };

  const applied: AppliedFix[] = [];
  const reasons = new Map<string, string>();
  let passes = 0;
  const globalFindings = (): LocatedFinding[] => {
    const all: LocatedFinding[] = [];
    let offset = 0;
    for (let index = 0; index < count; index++) {
      for (const finding of local[index]) all.push(offset === 0 && finding.document === index ? finding : { ...finding, line: finding.line + offset, document: index });
      offset += feeds[index];
    }
    return all;
  };
  let findings: LocatedFinding[] = initial.findings as LocatedFinding[];
  while (passes < maxPasses) {
    const fixable = fixableOf(findings, reasons);
    if (fixable.length === 0) break;
    for (const finding of fixable) prove(finding.document);
    passes++;
    const starts: number[] = [];
    {
      let at = 0;
      for (const piece of texts) starts.push(at), (at += piece.length);
    }
    const events = new Map<number, DocumentEvents>();
    const editors = new Map<number, { document: Document; layout?: Layout }>();
    const plan = (index: number, edits: readonly Edit[]): Planned => {
      const reading = read[index];
      const byLine = reading && planScalarLines(texts[index], (path) => reading.lineOf(path), values[index], edits);
      if (byLine) return { ok: true, splices: byLine };
      let doc = events.get(index);
      if (!doc) {
        let parsed: ReturnType<typeof parseEvents>;
        try {
          parsed = parseEvents(texts[index], { maxDepth: PARSE_LIMITS.maxDepth });
        } catch {
          throw new Decline();
        }
        doc = new DocumentEvents(texts[index], parsed);
        if (!doc.single) throw new Decline();
        events.set(index, doc);
      }
      const fast = planScalarEdits(doc, edits);
      if (fast) return { ok: true, splices: fast };
      let editor = editors.get(index);
      if (!editor) {
        fixCounters.editorParses++;
        const documents = yamlEditor().parseAllDocuments(texts[index], { keepSourceTokens: true }) as Document[] | { empty: true };
        // The editor must read this document as one, without errors; else the whole-file path says why.
        if (!Array.isArray(documents) || documents.length !== 1 || documents[0].errors.length > 0) throw new Decline();
        editors.set(index, (editor = { document: documents[0] }));
      }
      const { Layout, planEdits } = yamlEditor();
      editor.layout ??= new Layout(texts[index], editor.document, startsLikeJson);
      return planEdits(texts[index], editor.document, edits, editor.layout);
    };
    // Splices in file offsets, per document: a splice can only meet one of its own document's or, at
    // the boundary, a neighbour's.
    const taken = new Map<number, Splice[]>();
    const shift = (splices: readonly Splice[], index: number) => splices.map((splice) => ({ ...splice, start: splice.start + starts[index], end: splice.end + starts[index] }));
    const { accepted, alsoFixed } = chooseFixes(
      fixable,
      reasons,
      (finding) => plan(finding.document, finding.fix!.edits),
      (finding, splices) => {
        const index = finding.document;
        return shift(splices, index).some((splice) => [index - 1, index, index + 1].some((near) => (taken.get(near) ?? []).some((other) => overlaps(splice, other))));
      },
      (finding, splices) => {
        const index = finding.document;
        const mine = taken.get(index) ?? [];
        mine.push(...shift(splices, index));
        taken.set(index, mine);
        return { finding, splices, index };
      },
    );
    if (accepted.length === 0) break;
    // Planned: the planners' readings go before the checks read the edited documents (a 4 MB List
    // would otherwise hold three readings of itself at once). The next pass plans from the checks'.
    events.clear();
    editors.clear();
    for (const { index } of accepted) read[index] = undefined;

    // Verify each edited document alone: the others' text is unchanged, so the file reads back as
    // the fixed values exactly when each edited document does.
    const byDocument = new Map<number, (typeof accepted)[number][]>();
    for (const candidate of accepted) {
      const list = byDocument.get(candidate.index) ?? [];
      list.push(candidate);
      byDocument.set(candidate.index, list);
    }
    const check = (index: number, candidates: readonly Candidate[]): { text: string; value?: unknown; reading?: ManifestDocument } => {
      const next = applySplices(texts[index], candidates.flatMap((candidate) => candidate.splices));
      if (!markerSafe(next)) throw new Decline();
      const parsed = parseManifests(next, file);
      const ok = parsed.ok && parsed.documents.length === 1 && readsAsEdited(parsed.documents[0].value, values[index], candidates);
      if (!ok) return { text: next };
      if (parsed.problems.length > 0) throw new Error(`oomguard fix: internal error: pass ${passes} produced text that does not parse (${parsed.problems[0].message}: Kubernetes refuses this; linted with the last value)`);
      const reading = parsed.documents[0];
      return { text: next, value: reading.value, reading };
    };
    const results = new Map<number, { text: string; value?: unknown; reading?: ManifestDocument; kept: readonly Candidate[] }>();
    let allVerified = true;
    for (const [index, candidates] of byDocument) {
      const result = check(index, candidates);
      results.set(index, { ...result, kept: candidates });
      if (!('value' in result)) allVerified = false;
    }
    if (!allVerified) {
      // As fixWhole: every accepted fix is then tried one by one, in order, on top of those kept.
      for (const [index, candidates] of byDocument) {
        let kept: Candidate[] = [];
        let last: { text: string; value?: unknown; reading?: ManifestDocument } = { text: texts[index], value: values[index], reading: read[index] };
        for (const candidate of candidates) {
          const trial = [...kept, candidate];
          const result = check(index, trial);
          if ('value' in result) {
            kept = trial;
            last = result;
          } else {
            reasons.set(findingKey(candidate.finding), 'fix not applied: the edited text would not read back as exactly the fixed value (oomguard refuses rather than risk other fields); fix it by hand');
          }
        }
        results.set(index, { ...last, kept });
      }
    }
    const keptSet = new Set<Candidate>();
    for (const { kept } of results.values()) for (const candidate of kept) keptSet.add(candidate);
    const kept = accepted.filter((candidate) => keptSet.has(candidate));
    if (kept.length === 0) break;
    const changed = [...results].filter(([index, result]) => result.kept.length > 0 && result.text !== texts[index]);
    if (changed.length === 0) {
      for (const candidate of kept) reasons.set(findingKey(candidate.finding), 'fix not applied: its edit leaves the text unchanged, yet the rule still reports');
      continue;
    }
    const keptKeys = new Set(kept.map((candidate) => editsKey(candidate.finding)));
    for (const finding of [...kept.map((candidate) => candidate.finding), ...alsoFixed.filter((finding) => keptKeys.has(editsKey(finding)))]) {
      applied.push(appliedOf(finding, passes));
    }
    for (const [index, result] of changed) {
      texts[index] = result.text;
      feeds[index] = lineFeeds(result.text);
      values[index] = result.value;
      read[index] = result.reading;
      fixCounters.documentLints++;
      local[index] = lintReading(result.reading!, file, linter);
      // Nothing left to fix here: let its reading go (it is read again should that change).
      if (!local[index].some((finding) => finding.fix)) {
        values[index] = undefined;
        read[index] = undefined;
        proven[index] = false;
      }
    }
    findings = globalFindings();
  }
  const output = texts.join('');
  const changed = output !== text;
  return { file, input: text, output, changed, applied, unfixed: unfixedOf(findings, reasons, maxPasses), errors: [], notes: movedNotes(initial.notes, originalFeeds, feeds), passes, ...(changed ? { documents: { before: originals, after: texts } } : {}) };
}

/** Notes of the original text (documents skipped as not Kubernetes), moved by the lines the edits added before them. */
function movedNotes(notes: readonly Note[], before: readonly number[], after: readonly number[]): readonly Note[] {
  return notes.map((note) => {
    if (note.line === undefined) return note;
    let from = 0;
    let to = 0;
    for (let index = 0; index < before.length && from + before[index] < note.line; index++) {
      from += before[index];
      to += after[index];
    }
    return to === from ? note : { ...note, line: note.line - from + to };
  });
}

function appliedOf(finding: LocatedFinding, pass: number): AppliedFix {
  return {
    ruleId: finding.ruleId,
    description: finding.fix!.description,
    line: finding.line,
    resource: finding.resource,
    ...(finding.container !== undefined ? { container: finding.container } : {}),
    pass,
  };
}

export function fixText(text: string, file: string, linter: Linter, options: FixOptions = {}): FixResult {
  const maxPasses = options.maxPasses ?? MAX_FIX_PASSES;
  const lint = options.lint ?? lintText;
  const report = lint(text, file, linter);
  if (report.errors.length > 0) {
    return { file, input: text, output: text, changed: false, applied: [], unfixed: [], errors: report.errors, notes: report.notes, passes: 0 };
  }
  // Nothing to fix: the lint is the whole cost; the file is never read for editing.
  if (!report.findings.some((finding) => finding.fix)) {
    return { file, input: text, output: text, changed: false, applied: [], unfixed: unfixedOf(report.findings, new Map(), maxPasses), errors: [], notes: report.notes, passes: 0 };
  }
  if (lint === lintText && options.byDocument !== false) {
    try {
      return fixByDocument(text, file, linter, maxPasses, report);
    } catch (error) {
      if (!(error instanceof Decline)) throw error;
    }
  }
  return fixWhole(text, file, linter, maxPasses, lint, report);
}
