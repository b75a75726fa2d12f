/**
 * Parse a manifest file (YAML, multi-document, or JSON) once into documents that can say on which
 * line any JSON path sits. js-yaml 5's event parser gives source offsets; the same events build the
 * values, and a path is located only when a finding needs its line, so the common case (no finding)
 * costs one parse and nothing more. Pure: takes text, returns data.
 */
import { EVENT_ID, parseEvents } from 'js-yaml';
import type { JsonPath } from '../core/workload';
import { YamlProblem, recordAndConstruct, type Constructed } from './construct';
import { EventTable } from './event-table';
import { fastRead } from './fast-read';

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
  | {
      readonly ok: true;
      readonly documents: readonly ManifestDocument[];
      /**
       * Problems Kubernetes refuses the file for that still leave every document readable (a repeated
       * key: its last value is kept, as a non-strict reader sees it); the documents are still linted.
       */
      readonly problems: readonly ParseProblem[];
    }
  | { readonly ok: false; readonly problem: ParseProblem };

/**
 * Limits that keep hostile input (alias bombs, deep nesting) from costing more than a real manifest:
 * 100 levels is js-yaml's own default depth and far beyond any Kubernetes object (a CronJob's
 * container env var sits at depth 12). Aliases may add at most 100,000 nodes to a file (or as many
 * as the file has events, for a larger file): a 1 KB "billion laughs" adds 2^30, while the shared
 * corpus's 200 manifests use no alias at all and a hand-written anchor for a block of env vars adds
 * tens. go-yaml v2, which Kubernetes uses, has a rule of the same kind ("excessive aliasing": past
 * 400,000 decoded nodes at most 99% of them from aliases, then less).
 */
export const PARSE_LIMITS = { maxDepth: 100, maxAliasNodes: 100_000 } as const;

/**
 * Lazily built table of line starts, for offset-to-line lookups. A line ends at LF, CRLF or a lone
 * CR (YAML's line breaks; js-yaml reads a CR-only file as lines too).
 */
export class LineIndex {
  private starts: Int32Array | undefined;
  constructor(private readonly text: string) {}
  // A typed array (a 50 MB file has 1.7 million lines: a number[] of that size costs twice as much,
  // and its growth copies are garbage), grown by doubling in one pass over the text.
  private build(): Int32Array {
    const text = this.text;
    let starts = new Int32Array(Math.max(64, text.length >> 5));
    let count = 1;
    const add = (start: number) => {
      if (count === starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = start;
    };
    if (text.indexOf('\r') < 0) {
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) add(at + 1);
    } else {
      for (let at = 0; at < text.length; at++) {
        const code = text.charCodeAt(at);
        if (code === 10 || (code === 13 && text.charCodeAt(at + 1) !== 10)) add(at + 1);
      }
    }
    // Kept exactly (a copy) when more than a quarter would be unused: a big file's table lives long.
    return count < starts.length * 0.75 ? starts.slice(0, count) : starts.subarray(0, count);
  }
  lineAt(offset: number): number {
    const starts = (this.starts ??= this.build());
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const line = this.lineAt(offset);
    return { line, column: offset - this.starts![line - 1] + 1 };
  }
}

/**
 * The text and event table of one file, or of one stretch of it (./stream.ts), shared by its
 * documents: `text` is what the table's offsets point into, and it starts at offset `base` of the
 * file that `lines` indexes.
 */
export class Source {
  constructor(readonly text: string, readonly table: EventTable, readonly lines: LineIndex, readonly base = 0) {}

  /** The file's line of an offset into `text`; an absent node's -1 stays line 1, as in a whole file. */
  lineAt(offset: number): number {
    return this.lines.lineAt(offset < 0 ? offset : this.base + offset);
  }
}

// A class rather than an object literal with closures: V8 builds these on its fast path, which
// measurably matters at 20,000 documents (bench/run.ts).
export class Document implements ManifestDocument {
  constructor(private readonly source: Source, readonly index: number, readonly value: unknown, private readonly root: number) {}

  get line(): number {
    if (this.root < 0) return 1;
    this.source.table.assertCurrent();
    return this.source.lineAt(this.source.table.start[this.root]);
  }

  lineOf(path: JsonPath): number {
    return this.root < 0 ? 1 : this.source.lineAt(this.source.table.locate(this.source.text, this.root, path));
  }
}

export function problemOf(error: unknown, lines: LineIndex, base = 0): ParseProblem {
  if (error instanceof YamlProblem) return { message: error.message, ...lines.position(error.offset < 0 ? error.offset : base + error.offset) };
  const mark = (error as { mark?: { position: number } }).mark;
  const reason = (error as { reason?: string }).reason ?? (error instanceof Error ? error.message : String(error));
  if (!mark) return { message: reason };
  return { message: reason, ...lines.position(mark.position) };
}

/**
 * Parse every document of a YAML or JSON text, read as Kubernetes reads it (./construct.ts). A syntax
 * error, an unknown anchor or a limit exceeded fails the whole file with the line of the problem; a
 * repeated key is a problem beside the documents.
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
  const lines = new LineIndex(text);
  let table: EventTable;
  let built: Constructed;
  // ./fast-read.ts when it can (the same table and values, test/fast-read.test.ts), else js-yaml.
  const fast = fastRead(text, options.shareArrays === true);
  if (fast !== undefined) {
    ({ table, built } = fast);
  } else {
    try {
      const events = parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth, ...(filename ? { filename } : {}) });
      table = new EventTable(events.length, options.shareArrays === true);
      built = recordAndConstruct(events, text, table, PARSE_LIMITS.maxAliasNodes);
    } catch (error) {
      return { ok: false, problem: problemOf(error, lines) };
    }
  }
  const source = new Source(text, table, lines);
  const documents: ManifestDocument[] = [];
  let index = 0;
  for (let at = 0; at < table.size; at++) {
    if (table.type[at] !== EVENT_ID.DOCUMENT) continue;
    const root = at + 1;
    const hasRoot = root < table.size && table.type[root] !== EVENT_ID.POP;
    documents.push(new Document(source, index, built.values[index], hasRoot ? root : -1));
    index++;
    at = table.next[at] - 1;
  }
  if (built.problems.length > 0) table.lastKeyWins = true;
  return { ok: true, documents, problems: built.problems.map((problem) => problemOf(problem, lines)) };
}
