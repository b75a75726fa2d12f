/**
 * A reader for the YAML that manifests are written in, several times faster than js-yaml's
 * `parseEvents` followed by ./construct.ts, for what it accepts: it fills the same event table and
 * builds the same values, straight from the text, without an event object per node (issue #18:
 * js-yaml's parser was 36–48% of lint's CPU, and its 130 event objects per Deployment most of the
 * garbage).
 *
 * It accepts block mappings and sequences, single-line plain and quoted scalars without escapes,
 * single-line flow collections (`{path: /livez, port: 8080}`, `["--flag", "x"]`, `{}`), comments and
 * `---` separators. On anything else it gives up (returns undefined) and the caller reads the text
 * with js-yaml and ./construct.ts exactly as before: anchors, aliases, tags, merge keys, block
 * scalars, escapes, multi-line scalars and flow, `?` keys, repeated keys, tabs, CRs, a BOM,
 * directives, `...`, non-printable characters in scalars, deep nesting, and every syntax error (so each error
 * message is still js-yaml's). It never guesses: test/fast-read.test.ts checks on the shared corpus,
 * the fixtures, the bench fleets and mutated texts that whatever it accepts gives the event table and
 * the values of the reference reading, byte for byte.
 *
 * The rules below are js-yaml 5's (node_modules/js-yaml/dist/js-yaml.cjs.js: readBlockMapping,
 * readBlockSequence, readPlainScalar, readFlowCollection), restricted to the accepted subset:
 * - a plain scalar ends at `: `, ` #` or the end of its line, and its trailing spaces are not part
 *   of it; one followed by a line indented past its parent's indentation continues on that line (a
 *   multi-line scalar, or an indented comment that js-yaml still reads as a continuation): given up;
 * - after a complete entry, a line indented more than the mapping or sequence is an error: given up;
 * - a mapping key's value on the next lines is whatever is indented more, or a sequence at the
 *   key's own indentation (`key:` then `- item`), else an empty (null) scalar;
 * - a sequence item's value on the same line may be a compact mapping (`- name: x`), whose keys then
 *   sit at the column of its first key.
 */
import { CHOMPING_MODE, EVENT_ID, SCALAR_STYLE, type ScalarEvent } from 'js-yaml';
import { setKey, type Constructed } from './construct';
import { EventTable } from './event-table';
import { resolvePlain } from './scalars';

const { MAPPING, SEQUENCE, SCALAR, DOCUMENT, POP } = EVENT_ID;

/** Thrown (one shared object, no stack) to give up; never escapes `fastRead`. */
const GIVE_UP = { giveUp: true };

/**
 * Nesting past this gives up, and js-yaml then applies its own limit (PARSE_LIMITS.maxDepth: 100):
 * a CronJob's container env var is at depth 12.
 */
const MAX_DEPTH = 60;

/**
 * Whether the character at `at` (a code of 127 or more) is one js-yaml reads in a scalar: not what
 * its PATTERN_NON_PRINTABLE refuses (C1 controls but NEL, U+FFFE, U+FFFF, a lone surrogate), and not
 * a byte order mark (which it reads differently at a document's start; left to it anywhere).
 */
function printableAt(text: string, code: number, at: number): boolean {
  if (code <= 0x9f) return code === 0x85;
  if (code < 0xd800) return true;
  if (code <= 0xdbff) {
    const low = text.charCodeAt(at + 1);
    return low >= 0xdc00 && low <= 0xdfff;
  }
  if (code <= 0xdfff) {
    const high = text.charCodeAt(at - 1);
    return high >= 0xd800 && high <= 0xdbff;
  }
  return code !== 0xfeff && code !== 0xfffe && code !== 0xffff;
}

/** Characters a plain scalar cannot start with (js-yaml's canStartPlainScalar), as a table. */
const NO_PLAIN_START = new Uint8Array(128);
for (const c of ' \n#&*!|>\'"%@`,[]{}') NO_PLAIN_START[c.charCodeAt(0)] = 1;

/** Characters a plain scalar's scan must look at: controls, space, `:`, `#` and the flow indicators. */
const PLAIN_SPECIAL = new Uint8Array(127);
for (let code = 0; code < 32; code++) PLAIN_SPECIAL[code] = 1;
for (const c of ' :#,[]{}') PLAIN_SPECIAL[c.charCodeAt(0)] = 1;

const enum Stop { Eol, Comment, Colon, Flow }

/** The event js-yaml records for an empty (null) scalar: the event table keeps such scalars as they are. */
const EMPTY_SCALAR: ScalarEvent = Object.freeze({
  type: SCALAR,
  valueStart: -1,
  valueEnd: -1,
  anchorStart: -1,
  anchorEnd: -1,
  tagStart: -1,
  tagEnd: -1,
  style: SCALAR_STYLE.PLAIN,
  chomping: CHOMPING_MODE.CLIP,
  indent: -1,
  fast: false,
}) as ScalarEvent;

/** Columns of the event table being filled, reused from one text to the next and grown by doubling. */
class Columns {
  type = new Uint8Array(4096);
  start = new Int32Array(4096);
  next = new Int32Array(4096);
  valueStart = new Int32Array(4096);
  valueEnd = new Int32Array(4096);

  grow(): void {
    const size = this.type.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(from: T, to: T): T => (to.set(from), to);
    this.type = grown(this.type, new Uint8Array(size));
    this.start = grown(this.start, new Int32Array(size));
    this.next = grown(this.next, new Int32Array(size));
    this.valueStart = grown(this.valueStart, new Int32Array(size));
    this.valueEnd = grown(this.valueEnd, new Int32Array(size));
  }
}

let columns = new Columns();

/**
 * Columns grown past this many events (a single document of tens of MB: one stretch) are let go
 * after that text, rather than held for the rest of a long-lived process such as the webhook.
 */
const COLUMNS_KEPT = 1 << 20;

/**
 * Plain keys that name themselves (`name`, not `yes` or `1`), by a hash of their length and three of
 * their characters: a fleet's keys are the same few dozen, so most are found here without a copy
 * of the text or a lookup of the copy among the engine's property names.
 */
const KEY_SLOTS_MASK = 1023;
const keySlots: (string | undefined)[] = new Array(KEY_SLOTS_MASK + 1).fill(undefined);

function isFlowIndicator(code: number): boolean {
  return code === 44 || code === 91 || code === 93 || code === 123 || code === 125;
}

class Reader {
  private readonly length: number;
  private count = 0;
  private readonly empty: number[] = [];
  /** What the last scalar or collection read was. */
  private value: unknown;
  /** Set by `contentLine`: the indentation of the line found, and whether it is a `---` line. */
  private indent = 0;
  private marker = false;
  /** Set by `plain`: where and why the scalar stopped. */
  private stop = 0;
  private stopKind = Stop.Eol;

  /** Reads `text` from `first` (a line's start) to `length` (a line's start, or the text's end). */
  constructor(private readonly text: string, private readonly first: number, end: number) {
    this.length = end;
  }

  read(): unknown[] {
    const values: unknown[] = [];
    let line = this.contentLine(this.first);
    let first = true;
    while (line >= 0) {
      if (this.marker) {
        // `---`, then nothing but a comment on its line (content there is left to js-yaml).
        let at = line + 3;
        while (this.text.charCodeAt(at) === 32) at++;
        const code = this.text.charCodeAt(at);
        if (at < this.length && code !== 10 && !(code === 35 && at > line + 3)) throw GIVE_UP;
        line = this.contentLine(this.lineAfter(at));
        if (line < 0 || this.marker) {
          const document = this.open(DOCUMENT, -1);
          this.emptyScalar();
          this.close(document);
          values.push(null);
          continue;
        }
      } else if (!first) {
        throw GIVE_UP;
      }
      first = false;
      const document = this.open(DOCUMENT, -1);
      line = this.node(line, this.indent, 1);
      // After the root node only another document may come.
      if (line >= 0 && !this.marker) throw GIVE_UP;
      this.close(document);
      values.push(this.value);
    }
    return values;
  }

  /** The table of what was read, in arrays of its own or in the shared ones. */
  table(share: boolean): EventTable {
    const table = new EventTable(this.count, share, columns);
    for (const at of this.empty) table.slow.set(at, EMPTY_SCALAR);
    return table;
  }

  // --- the table

  private slot(): number {
    if (this.count === columns.type.length) columns.grow();
    return this.count++;
  }

  private open(type: number, start: number): number {
    const at = this.slot();
    columns.type[at] = type;
    columns.start[at] = start;
    columns.valueEnd[at] = -1;
    return at;
  }

  private close(opened: number): void {
    const at = this.slot();
    columns.type[at] = POP;
    columns.start[at] = -1;
    columns.next[at] = at + 1;
    columns.valueEnd[at] = -1;
    columns.next[opened] = at + 1;
  }

  private scalar(start: number, end: number): void {
    const at = this.slot();
    columns.type[at] = SCALAR;
    columns.start[at] = start;
    columns.next[at] = at + 1;
    columns.valueStart[at] = start;
    columns.valueEnd[at] = end;
  }

  private emptyScalar(): void {
    const at = this.slot();
    columns.type[at] = SCALAR;
    columns.start[at] = -1;
    columns.next[at] = at + 1;
    columns.valueStart[at] = -1;
    columns.valueEnd[at] = -1;
    this.empty.push(at);
    this.value = null;
  }

  // --- lines

  /** The start of the line after the one `at` is on (the text's length at its end). */
  private lineAfter(at: number): number {
    const end = this.text.indexOf('\n', at);
    return end < 0 || end >= this.length ? this.length : end + 1;
  }

  /**
   * From the start of a line, the start of the next line with content (not blank, not only a
   * comment), or -1 at the end of the text; sets `indent` and `marker` for it.
   */
  private contentLine(line: number): number {
    const text = this.text;
    while (line < this.length) {
      let at = line;
      while (text.charCodeAt(at) === 32) at++;
      if (at >= this.length) return -1;
      const code = text.charCodeAt(at);
      if (code === 10) {
        line = at + 1;
        continue;
      }
      if (code === 35) {
        line = this.lineAfter(at);
        continue;
      }
      this.indent = at - line;
      this.marker = false;
      // js-yaml counts the first line of a text as unindented (it counts spaces only after a line
      // break), so there ` ---` is a separator and ` %` a directive: left to it.
      if (line === this.first && at > line && (code === 37 || (code === 45 && text.charCodeAt(at + 1) === 45))) throw GIVE_UP;
      if (at === line) {
        if (code === 37 || (code === 46 && text.startsWith('...', at))) throw GIVE_UP; // a directive or a document end
        if (code === 45 && text.charCodeAt(at + 1) === 45 && text.charCodeAt(at + 2) === 45) {
          const after = text.charCodeAt(at + 3);
          if (at + 3 >= this.length || after === 32 || after === 10) this.marker = true;
        }
      }
      return line;
    }
    return -1;
  }

  /** Whether a line holding a plain scalar ending at `end` (a line feed) is followed by a line js-yaml would continue it on. */
  private continues(end: number, indent: number): boolean {
    const text = this.text;
    let line = end + 1;
    for (;;) {
      let at = line;
      while (at < this.length && text.charCodeAt(at) === 32) at++;
      if (at < this.length && text.charCodeAt(at) === 10) {
        line = at + 1;
        continue;
      }
      // js-yaml skips blank lines only (not comments) and compares the next line's indentation.
      return at - line > indent;
    }
  }

  /** After a quoted scalar or a flow collection ending at `at`: only spaces and a comment may follow on its line. */
  private endOfLine(at: number): number {
    const text = this.text;
    const from = at;
    while (text.charCodeAt(at) === 32) at++;
    if (at >= this.length) return this.length;
    const code = text.charCodeAt(at);
    if (code === 10) return at + 1;
    if (code === 35 && at > from) return this.lineAfter(at);
    throw GIVE_UP;
  }

  private isDash(at: number): boolean {
    if (this.text.charCodeAt(at) !== 45) return false;
    const after = this.text.charCodeAt(at + 1);
    return at + 1 >= this.length || after === 32 || after === 10;
  }

  // --- scalars

  private canStartPlain(at: number, inFlow: boolean): boolean {
    const code = this.text.charCodeAt(at);
    if (at >= this.length || (code < 128 && NO_PLAIN_START[code] === 1)) return false;
    if (code === 45 || code === 63) {
      const after = this.text.charCodeAt(at + 1);
      if (at + 1 >= this.length || after === 32 || after === 10 || (inFlow && isFlowIndicator(after))) return false;
    }
    return true;
  }

  /** Scan a plain scalar from `from`: returns its end (trailing spaces excluded); sets `stop` and `stopKind`. */
  private plain(from: number, inFlow: boolean): number {
    const text = this.text;
    const length = this.length;
    let at = from;
    let end = from;
    for (; at < length; at++) {
      const code = text.charCodeAt(at);
      // Most characters are none of those below: one table lookup lets them through.
      if (code < 127 && PLAIN_SPECIAL[code] === 0) {
        end = at + 1;
        continue;
      }
      if (code < 32) {
        if (code === 10) break;
        throw GIVE_UP; // a tab, a CR or another control character
      }
      if (code >= 127 && !printableAt(text, code, at)) throw GIVE_UP;
      if (code === 58) {
        const after = text.charCodeAt(at + 1);
        if (at + 1 >= length || after === 32 || after === 10 || (inFlow && isFlowIndicator(after))) {
          this.stop = at;
          this.stopKind = Stop.Colon;
          return end;
        }
      } else if (code === 35) {
        if (text.charCodeAt(at - 1) === 32) {
          this.stop = at;
          this.stopKind = Stop.Comment;
          return end;
        }
      } else if (inFlow && isFlowIndicator(code)) {
        this.stop = at;
        this.stopKind = Stop.Flow;
        return end;
      }
      if (code !== 32) end = at + 1;
    }
    this.stop = at;
    this.stopKind = Stop.Eol;
    return end;
  }

  /** The closing quote of a one-line quoted scalar without escapes that opens at `open`. */
  private quoted(open: number): number {
    const text = this.text;
    const quote = text.charCodeAt(open);
    for (let at = open + 1; at < this.length; at++) {
      const code = text.charCodeAt(at);
      if (code === quote) {
        if (quote === 39 && at + 1 < this.length && text.charCodeAt(at + 1) === 39) throw GIVE_UP; // '' inside single quotes
        return at;
      }
      if (code < 32 || (code === 92 && quote === 34)) throw GIVE_UP; // a line break, a tab, another control character, an escape
      if (code >= 127 && !printableAt(text, code, at)) throw GIVE_UP;
    }
    throw GIVE_UP;
  }

  /** A one-line quoted scalar without escapes opening at `at`, recorded with its value; returns the offset after it. */
  private quotedScalar(at: number): number {
    const close = this.quoted(at);
    this.scalar(at + 1, close);
    this.value = this.text.slice(at + 1, close);
    return close + 1;
  }

  /** A mapping key's name, as ./construct.ts names it, for the plain or quoted scalar just read. */
  private keyName(start: number, end: number, plain: boolean): string {
    const text = this.text;
    const length = end - start;
    let slot = -1;
    if (plain && length > 0) {
      slot = (length * 31 + text.charCodeAt(start) * 7 + text.charCodeAt(end - 1) * 131 + text.charCodeAt(start + (length >> 1))) & KEY_SLOTS_MASK;
      const known = keySlots[slot];
      if (known !== undefined && known.length === length) {
        // Compared here rather than with startsWith, a call out of the optimized code per key.
        let same = 0;
        while (same < length && known.charCodeAt(same) === text.charCodeAt(start + same)) same++;
        if (same === length) return known;
      }
    }
    const source = text.slice(start, end);
    if (!plain) return source;
    if (source === '<<') throw GIVE_UP; // a merge key
    const value = resolvePlain(source);
    if (value === null) throw GIVE_UP; // a null key, which construct.ts refuses
    if (value === source) keySlots[slot] = source;
    return typeof value === 'string' ? value : String(value);
  }

  /**
   * A mapping key at `at` on its line, when there is one: its name, with `stop` at its `:`; else
   * undefined (and nothing recorded).
   */
  private key(at: number): string | undefined {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 34 || code === 39) {
      const close = this.quoted(at);
      let colon = close + 1;
      while (text.charCodeAt(colon) === 32) colon++;
      if (text.charCodeAt(colon) !== 58) return undefined;
      const after = text.charCodeAt(colon + 1);
      if (!(colon + 1 >= this.length || after === 32 || after === 10)) throw GIVE_UP;
      const name = this.keyName(at + 1, close, false);
      this.scalar(at + 1, close);
      this.stop = colon;
      return name;
    }
    if (!this.canStartPlain(at, false)) return undefined;
    const end = this.plain(at, false);
    if (this.stopKind !== Stop.Colon) return undefined;
    const name = this.keyName(at, end, true);
    this.scalar(at, end);
    return name;
  }

  /**
   * A value on the rest of a line, from `at` (not a space): a quoted or plain scalar, or a flow
   * collection. `indent` is the parent's indentation (a line past it continues a plain scalar).
   * Returns the start of the next line.
   */
  private inline(at: number, indent: number, depth: number): number {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 34 || code === 39) return this.endOfLine(this.quotedScalar(at));
    if (code === 91 || code === 123) return this.endOfLine(this.flow(at, depth));
    if (!this.canStartPlain(at, false)) throw GIVE_UP;
    const end = this.plain(at, false);
    if (this.stopKind === Stop.Colon || end === at) throw GIVE_UP; // `a: b: c`
    this.scalar(at, end);
    this.value = resolvePlain(text.slice(at, end));
    if (this.stopKind === Stop.Comment) return this.lineAfter(this.stop);
    if (this.stop >= this.length) return this.length;
    if (this.continues(this.stop, indent)) throw GIVE_UP;
    return this.stop + 1;
  }

  // --- collections

  /** A node that starts a line (`line`, content at column `indent`): a block sequence or mapping. Returns the next content line. */
  private node(line: number, indent: number, depth: number): number {
    const at = line + indent;
    if (this.isDash(at)) return this.sequence(at, indent, depth);
    return this.mapping(at, indent, depth);
  }

  /** A block mapping whose first key is at `at`, keys at column `indent`. Returns the next content line (or -1). */
  private mapping(at: number, indent: number, depth: number): number {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const text = this.text;
    const opened = this.open(MAPPING, at);
    const object: Record<string, unknown> = {};
    let line: number;
    for (;;) {
      const name = this.key(at);
      if (name === undefined) throw GIVE_UP;
      if (Object.prototype.hasOwnProperty.call(object, name)) throw GIVE_UP; // a repeated key: construct.ts reports it
      let value = this.stop + 1;
      while (text.charCodeAt(value) === 32) value++;
      const code = text.charCodeAt(value);
      if (value >= this.length || code === 10 || code === 35) {
        // Nothing after the colon but a comment: the value is on the next lines, or empty.
        line = this.contentLine(code === 35 ? this.lineAfter(value) : value + 1);
        if (line >= 0 && (this.indent > indent || (this.indent === indent && !this.marker && this.isDash(line + indent)))) {
          line = this.node(line, this.indent, depth + 1);
        } else {
          this.emptyScalar();
        }
      } else {
        line = this.contentLine(this.inline(value, indent, depth + 1));
      }
      setKey(object, name, this.value);
      if (line < 0 || this.indent < indent || this.marker) break;
      if (this.indent > indent) throw GIVE_UP; // bad indentation of a mapping entry
      at = line + indent;
    }
    this.close(opened);
    this.value = object;
    return line;
  }

  /** A block sequence whose first `-` is at `at`, in column `indent`. Returns the next content line (or -1). */
  private sequence(at: number, indent: number, depth: number): number {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const text = this.text;
    const opened = this.open(SEQUENCE, at);
    const array: unknown[] = [];
    let line: number;
    for (;;) {
      let item = at + 1;
      while (text.charCodeAt(item) === 32) item++;
      const code = text.charCodeAt(item);
      if (item >= this.length || code === 10 || code === 35) {
        line = this.contentLine(code === 35 ? this.lineAfter(item) : item + 1);
        if (line >= 0 && this.indent > indent) line = this.node(line, this.indent, depth + 1);
        else this.emptyScalar();
      } else if (this.isDash(item)) {
        throw GIVE_UP; // `- - a`
      } else if (this.startsKey(item)) {
        // `- name: x`: a mapping whose keys are in the column of its first.
        line = this.mapping(item, indent + item - at, depth + 1);
      } else {
        line = this.contentLine(this.inline(item, indent, depth + 1));
      }
      array.push(this.value);
      if (line < 0 || this.indent < indent || this.marker) break;
      if (this.indent > indent) throw GIVE_UP; // bad indentation of a sequence entry
      at = line + indent;
      if (!this.isDash(at)) break;
    }
    this.close(opened);
    this.value = array;
    return line;
  }

  /** Whether a mapping key (a scalar, then `:` and a space or the line's end) starts at `at`. Records nothing. */
  private startsKey(at: number): boolean {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 34 || code === 39) {
      const quote = code;
      let close = at + 1;
      while (close < this.length && text.charCodeAt(close) !== quote && text.charCodeAt(close) !== 10) close++;
      let colon = close + 1;
      while (text.charCodeAt(colon) === 32) colon++;
      return text.charCodeAt(colon) === 58;
    }
    if (!this.canStartPlain(at, false)) return false;
    this.plain(at, false);
    return this.stopKind === Stop.Colon;
  }

  /** A flow collection on one line, opening at `at`. Returns the offset after its closing bracket. */
  private flow(at: number, depth: number): number {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const text = this.text;
    const isMapping = text.charCodeAt(at) === 123;
    const terminator = isMapping ? 125 : 93;
    const opened = this.open(isMapping ? MAPPING : SEQUENCE, at);
    const object: Record<string, unknown> = {};
    const array: unknown[] = [];
    let next = at + 1;
    for (;;) {
      while (text.charCodeAt(next) === 32) next++;
      if (next >= this.length) throw GIVE_UP;
      if (text.charCodeAt(next) === terminator) {
        next++;
        break;
      }
      if (isMapping) {
        const code = text.charCodeAt(next);
        const quoted = code === 34 || code === 39;
        let end: number;
        let start = next;
        if (quoted) {
          end = this.quoted(next);
          start = next + 1;
          next = end + 1;
        } else {
          if (!this.canStartPlain(next, true)) throw GIVE_UP;
          end = this.plain(next, true);
          if (this.stopKind === Stop.Eol || this.stopKind === Stop.Comment) throw GIVE_UP;
          next = this.stop;
        }
        const name = this.keyName(start, end, !quoted);
        this.scalar(start, end);
        if (Object.prototype.hasOwnProperty.call(object, name)) throw GIVE_UP;
        while (text.charCodeAt(next) === 32) next++;
        if (text.charCodeAt(next) !== 58) throw GIVE_UP; // `{a}` or `{a, b}`: an entry without a value
        next++;
        while (text.charCodeAt(next) === 32) next++;
        const after = text.charCodeAt(next);
        if (after === 44 || after === 125 || after === 10 || next >= this.length) throw GIVE_UP; // `{a: }`
        next = this.flowNode(next, depth + 1);
        setKey(object, name, this.value);
      } else {
        next = this.flowNode(next, depth + 1);
        array.push(this.value);
        while (text.charCodeAt(next) === 32) next++;
        if (text.charCodeAt(next) === 58) throw GIVE_UP; // `[a: b]`, a pair in a sequence
      }
      while (text.charCodeAt(next) === 32) next++;
      const code = text.charCodeAt(next);
      if (code === 44) next++;
      else if (code !== terminator) throw GIVE_UP;
    }
    this.close(opened);
    this.value = isMapping ? object : array;
    return next;
  }

  /** A node inside a flow collection at `at`: a one-line quoted or plain scalar, or a nested collection. */
  private flowNode(at: number, depth: number): number {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 34 || code === 39) return this.quotedScalar(at);
    if (code === 91 || code === 123) return this.flow(at, depth);
    if (!this.canStartPlain(at, true)) throw GIVE_UP;
    const end = this.plain(at, true);
    if (this.stopKind === Stop.Eol || this.stopKind === Stop.Comment) throw GIVE_UP; // a flow collection across lines
    if (end === at) throw GIVE_UP; // `[:]`: no scalar at all for js-yaml
    this.scalar(at, end);
    this.value = resolvePlain(text.slice(at, end));
    return this.stop;
  }
}

/**
 * Whether the fast reader may read a text at all, checked once per file: js-yaml refuses a NUL
 * anywhere, and ends a line at a CR even inside a comment (which the fast reader skips unread).
 * Tabs, controls and non-printable characters in what it does read make it give up there.
 */
export function fastReadable(text: string): boolean {
  return text.indexOf('\0') < 0 && text.indexOf('\r') < 0 && text.indexOf('\ufeff') < 0;
}

/**
 * What the fast reader most often gives up on, found by one pass of the regular expression engine
 * before it starts: a block scalar, an anchor, an alias or a tag after `: ` or `- `. A text of CRDs
 * (every `description: |`) would otherwise be scanned up to its first one and then read again by
 * js-yaml: the shared corpus took 1.23x 0.3.0's time so. A match inside a quoted scalar only sends
 * that text to js-yaml.
 */
const SUSPECT = /[:-] +[|>&*!]/g;

/** The offset of the first suspect construct (SUSPECT) at or after `from`, or the text's length. */
export function nextSuspect(text: string, from: number): number {
  SUSPECT.lastIndex = from;
  const match = SUSPECT.exec(text);
  return match === null ? text.length : match.index;
}

/**
 * Read `text`, from `from` to `to` (each a line's start or the text's end), as js-yaml and
 * ./construct.ts would read that part of it, when it is in the subset described above: the
 * documents' values and the event table, whose offsets are into `text` (in the shared arrays with
 * `share`, as EventTable's constructor says); or undefined, to have js-yaml read it. `checked`: the
 * caller has seen `fastReadable(text)` say yes and no suspect construct between `from` and `to`.
 */
export function fastRead(text: string, share: boolean, from = 0, to = text.length, checked = false): { table: EventTable; built: Constructed } | undefined {
  if (!checked && (!fastReadable(text) || nextSuspect(text, from) < to)) return undefined;
  const reader = new Reader(text, from, to);
  try {
    const values = reader.read();
    return { table: reader.table(share), built: { values, problems: [] } };
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    if (columns.type.length > COLUMNS_KEPT) columns = new Columns();
  }
}
