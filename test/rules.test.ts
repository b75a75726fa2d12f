/**
 * Every rule has fixtures (Polaris-style: a folder per rule id, file names state the expectation),
 * and one generic test runs them: `pass*.yaml` must not raise the rule, `fail*.yaml` must raise
 * exactly the findings in `fail*.expected.json` (line, container, message). The registry, fixture
 * folders and doc pages must agree, and rules must not mutate their input.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinter, type Linter } from '../lib/engine/linter';
import { lintText } from '../lib/engine/lint-text';
import { looksLikeCompose } from '../lib/compose/detect';
import { lintComposeText, readServices } from '../lib/compose/lint';
import { parseManifests } from '../lib/manifests/documents';
import { RULES, RULES_BY_ID } from '../lib/rules';

const FIXTURES = join(__dirname, 'fixtures', 'rules');

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A fixture that is a Compose file goes through the Compose adapter, like `oomguard lint` sends it. */
function isComposeFixture(text: string): boolean {
  const parsed = parseManifests(text);
  return parsed.ok && parsed.documents.some((document) => looksLikeCompose(document.value));
}

function lintFixture(text: string, name: string, linter: Linter) {
  return isComposeFixture(text) ? lintComposeText(text, name, linter) : lintText(text, name, linter);
}

/** Compose labels are the annotations of a service: add one to every service. */
function withLabel(document: unknown, key: string, value: string): Record<string, unknown> {
  const copy = structuredClone(document) as { services: Record<string, { labels?: Record<string, string> }> };
  for (const service of Object.values(copy.services)) service.labels = { ...service.labels, [key]: value };
  return copy;
}

/** The rule under test at error severity, opt-in rules enabled only in their own folder. */
function linterFor(id: string) {
  return createLinter({ severities: { [id]: 'error' } });
}

test('every rule has a fixture folder and every folder is a rule', () => {
  const folders = readdirSync(FIXTURES).sort();
  assert.equal(folders, RULES.map((rule) => rule.meta.id).sort());
});

test('rule ids are unique, kebab-case, and PRODUCT.md ids all exist', () => {
  const ids = RULES.map((rule) => rule.meta.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  for (const id of [
    'memory-limit-missing', 'memory-request-not-equal-limit', 'memory-limit-below-peak', 'invalid-memory-quantity',
    'jvm-container-support-disabled', 'jvm-legacy-heap-unset', 'jvm-heap-exceeds-limit', 'jvm-heap-unset', 'node-heap-unset',
    'node-heap-exceeds-limit', 'go-memlimit-unset', 'go-memlimit-exceeds-limit', 'go-memlimit-invalid', 'liveness-probe-missing',
    'readiness-probe-missing', 'startup-probe-missing', 'probes-identical', 'cpu-request-not-equal-limit',
  ]) assert.ok(RULES_BY_ID.has(id), id);
});

test('cpu-request-not-equal-limit is opt-in, the others are on by default', () => {
  for (const { meta } of RULES) assert.is(meta.defaultSeverity === 'off', meta.id === 'cpu-request-not-equal-limit', meta.id);
});

for (const rule of RULES) {
  const id = rule.meta.id;
  const folder = join(FIXTURES, id);
  const files = existsSync(folder) ? readdirSync(folder) : [];
  const passing = files.filter((name) => /^pass.*\.yaml$/.test(name));
  const failing = files.filter((name) => /^fail[^.]*\.yaml$/.test(name));

  test(`${id}: has passing and failing fixtures`, () => {
    assert.ok(passing.length > 0, `${id} has no pass*.yaml`);
    assert.ok(failing.length > 0, `${id} has no fail*.yaml`);
  });

  for (const name of passing) {
    test(`${id}: ${name} raises nothing`, () => {
      const report = lintFixture(readFileSync(join(folder, name), 'utf8'), name, linterFor(id));
      assert.equal(report.errors, []);
      assert.equal(report.findings.filter((finding) => finding.ruleId === id).map((finding) => finding.message), []);
      assert.ok(report.workloads > 0, 'the fixture holds a workload');
    });
  }

  for (const name of failing) {
    test(`${id}: ${name} raises exactly the expected findings`, () => {
      // `defaultSeverity` (optional) is a finding's severity under the default config when the rule
      // reports it milder than its own default (Report.severity); the webhook test reads it.
      const expected = JSON.parse(readFileSync(join(folder, name.replace(/\.yaml$/, '.expected.json')), 'utf8'))
        .map(({ defaultSeverity: _, ...finding }: { defaultSeverity?: string }) => finding);
      assert.ok(expected.length > 0, 'a failing fixture expects findings');
      const report = lintFixture(readFileSync(join(folder, name), 'utf8'), name, linterFor(id));
      const actual = report.findings.filter((finding) => finding.ruleId === id)
        .map((finding) => ({ line: finding.line, container: finding.container ?? null, message: finding.message }));
      assert.equal(actual, expected);
      for (const finding of report.findings.filter((item) => item.ruleId === id)) assert.is(finding.severity, 'error');
    });

    test(`${id}: ${name} is not mutated by the rules`, () => {
      const parsed = parseManifests(readFileSync(join(folder, name), 'utf8'));
      assert.ok(parsed.ok);
      const linter = linterFor(id);
      if (isComposeFixture(readFileSync(join(folder, name), 'utf8'))) {
        // The Compose model is built from a copy; freeze the workloads the rules receive.
        for (const document of parsed.documents) {
          for (const { built } of readServices(document.value as never, name).services) {
            const before = JSON.stringify(built.workload, (key, value) => (value instanceof Map ? [...value] : value));
            deepFreeze(built.workload);
            linter.lintWorkload(built.workload);
            assert.is(JSON.stringify(built.workload, (key, value) => (value instanceof Map ? [...value] : value)), before);
          }
        }
        return;
      }
      for (const document of parsed.documents) {
        const before = JSON.stringify(document.value);
        deepFreeze(document.value);
        linter.lintDocument(document.value);
        assert.is(JSON.stringify(document.value), before);
      }
    });
  }

  test(`${id}: a suppression with a reason silences it`, () => {
    const name = failing[0];
    const text = readFileSync(join(folder, name), 'utf8');
    const parsed = parseManifests(text);
    assert.ok(parsed.ok);
    const linter = linterFor(id);
    if (isComposeFixture(text)) {
      for (const document of parsed.documents) {
        const labelled = withLabel(document.value, `ignore.oomguard.io/${id}`, 'accepted until the Q3 migration');
        const remaining = readServices(labelled as never, name).services.flatMap(({ built }) => linter.lintWorkload(built.workload)).filter((finding) => finding.ruleId === id);
        assert.equal(remaining, []);
      }
      return;
    }
    for (const document of parsed.documents) {
      const object = structuredClone(document.value) as { metadata: { annotations?: Record<string, string> } };
      object.metadata.annotations = { ...object.metadata.annotations, [`ignore.oomguard.io/${id}`]: 'accepted until the Q3 migration' };
      const remaining = linter.lintDocument(object).filter((finding) => finding.ruleId === id);
      if (id === 'invalid-annotation') continue; // it reports the suppressions themselves
      assert.equal(remaining, []);
    }
  });
}

test('a suppression without a reason does not suppress and is reported', () => {
  const text = readFileSync(join(FIXTURES, 'invalid-annotation', 'fail.yaml'), 'utf8');
  const report = lintText(text, 'f.yaml', createLinter());
  assert.ok(report.findings.some((finding) => finding.ruleId === 'memory-request-not-equal-limit'));
  assert.ok(report.findings.some((finding) => finding.ruleId === 'invalid-annotation' && /suppresses nothing/.test(finding.message)));
});

test('configured severities: off removes a rule, a severity changes it', () => {
  const text = readFileSync(join(FIXTURES, 'memory-request-not-equal-limit', 'fail.yaml'), 'utf8');
  const off = lintText(text, 'f.yaml', createLinter({ severities: { 'memory-request-not-equal-limit': 'off' } }));
  assert.not.ok(off.findings.some((finding) => finding.ruleId === 'memory-request-not-equal-limit'));
  const warn = lintText(text, 'f.yaml', createLinter({ severities: { 'memory-request-not-equal-limit': 'warning' } }));
  assert.equal(warn.findings.filter((finding) => finding.ruleId === 'memory-request-not-equal-limit').map((finding) => finding.severity), ['warning', 'warning']);
});

test.run();
