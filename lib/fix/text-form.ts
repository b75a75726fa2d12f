/**
 * What a file's bytes are besides its YAML: a UTF-8 byte order mark and its line endings (LF, CRLF,
 * CR alone, or a mix). `fix` edits the text with plain LF line endings and puts the file's own form
 * back afterwards, so a CRLF file stays CRLF, a CR-only file stays CR-only, a BOM stays, and in a
 * mixed file every untouched line keeps its own ending while an inserted line takes the ending of
 * the line it follows (the line around it), or of the line it replaces. YAML itself treats CR, LF and
 * CRLF alike as one line break (YAML 1.2, 5.4), so the edit sees the same documents either way.
 */

export interface TextForm {
  readonly bom: boolean;
  /** The terminator of each line of the text, in order ('\n', '\r\n' or '\r'); the last line may have none. */
  readonly endings: readonly string[];
  /** One ending for every line, or undefined for a mixed file. */
  readonly uniform: string | undefined;
}

const BREAK = /\r\n|\r|\n/g;
/** A document marker line. */
const DOCUMENT_START = /^---(?:[ \t]|$)/;

/** Split `text` (as decoded, BOM included when present) into its LF form and what it was. */
export function toLf(text: string): { readonly lf: string; readonly form: TextForm } {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  if (!body.includes('\r')) {
    // LF only (the common case): nothing to replace, one ending per line feed.
    let count = 0;
    for (let at = body.indexOf('\n'); at >= 0; at = body.indexOf('\n', at + 1)) count++;
    return { lf: body, form: { bom, endings: new Array<string>(count).fill('\n'), uniform: count > 0 ? '\n' : undefined } };
  }
  const endings: string[] = [];
  let uniform: string | undefined;
  let mixed = false;
  const lf = body.replace(BREAK, (ending) => {
    endings.push(ending);
    if (uniform === undefined) uniform = ending;
    else if (uniform !== ending) mixed = true;
    return '\n';
  });
  return { lf, form: { bom, endings, uniform: mixed ? undefined : uniform } };
}

/**
 * `after` (an LF text edited from `before`, the LF form of a file) in the file's own form. Lines
 * are matched by a line diff; the common case, one kind of ending, needs none.
 */
export function fromLf(before: string, after: string, form: TextForm): string {
  const bom = form.bom ? '\uFEFF' : '';
  if (form.uniform === undefined && form.endings.length === 0) return bom + after; // no line break in the original
  if (form.uniform !== undefined) return bom + (form.uniform === '\n' ? after : after.replace(/\n/g, form.uniform));
  const { diffArrays } = require('diff') as typeof import('diff');
  const old = before.split('\n');
  const next = after.split('\n');
  // The ending that follows a line of the original: its own, or (the last line, which had none) the one before it.
  const endingAfter = (index: number) => form.endings[Math.min(index, form.endings.length - 1)] ?? '\n';
  let out = bom;
  let oldIndex = 0;
  let newIndex = 0;
  /** Ending of the original line just consumed: what an inserted line after it takes. */
  let around = form.endings[0] ?? '\n';
  const emit = (line: string, ending: string) => {
    out += line;
    if (newIndex < next.length - 1) out += ending;
    newIndex++;
  };
  // A line diff costs (lines × changed lines): a fleet in one file is diffed document by document,
  // split at the `---` lines, which fixes never add or remove (when the counts differ, as a whole).
  const separators = (lines: readonly string[]) => lines.flatMap((line, index) => (DOCUMENT_START.test(line) ? [index] : []));
  const oldCuts = separators(old);
  const newCuts = separators(next);
  const parts: { value: string[]; added?: boolean; removed?: boolean }[] = [];
  if (oldCuts.length === newCuts.length && oldCuts.length > 0) {
    let oldFrom = 0;
    let newFrom = 0;
    for (let cut = 0; cut <= oldCuts.length; cut++) {
      const oldTo = cut < oldCuts.length ? oldCuts[cut] : old.length;
      const newTo = cut < newCuts.length ? newCuts[cut] : next.length;
      parts.push(...diffArrays(old.slice(oldFrom, oldTo), next.slice(newFrom, newTo)));
      if (cut < oldCuts.length) parts.push({ value: [old[oldTo]] });
      oldFrom = oldTo + 1;
      newFrom = newTo + 1;
    }
  } else {
    parts.push(...diffArrays(old, next));
  }
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (part.removed) {
      const replaced = parts[p + 1]?.added ? parts[p + 1] : undefined;
      // A replaced line keeps its own ending; extra new lines take the last replaced one's.
      if (replaced) {
        replaced.value.forEach((line, index) => emit(line, endingAfter(oldIndex + Math.min(index, part.value.length - 1))));
        p++;
      }
      oldIndex += part.value.length;
      around = endingAfter(oldIndex - 1);
    } else if (part.added) {
      for (const line of part.value) emit(line, around);
    } else {
      for (const line of part.value) {
        emit(line, endingAfter(oldIndex));
        around = endingAfter(oldIndex);
        oldIndex++;
      }
    }
  }
  return out;
}
