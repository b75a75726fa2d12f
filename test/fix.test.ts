/**
 * `oomguard fix` as a library: the fixed-result fixture of every fixable rule, byte preservation of
 * everything it does not fix (comments, quoting, anchors, separators, JSON, CRLF), refusals where an
 * edit would change more than its field, and the whole shared corpus: after fix no fixable finding
 * remains, a second fix is a no-op, only fixed lines differ and every comment survives.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { structuredPatch } from 'diff';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinter } from '../lib/engine/linter';
import { fixText } from '../lib/fix';
import { looksLikeCompose } from '../lib/compose/detect';
import { lintComposeText } from '../lib/compose/lint';
import { parseManifests } from '../lib/manifests/documents';
import { RULES } from '../lib/rules';

const ROOT = join(__dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'rules');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const linter = createLinter();

const isCompose = (text: string) => {
  const parsed = parseManifests(text);
  return parsed.ok && parsed.documents.some((document) => looksLikeCompose(document.value));
};
/** Compose fixtures are fixed through the Compose adapter, as `oomguard fix` does. */
const fix = (text: string, file = 'test.yaml') => fixText(text, file, linter, isCompose(text) ? { lint: lintComposeText } : {});

test('every fixable rule has a fail*.fixed.yaml fixture, and fix produces it exactly', () => {
  for (const rule of RULES.filter((candidate) => candidate.meta.fixable)) {
    const folder = join(FIXTURES, rule.meta.id);
    const fixed = existsSync(folder) ? readdirSync(folder).filter((name) => /^fail[^.]*\.fixed\.yaml$/.test(name)) : [];
    assert.ok(fixed.length > 0, `${rule.meta.id} is fixable but has no fail*.fixed.yaml`);
    for (const name of fixed) {
      const input = readFileSync(join(folder, name.replace('.fixed', '')), 'utf8');
      const expected = readFileSync(join(folder, name), 'utf8');
      const result = fix(input, name);
      assert.is(result.output, expected, `${rule.meta.id}/${name}`);
      assert.ok(result.applied.some((applied) => applied.ruleId === rule.meta.id), `${rule.meta.id}/${name}: the rule's own fix was applied`);
      const left = result.unfixed.filter(({ finding }) => finding.ruleId === rule.meta.id && finding.fix);
      assert.equal(left, [], `${rule.meta.id}/${name}: no fixable finding of the rule remains`);
      assert.is(fix(expected, name).changed, false, `${rule.meta.id}/${name}: fixing the fixed result is a no-op`);
    }
  }
});

test('a rule that is not fixable has no fixed fixture', () => {
  for (const rule of RULES.filter((candidate) => !candidate.meta.fixable)) {
    const folder = join(FIXTURES, rule.meta.id);
    const fixed = existsSync(folder) ? readdirSync(folder).filter((name) => name.includes('.fixed.')) : [];
    assert.equal(fixed, [], `${rule.meta.id} is not fixable`);
  }
});

test('request = limit keeps quoting, anchors on other nodes, comments and separators', () => {
  const input = [
    '# leading comment',
    '--- # first',
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: p}   # flow',
    'spec:',
    '  containers:',
    '  - name: app',
    '    image: &img busybox',
    '    resources:',
    '      limits:',
    '        memory: "1Gi"  # the limit',
    '      requests:',
    "        memory: '512Mi'   # too small",
    '...',
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: q',
    'spec:',
    '  containers:',
    '  - name: other',
    '    image: busybox',
    '    resources: {limits: {memory: 2Gi}, requests: {memory: 1Gi}}',
    '',
  ].join('\n');
  const result = fix(input);
  assert.is(result.output, input
    .replace("memory: '512Mi'   # too small", "memory: '1Gi'   # too small")
    .replace('requests: {memory: 1Gi}}', 'requests: {memory: 2Gi}}'));
  assert.equal(result.applied.map((applied) => [applied.ruleId, applied.container, applied.line]), [
    ['memory-request-not-equal-limit', 'app', 14],
    ['memory-request-not-equal-limit', 'other', 25],
  ]);
});

test('a numeric limit is copied as a number, whatever the request\'s quoting', () => {
  const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox\n    resources:\n      limits: {memory: 1073741824}\n      requests: {memory: "512Mi"}\n';
  assert.is(fix(input).output, input.replace('{memory: "512Mi"}', '{memory: 1073741824}'));
});

test('JSON stays JSON: new keys in double quotes, in the file\'s indentation', () => {
  const input = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web"},
  "spec": {
    "template": {
      "spec": {
        "containers": [
          {
            "name": "app",
            "image": "node:20",
            "command": ["node", "server.js"],
            "resources": {
              "limits": {"memory": "512Mi"},
              "requests": {"memory": "256Mi"}
            }
          }
        ]
      }
    }
  }
}
`;
  const result = fix(input, 'web.json');
  assert.is(result.output, input
    .replace('"requests": {"memory": "256Mi"}', '"requests": {"memory": "512Mi"}')
    .replace('            }\n          }', '            },\n            "env": [{"name": "NODE_OPTIONS", "value": "--max-old-space-size=409"}]\n          }'));
  assert.equal(JSON.parse(result.output).spec.template.spec.containers[0].env, [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=409' }]);
  assert.is(result.passes, 2, 'the heap flag waits for the pass after the resize');
});

test('new env entries follow the list style around them: flow lists and block lists', () => {
  const flow = 'apiVersion: v1\nkind: Pod\nmetadata: {name: f}\nspec:\n  containers:\n  - {name: app, image: "node:20", command: [node, a.js], env: [], resources: {limits: {memory: 1Gi}}}\n';
  assert.is(fix(flow).output, flow.replace('env: []', 'env: [{name: NODE_OPTIONS, value: --max-old-space-size=912}]'));
  const block = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: b', 'spec:', '  containers:', '    - name: app', '      image: node:20',
    '      env:', '        - name: TZ', '          value: UTC', '      resources:', '        limits:', '          memory: 1Gi', '',
  ].join('\n');
  assert.is(fix(block).output, block.replace('          value: UTC\n', '          value: UTC\n        - name: NODE_OPTIONS\n          value: --max-old-space-size=912\n'));
});

test('options are merged into the existing variable, and a folded block scalar keeps its header and comment', () => {
  const input = [
    'apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: legacy', 'spec:', '  template:', '    spec:', '      containers:',
    '      - name: java', '        image: eclipse-temurin:17', '        env:', '        - name: JAVA_OPTS',
    '          value: >-   # folded', '            -Dapp=1', '            -XX:-UseContainerSupport',
    '        resources:', '          limits:', '            memory: 1Gi', '',
  ].join('\n');
  const result = fix(input);
  assert.ok(result.output.includes('          value: >-   # folded\n            -Dapp=1 -XX:+UseContainerSupport\n'), result.output);
  assert.ok(result.output.startsWith(input.split('        - name: JAVA_OPTS')[0]));
  assert.equal(result.unfixed.filter(({ finding }) => finding.fix), []);
  assert.is(fix(result.output).changed, false);
});

test('CRLF files get CRLF lines', () => {
  const input = 'apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  containers:\r\n    - name: app\r\n      image: node:20\r\n      resources:\r\n        limits:\r\n          memory: 1Gi\r\n';
  assert.is(fix(input).output, `${input}      env:\r\n        - name: NODE_OPTIONS\r\n          value: --max-old-space-size=912\r\n`);
});

test('a limit is raised for a declared peak, and never invented without one', () => {
  const withPeak = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n    oomguard.io/peak-rss: 400Mi\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: busybox\n';
  const result = fix(withPeak);
  assert.ok(result.output.endsWith('        image: busybox\n        resources:\n          limits:\n            memory: 700Mi\n          requests:\n            memory: 700Mi\n'), result.output);
  const withoutPeak = withPeak.replace('  annotations:\n    oomguard.io/peak-rss: 400Mi\n', '');
  const untouched = fix(withoutPeak);
  assert.is(untouched.changed, false);
  const missing = untouched.unfixed.find(({ finding }) => finding.ruleId === 'memory-limit-missing');
  assert.is(missing?.reason, 'no automatic fix for this case');
});

test('edits that would reach through anchors, aliases or merge keys are refused and reported', () => {
  const shared = 'apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  containers:\n  - name: a\n    image: busybox\n    resources: &res\n      limits: {memory: 1Gi}\n      requests: {memory: 512Mi}\n  - name: b\n    image: busybox\n    resources: *res\n';
  const result = fix(shared);
  assert.is(result.changed, false);
  assert.equal(result.unfixed.filter(({ finding }) => finding.fix).map(({ finding, reason }) => [finding.container, reason]), [
    ['a', 'fix not applied: spec.containers[0].resources is shared through the YAML anchor &res; editing it would change every *res too'],
    ['b', 'fix not applied: spec.containers[1].resources is a YAML alias (*res); edit the anchored node instead'],
  ]);
  const merged = 'apiVersion: v1\nkind: Pod\nmetadata: {name: m, annotations: {oomguard.io/peak-rss: 100Mi}}\nspec:\n  containers:\n  - name: a\n    <<: {image: busybox}\n';
  const mergedResult = fix(merged);
  assert.is(mergedResult.changed, false);
  assert.equal(mergedResult.unfixed.filter(({ finding }) => finding.fix).map(({ finding, reason }) => [finding.ruleId, reason]), [
    ['memory-limit-missing', 'fix not applied: spec.containers[0] uses a YAML merge key (<<); add resources.limits.memory by hand'],
  ]);
});

test('a file that does not parse is reported and left as it is', () => {
  const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n';
  const result = fix(input);
  assert.is(result.output, input);
  assert.is(result.changed, false);
  assert.is(result.errors.length, 1);
  assert.ok(result.errors[0].message.startsWith('cannot parse'));
});

/** Every `-` line of the diff must pair with a `+` line that keeps its key, indentation and comment. */
function assertOnlyFixedLinesChanged(file: string, input: string, output: string): void {
  const patch = structuredPatch(file, file, input, output, '', '', { context: 0 });
  for (const hunk of patch.hunks) {
    const removed = hunk.lines.filter((line) => line.startsWith('-')).map((line) => line.slice(1));
    const added = hunk.lines.filter((line) => line.startsWith('+')).map((line) => line.slice(1));
    assert.ok(added.length >= removed.length, `${file}: a fix removed lines\n${hunk.lines.join('\n')}`);
    removed.forEach((line, index) => {
      const key = /^(\s*(?:- )?[^:#]+:\s*)/.exec(line)?.[1];
      assert.ok(key && added[index].startsWith(key), `${file}: line "${line}" lost its key in "${added[index]}"`);
      const comment = / #.*$/.exec(line)?.[0];
      if (comment) assert.ok(added[index].endsWith(comment), `${file}: comment "${comment}" lost in "${added[index]}"`);
    });
  }
}

function commentLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim().startsWith('#'));
}

function walkFiles(folder: string): string[] {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walkFiles(path) : /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

test('every corpus file: no fixable finding remains, a second fix is a no-op, only fixed lines change, comments survive', () => {
  assert.ok(existsSync(CORPUS), `the shared corpus is missing at ${CORPUS}`);
  const files = walkFiles(CORPUS);
  assert.ok(files.length > 100, `corpus has ${files.length} manifest files`);
  let changed = 0;
  let applied = 0;
  for (const path of files) {
    const file = relative(CORPUS, path);
    const input = readFileSync(path, 'utf8');
    const first = fix(input, file);
    if (first.errors.length > 0) {
      assert.is(first.output, input, `${file}: unparsable, left as it is`);
      continue;
    }
    const fixedIds = new Set(first.applied.map((item) => item.ruleId));
    const stillFixable = first.unfixed.filter(({ finding }) => finding.fix || fixedIds.has(finding.ruleId) && finding.fix);
    assert.equal(stillFixable.map(({ finding, reason }) => `${finding.ruleId}: ${reason}`), [], `${file}: fixable findings left`);
    const second = fix(first.output, file);
    assert.is(second.changed, false, `${file}: second fix changed the file`);
    assert.equal(second.applied, [], `${file}: second fix applied something`);
    assertOnlyFixedLinesChanged(file, input, first.output);
    assert.equal(commentLines(first.output), commentLines(input), `${file}: comment lines changed`);
    if (first.changed) changed++;
    applied += first.applied.length;
  }
  assert.ok(changed >= 10 && applied >= 30, `the corpus exercises the fixer (${changed} files, ${applied} fixes)`);
});

test.run();
