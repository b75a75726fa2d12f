/**
 * Reading a file a stretch at a time (lib/manifests/stream.ts, issue #18 item 2) must read it as
 * `parseManifests` reads the whole text: the same documents, values, repeated-key problems and the
 * line of every path. Each input is read with stretches of one byte (every document, and every item
 * of a List in kubectl's layout, parsed on its own) and compared with the whole-text reading, on the
 * fixtures, the shared corpus, hand-written edge cases and seeded mutations of them. Inputs the
 * stretch-wise reading cannot prove equal must be read again whole (`restart`), never differently.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JsonPath } from '../lib/core/workload';
import { createLinter } from '../lib/engine/linter';
import { lintText } from '../lib/engine/lint-text';
import { parseManifests, type ManifestDocument } from '../lib/manifests/documents';
import { streamManifests } from '../lib/manifests/stream';
import { seededRandom } from './helpers/random';

interface View {
  ok: boolean;
  problem?: unknown;
  problems?: unknown;
  documents: { index: number; value: unknown; line: number; lines: Record<string, number> }[];
}

/** Every path of a value (keys and indexes), capped so that a big input stays quick. */
function paths(value: unknown, prefix: JsonPath = [], into: JsonPath[] = []): JsonPath[] {
  if (into.length > 2000) return into;
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...prefix, index], into));
  else if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) paths((value as Record<string, unknown>)[key], [...prefix, key], into);
  // A path that is not there: the line of its deepest existing node.
  into.push([...prefix, 'absent-key', 3]);
  return into;
}

const linesOf = (document: ManifestDocument, value: unknown, prefix: JsonPath = []) => {
  const lines: Record<string, number> = {};
  for (const path of paths(value, prefix)) lines[JSON.stringify(path)] = document.lineOf(path);
  return lines;
};

function streamed(text: string, stretchBytes = 1): View & { restarted: boolean; itemStretches: number } {
  let documents: View['documents'] = [];
  let restarted = false;
  let itemStretches = 0;
  const result = streamManifests(text, 'f.yaml', {
    document(document) {
      documents.push({ index: document.index, value: document.value, line: document.line, lines: linesOf(document, document.value) });
    },
    items(document, items, first) {
      itemStretches++;
      const entry = documents[documents.length - 1];
      assert.is(entry.index, document.index);
      const list = entry.value as { items: unknown[] };
      assert.is(list.items.length, first, 'items arrive in order');
      list.items.push(...items);
      items.forEach((item, offset) => Object.assign(entry.lines, linesOf(document, item, ['items', first + offset])));
    },
    restart() {
      restarted = true;
      documents = [];
    },
  }, { stretchBytes });
  if (!result.ok) return { ok: false, problem: result.problem, documents: [], restarted, itemStretches };
  return { ok: true, problems: result.problems, documents, restarted, itemStretches };
}

/** Read both ways and compare everything, every line by the whole reading's `lineOf` of the same path. */
function same(text: string, label: string): ReturnType<typeof streamed> {
  const expected = parseManifests(text, 'f.yaml');
  const actual = streamed(text);
  assert.is(actual.ok, expected.ok, `${label}: ok`);
  if (!expected.ok) {
    assert.equal(actual.problem, expected.problem, `${label}: problem`);
    return actual;
  }
  assert.equal(actual.problems, expected.problems, `${label}: problems`);
  assert.is(actual.documents.length, expected.documents.length, `${label}: documents`);
  actual.documents.forEach((document, index) => {
    const reference = expected.documents[index];
    assert.equal(document.value, reference.value, `${label}: value of document ${index}`);
    assert.is(document.index, reference.index, `${label}: index`);
    assert.is(document.line, reference.line, `${label}: line of document ${index}`);
    for (const [path, line] of Object.entries(document.lines)) assert.is(line, reference.lineOf(JSON.parse(path)), `${label}: line of ${path} in document ${index}`);
  });
  return actual;
}

const POD = (name: string, image = 'nginx') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n      resources:\n        limits: {memory: 1Gi}\n        requests: {memory: 512Mi}\n`;
const kubectlList = (count: number) => `apiVersion: v1\nitems:\n${Array.from({ length: count }, (_, index) => `- ${POD(`p${index}`).trimEnd().replaceAll('\n', '\n  ')}\n`).join('')}kind: List\nmetadata:\n  resourceVersion: ""\n`;

const jsonPod = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'node:20', resources: { limits: { memory: '1Gi' } } }] } }, null, 4);
const jsonList = (count: number, indent = true) => `{\n    "apiVersion": "v1",\n    "items": [\n${Array.from({ length: count }, (_, index) => (indent ? jsonPod(`p${index}`) : JSON.stringify(JSON.parse(jsonPod(`p${index}`)))).replace(/^/gm, '        ')).join(',\n')}\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n`;
/** An item nested `levels` deep below its containers. */
const deep = (levels: number) => `${'{"a": '.repeat(levels)}1${'}'.repeat(levels)}`;

const EDGE: Record<string, string> = {
  'kubectl JSON List': jsonList(4),
  'JSON List, one item a line': jsonList(4, false),
  'JSON List with a comment': jsonList(2).replace('"kind": "List",', '"kind": "List", # c'),
  'JSON List with a trailing comma': jsonList(2).replace(/}\n    \],/, '},\n    ],'),
  'JSON List with items twice': jsonList(2).replace('"kind": "List",', '"kind": "List", "items": [{"a": 1}],'),
  'JSON List with a string item': jsonList(2).replace('"items": [', '"items": ["x", '),
  'JSON List with an empty items': '{"apiVersion": "v1", "kind": "List", "items": []}\n',
  'JSON List with an anchor in an item': jsonList(2).replace('"name": "p1"', '"name": &n "p1"'),
  'JSON List with an item at the depth limit': `{"apiVersion": "v1", "kind": "List", "items": [${deep(96)}, {"b": 2}]}\n`,
  'JSON List with an item past the depth limit': `{"apiVersion": "v1", "kind": "List", "items": [${deep(97)}, {"b": 2}]}\n`,
  'block List with an item past the depth limit': `apiVersion: v1\nkind: List\nitems:\n- ${deep(97)}\n- b: 2\n`,
  'block List with an item at the depth limit': `apiVersion: v1\nkind: List\nitems:\n- ${deep(96)}\n- b: 2\n`,
  'JSON not a List': '{"apiVersion": "v1", "kind": "Thing", "items": [{"a": 1}, {"b": 2}]}\n',
  'JSON List, repeated key in an item': jsonList(2).replace('"name": "p1"', '"name": "p1", "name": "p1b"'),
  'documents': [POD('a'), POD('b'), POD('c')].join('---\n'),
  'leading comment and document end': `# c\n${POD('a')}---\n${POD('b')}...\n---\n${POD('c')}`,
  'later syntax error': `${POD('a')}---\na: [1, 2\n---\n${POD('b')}`,
  'directive': `%YAML 1.1\n---\n${POD('a')}---\n${POD('b')}`,
  'empty documents': `${POD('a')}---\n---\n--- # c\nx: 1\n--- |\ntext\n---\n${POD('b')}`,
  'repeated key in a later document': `${POD('a')}---\n${POD('b').replace('  name: b\n', '  name: b\n  name: b2\n')}`,
  'alias across documents': `a: &x 1\n---\nb: *x\n`,
  'anchor in a document': `${POD('a')}---\nbase: &b {memory: 1Gi}\nother: *b\n---\n${POD('b')}`,
  'CRLF': [POD('a'), POD('b')].join('---\n').replaceAll('\n', '\r\n'),
  'lone CR': [POD('a'), POD('b')].join('---\n').replaceAll('\n', '\r'),
  'BOM': `\uFEFF${POD('a')}---\n${POD('b')}`,
  'dashes that start no document': `a: |\n  text\n---x: 1\n---\n${POD('b')}`,
  'quoted scalar across a separator': `${POD('a')}---\n"quoted\n---\nstill"\n`,
  'block scalar documents': `--- |\nfoo\n---\nbar\n`,
  'kubectl List': kubectlList(5),
  'List indented items with comments and a repeated key': `apiVersion: v1\nkind: List\nitems:\n  - ${POD('p').trimEnd().replaceAll('\n', '\n    ')}\n  # comment\n\n  - ${POD('q').replace('  name: q\n', '  name: q\n  name: q2\n').trimEnd().replaceAll('\n', '\n    ')}\n`,
  'List alias across items': `apiVersion: v1\nitems:\n- &a\n  ${POD('p').trimEnd().replaceAll('\n', '\n  ')}\n- *a\nkind: List\n`,
  'List with items twice': `${kubectlList(2)}items:\n- ${POD('x').trimEnd().replaceAll('\n', '\n  ')}\n`,
  'List with a broken item': `apiVersion: v1\nitems:\n- ${POD('p').trimEnd().replaceAll('\n', '\n  ')}\n- [1, 2\nkind: List\n`,
  'List with odd items': `apiVersion: v1\nitems:\n- ${POD('p').trimEnd().replaceAll('\n', '\n  ')}\n-\n- 42\n- apiVersion: v1\n  kind: ConfigMap\nkind: PodList\nmetadata: {resourceVersion: ""}\n`,
  'nested Lists': `kind: List\napiVersion: v1\nitems: []\n---\nkind: List\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - ${POD('n').trimEnd().replaceAll('\n', '\n    ')}\n`,
  'not a List, with items': `apiVersion: v1\nkind: ConfigMap\nitems:\n- a\n- b\n`,
  'List without apiVersion': `kind: List\nitems:\n- ${POD('p').trimEnd().replaceAll('\n', '\n  ')}\n`,
  'List whose item runs back to column 0': `apiVersion: v1\nitems:\n- a: "x\ny"\nkind: List\n`,
  'List item with a block scalar': `apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n    f: |\n      - not an item\n      items:\n- ${POD('p').trimEnd().replaceAll('\n', '\n  ')}\nkind: List\n`,
  'tab in the List': `apiVersion: v1\nitems:\n- a: 1\n\t- b\nkind: List\n`,
  'alias bomb across documents': `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n` +
    `e: &e [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n`,
};

test('edge cases: read stretch by stretch as the whole text reads them, and the unprovable ones read again whole', () => {
  const restartedCases: string[] = [];
  for (const [label, text] of Object.entries(EDGE)) if (same(text, label).restarted) restartedCases.push(label);
  assert.equal(restartedCases.sort(), [
    'JSON List with an item past the depth limit',
    'List alias across items',
    'List whose item runs back to column 0',
    'List with a broken item',
    'List with items twice',
    'alias across documents',
    'alias bomb across documents',
    'block List with an item past the depth limit',
    'directive',
    'later syntax error',
    'leading comment and document end',
    'lone CR',
    'quoted scalar across a separator',
    'tab in the List',
  ]);
});

test('a kubectl List is read item by item, one stretch per item, with every line as in the whole reading', () => {
  const read = same(kubectlList(300), 'kubectl List');
  assert.is(read.restarted, false);
  assert.is(read.itemStretches, 300);
  assert.is((read.documents[0].value as { items: unknown[] }).items.length, 300);
});

function files(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...files(path));
    else if (/\.(ya?ml|json)$/.test(name)) found.push(path);
  }
  return found;
}

const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus');

test('fixtures and the shared corpus: the same documents, values, problems and lines', () => {
  const inputs = [...files(join(__dirname, 'fixtures')), ...(existsSync(CORPUS) ? files(CORPUS) : [])];
  assert.ok(inputs.length > 100, `${inputs.length} inputs`);
  let streamedWithoutRestart = 0;
  for (const file of inputs) {
    const text = readFileSync(file, 'utf8');
    if (!same(text, file).restarted) streamedWithoutRestart++;
  }
  assert.ok(streamedWithoutRestart > inputs.length * 0.8, `${streamedWithoutRestart} of ${inputs.length} read stretch by stretch`);
});

const generator = seededRandom;

test('seeded mutations of the edge cases: line moves, indents, separators, dashes and keys', () => {
  const random = generator(18);
  const pieces = ['---', '...', '- ', 'items:', '  ', '\t', '#', '"', "'", '&a ', '*a', '|', '- x', 'kind: List', 'apiVersion: v1', '%TAG ! x', '['];
  const bases = Object.values(EDGE);
  for (let round = 0; round < 600; round++) {
    const lines = bases[Math.floor(random() * bases.length)].split('\n');
    for (let change = 0; change < 1 + Math.floor(random() * 3); change++) {
      const at = Math.floor(random() * lines.length);
      const piece = pieces[Math.floor(random() * pieces.length)];
      const kind = random();
      if (kind < 0.3) lines.splice(at, 0, piece);
      else if (kind < 0.6) lines[at] = piece + lines[at];
      else if (kind < 0.8) lines[at] = lines[at].replace(/^ {1,2}/, '');
      else lines.splice(at, 0, lines[Math.floor(random() * lines.length)]);
    }
    same(lines.join('\n'), `mutation ${round}: ${JSON.stringify(lines.join('\n'))}`);
  }
});

test('lintText reads a dump stretch by stretch and reports what the whole reading reports', () => {
  const documents = Array.from({ length: 400 }, (_, index) => POD(`p${index}`, index % 2 ? 'node:20' : 'eclipse-temurin:17')).join('---\n');
  const report = lintText(documents, 'dump.yaml', createLinter());
  assert.is(report.documents, 400);
  assert.is(report.workloads, 400);
  const list = lintText(kubectlList(400).replaceAll('image: nginx', 'image: node:20'), 'list.yaml', createLinter());
  assert.is(list.workloads, 400);
  // node-heap-unset and memory-request-not-equal-limit on every item, on the item's own lines
  const requests = list.findings.filter((finding) => finding.ruleId === 'memory-request-not-equal-limit');
  assert.is(requests.length, 400);
  requests.forEach((finding, index) => assert.is(finding.line, 3 + index * 11 + 10));
});

test.run();
