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
import { overlaps, type Splice } from './plan';
import { renderScalar, type ScalarStyle } from './scalars';

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

  /** Whether the events are exactly one document without directives (what planning here assumes). */
  get single(): boolean {
    const first = this.events[0];
    return first !== undefined && first.type === DOCUMENT && first.directives.length === 0 && this.next[0] === this.events.length;
  }
}

function keyText(text: string, event: Event): string | undefined {
  if (event.type !== SCALAR || event.style !== SCALAR_STYLE.PLAIN || event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
  const key = text.slice(event.valueStart, event.valueEnd);
  return SIMPLE_KEY.test(key) && !SPECIAL_WORDS.has(key) ? key : undefined;
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
      let item = at + 1;
      for (let count = 0; count < segment && events[item].type !== POP; count++) item = next[item];
      if (events[item].type === POP) return undefined;
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
