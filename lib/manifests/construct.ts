/**
 * Build the documents' values from js-yaml's events in the same pass that records the event table,
 * reading YAML the way Kubernetes reads it: sigs.k8s.io/yaml decodes with go-yaml v2, so
 *
 * - plain scalars resolve by YAML 1.1 (./scalars.ts: `yes` is true, `0777` is 511);
 * - merge keys (`<<: *base`, `<<: {...}`, `<<: [*a, *b]`) are merged as go-yaml v2's decoder does,
 *   in the order they appear: a merge sets its keys over the keys written before it, keys written
 *   after it override it, and in a list the earlier maps win (it applies them last to first);
 * - a repeated key is reported (a strict reader, kubectl's and the API server's field validation,
 *   refuses the object) and its last value kept, which is what a non-strict reader such as
 *   sigs.k8s.io/yaml's `YAMLToJSON` sees, so the rest of the document is still linted;
 * - explicit tags: `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!binary` convert as go-yaml
 *   does (and fail as it does: `!!int abc`); any other tag is ignored on a collection and makes a
 *   scalar a string, as go-yaml v2 does for a tag it cannot resolve;
 * - aliases share the anchored value; the nodes they add are counted (an anchored node's size
 *   includes what its own aliases add) and the file fails past `aliasNodeBudget`, at the alias that
 *   crossed it: a "billion laughs" of 1 KB would otherwise expand to 2^30 nodes for whoever walks it.
 *
 * docs/yaml.md lists every difference from js-yaml's core schema; test/yaml-semantics.test.ts tests
 * each, and test/construct.test.ts compares the values with js-yaml's wherever the two agree.
 *
 * Why not js-yaml's own constructor: it reads YAML 1.2 (no merge keys, `0777` is 777, `yes` is a
 * string), is generic over schemas and tags (a tag lookup, a result object and a dispatch per node,
 * a third of the cost of loading a manifest: bench/run.ts), and bounds aliases only by count.
 */
import { EVENT_ID, SCALAR_STYLE, getScalarValue, type Event, type ScalarEvent } from 'js-yaml';
import type { EventTable } from './event-table';
import { ScalarKind, lastKind, resolvePlain } from './scalars';

const { MAPPING, SEQUENCE, SCALAR, ALIAS, DOCUMENT, POP } = EVENT_ID;
const NO_RANGE = -1;

/** A problem at an offset of the text; the caller turns the offset into a line and column. */
export class YamlProblem extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Marks a document's frame on the stack of open nodes. */
const DOCUMENT_FRAME = Symbol('document');
/** Marks a mapping whose pending key is a merge key (`<<`). */
const MERGE = Symbol('merge');
type Frame = typeof DOCUMENT_FRAME | unknown[] | Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;
const YAML_TAG = 'tag:yaml.org,2002:';

export interface Constructed {
  /** The documents' values, in order. */
  readonly values: unknown[];
  /** Problems that do not stop the documents from being read (repeated keys), in text order. */
  readonly problems: readonly YamlProblem[];
}

/**
 * Nodes added by aliases so far, carried from one stretch of a file to the next when a file is read
 * a stretch at a time (./stream.ts): the bound is per file.
 */
export interface AliasCarry {
  expanded: number;
}

interface Anchored {
  readonly value: unknown;
  /** Nodes this value stands for, counting what its own aliases add. */
  readonly nodes: number;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` is a key like any other in YAML; assigning it would replace the object's prototype.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The tag as go-yaml names it after resolving `!!` and `!<...>`, or the text itself. */
function tagName(text: string, event: { tagStart: number; tagEnd: number }): string {
  const tag = text.slice(event.tagStart, event.tagEnd);
  if (tag.startsWith('!!')) return YAML_TAG + tag.slice(2);
  if (tag.startsWith('!<') && tag.endsWith('>')) return tag.slice(2, -1);
  return tag;
}

const KIND_TAG: Record<ScalarKind, string> = { [ScalarKind.String]: 'str', [ScalarKind.Null]: 'null', [ScalarKind.Bool]: 'bool', [ScalarKind.Int]: 'int', [ScalarKind.Float]: 'float' };

/** A tagged scalar, as go-yaml v2's `resolve(tag, in)` converts it. */
function taggedScalar(source: string, tag: string, offset: number): unknown {
  if (!tag.startsWith(YAML_TAG)) return source;
  const name = tag.slice(YAML_TAG.length);
  switch (name) {
    case 'str':
    case 'timestamp':
    case 'merge':
      return source;
    case 'binary': {
      let bytes: string;
      try {
        bytes = atob(source.replace(/\s+/g, ''));
      } catch {
        throw new YamlProblem('!!binary value contains invalid base64 data', offset);
      }
      return new TextDecoder().decode(Uint8Array.from(bytes, (char) => char.charCodeAt(0)));
    }
    case 'null':
    case 'bool':
    case 'int':
    case 'float': {
      const value = resolvePlain(source);
      const kind = lastKind();
      if (KIND_TAG[kind] === name || (name === 'float' && kind === ScalarKind.Int)) return value;
      throw new YamlProblem(`cannot decode !!${KIND_TAG[kind]} \`${source}\` as a !!${name}`, offset);
    }
    default:
      // !!map or !!seq on a scalar, or a tag go-yaml does not resolve: the text.
      return source;
  }
}

function scalarValue(text: string, event: ScalarEvent): unknown {
  const source = event.valueStart === NO_RANGE ? '' : event.fast ? text.slice(event.valueStart, event.valueEnd) : getScalarValue(text, event);
  if (event.tagStart !== NO_RANGE) return taggedScalar(source, tagName(text, event), event.tagStart);
  return event.style === SCALAR_STYLE.PLAIN ? resolvePlain(source) : source;
}

/** Where a node's text starts, for messages. */
function offsetOf(event: Event): number {
  switch (event.type) {
    case MAPPING:
    case SEQUENCE:
      return event.start;
    case SCALAR:
      return event.valueStart >= 0 ? event.valueStart : event.tagStart >= 0 ? event.tagStart : event.anchorStart;
    case ALIAS:
      return event.anchorStart - 1;
    default:
      return 0;
  }
}

/**
 * Record every event into `table` and build every document's value. Throws a YamlProblem for what
 * Kubernetes cannot read either (an unknown anchor, a mapping as a key, a merge of a non-mapping,
 * a tagged value that does not convert, aliases past the budget).
 *
 * The events of each document are dropped from `events` as soon as it is built: they are the
 * largest thing alive while a file is read, and every young-generation collection copies what is
 * alive (the bench's scavenge time fell from ~170 to ~110 ms over 20,000 documents).
 */
export function recordAndConstruct(events: (Event | undefined)[], text: string, table: EventTable, aliasNodeBudget = Number.POSITIVE_INFINITY, carry?: AliasCarry): Constructed {
  const documents: unknown[] = [];
  const problems: YamlProblem[] = [];
  const frames: Frame[] = [];
  /** The key waiting for its value, per open mapping; undefined when the next scalar is a key. */
  const keys: (string | typeof MERGE | undefined)[] = [];
  /** Per open mapping whose merge keys set keys: those keys, which an explicit key may then set again. */
  let merged: Map<object, Set<string>> | undefined;
  let anchors: Map<string, Anchored> | undefined;
  /** Open anchored collections: their frame depth, name, and the counters when they opened. */
  const openAnchors: { depth: number; name: string; nodes: number; expanded: number }[] = [];
  let documentValue: unknown;
  let documentStart = 0;
  /** Nodes read so far, and nodes added by aliases so far (over the whole file). */
  let nodes = 0;
  let expanded = carry?.expanded ?? 0;
  const budget = Math.max(aliasNodeBudget, events.length);

  for (let at = 0; at < events.length; at++) {
    const event = events[at]!;
    table.record(at, event);
    let value: unknown;
    let fromAlias = false;
    let mergeSpelling = false;
    switch (event.type) {
      case DOCUMENT:
        frames.push(DOCUMENT_FRAME);
        keys.push(undefined);
        documentValue = undefined;
        documentStart = at;
        anchors = undefined; // anchors belong to their document
        continue;
      case MAPPING:
      case SEQUENCE:
        nodes++;
        frames.push(event.type === MAPPING ? {} : []);
        keys.push(undefined);
        if (event.anchorStart !== NO_RANGE) openAnchors.push({ depth: frames.length, name: text.slice(event.anchorStart, event.anchorEnd), nodes, expanded });
        continue;
      case SCALAR:
        nodes++;
        value = scalarValue(text, event);
        if (value === '<<') mergeSpelling = event.tagStart === NO_RANGE ? event.style === SCALAR_STYLE.PLAIN : tagName(text, event) === `${YAML_TAG}merge`;
        if (event.anchorStart !== NO_RANGE) (anchors ??= new Map()).set(text.slice(event.anchorStart, event.anchorEnd), { value, nodes: 1 });
        break;
      case ALIAS: {
        nodes++;
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const target = anchors?.get(name);
        if (target === undefined) {
          const open = openAnchors.some((anchor) => anchor.name === name);
          throw new YamlProblem(open ? `alias *${name} refers to the node that contains it` : `unknown anchor '${name}' referenced`, offsetOf(event));
        }
        expanded += target.nodes;
        if (expanded > budget) {
          throw new YamlProblem(`aliases expand to more than ${budget} nodes (an alias bomb?): oomguard stops here, and Kubernetes (go-yaml) refuses excessive aliasing too`, offsetOf(event));
        }
        value = target.value;
        fromAlias = true;
        break;
      }
      case POP: {
        const depth = frames.length;
        const frame = frames.pop();
        const pendingKey = keys.pop();
        if (frame === DOCUMENT_FRAME) {
          documents.push(documentValue);
          events.fill(undefined, documentStart, at + 1);
          continue;
        }
        // A mapping closed with a key and no value: a null value (`a:` followed by nothing at all
        // cannot occur, the parser emits an empty scalar), kept for safety.
        if (pendingKey !== undefined && pendingKey !== MERGE) setKey(frame as Record<string, unknown>, pendingKey, null);
        value = frame;
        const anchor = openAnchors.length > 0 ? openAnchors[openAnchors.length - 1] : undefined;
        if (anchor !== undefined && anchor.depth === depth) {
          openAnchors.pop();
          (anchors ??= new Map()).set(anchor.name, { value, nodes: nodes - anchor.nodes + 1 + (expanded - anchor.expanded) });
        }
        break;
      }
      default:
        continue;
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
        if (mergeSpelling) {
          keys[depth] = MERGE;
          continue;
        }
        if (typeof value === 'object' && value !== null) throw new YamlProblem('a mapping or sequence used as a mapping key: Kubernetes cannot read it', offsetOf(event));
        if (value === null || value === undefined) throw new YamlProblem('a null mapping key: Kubernetes cannot read it', offsetOf(event));
        const name = typeof value === 'string' ? value : String(value);
        if (hasOwn.call(parent, name)) {
          const set = merged?.get(parent);
          if (set?.has(name)) set.delete(name);
          else problems.push(new YamlProblem(`duplicated mapping key "${name}"`, offsetOf(event)));
        }
        keys[depth] = name;
      } else if (key === MERGE) {
        mergeInto(parent, value, fromAlias, (merged ??= new Map()), offsetOf(event));
        keys[depth] = undefined;
      } else {
        setKey(parent, key, value);
        keys[depth] = undefined;
      }
    }
  }
  if (carry !== undefined) carry.expanded = expanded;
  return { values: documents, problems };
}

const MERGE_NEEDS_MAP = 'map merge requires map or sequence of maps as the value';

/** go-yaml v2's `merge`: a mapping, an alias to one, or a list of those, the earlier winning. */
function mergeInto(target: Record<string, unknown>, value: unknown, fromAlias: boolean, merged: Map<object, Set<string>>, offset: number): void {
  let sources: Record<string, unknown>[];
  if (isMap(value)) sources = [value];
  else if (Array.isArray(value) && !fromAlias && value.every(isMap)) sources = (value as Record<string, unknown>[]).slice().reverse();
  else throw new YamlProblem(MERGE_NEEDS_MAP, offset);
  let set = merged.get(target);
  if (set === undefined) merged.set(target, (set = new Set()));
  for (const source of sources) {
    for (const key of Object.keys(source)) {
      setKey(target, key, source[key]);
      set.add(key);
    }
  }
}
