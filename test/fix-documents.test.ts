/**
 * `fix` works document by document (lib/fix/split.ts, lib/fix/scalar-plan.ts): these tests prove it
 * gives exactly what the whole-file passes give, on every fixture alone and on streams made of many
 * of them, and that it reads for editing and re-lints only what a fix touches (operation counts, not
 * timings: the speed is in bench/fix-bench.ts).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinter } from '../lib/engine/linter';
import { fixCounters, fixText, type FixResult } from '../lib/fix/fixer';
import { splitDocuments } from '../lib/fix/split';
import { haveCapability } from './helpers/tools';

const FIXTURES = join(__dirname, 'fixtures');
const linter = createLinter();

function manifests(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'compose') found.push(...manifests(path));
    } else if (/\.(ya?ml|json)$/.test(name) && !/compose/.test(name)) found.push(path);
  }
  return found;
}

/** Everything the CLI prints of a result, in one comparable value. */
function shape(result: FixResult) {
  return { output: result.output, changed: result.changed, applied: result.applied, unfixed: result.unfixed, errors: result.errors, notes: result.notes, passes: result.passes };
}

function same(text: string, name: string): void {
  const whole = fixText(text, name, linter, { byDocument: false });
  const split = fixText(text, name, linter);
  assert.equal(shape(split), shape(whole), name);
}

test('every fixture: document by document gives what the whole-file passes give', () => {
  const files = manifests(FIXTURES);
  assert.ok(files.length > 50, `only ${files.length} fixtures found`);
  for (const file of files) same(readFileSync(file, 'utf8'), file);
});

test('streams of many fixtures (documents that interact through line numbers and passes) give the same', () => {
  const texts = manifests(join(FIXTURES, 'rules')).map((file) => readFileSync(file, 'utf8')).filter((text) => !text.startsWith('{'));
  assert.ok(texts.length > 20);
  for (const step of [1, 3, 7]) {
    const picked = texts.filter((_, index) => index % step === 0);
    // With and without a leading marker, with comments before the first, and with empty documents between.
    same(picked.map((text) => text.replace(/^---\n/, '')).join('\n---\n'), `stream-${step}.yaml`);
    same(`# fleet\n---\n${picked.map((text) => text.replace(/^---\n/, '')).join('---\n---\n')}`, `stream-${step}-b.yaml`);
  }
});

test('the split: one piece per document, joined back to the text; directives, "..." and CR decline', () => {
  assert.equal(splitDocuments('a: 1\n---\nb: 2\n--- \nc: 3'), ['a: 1\n', '---\nb: 2\n', '--- \nc: 3']);
  assert.equal(splitDocuments('# head\n\n---\na: 1\n---\n'), ['# head\n\n---\na: 1\n', '---\n']);
  assert.equal(splitDocuments('a: |\n  ---x\n----\n'), ['a: |\n  ---x\n----\n']);
  assert.is(splitDocuments('%YAML 1.2\n---\na: 1\n'), undefined);
  assert.is(splitDocuments('a: 1\n...\n---\nb: 2\n'), undefined);
  assert.is(splitDocuments('a: 1\r\n---\r\nb: 2\r\n'), undefined);
});

const deployment = (index: number, request: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${index}
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
          resources:
            requests:
              memory: ${request}
            limits:
              memory: 512Mi
`;

test('a file with no fixable finding is never read for editing nor re-linted', () => {
  const text = Array.from({ length: 50 }, (_, index) => deployment(index, '512Mi')).join('---\n');
  const before = { ...fixCounters };
  const result = fixText(text, 'clean.yaml', linter);
  assert.is(result.changed, false);
  assert.ok(result.unfixed.length > 0, 'the probe findings remain');
  assert.equal(fixCounters, before);
});

test('one fixable document among 100: only it is re-linted, and an existing scalar needs no YAML editor', () => {
  const text = Array.from({ length: 100 }, (_, index) => deployment(index, index === 42 ? '256Mi' : '512Mi')).join('---\n');
  const before = { ...fixCounters };
  const result = fixText(text, 'one.yaml', linter);
  assert.is(result.applied.length, 1);
  assert.is(result.applied[0].ruleId, 'memory-request-not-equal-limit');
  assert.is(result.applied[0].line, 42 * 16 + 13);
  assert.is(result.output, text.replace(/(name: svc-42\n(?:.*\n){8}\s+memory: )256Mi/, '$1512Mi'));
  assert.is(fixCounters.editorParses - before.editorParses, 0);
  assert.is(fixCounters.documentLints - before.documentLints, 1);
});

test('a fix that inserts a key goes through the YAML editor for that document only', () => {
  // Node.js without NODE_OPTIONS: the fix adds an env entry, which needs the document's layout.
  const node = deployment(1, '512Mi').replace('nginx:1.27', 'node:20-alpine');
  const text = [deployment(0, '512Mi'), node, deployment(2, '512Mi')].join('---\n');
  const before = { ...fixCounters };
  const result = fixText(text, 'insert.yaml', linter);
  assert.equal(result.applied.map((fix) => [fix.ruleId, fix.line]), [['node-heap-unset', 25]]);
  assert.match(result.output, /- name: app\n {10}image: node:20-alpine\n {10}resources:[^]*env:\n {12}- name: NODE_OPTIONS\n {14}value: --max-old-space-size=\d+\n---\n/);
  assert.is(fixCounters.editorParses - before.editorParses, 1);
  same(text, 'insert.yaml');
});

test('hostile spellings of the scalar a fix replaces: each gives what the whole-file passes give', () => {
  const base = deployment(3, '256Mi');
  const variants = [
    base.replace('memory: 256Mi', 'memory: 256Mi   # asked for'),
    base.replace('memory: 256Mi', 'memory: "256Mi"'),
    base.replace('memory: 256Mi', "memory: '256Mi'"),
    base.replace('memory: 256Mi', 'memory: !!str 256Mi'),
    base.replace('memory: 256Mi', 'memory: &req 256Mi'),
    base.replace('              memory: 256Mi', '              memory:\n                256Mi'),
    base.replace('memory: 256Mi', 'memory: 256\n                Mi'),
    base.replace('            requests:\n              memory: 256Mi\n', '            requests: {\n              memory: 256Mi\n            }\n'),
    base.replace('            requests:\n              memory: 256Mi\n', '            requests: {memory: 256Mi, cpu: 1}\n'),
    base.replace('            requests:\n              memory: 256Mi\n', '            "requests":\n              "memory": 256Mi\n'),
    base.replace('          resources:\n', '          resources: &res\n').concat('---\n', deployment(4, '256Mi').replace('          resources:\n            requests:\n              memory: 256Mi\n            limits:\n              memory: 512Mi\n', '          resources: {}\n')),
    base.replace('memory: 256Mi', 'memory: 256Mi\n              memory: 128Mi'),
    `# leading comment\n${base}`,
    `%YAML 1.2\n---\n${base}`,
    `${base}...\n---\n${base}`,
    base.replace(/\n/g, '\r\n'),
    base.replace('memory: 256Mi', 'memory: 256Mi #'),
    base.replace('memory: 256Mi', 'memory: 256Mi#x'),
    base.replace('image: nginx:1.27', 'image: nginx:1.27\n          env: [{name: GOMEMLIMIT, value: 300MiB}]'),
    // Documents that are not Kubernetes objects (notes with lines) around one whose fix adds lines.
    `plain: data\n---\n${base.replace('nginx:1.27', 'node:20-alpine')}---\nother: 1\n---\n${base}`,
  ];
  // JSON, as kubectl get -o json prints it: quoted keys, planned from the events without the YAML editor.
  const json = `${JSON.stringify(require('js-yaml').load(base), null, 2)}\n`;
  const before = fixCounters.editorParses;
  same(json, 'variant.json');
  assert.is(fixText(json, 'variant.json', linter).applied.length, 1);
  assert.ok(fixCounters.editorParses - before <= 1, 'only the whole-file comparison reads it with the YAML editor');
  variants.forEach((text, index) => {
    same(text, `variant-${index}.yaml`);
    same([deployment(0, '512Mi'), text, deployment(9, '256Mi')].join('---\n'), `variant-${index}-stream.yaml`);
  });
});

const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus');
if (haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`)) {
  test('the shared corpus: document by document gives what the whole-file passes give, file by file', () => {
    const files = manifests(CORPUS);
    assert.ok(files.length > 100, `${files.length} corpus files`);
    let changed = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      same(text, file);
      if (fixText(text, file, linter).changed) changed++;
    }
    assert.ok(changed >= 15, `${changed} corpus files changed`);
  });
}

test.run();
