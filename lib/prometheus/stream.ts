/**
 * Reads a Prometheus API answer as it arrives: each element of `data.result` (one series of a range
 * query, one sample of an instant query) is cut out of the text and handed on as its own small JSON
 * text, and the rest of the answer (status, error, warnings, `data.resultType`, with an empty
 * `result`) is kept as the envelope. A fleet's range query answers tens of megabytes of JSON; parsed
 * whole it costs several times that in objects, all alive at once. Cut up, the memory a query needs is
 * one series, whatever the answer's size (bench/recommend.ts measures it).
 *
 * Only the structure is scanned (strings, escapes, brackets), which is enough to find where an element
 * starts and ends; each element is then parsed by JSON.parse. Text that is not JSON at all (a proxy's
 * HTML page) passes through into the envelope, bounded, so the caller can quote it.
 */

/** The envelope keeps at most this much text: an answer without `data.result` is an error message. */
export const MAX_ENVELOPE_CHARS = 1 << 20;
/** One element at most: a series of 11,000 points (Prometheus' cap) is about 300 KB. */
export const MAX_ELEMENT_CHARS = 64 << 20;
/** Nesting at most: Prometheus' answers are 5 deep; a body of brackets must not grow the stack without end. */
export const MAX_DEPTH = 64;
/** Only `data` and `result` matter among the keys; a longer key is kept this far. */
const MAX_KEY_CHARS = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export class ResultSplitter {
  /** Open objects and arrays, outermost first (`{` or `[` char codes). */
  private readonly stack: number[] = [];
  /** The last key read in each open object, by depth. */
  private readonly keys: string[] = [];
  private inString = false;
  private escaped = false;
  /** Capturing a key's text (a string at depth 1 or 2 in key position). */
  private capturingKey = false;
  private keyText = '';
  private expectKey = false;
  /** Depth at which the current element of `data.result` started; -1 outside one. */
  private elementDepth = -1;
  private element: string[] = [];
  /** Inside data.result between elements: commas and whitespace, not kept. */
  private dropping = false;
  private elementChars = 0;
  private envelope: string[] = [];
  private envelopeChars = 0;
  /** Elements handed on so far. */
  count = 0;

  constructor(private readonly onElement: (json: string) => void) {}

  /** Inside `data.result` of the top object, at the depth of its elements. */
  private inResult(): boolean {
    const s = this.stack;
    return s.length === 3 && s[0] === OPEN_BRACE && s[1] === OPEN_BRACE && s[2] === OPEN_BRACKET && this.keys[0] === 'data' && this.keys[1] === 'result';
  }

  private keep(text: string): void {
    if (this.envelopeChars >= MAX_ENVELOPE_CHARS || text === '') return;
    const room = MAX_ENVELOPE_CHARS - this.envelopeChars;
    const piece = text.length > room ? text.slice(0, room) : text;
    this.envelope.push(piece);
    this.envelopeChars += piece.length;
  }

  private grow(text: string): void {
    this.elementChars += text.length;
    if (this.elementChars > MAX_ELEMENT_CHARS) throw new RangeError(`one result element is over ${MAX_ELEMENT_CHARS / (1 << 20)} MiB of JSON`);
    this.element.push(text);
  }

  private finishElement(): void {
    const json = this.element.length === 1 ? this.element[0] : this.element.join('');
    this.element = [];
    this.elementChars = 0;
    this.elementDepth = -1;
    this.dropping = true;
    this.count++;
    this.onElement(json);
  }

  push(chunk: string): void {
    // `from` marks the start of the chunk's text not yet kept, dropped or given to the element.
    let from = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          if (this.capturingKey && this.keyText.length < MAX_KEY_CHARS) this.keyText += chunk[i];
        } else if (c === BACKSLASH) {
          this.escaped = true;
        } else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.keys[this.stack.length - 1] = this.keyText;
          }
        } else if (this.capturingKey && this.keyText.length < MAX_KEY_CHARS) {
          this.keyText += chunk[i];
        }
        continue;
      }
      // Between elements of data.result only commas and whitespace: an element starts at anything else.
      if (this.dropping && c > 0x20 && c !== COMMA && c !== CLOSE_BRACKET) {
        from = i;
        this.dropping = false;
        this.elementDepth = 3;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.expectKey && this.stack.length <= 2) {
            this.capturingKey = true;
            this.keyText = '';
          }
          this.expectKey = false;
          break;
        case OPEN_BRACE:
          if (this.stack.length >= MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH}`);
          this.stack.push(c);
          this.expectKey = true;
          break;
        case OPEN_BRACKET:
          if (this.stack.length >= MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH}`);
          this.stack.push(c);
          this.expectKey = false;
          if (this.elementDepth < 0 && this.inResult()) {
            this.keep(chunk.slice(from, i + 1));
            from = i + 1;
            this.dropping = true;
          }
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          if (this.elementDepth >= 0 && this.stack.length === this.elementDepth) {
            // A scalar element ends where the array does.
            this.grow(chunk.slice(from, i));
            this.finishElement();
          }
          if (this.dropping) {
            // The end of data.result: what lay between the last element and here is dropped.
            from = i;
            this.dropping = false;
          }
          this.stack.pop();
          this.expectKey = false;
          if (this.elementDepth >= 0 && this.stack.length === this.elementDepth) {
            this.grow(chunk.slice(from, i + 1));
            from = i + 1;
            this.finishElement();
          }
          break;
        case COMMA:
          if (this.elementDepth >= 0 && this.stack.length === this.elementDepth) {
            this.grow(chunk.slice(from, i));
            from = i;
            this.finishElement();
          }
          this.expectKey = this.stack[this.stack.length - 1] === OPEN_BRACE;
          break;
        case COLON:
          this.expectKey = false;
          break;
        default:
          break;
      }
    }
    if (from < n) {
      if (this.elementDepth >= 0) this.grow(chunk.slice(from));
      else if (!this.dropping) this.keep(chunk.slice(from));
    }
  }

  /** The answer without its result elements (`"result":[]`), at most MAX_ENVELOPE_CHARS. */
  end(): string {
    if (this.elementDepth >= 0) {
      // Cut off inside an element: the envelope says so by not being JSON.
      this.keep(this.element.join('').slice(0, 200));
    }
    return this.envelope.join('');
  }
}
