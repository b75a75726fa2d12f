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

/** Limits that keep hostile input (alias bombs, deep nesting) from costing more than a real manifest. */
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

/** Index just past the node starting at `index`. */
function skipNode(events: readonly Event[], index: number): number {
  const type = events[index].type;
  if (type !== EVENT_ID.MAPPING && type !== EVENT_ID.SEQUENCE) return index + 1;
  let depth = 0;
  for (let at = index; at < events.length; at++) {
    const current = events[at].type;
    if (current === EVENT_ID.MAPPING || current === EVENT_ID.SEQUENCE) depth++;
    else if (current === EVENT_ID.POP && --depth === 0) return at + 1;
  }
  return events.length;
}

/** Whether a key scalar spells `name`; a plain scalar is compared in place, without decoding a copy. */
function keyEquals(text: string, key: Extract<Event, { type: typeof EVENT_ID.SCALAR }>, name: string): boolean {
  if (key.fast) return key.valueEnd - key.valueStart === name.length && text.startsWith(name, key.valueStart);
  return getScalarValue(text, key) === name;
}

/** Walk `path` from the node at `root`; returns the offset of the deepest node reached (a key, for mapping entries). */
function locate(text: string, events: readonly Event[], root: number, path: JsonPath): number {
  let node = root;
  let offset = startOf(events[root]);
  for (const segment of path) {
    const event = events[node];
    if (event.type === EVENT_ID.MAPPING) {
      let at = node + 1;
      let found = -1;
      while (at < events.length && events[at].type !== EVENT_ID.POP) {
        const key = events[at];
        const valueIndex = skipNode(events, at);
        if (key.type === EVENT_ID.SCALAR && keyEquals(text, key, String(segment))) {
          found = valueIndex;
          offset = startOf(key);
          break;
        }
        at = skipNode(events, valueIndex);
      }
      if (found < 0) return offset;
      node = found;
    } else if (event.type === EVENT_ID.SEQUENCE && typeof segment === 'number') {
      let at = node + 1;
      for (let item = 0; item < segment && at < events.length && events[at].type !== EVENT_ID.POP; item++) at = skipNode(events, at);
      if (at >= events.length || events[at].type === EVENT_ID.POP) return offset;
      node = at;
      offset = startOf(events[at]);
    } else {
      return offset;
    }
  }
  return offset;
}

/** The text and events of one file, shared by its documents. */
class Source {
  readonly lines: LineIndex;
  constructor(readonly text: string, readonly events: readonly Event[]) {
    this.lines = new LineIndex(text);
  }
}

// A class rather than an object literal with closures: V8 builds these on its fast path, which
// measurably matters at 20,000 documents (bench/run.ts).
class Document implements ManifestDocument {
  constructor(private readonly source: Source, readonly index: number, readonly value: unknown, private readonly root: number) {}

  get line(): number {
    return this.root < 0 ? 1 : this.source.lines.lineAt(startOf(this.source.events[this.root]));
  }

  lineOf(path: JsonPath): number {
    return this.root < 0 ? 1 : this.source.lines.lineAt(locate(this.source.text, this.source.events, this.root, path));
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
  const source = new Source(text, events);
  const documents: ManifestDocument[] = [];
  let index = 0;
  for (let at = 0; at < events.length; at++) {
    if (events[at].type !== EVENT_ID.DOCUMENT) continue;
    const root = at + 1;
    const hasRoot = root < events.length && events[root].type !== EVENT_ID.POP;
    documents.push(new Document(source, index, values[index], hasRoot ? root : -1));
    index++;
    if (hasRoot) at = skipNode(events, root) - 1;
  }
  return { ok: true, documents };
}
