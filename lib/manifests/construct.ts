/**
 * Build the values of the documents from js-yaml's events in the same pass that records the event
 * table, for the YAML that manifests are written in: block and flow collections, plain, quoted and
 * block scalars, no tags, anchors or aliases. Anything else (a tag, an anchor, an alias, a mapping or
 * sequence used as a key, a repeated key, a `__proto__` key) is left to js-yaml's own
 * `constructFromEvents`, which then either builds the same values or throws its own error; so values
 * and errors are js-yaml's in every case (test/construct.test.ts compares both over every manifest of
 * the shared corpus and the fixtures).
 *
 * Why: js-yaml's constructor is generic over schemas and tags (a tag lookup, a result object and a
 * dispatch per node), about a third of the cost of loading a manifest; the common case needs none of
 * that (bench/run.ts; README, Performance).
 *
 * Scalars resolve exactly as in js-yaml's default CORE_SCHEMA: a plain scalar goes through the
 * schema's implicit tags in the schema's order, narrowed by each tag's declared first characters
 * (js-yaml narrows the same way); quoted and block scalars are strings.
 */
import { CORE_SCHEMA, EVENT_ID, NOT_RESOLVED, SCALAR_STYLE, getScalarValue, type Event, type ScalarEvent, type ScalarTagDefinition } from 'js-yaml';
import type { EventTable } from './event-table';

const { MAPPING, SEQUENCE, SCALAR, DOCUMENT, POP } = EVENT_ID;
const NO_RANGE = -1;

/**
 * The schema's implicit scalar tags, by the first character they may match: an array indexed by
 * character code for ASCII (a lookup per scalar, most of them keys), a map for the rest.
 */
const implicit = (() => {
  const tags = CORE_SCHEMA.tags.filter((tag): tag is ScalarTagDefinition => tag.nodeKind === 'scalar' && tag.implicit);
  const anyFirst = tags.filter((tag) => tag.implicitFirstChars === null);
  const candidatesFor = (first: string) => tags.filter((tag) => tag.implicitFirstChars === null || tag.implicitFirstChars.includes(first));
  const byCode: (readonly ScalarTagDefinition[])[] = [];
  for (let code = 0; code < 128; code++) byCode.push(anyFirst);
  const byFirst = new Map<string, readonly ScalarTagDefinition[]>();
  for (const tag of tags) {
    for (const first of tag.implicitFirstChars ?? []) {
      if (first.length === 1 && first.charCodeAt(0) < 128) byCode[first.charCodeAt(0)] = candidatesFor(first);
      else byFirst.set(first, candidatesFor(first));
    }
  }
  return { byCode, byFirst, anyFirst, empty: byFirst.get('') ?? anyFirst };
})();

/** Resolve a plain scalar's text to a value the way CORE_SCHEMA does. */
function resolvePlain(source: string): unknown {
  const code = source.length === 0 ? -1 : source.charCodeAt(0);
  const candidates = code < 0 ? implicit.empty : code < 128 ? implicit.byCode[code] : implicit.byFirst.get(source.charAt(0)) ?? implicit.anyFirst;
  for (let index = 0; index < candidates.length; index++) {
    const tag = candidates[index];
    const value = tag.resolve(source, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return source;
}

function scalarValue(text: string, event: ScalarEvent): unknown {
  const source = event.valueStart === NO_RANGE ? '' : event.fast ? text.slice(event.valueStart, event.valueEnd) : getScalarValue(text, event);
  return event.style === SCALAR_STYLE.PLAIN ? resolvePlain(source) : source;
}

/** Marks a document's frame on the stack of open nodes. */
const DOCUMENT_FRAME = Symbol('document');
type Frame = typeof DOCUMENT_FRAME | unknown[] | Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

export interface Constructed {
  /** The documents' values, in order: all of them, or those before `resumeAt`. */
  readonly values: unknown[];
  /**
   * -1 when every document was built; else the index of the DOCUMENT event from which js-yaml's own
   * constructor must build the rest (documents do not share anchors, so it can start there).
   */
  readonly resumeAt: number;
}

/**
 * Record every event into `table` and build the documents' values, up to the first document that uses
 * YAML this path leaves to js-yaml (see above); the table is complete either way.
 *
 * The events of each document built are dropped from `events` as soon as it is built: they are the
 * largest thing alive while a file is read, and every young-generation collection copies what is
 * alive (the bench's scavenge time fell from ~170 to ~110 ms over 20,000 documents).
 */
export function recordAndConstruct(events: (Event | undefined)[], text: string, table: EventTable): Constructed {
  const documents: unknown[] = [];
  const frames: Frame[] = [];
  /** The key waiting for its value, per open mapping; undefined when the next scalar is a key. */
  const keys: (string | undefined)[] = [];
  let documentValue: unknown;
  let documentStart = 0;
  for (let at = 0; at < events.length; at++) {
    const event = events[at]!;
    table.record(at, event);
    let value: unknown;
    switch (event.type) {
      case DOCUMENT:
        frames.push(DOCUMENT_FRAME);
        keys.push(undefined);
        documentValue = undefined;
        documentStart = at;
        continue;
      case MAPPING:
      case SEQUENCE:
        if (event.anchorStart !== NO_RANGE || event.tagStart !== NO_RANGE) return handOver(events, at, documentStart, table, documents);
        frames.push(event.type === MAPPING ? {} : []);
        keys.push(undefined);
        continue;
      case SCALAR:
        if (event.anchorStart !== NO_RANGE || event.tagStart !== NO_RANGE) return handOver(events, at, documentStart, table, documents);
        value = scalarValue(text, event);
        break;
      case POP: {
        const frame = frames.pop();
        const pendingKey = keys.pop();
        if (pendingKey !== undefined) return handOver(events, at, documentStart, table, documents);
        if (frame === DOCUMENT_FRAME) {
          documents.push(documentValue);
          events.fill(undefined, documentStart, at + 1);
          continue;
        }
        value = frame;
        break;
      }
      default:
        // An alias: js-yaml resolves it against its anchors and counts it against maxAliases.
        return handOver(events, at, documentStart, table, documents);
    }
    const depth = frames.length - 1;
    const parent = frames[depth];
    if (parent === DOCUMENT_FRAME) {
      documentValue = value;
    } else if (Array.isArray(parent)) {
      parent.push(value);
    } else {
      const key = keys[depth];
      if (key === undefined) {
        if (typeof value === 'object' && value !== null) return handOver(events, at, documentStart, table, documents);
        const name = String(value);
        if (name === '__proto__') return handOver(events, at, documentStart, table, documents);
        keys[depth] = name;
      } else {
        if (hasOwn.call(parent, key)) return handOver(events, at, documentStart, table, documents);
        (parent as Record<string, unknown>)[key] = value;
        keys[depth] = undefined;
      }
    }
  }
  return { values: documents, resumeAt: -1 };
}

/** Stop building at the event `at` (already recorded): record the rest, and leave the current document on to js-yaml. */
function handOver(events: readonly (Event | undefined)[], at: number, documentStart: number, table: EventTable, values: unknown[]): Constructed {
  for (let next = at + 1; next < events.length; next++) table.record(next, events[next]!);
  return { values, resumeAt: documentStart };
}
