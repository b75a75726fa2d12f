/**
 * `oomguard lint` as a user runs it: the real CLI (bin/oomguard.js over dist/), files, folders,
 * stdin, every format, exit codes, the config file, and bad input.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'oomguard.js');
const RULES = join(ROOT, 'test', 'fixtures', 'rules');
const BAD = join(ROOT, 'test', 'fixtures', 'bad-input');

function lint(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [CLI, 'lint', ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', input: options.input, timeout: 30_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
  assert.is(result.error, undefined, 'the CLI must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  return result;
}
const json = (args: string[], options?: { cwd?: string; input?: string }) => {
  const result = lint(['-f', 'json', ...args], options);
  return { status: result.status, output: JSON.parse(result.stdout) };
};

test('json: exact findings with file, line, resource and container; exit 1 on errors', () => {
  const { status, output } = json(['test/fixtures/rules/memory-request-not-equal-limit/fail.yaml']);
  assert.is(status, 1);
  const mine = output.findings.filter((f: any) => f.ruleId === 'memory-request-not-equal-limit');
  assert.equal(mine[0], {
    ruleId: 'memory-request-not-equal-limit', severity: 'error',
    message: 'container "web" requests 256Mi of memory but is limited to 512Mi: set the request equal to the limit so the node cannot be overcommitted',
    file: 'test/fixtures/rules/memory-request-not-equal-limit/fail.yaml', line: 17,
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, container: 'web', document: 0,
    path: 'spec.template.spec.containers[0].resources.requests.memory', fixable: true,
  });
  assert.equal(output.errors, []);
  assert.is(output.summary.files, 1);
  assert.is(output.summary.workloads, 1);
  assert.is(output.summary.errorCount, 2);
});

test('json: each finding is written exactly as JSON.stringify gives it (escapes, unicode, no container)', () => {
  const { createJsonFormatter, toJson } = require('../lib/cli/formatters/json') as typeof import('../lib/cli/formatters/json');
  const resource = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'we"b\\é\u2028', namespace: 'n' };
  const base = { severity: 'error' as const, resource, document: 1, file: 'dir/"odd"\tname.yaml' };
  const findings = [
    { ...base, ruleId: 'memory-limit-missing', message: 'container "a\nb" has no limit', line: 3, path: ['spec', 'containers', 0, 'resources'], container: 'a\nb' },
    { ...base, ruleId: 'invalid-annotation', message: 'annotation x', line: 7, path: ['metadata', 'annotations', 'oomguard.io/peak-rss'], fix: { description: 'd', edits: [] } },
  ];
  let text = '';
  const formatter = createJsonFormatter({ out: (chunk) => (text += chunk), color: false });
  formatter.file({ file: base.file, findings, errors: [], notes: [], documents: 2, workloads: 2, containers: 2 });
  formatter.end({ files: 1, documents: 2, workloads: 2, containers: 2, errorCount: 2, warningCount: 0, infoCount: 0, fixableCount: 1, inputErrors: [] });
  const lines = text.split('\n');
  assert.is(lines[1], `${JSON.stringify(toJson(findings[0]))},`);
  assert.is(lines[2], JSON.stringify(toJson(findings[1])));
  assert.is(JSON.parse(text).findings[1].container, null);
  assert.is(JSON.parse(text).findings[1].path, 'metadata.annotations["oomguard.io/peak-rss"]');
});

test('a reader that stops early (| head) drops the rest of the output quietly and still exits with the lint exit code', () => {
  const { writeFleet } = require('../bench/fleet') as typeof import('../bench/fleet');
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-pipe-'));
  try {
    writeFleet(dir, 4, 100); // about 200 KB of JSON: more than a pipe holds, so the writer meets EPIPE
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" lint -f json "${dir}" | head -c 20 >/dev/null; echo "oomguard exited \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 30_000 });
    assert.is(result.error, undefined);
    assert.not.match(result.stderr, /EPIPE|Error|\s+at /);
    assert.match(result.stderr, /^oomguard exited 1\n$/); // the run finished: the fleet has error-level findings
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exit 0 for a clean file, warnings only still 0, --max-warnings turns them into 1', () => {
  assert.is(lint(['test/fixtures/rules/memory-limit-below-peak/pass.yaml']).status, 0);
  const warnings = json(['test/fixtures/rules/node-heap-unset/fail.yaml']);
  assert.is(warnings.status, 0);
  assert.equal(warnings.output.findings.map((f: any) => `${f.severity} ${f.ruleId} ${f.line}`), ['warning node-heap-unset 13']);
  assert.is(lint(['--max-warnings', '0', 'test/fixtures/rules/node-heap-unset/fail.yaml']).status, 1);
  assert.is(lint(['--max-warnings', '1', 'test/fixtures/rules/node-heap-unset/fail.yaml']).status, 0);
});

test('stdin with -, JSON input with a List', () => {
  const { output } = json(['-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: nginx\n' });
  assert.equal(output.findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId}`), ['<stdin>:6 memory-limit-missing', '<stdin>:6 liveness-probe-missing', '<stdin>:6 readiness-probe-missing']);
  const list = json(['test/fixtures/cli/list.json']);
  assert.equal(list.output.findings.map((f: any) => `${f.line} ${f.ruleId} ${f.resource.name}`), ['11 memory-request-not-equal-limit from-json']);
});

test('folders are searched recursively for yaml, yml and json; other files are left alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-lint-'));
  try {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'a', 'one.yaml'));
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'a', 'b', 'two.yml'));
    cpSync(join(ROOT, 'test', 'fixtures', 'cli', 'list.json'), join(dir, 'three.json'));
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'a', 'notes.txt'));
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'node_modules', 'x', 'dep.yaml'));
    const { output } = json(['.'], { cwd: dir });
    assert.equal([...new Set(output.findings.map((f: any) => f.file))], ['a/b/two.yml', 'a/one.yaml', 'three.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: each gets a clear message with file and line; other files are still linted; exit 2', () => {
  const { status, output } = json([BAD, 'test/fixtures/rules/memory-request-not-equal-limit/fail.yaml', 'no/such/file.yaml']);
  assert.is(status, 2);
  const errors = Object.fromEntries(output.errors.map((e: any) => [e.file.replace(/^.*\//, ''), `${e.line ?? '-'} ${e.message}`]));
  assert.equal(errors, {
    'binary.yaml': '1 binary file (NUL byte at line 1, column 5), not a manifest',
    'deep.yaml': '1 cannot parse: nesting exceeded maxDepth (100)',
    'duplicate-keys.yaml': '5 duplicated mapping key "name": Kubernetes refuses this; linted with the last value',
    'alias-bomb.yaml': '6 cannot parse: aliases expand to more than 100000 nodes (an alias bomb?): oomguard stops here, and Kubernetes (go-yaml) refuses excessive aliasing too',
    'malformed.yaml': '9 cannot parse: deficient indentation',
    'tabs.yaml': '4 cannot parse: tab characters must not be used in indentation',
    'file.yaml': '- no such file or folder',
    'latin1.yaml': '4 not valid UTF-8 text: byte 0xE9 at line 4, column 12 (save the file as UTF-8)',
  });
  const notes = Object.fromEntries(output.notes.map((n: any) => [n.file.replace(/^.*\//, ''), `${n.line ?? '-'} ${n.message}`]));
  assert.equal(notes, {
    'ci-workflow.yml': '1 not a Kubernetes object (no apiVersion and kind): skipped',
    'empty.yaml': '- no documents: empty file',
  });
  // the good file is still reported
  assert.is(output.findings.filter((f: any) => f.ruleId === 'memory-request-not-equal-limit').length, 2);
  // the Pod with a repeated key is still linted (as Kubernetes would read it: named q); the alias bomb
  // stops at its budget and unknown kinds have nothing to check
  assert.is(output.summary.workloads, 2);
});

test('a FIFO named like a manifest is refused, not waited on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-fifo-'));
  try {
    const fifo = join(dir, 'pipe.yaml');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) return assert.unreachable(`mkfifo failed: ${made.stderr}`);
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'ok.yaml'));
    const { status, output } = json(['.'], { cwd: dir });
    assert.is(status, 2);
    assert.equal(output.errors, [{ file: 'pipe.yaml', message: 'not a regular file' }]);
    assert.is(output.summary.workloads, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stylish: grouped by file, line, severity, message, resource and rule id; a total', () => {
  const result = lint(['test/fixtures/rules/memory-request-not-equal-limit/fail.yaml']);
  assert.is(result.status, 1);
  const lines = result.stdout.split('\n');
  assert.is(lines[0], 'test/fixtures/rules/memory-request-not-equal-limit/fail.yaml');
  assert.match(lines[1], /^ {4}17 {2}error {4}container "web" requests 256Mi of memory but is limited to 512Mi: .* \(Deployment\/web\) {2}memory-request-not-equal-limit$/);
  assert.match(result.stdout, /✖ 2 problems \(2 errors, 0 warnings\) in 1 workloads/);
  assert.not.match(result.stdout, /\x1b\[/, 'no colour when not a terminal');
  const coloured = spawnSync(process.execPath, [CLI, 'lint', '--color', 'test/fixtures/rules/memory-request-not-equal-limit/fail.yaml'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
  assert.match(coloured.stdout, /\x1b\[31merror/);
});

test('sarif: 2.1.0 with rule metadata, levels and real line numbers', () => {
  const result = lint(['-f', 'sarif', 'test/fixtures/rules/jvm-heap-exceeds-limit/fail.yaml']);
  assert.is(result.status, 1);
  const sarif = JSON.parse(result.stdout);
  assert.is(sarif.version, '2.1.0');
  const run = sarif.runs[0];
  assert.is(run.tool.driver.name, 'oomguard');
  const ruleIds = run.tool.driver.rules.map((r: any) => r.id);
  assert.ok(ruleIds.includes('jvm-heap-exceeds-limit'));
  for (const rule of run.tool.driver.rules) {
    assert.ok(rule.shortDescription.text && rule.fullDescription.text && rule.help.text, rule.id);
    assert.ok(['error', 'warning', 'note', 'none'].includes(rule.defaultConfiguration.level));
  }
  const results = run.results.filter((r: any) => r.ruleId === 'jvm-heap-exceeds-limit');
  assert.equal(results.map((r: any) => [r.level, r.locations[0].physicalLocation.region.startLine, r.locations[0].physicalLocation.artifactLocation.uri]), [
    ['error', 17, 'test/fixtures/rules/jvm-heap-exceeds-limit/fail.yaml'],
    ['error', 31, 'test/fixtures/rules/jvm-heap-exceeds-limit/fail.yaml'],
    ['error', 45, 'test/fixtures/rules/jvm-heap-exceeds-limit/fail.yaml'],
    ['error', 57, 'test/fixtures/rules/jvm-heap-exceeds-limit/fail.yaml'],
  ]);
  for (const r of run.results) assert.is(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
  assert.is(run.invocations[0].executionSuccessful, true);
});

test('github: workflow annotations with escaped properties', () => {
  const result = lint(['-f', 'github', 'test/fixtures/rules/probes-identical/fail.yaml']);
  assert.match(result.stdout, /^::warning file=test\/fixtures\/rules\/probes-identical\/fail\.yaml,line=20,title=oomguard probes-identical::container "web" uses the same httpGet handler for liveness and readiness$/m);
  const bad = lint(['-f', 'github', join(BAD, 'duplicate-keys.yaml')]);
  assert.is(bad.status, 2);
  assert.match(bad.stdout, /^::error file=.*duplicate-keys\.yaml,line=5,title=oomguard::duplicated mapping key "name": Kubernetes refuses this; linted with the last value$/m);
});

test('config: found upward, severities (off and opt-in), sizing, ignore globs; invalid config exits 2 naming the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-config-'));
  try {
    mkdirSync(join(dir, 'apps', 'deep'), { recursive: true });
    mkdirSync(join(dir, 'vendor'), { recursive: true });
    cpSync(join(RULES, 'memory-limit-below-peak', 'fail.yaml'), join(dir, 'apps', 'deep', 'api.yaml'));
    cpSync(join(RULES, 'cpu-request-not-equal-limit', 'fail.yaml'), join(dir, 'apps', 'cpu.yaml'));
    cpSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'vendor', 'x.yaml'));
    writeFileSync(join(dir, '.oomguard.yaml'), [
      '# team defaults',
      'rules:',
      '  cpu-request-not-equal-limit: error',
      '  liveness-probe-missing: "off"',
      'sizing:',
      '  factor: 1.2',
      '  overheads:',
      '    jvm: 300Mi',
      'ignore:',
      '  - "vendor/**"',
      '',
    ].join('\n'));
    const { status, output } = json(['.'], { cwd: join(dir, 'apps') });
    assert.is(status, 1);
    const byRule = (id: string) => output.findings.filter((f: any) => f.ruleId === id);
    assert.is(byRule('liveness-probe-missing').length, 0);
    assert.equal(byRule('cpu-request-not-equal-limit').map((f: any) => `${f.file} ${f.line} ${f.severity} ${f.container}`), [
      'cpu.yaml 16 error web', 'cpu.yaml 22 error nolimit', 'deep/api.yaml 16 error api', 'deep/api.yaml 31 error worker',
    ]);
    assert.equal(byRule('memory-limit-below-peak').map((f: any) => f.message), [
      'container "api" limit 512Mi < recommended 780Mi = peak 400Mi × 1.2 + 300Mi JVM overhead',
      'container "worker" limit 256Mi < recommended 340Mi = peak 200Mi × 1.2 + 100Mi Python overhead',
    ]);
    assert.is(output.findings.filter((f: any) => f.file.includes('vendor')).length, 0);

    writeFileSync(join(dir, 'bad.yaml'), 'rules:\n  memory-limit-missing: fatal\n  no-such-rule: error\nsizing:\n  factor: 0.5\n  overheads:\n    jvm: 300MB\nextra: 1\n');
    const bad = lint(['--config', 'bad.yaml', '.'], { cwd: dir });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /bad\.yaml: invalid configuration/);
    assert.match(bad.stderr, /\/rules\/memory-limit-missing must be equal to one of the allowed values \(allowed: error, warning, info, off\)/);
    assert.match(bad.stderr, /\/sizing\/factor must be >= 1/);
    assert.match(bad.stderr, /\/sizing\/overheads\/jvm must match pattern/);
    assert.match(bad.stderr, / must NOT have additional properties: "extra"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2: unknown format, unknown option, unknown command', () => {
  assert.is(lint(['-f', 'xml', '.']).status, 2);
  const unknown = lint(['--frobnicate']);
  assert.is(unknown.status, 2);
  assert.is(unknown.stderr, 'oomguard lint: unknown option --frobnicate\nRun `oomguard help lint` for its options.\n');
  const stdinTwice = lint(['-', '-'], { input: 'kind: Pod\n' });
  assert.equal([stdinTwice.status, stdinTwice.stderr], [2, 'oomguard lint: standard input (-) can be given once\n']);
  const command = spawnSync(process.execPath, [CLI, 'frob'], { encoding: 'utf8' });
  assert.is(command.status, 2);
  assert.match(command.stderr, /unknown command "frob"/);
});

test('rules: lists every rule with severity and summary; explains one', () => {
  const all = spawnSync(process.execPath, [CLI, 'rules'], { encoding: 'utf8' });
  assert.is(all.status, 0);
  assert.match(all.stdout, /^memory-limit-missing +error +fix +A container \(app, init or native sidecar\) has no memory limit\.$/m);
  assert.match(all.stdout, /^cpu-request-not-equal-limit +off /m);
  const one = spawnSync(process.execPath, [CLI, 'rules', 'go-memlimit-invalid'], { encoding: 'utf8' });
  assert.match(one.stdout, /Why: GOMEMLIMIT uses Go's byte-count syntax/);
  const badFormat = spawnSync(process.execPath, [CLI, 'rules', '--format', 'xml'], { encoding: 'utf8' });
  assert.equal([badFormat.status, badFormat.stdout], [2, '']);
  assert.match(badFormat.stderr, /--format must be text or json/);
});

test.run();
