/**
 * The constructor (lib/manifests/construct.ts) builds its values from js-yaml's events itself; where
 * its reading agrees with js-yaml's (collections, quoting, escapes, block scalars, documents, last
 * value of a repeated key, merges whose explicit keys follow the `<<`), it must give exactly
 * js-yaml's values: compared document by document against js-yaml's loadAll over every manifest of
 * the shared corpus, every fixture, and YAML written to hit each case. js-yaml is given go-yaml v2's
 * plain-scalar resolution (lib/manifests/scalars.ts) so that only the construction is compared; the
 * scalars themselves, and what differs from js-yaml on purpose, are tested against go-yaml v2's
 * answers in test/yaml-semantics.test.ts.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_ID, FAILSAFE_SCHEMA, defineScalarTag, loadAll, mergeTag, parseEvents } from 'js-yaml';
import { recordAndConstruct } from '../lib/manifests/construct';
import { EventTable } from '../lib/manifests/event-table';
import { parseManifests } from '../lib/manifests/documents';
import { resolvePlain } from '../lib/manifests/scalars';
import { haveCapability } from './helpers/tools';

/** js-yaml with go-yaml v2's implicit scalars and merge keys. */
const REFERENCE_SCHEMA = FAILSAFE_SCHEMA.withTags(
  mergeTag,
  defineScalarTag('tag:yaml.org,2002:go-yaml-v2-plain', { implicit: true, implicitFirstChars: null, resolve: (source) => resolvePlain(source), identify: () => false }),
);

const ROOT = join(__dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');

function manifests(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...manifests(path));
    else if (/\.(ya?ml|json)$/.test(name)) found.push(path);
  }
  return found;
}

/** js-yaml's result for a text: its documents, or its error message. */
function reference(text: string): { values?: unknown[]; error?: string } {
  try {
    return { values: loadAll(text, { schema: REFERENCE_SCHEMA, json: true }) as unknown[] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function ours(text: string): { values?: unknown[]; error?: string } {
  const parsed = parseManifests(text);
  if (!parsed.ok) return { error: parsed.problem.message };
  return { values: parsed.documents.map((document) => document.value) };
}

function assertSame(text: string, label: string): void {
  const expected = reference(text);
  const actual = ours(text);
  if (expected.error !== undefined) {
    assert.ok(actual.error !== undefined, `${label}: js-yaml fails (${expected.error}) but ours did not`);
  } else {
    assert.is(actual.error, undefined, `${label}: ${actual.error}`);
    assert.equal(actual.values, expected.values, label);
  }
}

test('every fixture builds the same values as js-yaml', () => {
  const files = manifests(join(ROOT, 'test')).filter((file) => !file.endsWith('alias-bomb.yaml'));
  assert.ok(files.length > 60, `fixtures: ${files.length}`);
  for (const file of files) assertSame(readFileSync(file, 'utf8'), file);
});

if (haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`)) {
  test('every manifest of the shared corpus builds the same values (and errors) as js-yaml', () => {
    const files = manifests(CORPUS);
    assert.ok(files.length > 150, `corpus files: ${files.length}`);
    for (const file of files) assertSame(readFileSync(file, 'utf8'), file);
  });
}

const CASES: Record<string, string> = {
  'implicit scalars': 'a: 1\nb: -2.5e3\nc: 0x1F\nd: 0o17\ne: .inf\nf: -.Inf\ng: .NaN\nh: true\ni: False\nj: ~\nk: null\nl:\nm: "1"\nn: \'true\'\no: yes\np: 012\nq: 1_000\nr: +1\ns: Null\nt: NULL\nu: nulls\n',
  'numeric and boolean keys become strings': '1: a\ntrue: b\n1.50: d\n0x10: e\n',
  'block, folded and escaped scalars': 'a: |\n  line one\n  line two\nb: >-\n  folded\n  text\nc: "tab\\there \\u00e9"\nd: \'it\'\'s\'\ne: plain\n  continued\n',
  'flow collections and empty values': 'a: [1, "two", {b: c}]\nd: {}\ne: []\nf: [ ]\n',
  'documents, empty documents and a bare scalar': '---\na: 1\n---\n---\n# only a comment\n---\nplain\n...\n--- [1, 2]\n',
  'nested sequences of mappings': 'spec:\n  containers:\n  - name: a\n    env:\n    - {name: X, value: "1"}\n  - name: b\n',
  'JSON text': '{"kind": "Pod", "spec": {"containers": [{"name": "a", "args": ["-Xmx1g", 3, null, true]}]}}',
  'anchors and aliases': 'a: &x {b: 1}\nc: *x\nd: &y 2\ne: *y\n',
  'merge key, explicit keys after it': 'a: &x {b: 1, d: 0}\nc:\n  <<: *x\n  d: 2\n',
  'merge of a list, the earlier map wins': 'a: &x {b: 1}\nz: &z {b: 2, c: 3}\nc:\n  <<: [*x, *z]\n  d: 2\n',
  'duplicate key: the last value': 'a: 1\nb: 2\na: 3\n',
  '__proto__ key': '__proto__: {polluted: true}\nb: 1\n',
  'unresolved alias': 'a: *nothing\n',
  'anchors in several documents': 'a: &x 1\nb: *x\n---\nc: &x [2]\nd: *x\n',
};

for (const [name, text] of Object.entries(CASES)) {
  test(`same as js-yaml: ${name}`, () => assertSame(text, name));
}

test('events are dropped once their document is built', () => {
  const text = 'a: 1\n---\nb: [2]\n---\nc: &x {d: 3}\ne: *x\n---\nf: 4\n';
  const events: (ReturnType<typeof parseEvents>[number] | undefined)[] = parseEvents(text);
  const built = recordAndConstruct(events, text, new EventTable(events.length));
  assert.equal(built.values, [{ a: 1 }, { b: [2] }, { c: { d: 3 }, e: { d: 3 } }, { f: 4 }]);
  assert.ok(events.every((event) => event === undefined));
  const parsed = parseManifests(text);
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal(parsed.documents.map((document) => document.line), [1, 3, 5, 8]);
});

test('a repeated key in a later document is reported with its line, and every document is still read', () => {
  const text = 'a: 1\n---\nb: 2\n---\nc: 3\nd: 4\nc: 5\n';
  const parsed = parseManifests(text);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.equal(parsed.problems, [{ message: 'duplicated mapping key "c"', line: 7, column: 1 }]);
  assert.equal(parsed.documents.map((document) => document.value), [{ a: 1 }, { b: 2 }, { c: 5, d: 4 }]);
  assert.is(parsed.documents[2].lineOf(['c']), 7); // the line of the value Kubernetes reads
});

test('shared line-table arrays: lines stay right file after file, and a stale document refuses to answer', () => {
  const first = parseManifests('a: 1\nb:\n  c: 2\n', 'one.yaml', { shareArrays: true });
  assert.ok(first.ok);
  if (!first.ok) return;
  assert.is(first.documents[0].lineOf(['b', 'c']), 3);
  const own = parseManifests('x: 1\n\n\ny: 2\n');
  const second = parseManifests('\n\nz:\n  - 1\n  - 2\n', 'two.yaml', { shareArrays: true });
  assert.ok(second.ok && own.ok);
  if (!second.ok || !own.ok) return;
  assert.is(second.documents[0].lineOf(['z', 1]), 5);
  assert.is(own.documents[0].lineOf(['y']), 4); // arrays of its own are never shared
  assert.throws(() => first.documents[0].lineOf(['b', 'c']), /after the next file was parsed/);
  assert.throws(() => first.documents[0].line, /after the next file was parsed/);
});

test('the event table records every event, whatever the document holds', () => {
  const text = 'a: &x {b: 1}\nc: *x\nd: [1, 2]\n';
  const events = parseEvents(text);
  const table = new EventTable(events.length);
  recordAndConstruct([...events], text, table);
  const replay = new EventTable(events.length);
  events.forEach((event, at) => replay.record(at, event));
  assert.equal([...table.next], [...replay.next]);
  assert.equal([...table.start], [...replay.start]);
  assert.equal([...table.type], events.map((event) => event.type));
  assert.is(table.next[0], events.length); // the document closes past its last event
  assert.is(events[0].type, EVENT_ID.DOCUMENT);
});

test.run();
