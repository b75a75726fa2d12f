/**
 * Turning a fix's edits into text splices against the original source, located through the `yaml`
 * package's Document (node ranges) and CST (source tokens). Only the bytes of the edited scalar
 * change; new keys and env entries are inserted as new lines (or new flow entries) in the style of
 * their surroundings; everything else (comments, key order, quoting, anchors, document separators)
 * is never rewritten because it is never touched. Pure: text in, splices out.
 */
import { CST, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { JsonPath } from '../core/workload';
import type { Edit } from '../rules/types';
import { renderScalar, type ScalarStyle } from './scalars';
import { overlaps, type Splice } from './splice';

export { applySplices, overlaps, type Splice } from './splice';

export type Planned = { readonly ok: true; readonly splices: readonly Splice[] } | { readonly ok: false; readonly reason: string };

/** What to create under a mapping: nested keys ending in a scalar or in a list of env entries. */
type Tree = Map<string, Tree | Leaf>;
type Leaf = { readonly scalar: string | number } | { readonly env: { name: string; value: string }[] };

function isLeaf(value: Tree | Leaf): value is Leaf {
  return !(value instanceof Map);
}

class PlanError extends Error {}

/** Default indentation step when the document shows none: two spaces, what kubectl and Helm write. */
const DEFAULT_STEP = 2;

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) && pair.key.value !== null && typeof pair.key.value !== 'object' ? String(pair.key.value) : undefined;
}

function describe(path: JsonPath): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('').replace(/^\./, '');
}

/** Formatting facts of one document, measured once. */
class Layout {
  readonly aliased = new Set<string>();
  /** Indentation added per nesting level of block mappings. */
  step = DEFAULT_STEP;
  /** Column of `-` relative to its key's column for a block list that is a mapping value (0 or `step`). */
  sequenceOffset: number | undefined;
  /**
   * Whether the file starts like JSON, which decides how an empty flow collection is written into.
   * A caller planning one document of a stream passes what the whole file says.
   */
  readonly startsLikeJson: boolean;

  constructor(readonly text: string, document: Document, startsLikeJson?: boolean) {
    this.startsLikeJson = startsLikeJson ?? /^\s*[{[]/.test(text);
    let stepFound = false;
    visit(document, {
      Alias: (_, alias) => {
        this.aliased.add(alias.source);
      },
      Pair: (_, pair, path) => {
        const parent = path[path.length - 1];
        if (!isMap(parent) || parent.flow || !isScalar(pair.key) || !pair.key.range) return;
        const keyColumn = columnOf(text, pair.key.range[0]);
        if (!stepFound && isMap(pair.value) && !pair.value.flow && pair.value.items.length > 0) {
          const first = pair.value.items[0].key as Node | null;
          if (first?.range) {
            const step = columnOf(text, first.range[0]) - keyColumn;
            if (step > 0) {
              this.step = step;
              stepFound = true;
            }
          }
        }
        if (this.sequenceOffset === undefined && isSeq(pair.value) && !pair.value.flow && pair.value.range) {
          const dash = text.lastIndexOf('-', pair.value.range[0]);
          if (dash >= 0) this.sequenceOffset = Math.max(0, columnOf(text, dash) - keyColumn);
        }
      },
    });
  }
}

function assertNotShared(node: Node, layout: Layout, path: JsonPath): void {
  if (node.anchor && layout.aliased.has(node.anchor)) {
    throw new PlanError(`${describe(path) || 'the document'} is shared through the YAML anchor &${node.anchor}; editing it would change every *${node.anchor} too`);
  }
}

function hasMergeKey(map: YAMLMap): boolean {
  return map.items.some((pair) => isScalar(pair.key) && pair.key.value === '<<');
}

type Step =
  | { readonly kind: 'scalar'; readonly node: Scalar; readonly inFlow: boolean }
  | { readonly kind: 'missing'; readonly map: YAMLMap; readonly keys: readonly string[] }
  | { readonly kind: 'collection'; readonly node: YAMLMap | YAMLSeq };

/** Walk `path`; stops at the first missing mapping key. */
function walk(document: Document, path: JsonPath, layout: Layout): Step {
  let node: unknown = document.contents;
  let inFlow = false;
  for (let index = 0; index <= path.length; index++) {
    const here = path.slice(0, index);
    if (isAlias(node)) throw new PlanError(`${describe(here)} is a YAML alias (*${node.source}); edit the anchored node instead`);
    if (node && typeof node === 'object' && 'anchor' in node) assertNotShared(node as Node, layout, here);
    if (index === path.length) break;
    const segment = path[index];
    if (isMap(node)) {
      inFlow = inFlow || Boolean(node.flow);
      const pair = node.items.find((item) => keyOf(item) === String(segment));
      if (!pair) {
        if (hasMergeKey(node)) throw new PlanError(`${describe(here)} uses a YAML merge key (<<); add ${describe(path.slice(index))} by hand`);
        if (path.slice(index).some((key) => typeof key === 'number')) throw new PlanError(`${describe(path)} does not exist`);
        return { kind: 'missing', map: node, keys: path.slice(index) as string[] };
      }
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      inFlow = inFlow || Boolean(node.flow);
      node = node.items[segment];
      if (node === undefined) throw new PlanError(`${describe(path.slice(0, index + 1))} does not exist`);
    } else {
      throw new PlanError(`${describe(here) || 'the document'} is not a mapping or list, cannot reach ${describe(path)}`);
    }
  }
  if (isScalar(node)) return { kind: 'scalar', node, inFlow };
  if (isMap(node) || isSeq(node)) return { kind: 'collection', node };
  throw new PlanError(`${describe(path)} is empty`);
}

function styleOf(tokenType: string): ScalarStyle {
  return tokenType === 'single-quoted-scalar' ? 'single' : tokenType === 'double-quoted-scalar' ? 'double' : 'plain';
}

/** Replace one scalar's source: its quoting style kept where it can hold the value; its anchor, tag and comments untouched. */
function replaceScalar(text: string, node: Scalar, value: string | number, inFlow: boolean, where: string): Splice {
  const token = node.srcToken;
  if (!token || !('type' in token)) throw new PlanError(`${where} has no source to edit`);
  if (token.type === 'scalar' || token.type === 'single-quoted-scalar' || token.type === 'double-quoted-scalar') {
    if (token.source.length === 0) throw new PlanError(`${where} is empty`);
    return { start: token.offset, end: token.offset + token.source.length, text: renderScalar(value, styleOf(token.type), inFlow) };
  }
  if (token.type === 'block-scalar') {
    if (typeof value === 'number') throw new PlanError(`${where} is a block scalar; a number cannot replace it in place`);
    const header = token.props[0];
    const match = header && header.type === 'block-scalar-header' ? /^([|>])(\d?)([-+]?)(\d?)$/.exec(header.source) : null;
    const firstContent = token.source.split('\n').find((line) => line.trim().length > 0);
    if (!match || firstContent === undefined) throw new PlanError(`${where} is a block scalar oomguard cannot rewrite safely`);
    const indent = ' '.repeat(firstContent.length - firstContent.trimStart().length);
    // A folded scalar turns single line breaks into spaces: a value with line breaks must become literal.
    const indicator = match[1] === '>' && value.includes('\n') ? '|' : match[1];
    const explicit = match[2] || match[4];
    const chomp = value.endsWith('\n\n') ? '+' : value.endsWith('\n') ? '' : '-';
    const body = value.replace(/\n$/, '').split('\n').map((line) => (line.length > 0 ? indent + line : '')).join('\n') + '\n';
    const rest = token.props.slice(1).map((prop) => CST.stringify(prop)).join('');
    const end = token.offset + CST.stringify(token).length;
    return { start: token.offset, end, text: `${indicator}${explicit}${chomp}${rest}${body}` };
  }
  throw new PlanError(`${where} is not a scalar`);
}

/** Offset of the start of the line after the node ending at `end` (where new block lines go). */
function afterBlock(text: string, end: number): { at: number; prefix: string } {
  if (end > 0 && text[end - 1] === '\n') return { at: end, prefix: '' };
  const newline = text.indexOf('\n', end);
  return newline < 0 ? { at: text.length, prefix: '\n' } : { at: newline + 1, prefix: '' };
}

function jsonStyle(text: string, collection: YAMLMap | YAMLSeq, layout: Layout): boolean {
  const first = collection.items[0];
  const key = first && isMap(collection) ? ((first as Pair).key as Node | null) : null;
  if (key?.range) return text[key.range[0]] === '"';
  // An empty collection: JSON when the file itself starts like JSON.
  return layout.startsLikeJson;
}

function flowScalar(item: string | number, json: boolean): string {
  return json ? JSON.stringify(item) : renderScalar(item, 'plain', true);
}

function flowEnvItem(entry: { name: string; value: string }, json: boolean): string {
  return `{${flowScalar('name', json)}: ${flowScalar(entry.name, json)}, ${flowScalar('value', json)}: ${flowScalar(entry.value, json)}}`;
}

function renderFlow(value: Tree | Leaf, json: boolean): string {
  const scalar = (item: string | number) => flowScalar(item, json);
  if (isLeaf(value)) {
    if ('scalar' in value) return scalar(value.scalar);
    return `[${value.env.map((entry) => flowEnvItem(entry, json)).join(', ')}]`;
  }
  return `{${[...value].map(([key, child]) => `${scalar(key)}: ${renderFlow(child, json)}`).join(', ')}}`;
}

function renderEnvItems(entries: readonly { name: string; value: string }[], dashColumn: number, keyColumn: number): string {
  const gap = ' '.repeat(Math.max(1, keyColumn - dashColumn - 1));
  return entries
    .map((entry) => `${' '.repeat(dashColumn)}-${gap}name: ${renderScalar(entry.name, 'plain', false)}\n${' '.repeat(keyColumn)}value: ${renderScalar(entry.value, 'plain', false)}\n`)
    .join('');
}

function renderBlock(tree: Tree, column: number, layout: Layout): string {
  let out = '';
  for (const [key, child] of tree) {
    const name = renderScalar(key, 'plain', false);
    if (isLeaf(child) && 'scalar' in child) {
      out += `${' '.repeat(column)}${name}: ${renderScalar(child.scalar, 'plain', false)}\n`;
    } else if (isLeaf(child)) {
      const dash = column + (layout.sequenceOffset ?? layout.step);
      out += `${' '.repeat(column)}${name}:\n${renderEnvItems(child.env, dash, dash + 2)}`;
    } else {
      out += `${' '.repeat(column)}${name}:\n${renderBlock(child, column + layout.step, layout)}`;
    }
  }
  return out;
}

/** New entries for an existing mapping. */
function insertIntoMap(text: string, map: YAMLMap, tree: Tree, layout: Layout): Splice {
  if (!map.range) throw new PlanError('a mapping has no source position');
  if (map.flow) {
    const json = jsonStyle(text, map, layout);
    const entries = [...tree].map(([key, child]) => `${json ? JSON.stringify(key) : renderScalar(key, 'plain', true)}: ${renderFlow(child, json)}`);
    const last = map.items[map.items.length - 1];
    if (!last) {
      if (text[map.range[0]] !== '{') throw new PlanError('cannot find the opening brace of an empty mapping');
      return { start: map.range[0] + 1, end: map.range[0] + 1, text: entries.join(', ') };
    }
    const lastNode = (last.value ?? last.key) as Node | null;
    const lastKey = last.key as Node | null;
    if (!lastNode?.range || !lastKey?.range) throw new PlanError('a mapping entry has no source position');
    const multiline = text.slice(map.range[0], lastKey.range[0]).includes('\n');
    const separator = multiline ? `,\n${' '.repeat(columnOf(text, lastKey.range[0]))}` : ', ';
    return { start: lastNode.range[1], end: lastNode.range[1], text: entries.map((entry) => separator + entry).join('') };
  }
  const firstKey = map.items[0]?.key as Node | null | undefined;
  if (!firstKey?.range) throw new PlanError('a mapping has no keys to align with');
  const { at, prefix } = afterBlock(text, map.range[1]);
  return { start: at, end: at, text: prefix + renderBlock(tree, columnOf(text, firstKey.range[0]), layout) };
}

/** New entries at the end of an existing `env` list. */
function appendToSeq(text: string, seq: YAMLSeq, entries: readonly { name: string; value: string }[], containerColumn: number, layout: Layout): Splice {
  if (!seq.range) throw new PlanError('a list has no source position');
  if (seq.flow) {
    const json = jsonStyle(text, seq, layout);
    const items = entries.map((entry) => flowEnvItem(entry, json));
    const last = seq.items[seq.items.length - 1] as Node | undefined;
    if (!last) {
      if (text[seq.range[0]] !== '[') throw new PlanError('cannot find the opening bracket of an empty list');
      return { start: seq.range[0] + 1, end: seq.range[0] + 1, text: items.join(', ') };
    }
    if (!last.range) throw new PlanError('a list item has no source position');
    const multiline = text.slice(seq.range[0], last.range[0]).includes('\n');
    const separator = multiline ? `,\n${' '.repeat(columnOf(text, last.range[0]))}` : ', ';
    return { start: last.range[1], end: last.range[1], text: items.map((item) => separator + item).join('') };
  }
  const first = seq.items[0] as Node | undefined;
  let dashColumn: number;
  let keyColumn: number;
  if (first?.range) {
    const dash = text.lastIndexOf('-', first.range[0]);
    if (dash < lineStartOf(text, first.range[0])) throw new PlanError('cannot find the dash of a list item');
    dashColumn = columnOf(text, dash);
    const firstKey = isMap(first) ? (first.items[0]?.key as Node | null) : null;
    keyColumn = firstKey?.range ? columnOf(text, firstKey.range[0]) : dashColumn + 2;
  } else {
    dashColumn = containerColumn + (layout.sequenceOffset ?? layout.step);
    keyColumn = dashColumn + 2;
  }
  const { at, prefix } = afterBlock(text, seq.range[1]);
  return { start: at, end: at, text: prefix + renderEnvItems(entries, dashColumn, keyColumn) };
}

/** The list a `set` at one past its last index appends to (Compose's list-form `environment`), if that is what `path` names. */
function appendTarget(document: Document, path: JsonPath, layout: Layout): YAMLSeq | undefined {
  const index = path[path.length - 1];
  if (typeof index !== 'number' || path.length === 0) return undefined;
  const parent = walk(document, path.slice(0, -1), layout);
  return parent.kind === 'collection' && isSeq(parent.node) && index === parent.node.items.length ? parent.node : undefined;
}

/** One scalar item at the end of an existing list, aligned with its items (block) or after the last one (flow). */
function appendScalar(text: string, seq: YAMLSeq, value: string, where: string, layout: Layout): Splice {
  const last = seq.items[seq.items.length - 1] as Node | undefined;
  if (!seq.range) throw new PlanError(`${where} has no source position`);
  if (seq.flow) {
    const json = jsonStyle(text, seq, layout);
    if (!last) {
      if (text[seq.range[0]] !== '[') throw new PlanError(`cannot find the opening bracket of ${where}`);
      return { start: seq.range[0] + 1, end: seq.range[0] + 1, text: flowScalar(value, json) };
    }
    if (!last.range) throw new PlanError(`an item of ${where} has no source position`);
    return { start: last.range[1], end: last.range[1], text: `, ${flowScalar(value, json)}` };
  }
  const first = seq.items[0] as Node | undefined;
  if (!first?.range) throw new PlanError(`${where} is empty`);
  const dash = text.lastIndexOf('-', first.range[0]);
  if (dash < lineStartOf(text, first.range[0])) throw new PlanError(`cannot find the dash of an item of ${where}`);
  const gap = ' '.repeat(Math.max(1, columnOf(text, first.range[0]) - columnOf(text, dash) - 1));
  const { at, prefix } = afterBlock(text, seq.range[1]);
  return { start: at, end: at, text: `${prefix}${' '.repeat(columnOf(text, dash))}-${gap}${renderScalar(value, 'plain', false)}\n` };
}

function addToTree(tree: Tree, keys: readonly string[], leaf: Leaf, where: string): void {
  let node = tree;
  keys.forEach((key, index) => {
    const existing = node.get(key);
    if (index === keys.length - 1) {
      if (existing && isLeaf(existing) && 'env' in existing && 'env' in leaf) existing.env.push(...leaf.env);
      else if (existing) throw new PlanError(`two edits write ${where}`);
      else node.set(key, 'env' in leaf ? { env: [...leaf.env] } : leaf);
      return;
    }
    if (existing && isLeaf(existing)) throw new PlanError(`two edits write ${where}`);
    const next: Tree = existing ?? new Map();
    node.set(key, next);
    node = next;
  });
}

/**
 * Plan one fix (all of its edits, or none) against one document of `text`. Insertions under the
 * same mapping are merged, so `resources.limits.memory` and `resources.requests.memory` create one
 * `resources:` block.
 */
export function planEdits(text: string, document: Document, edits: readonly Edit[], layout: Layout = new Layout(text, document)): Planned {
  try {
    const splices: Splice[] = [];
    const inserts = new Map<YAMLMap, Tree>();
    const appends = new Map<YAMLSeq, { entries: { name: string; value: string }[]; column: number }>();
    const treeFor = (map: YAMLMap) => {
      let tree = inserts.get(map);
      if (!tree) inserts.set(map, (tree = new Map()));
      return tree;
    };
    for (const edit of edits) {
      if (edit.op === 'set') {
        const end = appendTarget(document, edit.path, layout);
        if (end) {
          if (typeof edit.value !== 'string') throw new PlanError(`${describe(edit.path)}: only a string can be appended`);
          splices.push(appendScalar(text, end, edit.value, describe(edit.path.slice(0, -1)), layout));
          continue;
        }
        const step = walk(document, edit.path, layout);
        if (step.kind === 'scalar') splices.push(replaceScalar(text, step.node, edit.value, step.inFlow, describe(edit.path)));
        else if (step.kind === 'missing') addToTree(treeFor(step.map), step.keys, { scalar: edit.value }, describe(edit.path));
        else throw new PlanError(`${describe(edit.path)} is a mapping or list, not a value`);
      } else {
        const step = walk(document, edit.container, layout);
        if (step.kind !== 'collection' || !isMap(step.node)) throw new PlanError(`${describe(edit.container)} is not a container mapping`);
        const container = step.node;
        const entry = { name: edit.name, value: edit.value };
        const envPair = container.items.find((pair) => keyOf(pair) === 'env');
        if (!envPair) {
          if (hasMergeKey(container)) throw new PlanError(`${describe(edit.container)} uses a YAML merge key (<<); add env ${edit.name} by hand`);
          addToTree(treeFor(container), ['env'], { env: [entry] }, `${describe(edit.container)}.env`);
          continue;
        }
        const env = envPair.value;
        if (isAlias(env)) throw new PlanError(`${describe(edit.container)}.env is a YAML alias (*${env.source}); add ${edit.name} by hand`);
        if (!isSeq(env)) throw new PlanError(`${describe(edit.container)}.env is not a list`);
        assertNotShared(env, layout, [...edit.container, 'env']);
        const firstKey = container.items[0]?.key as Node | null;
        const column = firstKey?.range ? columnOf(text, firstKey.range[0]) : 0;
        const pending = appends.get(env) ?? { entries: [], column };
        pending.entries.push(entry);
        appends.set(env, pending);
      }
    }
    for (const [map, tree] of inserts) splices.push(insertIntoMap(text, map, tree, layout));
    for (const [seq, { entries, column }] of appends) splices.push(appendToSeq(text, seq, entries, column, layout));
    const sorted = [...splices].sort((a, b) => a.start - b.start);
    for (let index = 1; index < sorted.length; index++) {
      if (overlaps(sorted[index - 1], sorted[index])) throw new PlanError('two edits of this fix touch the same text');
    }
    // New lines follow the file's line ending (a CRLF file stays CRLF).
    const crlf = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1));
    return { ok: true, splices: crlf ? sorted.map((splice) => ({ ...splice, text: splice.text.replace(/\r?\n/g, '\r\n') })) : sorted };
  } catch (error) {
    if (error instanceof PlanError) return { ok: false, reason: error.message };
    throw error;
  }
}

export { Layout };
