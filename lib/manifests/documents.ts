/**
 * Parse a manifest file (YAML, multi-document, or JSON) once into documents that can say on which
 * line any JSON path sits. js-yaml 5's event parser gives source offsets; the same events build the
 * values, and a path is located only when a finding needs its line, so the common case (no finding)
 * costs one parse and nothing more. Pure: takes text, returns data.
 */
import { EVENT_ID, constructFromEvents, parseEvents, type Event } from 'js-yaml';
import type { JsonPath } from '../core/workload';
import { recordAndConstruct } from './construct';
import { EventTable } from './event-table';

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
    if (this.root < 0) return 1;
    this.source.table.assertCurrent();
    return this.source.lines.lineAt(this.source.table.start[this.root]);
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
export interface ParseOptions {
  /**
   * Share the line table's arrays with the next parse that shares them: for a caller that is done
   * with a file's documents before it parses the next (the linter). Such documents throw when asked
   * for a line after that.
   */
  readonly shareArrays?: boolean;
}

export function parseManifests(text: string, filename?: string, options: ParseOptions = {}): ParsedFile {
  let table: EventTable;
  let values: unknown[];
  try {
    const events = parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth, ...(filename ? { filename } : {}) });
    table = new EventTable(events.length, options.shareArrays === true);
    const built = recordAndConstruct(events, text, table);
    values = built.values;
    if (built.resumeAt >= 0) {
      const rest = constructFromEvents(events.slice(built.resumeAt) as Event[], { source: text, maxAliases: PARSE_LIMITS.maxAliases, ...(filename ? { filename } : {}) });
      values = values.concat(rest);
    }
  } catch (error) {
    return { ok: false, problem: problemOf(error, text) };
  }
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
