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
 * else the whole file is diffed), and
 * test/fix-diff.test.ts compares the two on the fleets, the shared corpus and seeded random edits.
 */
import type { StructuredPatchHunk } from 'diff';

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

/** Line feeds in a text. */
function lineFeeds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** Lines of a text (jsdiff's count: a last line without a line feed counts). */
function lineCount(text: string): number {
  return lineFeeds(text) + (text.length > 0 && !text.endsWith('\n') ? 1 : 0);
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
  const { diffLines } = jsdiff();
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
  for (let index = 0; index < before.length; ) {
    if (before[index] === after[index]) {
      if (before[index].length > 0) push({ pieces: [before[index]], count: lineCount(before[index]), added: false, removed: false });
      index++;
      continue;
    }
    // Consecutive edited documents are diffed together: a change at the end of one and another at
    // the start of the next are aligned as the whole file's diff aligns them.
    let end = index + 1;
    while (end < before.length && before[end] !== after[end]) end++;
    const oldText = before.slice(index, end).join('');
    const newText = after.slice(index, end).join('');
    for (const change of diffLines(oldText, newText)) {
      push({ pieces: [change.value], count: change.count ?? lineCount(change.value), added: change.added === true, removed: change.removed === true });
    }
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
