/**
 * Read a manifest file a stretch at a time, so that linting a 50 MB `kubectl get -o yaml` dump costs
 * what its largest document costs, not what the file costs (issue #18): js-yaml's `parseEvents`
 * returns every event of the text it is given at once (~100 bytes per event, ten events per line), so
 * it is given one stretch of the file at a time, and each stretch's values are built, visited and
 * released before the next is parsed.
 *
 * - Documents: a line that starts with `---` and a space or its end is a document start wherever it
 *   is (YAML 1.2 §9.1.2, c-forbidden; js-yaml ends a plain or block scalar there and refuses a quoted
 *   one or a flow collection that runs across it). Consecutive documents are parsed together up to
 *   STRETCH_BYTES, so a small file is still one parse, exactly as `parseManifests` reads it.
 * - One big List (as `kubectl get -o yaml` prints a cluster: `items:` at column 0 with the items as a
 *   block sequence below it): its items are parsed STRETCH_BYTES at a time, and the List itself
 *   without them.
 *
 * Whatever this reading cannot prove equal to reading the whole file (a directive or `...` line, a
 * lone CR, any parse error, an anchor used across stretches, a repeated key around a List's items,
 * aliases near the file's bound) makes it start again with `parseManifests` over the whole text, whose
 * result is the reference: the visitor is told to forget what it was given. Pure: text in, calls out.
 */
import { EVENT_ID, parseEvents, type Event } from 'js-yaml';
import type { JsonPath } from '../core/workload';
import { isKubernetesObject } from '../core/workload';
import { recordAndConstruct, type AliasCarry, type Constructed } from './construct';
import { Document, LineIndex, PARSE_LIMITS, Source, parseManifests, problemOf, type ManifestDocument, type ParseProblem } from './documents';
import { EventTable } from './event-table';
import { fastRead, fastReadable, nextSuspect } from './fast-read';

const { SEQUENCE, DOCUMENT, POP } = EVENT_ID;

/**
 * Text parsed at once. js-yaml's events for 64 KiB of manifests are a few MB and die in the young
 * generation; 256 KiB stretches made a 50 MB dump peak at 276 MiB instead of 224 (bench/run.ts). A
 * file below it is read in one parse, exactly as before.
 */
export const STRETCH_BYTES = 64 * 1024;

/** What a streamed file reports to its reader. */
export interface ManifestVisitor {
  /** A whole document, in order. For a List read item by item its value holds `items: []`. */
  document(document: ManifestDocument): void;
  /**
   * Items `first`, `first + 1`, ... of the List `document` (given to `document` just before): their
   * paths are `['items', first + i, ...]`, and `document.lineOf` places those paths.
   */
  items(document: ManifestDocument, items: readonly unknown[], first: number): void;
  /** Forget every document and item given so far: the file is read again whole. */
  restart(): void;
}

export type StreamResult = { readonly ok: true; readonly problems: readonly ParseProblem[] } | { readonly ok: false; readonly problem: ParseProblem };

export interface StreamOptions {
  /** Text parsed at once (tests set 1: every document and every List item a stretch of its own). @default STRETCH_BYTES */
  readonly stretchBytes?: number;
}

/** Raised to abandon the stretch-wise reading; never escapes this module. */
class Restart extends Error {}

/**
 * A line that starts a document (`---` and a space, tab, line break or the end), a directive or a
 * document end; one pass of the regular expression engine over the text finds them all.
 */
const MARKER_LINE = /\n(?:---(?=[ \t\r\n]|$)|%|\.\.\.)/g;

/** Offsets of the lines that start a document (`---`), after offset 0; undefined when the text must be read whole. */
function documentStarts(text: string): number[] | undefined {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('%', start) || text.startsWith('...', start)) return undefined;
  // A lone CR also ends a line for YAML; such rare files are read whole rather than scanned twice.
  if (text.indexOf('\r') >= 0 && /\r(?!\n)/.test(text)) return undefined;
  const starts: number[] = [];
  MARKER_LINE.lastIndex = 0;
  for (let match = MARKER_LINE.exec(text); match !== null; match = MARKER_LINE.exec(text)) {
    if (text.charCodeAt(match.index + 1) !== 45) return undefined; // `%` or `...`
    starts.push(match.index + 1);
  }
  return starts;
}

/** A List's document read item by item: lines of paths under `items` come from the stretch of each item. */
class ItemsDocument implements ManifestDocument {
  constructor(
    private readonly source: Source,
    readonly index: number,
    readonly value: unknown,
    private readonly first: number,
    private readonly nodes: readonly number[],
    private readonly list: ManifestDocument,
  ) {}

  get line(): number {
    return this.list.line;
  }

  lineOf(path: JsonPath): number {
    const item = typeof path[1] === 'number' ? path[1] - this.first : -1;
    if (path[0] !== 'items' || item < 0 || item >= this.nodes.length) return this.list.lineOf(path);
    return this.source.lineAt(this.source.table.locate(this.source.text, this.nodes[item], path.slice(2)));
  }
}

/** The List itself without its items (head and tail of its text joined), placing offsets back in the file. */
class ListDocument implements ManifestDocument {
  constructor(
    private readonly source: Source,
    readonly index: number,
    readonly value: unknown,
    private readonly root: number,
    private readonly headLength: number,
    private readonly tailStart: number,
  ) {}

  private place(offset: number): number {
    if (offset < 0) return this.source.lines.lineAt(offset);
    return this.source.lines.lineAt(offset < this.headLength ? this.source.base + offset : this.tailStart + offset - this.headLength);
  }

  get line(): number {
    this.source.table.assertCurrent();
    return this.place(this.source.table.start[this.root]);
  }

  lineOf(path: JsonPath): number {
    return this.place(this.source.table.locate(this.source.text, this.root, path));
  }
}

const ITEMS_KEY = /^items:[ \t]*(?:#[^\r\n]*)?\r?$/;

/**
 * Where a List's block sequence of items lies in `text` (one document, from `from` to `to`): the
 * offsets of each item's first line and of the first line after the items, or undefined when the
 * document does not have that shape (then it is parsed whole).
 */
function blockItems(text: string, from: number, to: number): ListShape | undefined {
  // `items:` at column 0 is a key of the root mapping: block scalars and flow lines inside the
  // document are indented more (and where they are not, a stretch fails to parse and all is read whole).
  const nextKey = (after: number) => {
    const found = text.indexOf('\nitems:', after);
    return found < 0 ? -1 : found + 1;
  };
  let key = -1;
  for (let at = text.startsWith('items:', from) ? from : nextKey(from); at >= 0 && at < to; at = nextKey(at)) {
    const eol = text.indexOf('\n', at);
    const end = eol < 0 || eol >= to ? to : eol;
    if (ITEMS_KEY.test(text.slice(at, end))) {
      key = end + 1;
      break;
    }
  }
  if (key < 0 || key >= to) return undefined;
  const items: number[] = [];
  let indent = -1;
  for (let at = key; at < to; ) {
    let eol = text.indexOf('\n', at);
    if (eol < 0 || eol >= to) eol = to;
    let first = at;
    while (first < eol && text.charCodeAt(first) === 32) first++;
    const spaces = first - at;
    const code = first < eol ? text.charCodeAt(first) : 10;
    // Blank lines and comments say nothing about where an item ends.
    if (code !== 10 && code !== 13 && code !== 35 && (indent < 0 || spaces <= indent)) {
      const after = first + 1 < eol ? text.charCodeAt(first + 1) : 10;
      const dash = code === 45 && (after === 32 || after === 10 || after === 13);
      if (code === 9) return undefined; // a tab where indentation decides: read whole
      if (indent < 0) {
        if (!dash) return undefined;
        indent = spaces;
      }
      if (spaces < indent || !dash) return blockShape(items, at);
      items.push(at);
    }
    at = eol + 1;
  }
  return blockShape(items, to);
}

function blockShape(items: number[], end: number): ListShape {
  return { flow: false, starts: items, ends: [...items.slice(1), end], headEnd: items[0], tailStart: end };
}

/**
 * Where the items of a List written as JSON (`kubectl get -o json`) or a flow mapping lie in `text`:
 * the root `{`, a key `"items"` (quoted, as JSON writes it) whose value is a `[` of flow mappings.
 * Anything else YAML allows in flow (comments, anchors, aliases, tags, plain keys) leaves the
 * document whole: such a document is not what kubectl prints, and reading it whole is always right.
 */
function flowItems(text: string, from: number, to: number): ListShape | undefined {
  let at = from;
  if (text.startsWith('---', at)) at += 3;
  while (at < to && isSpace(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== 123 /* { */) return undefined;
  let depth = 0;
  /** The `[` of the items and its `]`, once met. */
  let open = -1;
  let close = -1;
  /** At depth 1: the string just read is `"items"`, then: its `:` was read. */
  let itemsKey = false;
  let itemsColon = false;
  /** Inside the items' `[`: whether an item (else a comma) comes next. */
  let itemNext = true;
  const starts: number[] = [];
  const ends: number[] = [];
  const inItems = () => open >= 0 && close < 0 && depth === 2;
  for (; at < to; at++) {
    const code = text.charCodeAt(at);
    if (isSpace(code)) continue;
    if (inItems()) {
      // Directly inside the items: flow mappings separated by commas, and the closing `]`.
      if (code === 123 && itemNext) {
        starts.push(at);
        depth++;
        itemNext = false;
      } else if (code === 44 && !itemNext) itemNext = true;
      else if (code === 93 && !itemNext) {
        close = at;
        depth--;
      } else return undefined;
      continue;
    }
    if (code === 34 /* " */) {
      const start = at;
      for (at++; at < to; at++) {
        const inner = text.charCodeAt(at);
        if (inner === 92) at++;
        else if (inner === 34) break;
      }
      if (at >= to) return undefined;
      itemsKey = depth === 1 && at - start === 6 && text.startsWith('"items"', start);
      itemsColon = false;
      continue;
    }
    const wasItemsColon = itemsColon;
    itemsColon = false;
    const wasItemsKey = itemsKey;
    itemsKey = false;
    switch (code) {
      case 58: /* : */
        itemsColon = wasItemsKey;
        break;
      case 91: /* [ */
      case 123: /* { */
        if (depth === 1 && wasItemsColon && code === 91) {
          if (open >= 0) return undefined; // items twice: read whole, where the reader reports it
          open = at;
          itemNext = true;
        }
        depth++;
        break;
      case 93: /* ] */
      case 125: /* } */
        depth--;
        if (depth < 0) return undefined;
        if (depth === 2 && open >= 0 && close < 0) ends.push(at + 1);
        break;
      case 35: /* # */
      case 38: /* & */
      case 42: /* * */
      case 33: /* ! */
      case 39: /* ' */
      case 63: /* ? */
        return undefined;
      default:
        break;
    }
  }
  if (close < 0 || starts.length === 0 || ends.length !== starts.length) return undefined;
  return { flow: true, starts, ends, headEnd: open + 1, tailStart: close };
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/** A List's items in its text, for reading them a stretch at a time. */
interface ListShape {
  /** Written as JSON (`[{...}, {...}]`) rather than as a block sequence. */
  readonly flow: boolean;
  /** Where each item starts (a block item: its line; a flow item: its `{`), and where it ends. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** The List's text without its items: up to `headEnd`, then from `tailStart`. */
  readonly headEnd: number;
  readonly tailStart: number;
}

/** A reading of one file a stretch at a time (see the file's comment). */
class Stream {
  private readonly lines: LineIndex;
  private readonly problems: ParseProblem[] = [];
  private readonly carry: AliasCarry = { expanded: 0 };
  /** Events read so far, at most what the whole file has: the alias bound is the larger of it and the limit. */
  private events = 0;
  private index = 0;
  /** Whether ./fast-read.ts may read this file's stretches in place (fastReadable). */
  private readonly fast: boolean;
  /** Where the next construct the fast reader would give up on may be (-1: not looked for yet). */
  private suspect = -1;

  constructor(private readonly text: string, private readonly filename: string | undefined, private readonly visitor: ManifestVisitor, private readonly stretch: number) {
    this.lines = new LineIndex(text);
    this.fast = fastReadable(text);
  }

  /**
   * The stretch from `from` to `to` of the file read in place by ./fast-read.ts (its offsets are the
   * file's), or undefined when it gives up. `eventsOverWhole` as for `parse`.
   */
  private readInPlace(from: number, to: number, eventsOverWhole: number): { source: Source; built: Constructed } | undefined {
    if (!this.fast) return undefined;
    // The next suspect construct (fast-read's nextSuspect) is looked for once and kept: stretches come
    // in the file's order, so the whole file is scanned once.
    if (this.suspect < from) this.suspect = nextSuspect(this.text, from);
    const fast = this.suspect >= to ? fastRead(this.text, true, from, to, true) : undefined;
    if (fast === undefined) return undefined;
    this.events += Math.max(0, fast.table.size - eventsOverWhole);
    return { source: new Source(this.text, fast.table, this.lines, 0), built: fast.built };
  }

  /**
   * The stretch from `from` to `to`: read in place when the fast reader can, else cut out (for a
   * List's JSON items, as `[` + them + `]`) and read by js-yaml, its repeated keys reported.
   */
  private readStretch(from: number, to: number, eventsOverWhole: number, maxDepth: number, flow: boolean): { source: Source; built: Constructed } {
    // A JSON stretch is never the fast reader's: it reads no flow collection across lines.
    const inPlace = flow ? undefined : this.readInPlace(from, to, eventsOverWhole);
    if (inPlace !== undefined) return inPlace;
    const text = flow ? `[${this.text.slice(from, to)}]` : this.text.slice(from, to);
    const base = flow ? from - 1 : from;
    const { table, built } = this.parse(text, eventsOverWhole, true, maxDepth, false);
    this.addProblems(built, base, table);
    return { source: new Source(text, table, this.lines, base), built };
  }

  /**
   * Read `text` with ./fast-read.ts when it can (`tryFast`: not already tried on it in place), else
   * with js-yaml and ./construct.ts.
   */
  private parse(text: string, eventsOverWhole: number, share: boolean, maxDepth: number, tryFast: boolean): { table: EventTable; built: Constructed } {
    const fast = tryFast ? fastRead(text, share) : undefined;
    if (fast !== undefined) {
      this.events += Math.max(0, fast.table.size - eventsOverWhole);
      return fast;
    }
    let events: (Event | undefined)[];
    let built: Constructed;
    let table: EventTable;
    try {
      events = parseEvents(text, { maxDepth, ...(this.filename ? { filename: this.filename } : {}) });
      this.events += Math.max(0, events.length - eventsOverWhole);
      table = new EventTable(events.length, share);
      built = recordAndConstruct(events, text, table, Math.max(PARSE_LIMITS.maxAliasNodes, this.events), this.carry);
    } catch {
      throw new Restart();
    }
    return { table, built };
  }

  private addProblems(built: Constructed, base: number, table: EventTable): void {
    if (built.problems.length === 0) return;
    table.lastKeyWins = true;
    for (const problem of built.problems) this.problems.push(problemOf(problem, this.lines, base));
  }

  /** Documents from `from` to `to`, parsed together. */
  private documents(from: number, to: number): void {
    if (from >= to) return;
    const { source, built } = this.readStretch(from, to, 0, PARSE_LIMITS.maxDepth, false);
    const { table } = source;
    let value = 0;
    for (let at = 0; at < table.size; at++) {
      if (table.type[at] !== DOCUMENT) continue;
      const root = at + 1;
      const hasRoot = root < table.size && table.type[root] !== POP;
      this.visitor.document(new Document(source, this.index++, built.values[value++], hasRoot ? root : -1));
      at = table.next[at] - 1;
    }
  }

  /** One big document: item by item when it is a List of the shape `kubectl get -o yaml` prints, else whole. */
  private bigDocument(from: number, to: number): void {
    const shape = blockItems(this.text, from, to) ?? flowItems(this.text, from, to);
    if (shape === undefined) return this.documents(from, to);
    const { starts, ends, headEnd, tailStart, flow } = shape;
    const headLength = headEnd - from;
    const skeletonText = this.text.slice(from, headEnd) + this.text.slice(tailStart, to);
    const counted = { events: this.events, expanded: this.carry.expanded };
    // Arrays of its own: the List's lines stay valid while its items are parsed.
    const skeleton = this.parse(skeletonText, 0, false, PARSE_LIMITS.maxDepth, true);
    const list = skeleton.built.values[0] as { items?: unknown; kind?: string } | null;
    // The List without its items must read as one mapping whose items were left out (`items:` or `"items": []`).
    const empty = flow ? Array.isArray(list?.items) && (list!.items as unknown[]).length === 0 : list?.items === null;
    if (skeleton.built.values.length !== 1 || skeleton.built.problems.length > 0 || !empty) throw new Restart();
    if (!isKubernetesObject(list) || !list!.kind!.endsWith('List')) {
      // Not a List (a ConfigMap with `items:`): one document, read whole as any other.
      this.events = counted.events;
      this.carry.expanded = counted.expanded;
      return this.documents(from, to);
    }
    const skeletonSource = new Source(skeletonText, skeleton.table, this.lines, from);
    (list as { items: unknown[] }).items = [];
    const index = this.index++;
    const listDocument = new ListDocument(skeletonSource, index, list, 1, headLength, tailStart);
    this.visitor.document(listDocument);
    let first = 0;
    while (first < starts.length) {
      const stretchStart = starts[first];
      let last = first + 1;
      while (last < starts.length && starts[last] - stretchStart < this.stretch) last++;
      // A block stretch is its items' lines; a flow one is `[` + its items and commas + `]`, whose
      // `[` stands one character before the first item.
      // A stretch is DOCUMENT, SEQUENCE, its items, POP, POP: four events the whole file does not
      // have; and one level less deep than the items are in the List.
      const { source, built } = this.readStretch(stretchStart, ends[last - 1], 4, PARSE_LIMITS.maxDepth - 1, flow);
      const { table } = source;
      const sequence = built.values[0];
      if (built.values.length !== 1 || table.type[1] !== SEQUENCE || !Array.isArray(sequence) || sequence.length !== last - first) throw new Restart();
      const nodes: number[] = [];
      for (let at = 2; at < table.size && table.type[at] !== POP; at = table.next[at]) nodes.push(at);
      this.visitor.items(new ItemsDocument(source, index, list, first, nodes, listDocument), sequence, first);
      first = last;
    }
  }

  run(): boolean {
    // A text below one stretch is one parse, as parseManifests reads it: nothing to look for.
    if (this.text.length < this.stretch) {
      this.documents(0, this.text.length);
      return true;
    }
    const starts = documentStarts(this.text);
    if (starts === undefined) return false;
    const bounds = [0, ...starts, this.text.length];
    let batch = 0;
    for (let next = 1; next < bounds.length; next++) {
      const from = bounds[next - 1];
      const to = bounds[next];
      if (to - from >= this.stretch) {
        this.documents(batch, from);
        this.bigDocument(from, to);
        batch = to;
      } else if (to - batch >= this.stretch) {
        this.documents(batch, to);
        batch = to;
      }
    }
    this.documents(batch, this.text.length);
    return true;
  }

  result(): StreamResult {
    return { ok: true, problems: this.problems };
  }
}

/**
 * Read every document of a YAML or JSON text, as `parseManifests` reads it, handing each document
 * (or each stretch of a big List's items) to `visitor` and releasing it before the next is parsed.
 * The documents' lines are valid only during the call that hands them over.
 */
export function streamManifests(text: string, filename: string | undefined, visitor: ManifestVisitor, options: StreamOptions = {}): StreamResult {
  const stream = new Stream(text, filename, visitor, Math.max(1, options.stretchBytes ?? STRETCH_BYTES));
  try {
    if (stream.run()) return stream.result();
  } catch (error) {
    if (!(error instanceof Restart)) throw error;
  }
  visitor.restart();
  const parsed = parseManifests(text, filename, { shareArrays: true });
  if (!parsed.ok) return parsed;
  for (const document of parsed.documents) visitor.document(document);
  return { ok: true, problems: parsed.problems };
}
