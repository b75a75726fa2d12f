/**
 * The fast way to plan the common fix: every edit replaces a scalar that is already there (a memory
 * request set to the limit, a GOMEMLIMIT or JAVA_TOOL_OPTIONS value rewritten). Such a fix needs only
 * the scalar's source range and quoting, which js-yaml's events (the linter's own parser) carry; the
 * `yaml` package's Document with source tokens (./plan.ts) costs ~10x a js-yaml parse (bench/fix-bench.ts).
 *
 * It answers only where the answer is certainly the one `planEdits` would give (the same splices),
 * and says `undefined` for anything else (a key to create, an env entry to add, an anchor, alias,
 * tag, merge key, block or multi-line scalar, a key that is not a plain identifier), which then goes
 * through `planEdits` and its reasons. Pure: text and events in, splices out.
 */
import { COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, type Event } from 'js-yaml';
import type { Edit } from '../rules/types';
import { overlaps, type Splice } from './splice';
import { plainIsSafe, renderScalar, type ScalarStyle } from './scalars';

const { DOCUMENT, MAPPING, SEQUENCE, SCALAR, POP } = EVENT_ID;

/**
 * A key both YAML 1.2 (the `yaml` package) and the linter read as the same plain string: starts with
 * a letter or `_` (so never a number, `.inf` or `~`) and holds no indicator; the core schema's
 * booleans and null are excluded.
 */
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const SPECIAL_WORDS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);

/** The events of one document with, for each, the index just past its subtree. */
export class DocumentEvents {
  readonly next: Int32Array;

  constructor(readonly text: string, readonly events: readonly Event[]) {
    this.next = new Int32Array(events.length);
    const open: number[] = [];
    for (let index = 0; index < events.length; index++) {
      const type = events[index].type;
      if (type === MAPPING || type === SEQUENCE || type === DOCUMENT) open.push(index);
      else if (type === POP) {
        const start = open.pop();
        if (start !== undefined) this.next[start] = index + 1;
        this.next[index] = index + 1;
      } else this.next[index] = index + 1;
    }
  }

  /** Event indexes of each sequence's items, listed on first use (a List of 50,000 items is not walked per fix). */
  private readonly items = new Map<number, number[]>();

  /** The event index of item `position` of the sequence at `sequence`, or -1. */
  item(sequence: number, position: number): number {
    let list = this.items.get(sequence);
    if (!list) {
      list = [];
      for (let at = sequence + 1; this.events[at].type !== POP; at = this.next[at]) list.push(at);
      this.items.set(sequence, list);
    }
    return position >= 0 && position < list.length ? list[position] : -1;
  }

  /** Whether the events are exactly one document without directives (what planning here assumes). */
  get single(): boolean {
    const first = this.events[0];
    return first !== undefined && first.type === DOCUMENT && first.directives.length === 0 && this.next[0] === this.events.length;
  }
}

function keyText(text: string, event: Event): string | undefined {
  if (event.type !== SCALAR || event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
  const key = text.slice(event.valueStart, event.valueEnd);
  if (!SIMPLE_KEY.test(key)) return undefined;
  // Quoted (JSON's keys): a simple key holds no escape or quote, so its text is its value.
  if (event.style === SCALAR_STYLE.DOUBLE_QUOTED || event.style === SCALAR_STYLE.SINGLE_QUOTED) return key;
  return event.style === SCALAR_STYLE.PLAIN && !SPECIAL_WORDS.has(key) ? key : undefined;
}

/** The splice that replaces the scalar at `path`, or undefined when this planner does not answer. */
function replaceAt(doc: DocumentEvents, path: readonly (string | number)[], value: string | number): Splice | undefined {
  const { events, next, text } = doc;
  let at = 1;
  let inFlow = false;
  for (const segment of path) {
    const node = events[at];
    if (node === undefined) return undefined;
    if (node.type === MAPPING) {
      if (node.anchorStart >= 0) return undefined;
      inFlow = inFlow || node.style === COLLECTION_STYLE.FLOW;
      const wanted = String(segment);
      let found = -1;
      for (let key = at + 1; events[key].type !== POP; ) {
        const name = keyText(text, events[key]);
        if (name === undefined) return undefined;
        const item = next[key];
        if (name === wanted) {
          if (found >= 0) return undefined;
          found = item;
        }
        key = next[item];
      }
      if (found < 0) return undefined;
      at = found;
    } else if (node.type === SEQUENCE && typeof segment === 'number') {
      if (node.anchorStart >= 0) return undefined;
      inFlow = inFlow || node.style === COLLECTION_STYLE.FLOW;
      const item = doc.item(at, segment);
      if (item < 0) return undefined;
      at = item;
    } else {
      return undefined;
    }
  }
  const target = events[at];
  if (!target || target.type !== SCALAR || target.anchorStart >= 0 || target.tagStart >= 0) return undefined;
  let start = target.valueStart;
  let end = target.valueEnd;
  let style: ScalarStyle;
  if (target.style === SCALAR_STYLE.PLAIN) {
    style = 'plain';
  } else if (target.style === SCALAR_STYLE.SINGLE_QUOTED || target.style === SCALAR_STYLE.DOUBLE_QUOTED) {
    style = target.style === SCALAR_STYLE.SINGLE_QUOTED ? 'single' : 'double';
    const quote = style === 'single' ? "'" : '"';
    start--;
    end++;
    if (text[start] !== quote || text[end - 1] !== quote) return undefined;
  } else {
    return undefined;
  }
  if (end <= start || text.slice(start, end).includes('\n')) return undefined;
  return { start, end, text: renderScalar(value, style, inFlow) };
}

/**
 * Plan a fix whose every edit sets a scalar that exists; `undefined` when any edit is of another
 * kind (the caller then plans it with `planEdits`).
 */
export function planScalarEdits(doc: DocumentEvents, edits: readonly Edit[]): readonly Splice[] | undefined {
  const splices: Splice[] = [];
  for (const edit of edits) {
    if (edit.op !== 'set' || (typeof edit.value !== 'string' && typeof edit.value !== 'number')) return undefined;
    if (typeof edit.value === 'number' && !Number.isFinite(edit.value)) return undefined;
    const splice = replaceAt(doc, edit.path, edit.value);
    if (!splice) return undefined;
    splices.push(splice);
  }
  const sorted = splices.sort((a, b) => a.start - b.start);
  for (let index = 1; index < sorted.length; index++) if (overlaps(sorted[index - 1], sorted[index])) return undefined;
  return sorted;
}

/**
 * A line `[indent][- ...]key: value [# comment]`: the indicators before the key, the key, and what follows.
 * Keys as SIMPLE_KEY.
 */
const KEY_LINE = /^([ \t]*(?:-[ \t]+)*)([A-Za-z_][A-Za-z0-9_./-]*):[ \t]+(.*)$/;
const DOUBLE_QUOTED = /^"(?:[^"\\\n]|\\.)*"/;
const SINGLE_QUOTED = /^'(?:[^'\n]|'')*'/;
const AFTER_SCALAR = /^(?:[ \t]+#.*|[ \t]*)$/;
/** A one-line plain scalar with no character that could make it end early or mean something else. */
const SAFE_PLAIN = /^(?:[^\s'"{}[\],#&*!|>%@`?:-]|[-?:](?=[^\s,{}[\]]))[^{}[\],\t]*$/;

let lastText: string | undefined;
let lastAnswer = false;
let lastStarts: number[] | undefined;

/** Whether a document has no anchor, alias or merge key anywhere (asked once per document text). */
function linePlannable(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastAnswer = !/[&*]|<</.test(text);
    lastStarts = undefined;
  }
  return lastAnswer;
}

/** Offsets of the lines of the text `linePlannable` last saw, built once per text (a 40 MB List has many fixes). */
function lineStarts(text: string): number[] {
  if (text !== lastText) linePlannable(text);
  if (!lastStarts) {
    lastStarts = [0];
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lastStarts.push(at + 1);
  }
  return lastStarts;
}

/** The value at `path` of a constructed document, when it is a string or a number. */
function scalarAt(value: unknown, path: readonly (string | number)[]): string | number | undefined {
  let at = value;
  for (const segment of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    if (Array.isArray(at)) {
      if (typeof segment !== 'number' || segment < 0 || segment >= at.length) return undefined;
      at = at[segment];
    } else {
      if (!Object.prototype.hasOwnProperty.call(at, segment)) return undefined;
      at = (at as Record<string, unknown>)[segment];
    }
  }
  return typeof at === 'string' || typeof at === 'number' ? at : undefined;
}

/**
 * Cheaper still than the events: the line the linter already places the scalar on (`lineOf`), read
 * as `key: value`. Only where that line cannot mean anything else: the document has no anchor,
 * alias or merge key (`&`, `*`, `<<` nowhere), the value is the key's own one-line plain or quoted
 * scalar (no tag, no flow indicator, no continuation line), and its rendering does not depend on
 * whether the line sits in a flow collection. Anything else: `undefined` (the events decide).
 */
export function planScalarLines(text: string, lineOf: (path: readonly (string | number)[]) => number, value: unknown, edits: readonly Edit[]): readonly Splice[] | undefined {
  if (!linePlannable(text)) return undefined;
  let starts: number[] | undefined;
  const splices: Splice[] = [];
  for (const edit of edits) {
    if (edit.op !== 'set' || (typeof edit.value !== 'string' && typeof edit.value !== 'number')) return undefined;
    if (typeof edit.value === 'number' && !Number.isFinite(edit.value)) return undefined;
    const key = edit.path[edit.path.length - 1];
    if (typeof key !== 'string' || SPECIAL_WORDS.has(key) || scalarAt(value, edit.path) === undefined) return undefined;
    starts ??= lineStarts(text);
    const line = lineOf(edit.path);
    if (line < 1 || line > starts.length) return undefined;
    const lineStart = starts[line - 1];
    const lineEnd = line < starts.length ? starts[line] - 1 : text.length;
    const match = KEY_LINE.exec(text.slice(lineStart, lineEnd));
    if (!match || match[2] !== key) return undefined;
    const rest = match[3];
    const valueStart = lineStart + match[0].length - rest.length;
    let source: string;
    let style: ScalarStyle;
    if (rest[0] === '"' || rest[0] === "'") {
      const quoted = (rest[0] === '"' ? DOUBLE_QUOTED : SINGLE_QUOTED).exec(rest);
      if (!quoted || !AFTER_SCALAR.test(rest.slice(quoted[0].length))) return undefined;
      source = quoted[0];
      style = rest[0] === '"' ? 'double' : 'single';
    } else {
      const comment = rest.search(/[ \t]+#/);
      source = (comment >= 0 ? rest.slice(0, comment) : rest).replace(/[ \t]+$/, '');
      if (!SAFE_PLAIN.test(source) || /:[ \t]|:$/.test(source)) return undefined;
      // A more indented line after a plain scalar may continue it.
      const keyColumn = match[1].length;
      for (let next = line; next < starts.length; next++) {
        const end = next + 1 < starts.length ? starts[next + 1] - 1 : text.length;
        const following = text.slice(starts[next], end);
        if (following.trim() === '') continue;
        if (following.length - following.trimStart().length > keyColumn) return undefined;
        break;
      }
      style = 'plain';
    }
    if (style === 'plain' && typeof edit.value === 'string' && plainIsSafe(edit.value, false) !== plainIsSafe(edit.value, true)) return undefined;
    splices.push({ start: valueStart, end: valueStart + source.length, text: renderScalar(edit.value, style, false) });
  }
  const sorted = splices.sort((a, b) => a.start - b.start);
  for (let index = 1; index < sorted.length; index++) if (overlaps(sorted[index - 1], sorted[index])) return undefined;
  return sorted;
}
