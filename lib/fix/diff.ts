/**
 * `fix --dry-run`'s unified diff. jsdiff's line diff of a whole file costs the square of the number
 * of changed lines (Myers' algorithm: a 100-document file whose fix edits every document took ~2 ms
 * a file, 17% of a 20,000-document dry run, issue #18). When the fix edited documents one by one
 * (lib/fix/fixer.ts, fixByDocument), the file's change list is the documents' change lists one after
 * another: each document is diffed on its own, the unchanged ones are common text, and the hunks are
 * built from that list as jsdiff's `structuredPatch` builds them, then written by its `formatPatch`.
 *
 * That is the whole-file diff exactly when no shorter or differently aligned edit crosses a document
 * boundary; the boundary is a `---` line both sides keep, after a line feed on both sides (checked:
 * else the whole file is diffed), and test/fix-diff.test.ts compares the two on the fleets, the
 * shared corpus and seeded random edits.
 */
import type { StructuredPatchHunk } from 'diff';
import { lineFeeds } from './split';

/** One entry of jsdiff's change list, its text kept as pieces. */
interface Change {
  pieces: string[];
  /** Its lines. */
  count: number;
  added: boolean;
  removed: boolean;
}

type Jsdiff = typeof import('diff');

function jsdiff(): Jsdiff {
  // Loaded on first use: a run that writes no diff never loads it.
  return require('diff') as Jsdiff;
}

const CONTEXT = 3;

/**
 * Unchanged lines an edited document's diff must begin and end with to be diffed on its own: the
 * context width, so that a hunk's context never reaches into the neighbour's changes.
 */
const EDGE = CONTEXT;

/** The first line of a text, with its line feed. */
function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end + 1);
}

/** Lines of a change's text, each with its line feed (the last may have none), as jsdiff splits them. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', start)) {
    lines.push(text.slice(start, at + 1));
    start = at + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** Lines of a text (jsdiff's count: a last line without a line feed counts). */
function lineCount(text: string): number {
  return lineFeeds(text) + (text.length > 0 && !text.endsWith('\n') ? 1 : 0);
}

/** One entry of jsdiff's `diffLines` answer, as far as this module reads it. */
interface LineChange {
  value: string;
  count?: number;
  added?: boolean;
  removed?: boolean;
}

/**
 * The line diff of a document's edit with jsdiff's work cut to the lines that changed, when no
 * alignment could slide past them: the lines before the first change and after the last are common,
 * and no changed line, old or new, equals the common line on either side. Old and new lines in
 * between that share no line are one removal and one addition; otherwise jsdiff diffs just them. The
 * answer is then exactly jsdiff's for the whole texts (test/fix-diff.test.ts compares 20,000 random
 * ones). Undefined otherwise: the caller asks jsdiff for the whole. jsdiff on each whole document cost
 * ~0.25 s over 20,000 documents (its diff of a document starts over from its first line).
 */
export function plainEditChanges(before: string, after: string): LineChange[] | undefined {
  const old = splitLines(before);
  const next = splitLines(after);
  let head = 0;
  while (head < old.length && head < next.length && old[head] === next[head]) head++;
  let tail = 0;
  while (tail < old.length - head && tail < next.length - head && old[old.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const removed = old.slice(head, old.length - tail);
  const added = next.slice(head, next.length - tail);
  const neighbours = new Set<string>();
  if (head > 0) neighbours.add(old[head - 1]);
  if (tail > 0) neighbours.add(old[old.length - tail]);
  // A changed line equal to a neighbour could slide past it: jsdiff decides.
  if (removed.some((line) => neighbours.has(line)) || added.some((line) => neighbours.has(line))) return undefined;
  const changes: LineChange[] = [];
  if (head > 0) changes.push({ value: old.slice(0, head).join(''), count: head, added: false, removed: false });
  const seen = new Set(removed);
  if (added.some((line) => seen.has(line))) {
    // Old and new lines in between share lines (two edits with common lines between them): jsdiff
    // diffs just those, and its answer sits between the common head and tail.
    for (const change of jsdiff().diffLines(removed.join(''), added.join(''))) changes.push({ value: change.value, count: change.count, added: change.added === true, removed: change.removed === true });
  } else {
    if (removed.length > 0) changes.push({ value: removed.join(''), count: removed.length, added: false, removed: true });
    if (added.length > 0) changes.push({ value: added.join(''), count: added.length, added: true, removed: false });
  }
  if (tail > 0) changes.push({ value: old.slice(old.length - tail).join(''), count: tail, added: false, removed: false });
  return changes;
}

/** `diffLines(before, after)`, by plainEditChanges when it can answer. */
function lineChanges(before: string, after: string): LineChange[] {
  return plainEditChanges(before, after) ?? jsdiff().diffLines(before, after);
}

/** The change list of the documents' texts, or undefined when a boundary is not kept on both sides. */
function documentChanges(before: readonly string[], after: readonly string[]): Change[] | undefined {
  if (before.length !== after.length || before.length < 2) return undefined;
  for (let index = 1; index < before.length; index++) {
    const line = firstLine(before[index]);
    if (!line.startsWith('---') || line !== firstLine(after[index])) return undefined;
    // Each document but the last ends its last line, so the file's lines are the documents' lines.
    if (!before[index - 1].endsWith('\n') || !after[index - 1].endsWith('\n')) return undefined;
  }
  const changes: Change[] = [];
  // Unchanged text is kept as its pieces until the list is read: joining a fleet's unchanged
  // documents into one string per run would copy most of the file.
  const push = (change: Change) => {
    const last = changes[changes.length - 1];
    if (last !== undefined && !last.added && !last.removed && !change.added && !change.removed) {
      last.pieces.push(...change.pieces);
      last.count += change.count;
    } else {
      changes.push(change);
    }
  };
  const pushAll = (list: readonly LineChange[]) => {
    for (const change of list) push({ pieces: [change.value], count: change.count ?? lineCount(change.value), added: change.added === true, removed: change.removed === true });
  };
  /** Whether a change list starts (or, `atEnd`, ends) with at least EDGE unchanged lines. */
  const calmEdge = (list: readonly LineChange[], atEnd: boolean) => {
    const edge = list[atEnd ? list.length - 1 : 0];
    return edge !== undefined && !edge.added && !edge.removed && (edge.count ?? 0) >= EDGE;
  };
  /** The diff of the document at `carried.index`, when the loop below already made it. */
  let carried: { index: number; changes: LineChange[] } | undefined;
  for (let index = 0; index < before.length; ) {
    if (before[index] === after[index]) {
      if (before[index].length > 0) push({ pieces: [before[index]], count: lineCount(before[index]), added: false, removed: false });
      index++;
      continue;
    }
    // Each edited document is diffed on its own while the edits keep EDGE lines from where it meets
    // the next edited one; else the two are diffed together, so that changes on both sides of a
    // boundary are aligned as the whole file's diff aligns them.
    let end = index + 1;
    let changesOf = carried?.index === index ? carried.changes : lineChanges(before[index], after[index]);
    carried = undefined;
    while (end < before.length && before[end] !== after[end]) {
      const next = lineChanges(before[end], after[end]);
      if (calmEdge(changesOf, true) && calmEdge(next, false)) {
        carried = { index: end, changes: next };
        break;
      }
      changesOf = lineChanges(before.slice(index, end + 1).join(''), after.slice(index, end + 1).join(''));
      end++;
    }
    pushAll(changesOf);
    index = end;
  }
  return changes;
}

/** The first `count` lines of a change, or its last `count` with `fromEnd`, each with its line feed. */
function someLines(change: Change, count: number, fromEnd: boolean): string[] {
  if (change.count <= count || change.added || change.removed) {
    const lines = splitLines(change.pieces.join(''));
    return fromEnd ? lines.slice(-count) : lines.slice(0, count);
  }
  // Only the ends of a long unchanged run are context: read them from its first or last pieces.
  const lines: string[] = [];
  if (fromEnd) {
    for (let piece = change.pieces.length - 1; piece >= 0 && lines.length < count; piece--) lines.unshift(...splitLines(change.pieces[piece]));
    return lines.slice(-count);
  }
  for (let piece = 0; piece < change.pieces.length && lines.length < count; piece++) lines.push(...splitLines(change.pieces[piece]));
  return lines.slice(0, count);
}

/** Hunks from a change list, as jsdiff's structuredPatch makes them (its diffLinesResultToPatch, jsdiff 9). */
function hunksOf(changes: readonly Change[]): StructuredPatchHunk[] {
  const diff = [...changes, { pieces: [], count: 0, added: false, removed: false }];
  const context = (lines: readonly string[]) => lines.map((line) => ` ${line}`);
  const hunks: StructuredPatchHunk[] = [];
  let oldRangeStart = 0;
  let newRangeStart = 0;
  let range: string[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (let index = 0; index < diff.length; index++) {
    const current = diff[index];
    if (current.added || current.removed) {
      if (!oldRangeStart) {
        const previous = diff[index - 1];
        oldRangeStart = oldLine;
        newRangeStart = newLine;
        if (previous) {
          range = context(someLines(previous, CONTEXT, true));
          oldRangeStart -= range.length;
          newRangeStart -= range.length;
        }
      }
      const lines = splitLines(current.pieces.join(''));
      for (const line of lines) range.push((current.added ? '+' : '-') + line);
      if (current.added) newLine += lines.length;
      else oldLine += lines.length;
    } else {
      if (oldRangeStart) {
        if (current.count <= CONTEXT * 2 && index < diff.length - 2) {
          range.push(...context(someLines(current, CONTEXT * 2, false)));
        } else {
          const size = Math.min(current.count, CONTEXT);
          range.push(...context(someLines(current, size, false)));
          hunks.push({ oldStart: oldRangeStart, oldLines: oldLine - oldRangeStart + size, newStart: newRangeStart, newLines: newLine - newRangeStart + size, lines: range });
          oldRangeStart = 0;
          newRangeStart = 0;
          range = [];
        }
      }
      oldLine += current.count;
      newLine += current.count;
    }
  }
  for (const hunk of hunks) {
    for (let at = 0; at < hunk.lines.length; at++) {
      if (hunk.lines[at].endsWith('\n')) {
        hunk.lines[at] = hunk.lines[at].slice(0, -1);
      } else {
        hunk.lines.splice(at + 1, 0, '\\ No newline at end of file');
        at++;
      }
    }
  }
  return hunks;
}

/**
 * The unified diff of `before` to `after` for `name` (`a/name`, `b/name`, 3 lines of context), as
 * `diff -u` and git print it. `documents`: the texts of the documents, before and after, when the
 * fix edited them one by one (joined they are `before` and `after`).
 */
export function unifiedDiff(name: string, before: string, after: string, documents?: { readonly before: readonly string[]; readonly after: readonly string[] }): string {
  const { createTwoFilesPatch, formatPatch } = jsdiff();
  const changes = documents && documentChanges(documents.before, documents.after);
  const patch = changes
    ? formatPatch({ oldFileName: `a/${name}`, newFileName: `b/${name}`, oldHeader: undefined, newHeader: undefined, hunks: hunksOf(changes) })
    : createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: CONTEXT });
  return patch.replace(/^=+\n/, '');
}
