/**
 * Parse a manifest file (YAML, multi-document, or JSON) once into documents that can say on which
 * line any JSON path sits. js-yaml 5's event parser gives source offsets; the same events build the
 * values, and a path is located only when a finding needs its line, so the common case (no finding)
 * costs one parse and nothing more. Pure: takes text, returns data.
 */
import { EVENT_ID, constructFromEvents, getScalarValue, parseEvents, type Event } from 'js-yaml';
import type { JsonPath } from '../core/workload';

export interface ManifestDocument {
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly value: unknown;
  /** 1-based line of the document's first node. */
  readonly line: number;
  /** 1-based line of the deepest node that exists along `path` (the parent when a field is missing). */
  lineOf(path: JsonPath): number;
}

export interface ParseProblem {
  readonly message: string;
  /** 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
}

export type ParsedFile =
  | { readonly ok: true; readonly documents: readonly ManifestDocument[] }
  | { readonly ok: false; readonly problem: ParseProblem };

/**
 * Limits that keep hostile input (alias bombs, deep nesting) from costing more than a real manifest:
 * 100 levels is js-yaml's own default depth and far beyond any Kubernetes object (a CronJob's
 * container env var sits at depth 12); 1000 aliases per document is more than any manifest in the
 * shared corpus uses (none uses one) while a "billion laughs" document needs far more.
 */
export const PARSE_LIMITS = { maxDepth: 100, maxAliases: 1000 } as const;

/** Lazily built table of line starts, for offset-to-line lookups. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}
  lineAt(offset: number): number {
    if (!this.starts) {
      const starts = [0];
      for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) starts.push(at + 1);
      this.starts = starts;
    }
    const starts = this.starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

function startOf(event: Event): number {
  switch (event.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.anchorStart >= 0 ? Math.min(event.start, event.anchorStart) : event.start;
    case EVENT_ID.SCALAR:
      return event.anchorStart >= 0 ? event.anchorStart : event.tagStart >= 0 ? event.tagStart : event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart;
    default:
      return -1;
  }
}

type ScalarEvent = Extract<Event, { type: typeof EVENT_ID.SCALAR }>;

/**
 * The parser's events reduced to what finding a line needs, in typed arrays: the event objects become
 * garbage as soon as the values are built (instead of living while the file is linted), and skipping a
 * subtree is one lookup instead of a walk.
 */
class EventTable {
  readonly size: number;
  readonly type: Uint8Array;
  /** Offset where the node starts (its anchor or tag when it has one). */
  readonly start: Int32Array;
  /** Index just past the node (past its closing event for a mapping or sequence). */
  readonly next: Int32Array;
  /** For a scalar whose text is its value: where the value ends; -1 otherwise. */
  readonly valueEnd: Int32Array;
  readonly valueStart: Int32Array;
  /** Scalars with escapes or folding, decoded on demand. */
  readonly slow = new Map<number, ScalarEvent>();

  constructor(events: readonly Event[]) {
    const size = (this.size = events.length);
    this.type = new Uint8Array(size);
    this.start = new Int32Array(size);
    this.next = new Int32Array(size);
    this.valueStart = new Int32Array(size);
    this.valueEnd = new Int32Array(size).fill(-1);
    const open: number[] = [];
    for (let at = 0; at < size; at++) {
      const event = events[at];
      this.type[at] = event.type;
      this.start[at] = startOf(event);
      this.next[at] = at + 1;
      if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.DOCUMENT) {
        open.push(at);
      } else if (event.type === EVENT_ID.POP) {
        const opened = open.pop();
        if (opened !== undefined) this.next[opened] = at + 1;
      } else if (event.type === EVENT_ID.SCALAR) {
        this.valueStart[at] = event.valueStart;
        if (event.fast) this.valueEnd[at] = event.valueEnd;
        else this.slow.set(at, event);
      }
    }
  }

  /** Whether the scalar at `at` spells `name`; a plain scalar is compared in place, without a copy. */
  keyEquals(text: string, at: number, name: string): boolean {
    const end = this.valueEnd[at];
    if (end >= 0) return end - this.valueStart[at] === name.length && text.startsWith(name, this.valueStart[at]);
    const event = this.slow.get(at);
    return event !== undefined && getScalarValue(text, event) === name;
  }

  /** Walk `path` from the node at `root`; the offset of the deepest node reached (a key, for mapping entries). */
  locate(text: string, root: number, path: JsonPath): number {
    let node = root;
    let offset = this.start[root];
    for (const segment of path) {
      const type = this.type[node];
      if (type === EVENT_ID.MAPPING) {
        const name = String(segment);
        let at = node + 1;
        let found = -1;
        while (at < this.size && this.type[at] !== EVENT_ID.POP) {
          const valueIndex = this.next[at];
          if (this.type[at] === EVENT_ID.SCALAR && this.keyEquals(text, at, name)) {
            found = valueIndex;
            offset = this.start[at];
            break;
          }
          at = valueIndex < this.size ? this.next[valueIndex] : this.size;
        }
        if (found < 0 || found >= this.size) return offset;
        node = found;
      } else if (type === EVENT_ID.SEQUENCE && typeof segment === 'number') {
        let at = node + 1;
        for (let item = 0; item < segment && at < this.size && this.type[at] !== EVENT_ID.POP; item++) at = this.next[at];
        if (at >= this.size || this.type[at] === EVENT_ID.POP) return offset;
        node = at;
        offset = this.start[at];
      } else {
        return offset;
      }
    }
    return offset;
  }
}

/** The text and event table of one file, shared by its documents. */
class Source {
  readonly lines: LineIndex;
  constructor(readonly text: string, readonly table: EventTable) {
    this.lines = new LineIndex(text);
  }
}

// A class rather than an object literal with closures: V8 builds these on its fast path, which
// measurably matters at 20,000 documents (bench/run.ts).
class Document implements ManifestDocument {
  constructor(private readonly source: Source, readonly index: number, readonly value: unknown, private readonly root: number) {}

  get line(): number {
    return this.root < 0 ? 1 : this.source.lines.lineAt(this.source.table.start[this.root]);
  }

  lineOf(path: JsonPath): number {
    return this.root < 0 ? 1 : this.source.lines.lineAt(this.source.table.locate(this.source.text, this.root, path));
  }
}

function problemOf(error: unknown, text: string): ParseProblem {
  const mark = (error as { mark?: { line: number; column: number; position: number } }).mark;
  let reason = (error as { reason?: string }).reason ?? (error instanceof Error ? error.message : String(error));
  if (!mark) return { message: reason };
  if (reason === 'duplicated mapping key') {
    // Name the key: Kubernetes (sigs.k8s.io/yaml) rejects the object the same way, and the line alone
    // makes the reader hunt for which key it was.
    const key = /^\s*["']?([^"':\n]+)["']?\s*:/.exec(text.slice(mark.position, mark.position + 256));
    if (key) reason = `duplicated mapping key "${key[1].trim()}"`;
  }
  return { message: reason, line: mark.line + 1, column: mark.column + 1 };
}

/**
 * Parse every document of a YAML or JSON text. Any syntax error, duplicate key or limit exceeded
 * fails the whole file with the line of the problem.
 */
export function parseManifests(text: string, filename?: string): ParsedFile {
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth, ...(filename ? { filename } : {}) });
    values = constructFromEvents(events, { source: text, maxAliases: PARSE_LIMITS.maxAliases, ...(filename ? { filename } : {}) });
  } catch (error) {
    return { ok: false, problem: problemOf(error, text) };
  }
  const table = new EventTable(events);
  const source = new Source(text, table);
  const documents: ManifestDocument[] = [];
  let index = 0;
  for (let at = 0; at < table.size; at++) {
    if (table.type[at] !== EVENT_ID.DOCUMENT) continue;
    const root = at + 1;
    const hasRoot = root < table.size && table.type[root] !== EVENT_ID.POP;
    documents.push(new Document(source, index, values[index], hasRoot ? root : -1));
    index++;
    at = table.next[at] - 1;
  }
  return { ok: true, documents };
}
