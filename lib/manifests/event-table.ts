/**
 * js-yaml's parser events reduced to what finding a line needs, in typed arrays: the event objects
 * become garbage as soon as the values are built (instead of living while the file is linted), and
 * skipping a subtree is one lookup instead of a walk.
 */
import { EVENT_ID, getScalarValue, type Event, type ScalarEvent } from 'js-yaml';
import type { JsonPath } from '../core/workload';

const { MAPPING, SEQUENCE, SCALAR, ALIAS, DOCUMENT, POP } = EVENT_ID;

/** Where a node's text starts: its anchor or tag when it has one, else its value. */
function startOf(event: Event): number {
  switch (event.type) {
    case MAPPING:
    case SEQUENCE:
      return event.anchorStart >= 0 ? Math.min(event.start, event.anchorStart) : event.start;
    case SCALAR:
      return event.anchorStart >= 0 ? event.anchorStart : event.tagStart >= 0 ? event.tagStart : event.valueStart;
    case ALIAS:
      return event.anchorStart;
    default:
      return -1;
  }
}

/**
 * Arrays shared by the tables of files parsed one after another (`lintText`): a fleet's 200 files
 * would otherwise allocate and zero five fresh arrays each, which the bench measured at ~3% of a run.
 * Each lease bumps the generation, so a table from an earlier lease refuses to answer instead of
 * reading another file's offsets.
 */
class SharedArrays {
  generation = 0;
  type = new Uint8Array(0);
  start = new Int32Array(0);
  next = new Int32Array(0);
  valueStart = new Int32Array(0);
  valueEnd = new Int32Array(0);

  lease(size: number): number {
    if (this.type.length < size) {
      const capacity = Math.max(size, this.type.length * 2, 1024);
      this.type = new Uint8Array(capacity);
      this.start = new Int32Array(capacity);
      this.next = new Int32Array(capacity);
      this.valueStart = new Int32Array(capacity);
      this.valueEnd = new Int32Array(capacity);
    }
    return ++this.generation;
  }
}

const shared = new SharedArrays();

/** A column of a table: a typed array, or for a small table of its own a plain array (see the constructor). */
type Column = Int32Array | number[];

/** The columns ./fast-read.ts fills, which a table may be made from. */
export interface Columns {
  readonly type: Uint8Array;
  readonly start: Int32Array;
  readonly next: Int32Array;
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
}

/**
 * Tables of their own up to this many events keep their columns in plain arrays: a document or a
 * stretch (64 KiB of the bench fleet is ~8,000 events); bigger ones take one typed buffer, half the bytes.
 */
const SMALL_TABLE = 8192;

/** A plain column of `size` values: the first of `initial`, or zeros. */
function columnOf(size: number, initial?: Int32Array | Uint8Array): number[] {
  // Preallocated and filled by index: 2.5x faster to build than by push (a table per edited document).
  const column: number[] = new Array(size);
  if (initial === undefined) for (let at = 0; at < size; at++) column[at] = 0;
  else for (let at = 0; at < size; at++) column[at] = initial[at];
  return column;
}

export class EventTable {
  readonly size: number;
  readonly type: Uint8Array | number[];
  /** Offset where the node starts (its anchor or tag when it has one). */
  readonly start: Column;
  /** Index just past the node (past its closing event for a mapping or sequence). */
  readonly next: Column;
  /** For a scalar whose text is its value: where the value ends; -1 otherwise. */
  readonly valueEnd: Column;
  readonly valueStart: Column;
  /** Scalars with escapes or folding, decoded on demand. */
  readonly slow = new Map<number, ScalarEvent>();
  /** Set when the file repeats a key: a lookup then reads the last of the repeated keys. */
  lastKeyWins = false;
  /** Indexes of the collections recorded but not yet closed. */
  private readonly open: number[] = [];
  /** The lease of the shared arrays this table reads, or 0 for arrays of its own. */
  private readonly generation: number;

  /**
   * A table for `size` events, zeros or the first `size` values of `initial`. With `shareArrays`, it
   * uses arrays shared with the next such table: it stays valid only until another shared table is
   * made (lookups on it then throw).
   */
  constructor(size: number, shareArrays = false, initial?: Columns) {
    this.size = size;
    if (shareArrays) {
      this.generation = shared.lease(size);
      this.type = shared.type;
      this.start = shared.start;
      this.next = shared.next;
      this.valueStart = shared.valueStart;
      this.valueEnd = shared.valueEnd;
    } else if (size <= SMALL_TABLE) {
      // Plain arrays, in V8's heap: fix reads each document it edits on its own and keeps its table
      // for a pass, so typed arrays' backing stores (malloc'd, freed only once their owner is
      // collected from the old generation) added up to ~20 MB at the end of a 20,000-document dry run.
      this.generation = 0;
      this.type = columnOf(size, initial?.type);
      this.start = columnOf(size, initial?.start);
      this.next = columnOf(size, initial?.next);
      this.valueStart = columnOf(size, initial?.valueStart);
      this.valueEnd = columnOf(size, initial?.valueEnd);
    } else {
      // One buffer for the five columns.
      this.generation = 0;
      const buffer = new ArrayBuffer(size * 17);
      this.start = new Int32Array(buffer, 0, size);
      this.next = new Int32Array(buffer, size * 4, size);
      this.valueStart = new Int32Array(buffer, size * 8, size);
      this.valueEnd = new Int32Array(buffer, size * 12, size);
      this.type = new Uint8Array(buffer, size * 16, size);
    }
    // The first `size` values of `initial` (plain columns were filled from it as they were made).
    if (initial !== undefined && !Array.isArray(this.type)) {
      this.type.set(initial.type.subarray(0, size));
      (this.start as Int32Array).set(initial.start.subarray(0, size));
      (this.next as Int32Array).set(initial.next.subarray(0, size));
      (this.valueStart as Int32Array).set(initial.valueStart.subarray(0, size));
      (this.valueEnd as Int32Array).set(initial.valueEnd.subarray(0, size));
    }
  }

  /** Throws when the shared arrays have since been leased to another file's table. */
  assertCurrent(): void {
    if (this.generation !== 0 && this.generation !== shared.generation) {
      throw new Error('oomguard internal error: a parsed document was asked for a line after the next file was parsed with shared arrays');
    }
  }

  /** Record the event at index `at`; events are recorded in order, each once. */
  record(at: number, event: Event): void {
    this.type[at] = event.type;
    this.start[at] = startOf(event);
    this.next[at] = at + 1;
    this.valueEnd[at] = -1; // set for every event: shared arrays hold the previous file's values
    switch (event.type) {
      case MAPPING:
      case SEQUENCE:
      case DOCUMENT:
        this.open.push(at);
        break;
      case POP: {
        const opened = this.open.pop();
        if (opened !== undefined) this.next[opened] = at + 1;
        break;
      }
      case SCALAR:
        this.valueStart[at] = event.valueStart;
        if (event.fast) this.valueEnd[at] = event.valueEnd;
        else this.slow.set(at, event);
        break;
    }
  }

  /** Whether the scalar at `at` spells `name`; a plain scalar is compared in place, without a copy. */
  keyEquals(text: string, at: number, name: string): boolean {
    const end = this.valueEnd[at];
    if (end >= 0) {
      const start = this.valueStart[at];
      const length = name.length;
      if (end - start !== length) return false;
      // Compared here rather than with startsWith, a call out of the optimized code per key walked.
      let same = 0;
      while (same < length && name.charCodeAt(same) === text.charCodeAt(start + same)) same++;
      return same === length;
    }
    const event = this.slow.get(at);
    return event !== undefined && getScalarValue(text, event) === name;
  }

  /**
   * Per sequence walked past its first items: the event index of each item, so that finding item i
   * of a 50,000-item List is one lookup, not a walk over the i items before it (which made a line
   * lookup per finding quadratic in the size of the List).
   */
  private itemIndexes: Map<number, Int32Array> | undefined;

  private itemsOf(sequence: number): Int32Array {
    let items = (this.itemIndexes ??= new Map()).get(sequence);
    if (items === undefined) {
      let count = 0;
      for (let at = sequence + 1; at < this.size && this.type[at] !== POP; at = this.next[at]) count++;
      items = new Int32Array(count);
      let item = 0;
      for (let at = sequence + 1; at < this.size && this.type[at] !== POP; at = this.next[at]) items[item++] = at;
      this.itemIndexes.set(sequence, items);
    }
    return items;
  }

  /** Walk `path` from the node at `root`; the offset of the deepest node reached (a key, for mapping entries). */
  locate(text: string, root: number, path: JsonPath): number {
    this.assertCurrent();
    let node = root;
    let offset = this.start[root];
    for (const segment of path) {
      const type = this.type[node];
      if (type === MAPPING) {
        const name = String(segment);
        let at = node + 1;
        let found = -1;
        let mergeKey = -1;
        while (at < this.size && this.type[at] !== POP) {
          const valueIndex = this.next[at];
          if (this.type[at] === SCALAR) {
            if (this.keyEquals(text, at, name)) {
              found = valueIndex;
              offset = this.start[at];
              // A repeated key: Kubernetes reads the last one (construct.ts), so the line is the last one's.
              if (!this.lastKeyWins) break;
            } else if (mergeKey < 0 && this.keyEquals(text, at, '<<')) {
              mergeKey = at;
            }
          }
          at = valueIndex < this.size ? this.next[valueIndex] : this.size;
        }
        // A key brought in by a merge (`<<: *base`) is on the line of the merge key.
        if (found < 0 && mergeKey >= 0) return this.start[mergeKey];
        if (found < 0 || found >= this.size) return offset;
        node = found;
      } else if (type === SEQUENCE && typeof segment === 'number') {
        let at = node + 1;
        if (segment < 8) {
          for (let item = 0; item < segment && at < this.size && this.type[at] !== POP; item++) at = this.next[at];
          if (at >= this.size || this.type[at] === POP) return offset;
        } else {
          const items = this.itemsOf(node);
          if (segment >= items.length) return offset;
          at = items[segment];
        }
        node = at;
        offset = this.start[at];
      } else {
        return offset;
      }
    }
    return offset;
  }
}
