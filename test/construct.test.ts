/**
 * The fast constructor (lib/manifests/construct.ts) must give exactly js-yaml's values and errors:
 * compared document by document against js-yaml's loadAll over every manifest of the shared corpus,
 * every fixture, and YAML written to hit each case it leaves to js-yaml.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_ID, loadAll, parseEvents } from 'js-yaml';
import { recordAndConstruct } from '../lib/manifests/construct';
import { EventTable } from '../lib/manifests/event-table';
import { parseManifests } from '../lib/manifests/documents';
import { haveCapability } from './helpers/tools';

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

/** js-yaml's own result for a text: its documents, or its error message. */
function reference(text: string): { values?: unknown[]; error?: string } {
  try {
    return { values: loadAll(text, { maxAliases: 1000 }) as unknown[] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function ours(text: string): { values?: unknown[]; error?: string; fast: boolean } {
  const parsed = parseManifests(text);
  let fast = false;
  try {
    const events = parseEvents(text);
    fast = recordAndConstruct(events, text, new EventTable(events.length)).resumeAt < 0;
  } catch {
    // a syntax error: not the constructor's business
  }
  if (!parsed.ok) return { error: parsed.problem.message, fast };
  return { values: parsed.documents.map((document) => document.value), fast };
}

function usesAliases(text: string): boolean {
  return parseEvents(text).some((event) => event.type === EVENT_ID.ALIAS);
}

function assertSame(text: string, label: string): boolean {
  const expected = reference(text);
  const actual = ours(text);
  if (expected.error !== undefined) {
    assert.ok(actual.error !== undefined, `${label}: js-yaml fails (${expected.error}) but ours did not`);
    assert.ok(expected.error.startsWith(actual.error!.replace(/ "[^"]*"$/, '')), `${label}: ${actual.error} vs ${expected.error}`);
  } else {
    assert.is(actual.error, undefined, `${label}: ${actual.error}`);
    if (actual.fast || !usesAliases(text)) assert.equal(actual.values, expected.values, label);
    // Values built by js-yaml through aliases share subtrees (an alias bomb's would take hours to
    // compare node by node); they come from js-yaml itself, so only their count is compared.
    else assert.is(actual.values!.length, expected.values!.length, label);
  }
  return actual.fast;
}

test('every fixture builds the same values as js-yaml', () => {
  let fast = 0;
  const files = manifests(join(ROOT, 'test'));
  assert.ok(files.length > 60, `fixtures: ${files.length}`);
  for (const file of files) if (assertSame(readFileSync(file, 'utf8'), file)) fast++;
  assert.ok(fast > files.length * 0.8, `fast path taken for ${fast} of ${files.length}`);
});

if (haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`)) {
  test('every manifest of the shared corpus builds the same values (and errors) as js-yaml', () => {
    let fast = 0;
    const files = manifests(CORPUS);
    assert.ok(files.length > 150, `corpus files: ${files.length}`);
    for (const file of files) if (assertSame(readFileSync(file, 'utf8'), file)) fast++;
    assert.ok(fast > files.length * 0.9, `fast path taken for ${fast} of ${files.length}`);
  });
}

const CASES: Record<string, { text: string; fast: boolean }> = {
  'implicit scalars': {
    text: 'a: 1\nb: -2.5e3\nc: 0x1F\nd: 0o17\ne: .inf\nf: -.Inf\ng: .NaN\nh: true\ni: False\nj: ~\nk: null\nl:\nm: "1"\nn: \'true\'\no: yes\np: 012\nq: 1_000\nr: +1\ns: Null\nt: NULL\nu: nulls\n',
    fast: true,
  },
  'numeric and boolean keys become strings': { text: '1: a\ntrue: b\n~: c\n1.50: d\n0x10: e\n', fast: true },
  'block, folded and escaped scalars': { text: 'a: |\n  line one\n  line two\nb: >-\n  folded\n  text\nc: "tab\\there \\u00e9"\nd: \'it\'\'s\'\ne: plain\n  continued\n', fast: true },
  'flow collections and empty values': { text: 'a: [1, "two", {b: c}]\nd: {}\ne: []\nf: [ ]\n- \n'.replace('\n- \n', '\n'), fast: true },
  'documents, empty documents and a bare scalar': { text: '---\na: 1\n---\n---\n# only a comment\n---\nplain\n...\n--- [1, 2]\n', fast: true },
  'nested sequences of mappings': { text: 'spec:\n  containers:\n  - name: a\n    env:\n    - {name: X, value: "1"}\n  - name: b\n', fast: true },
  'JSON text': { text: '{"kind": "Pod", "spec": {"containers": [{"name": "a", "args": ["-Xmx1g", 3, null, true]}]}}', fast: true },
  'anchors and aliases': { text: 'a: &x {b: 1}\nc: *x\nd: &y 2\ne: *y\n', fast: false },
  'merge key is a plain key in the core schema': { text: 'a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n', fast: false },
  'explicit tags': { text: 'a: !!str 1\nb: !!int "2"\nc: !!map {d: 1}\ne: !!seq [1]\nf: ! 3\n', fast: false },
  'duplicate key': { text: 'a: 1\nb: 2\na: 3\n', fast: false },
  'duplicate key after normalisation': { text: '1: a\n"1": b\n', fast: false },
  'complex key': { text: '? [a, b]\n: c\n', fast: false },
  '__proto__ key': { text: '__proto__: {polluted: true}\nb: 1\n', fast: false },
  'unknown tag': { text: 'a: !custom 1\n', fast: false },
  'unresolved alias': { text: 'a: *nothing\n', fast: false },
};

for (const [name, { text, fast }] of Object.entries(CASES)) {
  test(`same as js-yaml: ${name} (${fast ? 'fast path' : 'left to js-yaml'})`, () => {
    assert.is(assertSame(text, name), fast);
  });
}

test('documents before one that needs js-yaml are built fast, and their events are dropped once built', () => {
  const text = 'a: 1\n---\nb: [2]\n---\nc: &x {d: 3}\ne: *x\n---\nf: 4\n';
  const events: (ReturnType<typeof parseEvents>[number] | undefined)[] = parseEvents(text);
  const built = recordAndConstruct(events, text, new EventTable(events.length));
  assert.equal(built.values, [{ a: 1 }, { b: [2] }]);
  assert.is(events[built.resumeAt]!.type, EVENT_ID.DOCUMENT);
  assert.ok(events.slice(0, built.resumeAt).every((event) => event === undefined));
  assert.ok(events.slice(built.resumeAt).every((event) => event !== undefined));
  assertSame(text, 'fast documents, then js-yaml');
  const parsed = parseManifests(text);
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal(parsed.documents.map((document) => document.line), [1, 3, 5, 8]);
});

test('an error in a later document fails the file with js-yaml\'s message and line, whoever built the earlier ones', () => {
  const text = 'a: 1\n---\nb: 2\n---\nc: 3\nd: 4\nc: 5\n';
  const parsed = parseManifests(text);
  assert.equal(parsed, { ok: false, problem: { message: 'duplicated mapping key "c"', line: 7, column: 1 } });
  assertSame(text, 'duplicate key in the third document');
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

test('the event table is the same whichever path built the values', () => {
  const text = 'a: &x {b: 1}\nc: *x\nd: [1, 2]\n';
  const events = parseEvents(text);
  const table = new EventTable(events.length);
  assert.is(recordAndConstruct([...events], text, table).resumeAt, 0);
  const replay = new EventTable(events.length);
  events.forEach((event, at) => replay.record(at, event));
  assert.equal([...table.next], [...replay.next]);
  assert.equal([...table.start], [...replay.start]);
  assert.equal([...table.type], events.map((event) => event.type));
  assert.is(table.next[0], events.length); // the document closes past its last event
  assert.is(events[0].type, EVENT_ID.DOCUMENT);
});

test.run();
