/**
 * Compose as an input (lib/compose): Docker's byte units, interpolation and .env files as docker
 * compose reads them, detection, the service model (merge keys, extends, profiles, x- fields), and
 * the same rules through the same engine with exact rule ids and lines; `fix` in the file's own
 * form, byte for byte elsewhere; findings through every formatter of the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isComposeFileName, looksLikeCompose } from '../lib/compose/detect';
import { parseEnvFile } from '../lib/compose/env-file';
import { interpolate } from '../lib/compose/interpolate';
import { lintComposeText } from '../lib/compose/lint';
import { formatDockerBytes, parseDockerBytes } from '../lib/compose/units';
import { lintEither } from '../lib/cli/compose-files';
import { createLinter } from '../lib/engine/linter';
import { fixText } from '../lib/fix';
import { lintText } from '../lib/engine/lint-text';
import { parseQuantity } from '../lib/core/quantity';

const ROOT = join(__dirname, '..');

/**
 * The same container as a Kubernetes Deployment, linted: Compose must give the same numbers, so
 * the sizing model (lib/sizing, lib/runtimes) is asserted once, by its own tests, not again here.
 */
function kubernetes(container: Record<string, unknown>, annotations: Record<string, string> = {}) {
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: String(container.name), annotations },
    spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [container] } } },
  };
  const text = JSON.stringify(deployment, null, 2);
  return { lint: lintText(text, 'k8s.json', linter), fixed: JSON.parse(fixText(text, 'k8s.json', linter).output).spec.template.spec.containers[0] };
}

/** A Kubernetes memory quantity (`700Mi`, `1Gi`) in Docker units (`700m`, `1g`). */
function docker(quantity: string): string {
  const parsed = parseQuantity(quantity);
  assert.ok(parsed.ok, quantity);
  return formatDockerBytes(parsed.bytes);
}
const CLI = join(ROOT, 'bin', 'oomguard.js');
const SHOP = join(ROOT, 'test', 'fixtures', 'compose', 'shop');
const linter = createLinter();
const MI = 1024 * 1024;
const GI = 1024 * MI;

test('Docker units: go-units RAMInBytes, binary, case-insensitive, optional b / ib, decimals, plain bytes', () => {
  const cases: [unknown, number][] = [
    ['512m', 512 * MI], ['512M', 512 * MI], ['512mb', 512 * MI], ['512MB', 512 * MI], ['512MiB', 512 * MI],
    ['1g', GI], ['1G', GI], ['1.5g', 1.5 * GI], ['1 g', GI], ['2t', 2 * 1024 * GI], ['1p', 1024 * 1024 * GI],
    ['100k', 102400], ['100', 100], ['100b', 100], ['100B', 100], [1073741824, GI], ['0.5k', 512], ['1.0000001k', 1024],
  ];
  for (const [input, bytes] of cases) assert.equal(parseDockerBytes(input), { ok: true, bytes }, String(input));
});

test('Docker units: what go-units rejects is reported, with Kubernetes units named', () => {
  for (const input of ['512Mi', '1Gi', '1gi', '512mbb', 'm', '', '-1g', '1.5.5g', 'one', '1x', '1 gb b', ' 1g', true, null]) {
    const parsed = parseDockerBytes(input);
    assert.is(parsed.ok, false, String(input));
  }
  const mi = parseDockerBytes('512Mi');
  assert.ok(!mi.ok && /"Mi".*Kubernetes units/.test(mi.reason));
});

test('formatDockerBytes writes the largest exact unit and reads back', () => {
  assert.is(formatDockerBytes(GI), '1g');
  assert.is(formatDockerBytes(1000 * MI), '1000m');
  assert.is(formatDockerBytes(1536 * MI), '1536m');
  assert.is(formatDockerBytes(512 * 1024), '512k');
  assert.is(formatDockerBytes(1000), '1000');
  for (const bytes of [GI, 1000 * MI, 3 * 1024 * GI, 12345]) assert.equal(parseDockerBytes(formatDockerBytes(bytes)), { ok: true, bytes });
});

test('interpolation: every form docker compose config resolves', () => {
  const vars = new Map([['SET', 'v'], ['EMPTY', ''], ['B', 'b']]);
  const cases: [string, string][] = [
    ['$SET', 'v'], ['${SET}', 'v'], ['x${SET}y', 'xvy'], ['${SET:-d}', 'v'], ['${EMPTY:-d}', 'd'], ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'], ['${UNSET:-d}', 'd'], ['${SET:+alt}', 'alt'], ['${EMPTY:+alt}', ''], ['${EMPTY+alt}', 'alt'], ['${UNSET+alt}', ''],
    ['$$SET', '$SET'], ['$${SET}', '${SET}'], ['${UNSET:-${B:-x}}', 'b'], ['${UNSET:-$B/bin}', 'b/bin'], ['${A:-http://app:${P:-3000}}', 'http://app:3000'],
    ['cost $5', 'cost $5'], ['trailing $', 'trailing $'], ['--maxmemory ${MAX:-512mb}', '--maxmemory 512mb'],
  ];
  for (const [text, value] of cases) assert.is(interpolate(text, vars).value, value, text);
  assert.equal(interpolate('${UNSET}', vars), { value: '', unset: ['UNSET'], required: [] });
  assert.equal(interpolate('${UNSET:?set it}', vars).required, ['required variable UNSET is missing a value: set it']);
  assert.equal(interpolate('${EMPTY:?}', vars).required, ['required variable EMPTY is missing a value']);
  assert.equal(interpolate('${EMPTY?}', vars).required, []);
  for (const bad of ['${', '${SET', '${1}', '${SET:x}', '${}']) assert.ok(interpolate(bad, vars).invalid, bad);
  // Hostile nesting ends with an error, not a stack overflow.
  assert.ok(interpolate('${A:-'.repeat(5000) + '}'.repeat(5000), vars).invalid);
});

test('.env files: export, quotes, comments, escapes, references to earlier lines, problems with lines', () => {
  const env = parseEnvFile([
    '# comment', '', 'A=1', 'export B=two words # trailing comment', "C='${A} literal'", 'D="${A} and \\"q\\"\\n"',
    'E=${A}-${SHELL_ONLY}', 'F=', 'G="multi', 'line"', 'not a line', '1BAD=x', 'H=a#b',
  ].join('\n'), new Map([['SHELL_ONLY', 's']]));
  assert.equal(Object.fromEntries(env.variables), { A: '1', B: 'two words', C: '${A} literal', D: '1 and "q"\n', E: '1-s', F: '', G: 'multi\nline', H: 'a#b' });
  assert.equal(env.problems.map((problem) => problem.line), [11, 12]);
});

test('detection: by the names docker compose reads, and by a services: mapping', () => {
  for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml', 'a/b/Docker-Compose.YML']) assert.ok(isComposeFileName(name), name);
  for (const name of ['compose.full.yaml', 'app.yml', 'docker-compose.override.yml', 'k8s.yaml']) assert.not.ok(isComposeFileName(name), name);
  assert.ok(looksLikeCompose({ services: { web: { image: 'x' } } }));
  assert.ok(looksLikeCompose({ version: '3', services: { web: null } }));
  assert.not.ok(looksLikeCompose({ apiVersion: 'v1', kind: 'List', services: { a: {} } }));
  assert.not.ok(looksLikeCompose({ services: ['a'] }));
  assert.not.ok(looksLikeCompose({ services: { web: 'x' } }));
  assert.not.ok(looksLikeCompose({ services: {} }));
});

/** The shop fixture, linted as the CLI does (its .env beside it, no shell variables). */
function shop() {
  const file = join(SHOP, 'compose.yaml');
  return lintEither(readFileSync(file, 'utf8'), file, 'compose.yaml', linter, { environment: {} }).report;
}

test('the same rules over Compose services: exact rule ids and lines', () => {
  const report = shop();
  assert.equal(report.errors, []);
  assert.is(report.workloads, 7);
  assert.equal(report.findings.map((finding) => `${finding.line} ${finding.ruleId} ${finding.container}`), [
    '10 jvm-heap-unset orders', // image from the x-java anchor through <<, limit 1g from it too
    '13 memory-request-not-equal-limit orders', // mem_reservation 512m vs mem_limit 1g
    '18 node-heap-unset web', // node in a string command
    '27 memory-swap-allowed web', // deploy limit ${WEB_MEMORY} = 1g from .env, no memswap_limit
    '39 invalid-memory-quantity gateway', // 512Mi is a Kubernetes unit, not Docker's
    '44 memory-request-not-equal-limit worker', // inherited through extends: placed on extends
    '46 jvm-heap-exceeds-limit worker', // -Xmx900m in its own command, limit 1g inherited
    '49 healthcheck-missing reports', // the others have one, disable it, run to completion or suppress it by label
    '54 invalid-memory-quantity reports', // $${...} is a literal, not a size
  ]);
  const byRule = (id: string) => report.findings.filter((finding) => finding.ruleId === id);
  // The message a Kubernetes container with the same limit and command gets, word for word.
  const same = kubernetes({ name: 'web', image: 'node:20-alpine', args: ['node server.js'], resources: { limits: { memory: '1Gi' } } }).lint;
  assert.is(byRule('node-heap-unset')[0].message, same.findings.find((finding) => finding.ruleId === 'node-heap-unset')!.message);
  assert.is(byRule('invalid-memory-quantity')[0].message.startsWith('container "gateway" deploy.resources.limits.memory "512Mi" has the unit "Mi"'), true);
  assert.equal(report.findings.find((finding) => finding.ruleId === 'jvm-heap-exceeds-limit')!.resource, { apiVersion: 'compose', kind: 'service', name: 'worker' });
  // No Kubernetes probe rule runs on Compose.
  assert.not.ok(report.findings.some((finding) => /probe/.test(finding.ruleId)));
  assert.equal(report.notes.map((note) => `${note.line} ${note.message.split(':')[0]}`), [
    '53 service "reports"', // env_file named as unknown
    '63 required variable UI_IMAGE is missing a value',
  ]);
});

test('interpolation from --compose-env-file and the shell: the shell wins, unset variables are reported as unknown', () => {
  const file = join(SHOP, 'compose.yaml');
  const text = readFileSync(file, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-'));
  try {
    writeFileSync(join(dir, 'other.env'), 'WEB_MEMORY=600m\nUI_IMAGE=nginx\n');
    const withFile = lintEither(text, file, 'compose.yaml', linter, { environment: {}, envFile: join(dir, 'other.env') }).report;
    assert.match(withFile.findings.find((finding) => finding.ruleId === 'memory-swap-allowed')!.message, /limited to 600Mi/);
    assert.not.ok(withFile.notes.some((note) => /UI_IMAGE/.test(note.message)));
    const shell = lintEither(text, file, 'compose.yaml', linter, { environment: { WEB_MEMORY: '2g' } }).report;
    assert.match(shell.findings.find((finding) => finding.ruleId === 'memory-swap-allowed')!.message, /limited to 2Gi/);
    // No .env at all: the limit is unknown, said once, and not reported as invalid.
    const bare = lintComposeText(text, 'compose.yaml', linter);
    const note = bare.notes.find((item) => /WEB_MEMORY/.test(item.message))!;
    assert.equal([note.line, note.message], [27, 'service "web": deploy.resources.limits.memory depends on unset variable WEB_MEMORY (set it in the environment, .env or --compose-env-file): not checked']);
    assert.not.ok(bare.findings.some((finding) => finding.ruleId === 'invalid-memory-quantity' && finding.container === 'web'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what Compose refuses is an error with its line: bad templates, distinct mem_limit and deploy limits, a bad merge', () => {
  const text = [
    'services:',
    '  a:',
    '    image: "${IMAGE"',
    '    mem_limit: 1g',
    '    deploy: {resources: {limits: {memory: 2g}}}',
    '  c:',
    '    extends: {service: missing}',
    '  d:',
    '    extends: d',
  ].join('\n');
  const report = lintComposeText(text, 'c.yaml', linter);
  assert.equal(report.errors.map((error) => `${error.line} ${error.message.split(':')[0]}`).sort(), ['3 invalid interpolation', '4 service "a"']);
  assert.equal(report.notes.map((note) => `${note.line} ${note.message}`), [
    '7 service "c": service "missing" is not defined in c.yaml',
    '9 service "d": extends forms a cycle (d → d)',
  ]);
  // A merge of something that is not a mapping: refused with its line, by the YAML reader or by the merge.
  const merge = lintComposeText('services:\n  b:\n    <<: [1]\n    image: x\n', 'm.yaml', linter);
  assert.ok(merge.errors.some((error) => /merge/.test(error.message) && (error.line === 3 || error.line === 1)), JSON.stringify(merge.errors));
});

test('extends: file: another file, read relative to the extending file; a missing one is a note', () => {
  const report = shop();
  const reports = report.findings.filter((finding) => finding.container === 'reports').map((finding) => finding.ruleId);
  assert.equal(reports, ['healthcheck-missing', 'invalid-memory-quantity']); // python from base.yml: no heap rule; its own mem_limit wins
  const missing = lintComposeText('services:\n  a:\n    extends: {file: nope.yml, service: b}\n', 'x.yaml', linter, { variables: new Map(), readFile: () => ({ ok: false, message: 'no such file' }), parse: () => ({ ok: false, message: 'unused' }) });
  assert.equal(missing.notes.map((note) => `${note.line} ${note.message}`), ['3 service "a": cannot read nope.yml: no such file']);
});

test('labels are annotations: peak-rss in Docker units sizes the fix; suppressions need a reason', () => {
  const text = [
    'services:',
    '  api:',
    '    image: node:20',
    '    command: ["node", "server.js"]',
    '    labels:',
    '      oomguard.io/peak-rss: 400m',
    '      ignore.oomguard.io/healthcheck-missing: ""',
  ].join('\n') + '\n';
  const report = lintComposeText(text, 'compose.yaml', linter);
  assert.equal(report.findings.map((finding) => `${finding.line} ${finding.ruleId}`), [
    '2 memory-limit-missing', '2 node-heap-unset', '2 healthcheck-missing', '7 invalid-annotation',
  ]);
  // What Kubernetes writes for the same container and peak, in Docker units and Compose's fields.
  const same = kubernetes({ name: 'api', image: 'node:20', command: ['node', 'server.js'] }, { 'oomguard.io/peak-rss': '400Mi' });
  assert.is(report.findings[0].message, same.lint.findings.find((finding) => finding.ruleId === 'memory-limit-missing')!.message);
  const limit = docker(same.fixed.resources.limits.memory);
  const nodeOptions = same.fixed.env.find((variable: { name: string }) => variable.name === 'NODE_OPTIONS').value;
  const fixed = fixText(text, 'compose.yaml', linter, { lint: lintComposeText });
  assert.is(fixed.output, text.replace('      ignore.oomguard.io/healthcheck-missing: ""\n', [
    '      ignore.oomguard.io/healthcheck-missing: ""',
    `    mem_limit: ${limit}`,
    `    mem_reservation: ${limit}`,
    '    environment:',
    `      NODE_OPTIONS: ${nodeOptions}`,
    `    memswap_limit: ${limit}`,
    '',
  ].join('\n')));
  assert.is(fixText(fixed.output, 'compose.yaml', linter, { lint: lintComposeText }).changed, false);
});

test('fix keeps the file\'s own form and every other byte; the second run is a no-op', () => {
  const text = readFileSync(join(SHOP, 'compose.yaml'), 'utf8');
  const file = join(SHOP, 'compose.yaml');
  const { report } = lintEither(text, file, 'compose.yaml', linter, { environment: {} });
  assert.ok(report.findings.length > 0);
  const lint = (source: string, name: string, withLinter: typeof linter) => lintEither(source, file, name, withLinter, { environment: {} }).report;
  const result = fixText(text, 'compose.yaml', linter, { lint });
  // The values the findings' fixes carry (their numbers are the sizing model's, tested elsewhere),
  // written at the Compose path in the file's form: a list item `NAME=value`, a list element.
  const edit = (id: string) => {
    const edits = report.findings.find((finding) => finding.ruleId === id)!.fix!.edits;
    assert.is(edits.length, 1);
    return edits[0] as { op: string; path: (string | number)[]; value: string };
  };
  const node = edit('node-heap-unset');
  assert.equal([node.op, node.path], ['set', ['services', 'web', 'environment', 2]]);
  assert.match(node.value, /^NODE_OPTIONS=--max-old-space-size=\d+$/);
  const jvm = edit('jvm-heap-exceeds-limit');
  assert.equal([jvm.op, jvm.path], ['set', ['services', 'worker', 'command', 1]]);
  assert.match(jvm.value, /^-Xmx\d+m$/);
  const expected = text
    .replace('    mem_reservation: 512m\n', '    mem_reservation: 1g\n')
    .replace('      - PORT=${WEB_PORT:-3000}\n', `      - PORT=\${WEB_PORT:-3000}\n      - ${node.value}\n`)
    .replace('      test: ["CMD", "node", "check.js"]\n', '      test: ["CMD", "node", "check.js"]\n    memswap_limit: ${WEB_MEMORY}\n')
    .replace('"-Xmx900m"', `"${jvm.value}"`);
  assert.is(result.output, expected);
  assert.equal(result.applied.map((applied) => `${applied.line} ${applied.ruleId}`), [
    '13 memory-request-not-equal-limit', '18 node-heap-unset', '27 memory-swap-allowed', '46 jvm-heap-exceeds-limit',
  ]);
  const reasons = Object.fromEntries(result.unfixed.map(({ finding, reason }) => [`${finding.line} ${finding.ruleId}`, reason]));
  assert.match(reasons['10 jvm-heap-unset'], /merge key/);
  assert.is(fixText(result.output, 'compose.yaml', linter, { lint }).changed, false);
});

test('fix writes Docker units in the form used: mem_limit stays mem_limit, deploy stays deploy', () => {
  const service = (lines: string[]) => ['services:', '  api:', '    image: node:20', '    command: node a.js', ...lines, '    labels: {oomguard.io/peak-rss: 1g}', '    healthcheck: {test: [CMD, "true"]}', ''].join('\n');
  const size = docker(kubernetes({ name: 'api', image: 'node:20', command: ['node', 'a.js'], resources: { limits: { memory: '256Mi' } } }, { 'oomguard.io/peak-rss': '1Gi' }).fixed.resources.limits.memory);
  const short = fixText(service(['    mem_limit: 256m']), 'compose.yaml', linter, { lint: lintComposeText });
  assert.ok(short.output.includes(`    mem_limit: ${size}\n`) && short.output.includes(`    mem_reservation: ${size}\n`), short.output);
  assert.not.match(short.output, /deploy/);
  const deploy = fixText(service(['    deploy:', '      resources:', '        limits:', '          memory: 256M']), 'compose.yaml', linter, { lint: lintComposeText });
  assert.ok(deploy.output.includes(`        limits:\n          memory: ${size}\n        reservations:\n          memory: ${size}\n`), deploy.output);
  assert.not.match(deploy.output, /mem_limit/);
});

test('hostile input: an alias bomb, a services list, a scalar file, a cycle across files end with a message, not a hang', () => {
  const lines = ['x-a: &a ["${A}", "${A}", "${A}", "${A}", "${A}", "${A}", "${A}", "${A}", "${A}"]'];
  let previous = 'a';
  for (let level = 0; level < 8; level++) {
    lines.push(`x-l${level}: &l${level} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    previous = `l${level}`;
  }
  lines.push('services:', '  web:', '    image: node:20', `    x-bomb: *${previous}`, '    environment: ["A=${B}"]');
  const started = Date.now();
  const bomb = lintComposeText(lines.join('\n'), 'bomb.yaml', linter);
  assert.ok(Date.now() - started < 2000, 'a 9^9 expansion is never walked');
  // Read (each shared node looked at once) or refused by the reader's alias bound: never expanded.
  if (bomb.errors.length === 0) assert.is(bomb.workloads, 1);
  else assert.match(bomb.errors[0].message, /alias/);
  const list = lintComposeText('services: [web, db]\n', 'c.yaml', linter);
  assert.equal(list.errors, [{ file: 'c.yaml', line: 1, message: 'services must be a mapping of service names to services' }]);
  const scalar = lintComposeText('just text\n', 'c.yaml', linter);
  assert.equal(scalar.errors, [{ file: 'c.yaml', line: 1, message: 'not a Compose file: the top level is not a mapping' }]);
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-'));
  try {
    writeFileSync(join(dir, 'a.yml'), 'services:\n  a:\n    extends: {file: b.yml, service: b}\n');
    writeFileSync(join(dir, 'b.yml'), 'services:\n  b:\n    extends: {file: a.yml, service: a}\n');
    const cycle = lintEither(readFileSync(join(dir, 'a.yml'), 'utf8'), join(dir, 'a.yml'), 'a.yml', linter, { environment: {}, forced: new Set([join(dir, 'a.yml')]) }).report;
    assert.equal(cycle.notes.map((note) => `${note.line} ${note.message}`), ['3 service "a": extends forms a cycle (a → b → a)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Docker reads 0 as unset: mem_limit 0 is no limit, memswap_limit 0 is no swap limit', () => {
  const text = 'services:\n  api:\n    image: busybox\n    mem_limit: 0\n  b:\n    image: busybox\n    mem_limit: 64m\n    memswap_limit: 0\n';
  const report = lintComposeText(text, 'compose.yaml', createLinter({ severities: { 'healthcheck-missing': 'off' } }));
  assert.equal(report.findings.map((finding) => `${finding.line} ${finding.ruleId} ${finding.container}`), ['2 memory-limit-missing api', '7 memory-swap-allowed b']);
  const fixed = fixText(text, 'compose.yaml', linter, { lint: lintComposeText });
  assert.match(fixed.output, /    mem_limit: 64m\n    memswap_limit: 64m\n/);
});

function cli(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
  assert.is(result.error, undefined);
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  return result;
}

test('CLI: findings flow through json, sarif, github and stylish; shape detection and --compose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-'));
  try {
    cpSync(SHOP, join(dir, 'shop'), { recursive: true });
    // A name docker compose would not pick up, found by its services: mapping.
    cpSync(join(SHOP, 'compose.yaml'), join(dir, 'shop', 'stack.prod.yml'));
    const json = cli(['lint', '-f', 'json', 'shop/compose.yaml'], dir);
    assert.is(json.status, 1);
    const output = JSON.parse(json.stdout);
    const first = output.findings[0];
    assert.equal([first.ruleId, first.file, first.line, first.resource, first.container, first.path], ['jvm-heap-unset', 'shop/compose.yaml', 10, { apiVersion: 'compose', kind: 'service', name: 'orders' }, 'orders', 'services.orders']);
    assert.is(output.findings.find((finding: { ruleId: string }) => finding.ruleId === 'invalid-memory-quantity').path, 'services.gateway.deploy.resources.limits.memory');
    const shaped = JSON.parse(cli(['lint', '-f', 'json', 'shop/stack.prod.yml'], dir).stdout);
    assert.is(shaped.findings.length, output.findings.length);
    const sarif = JSON.parse(cli(['lint', '-f', 'sarif', 'shop/compose.yaml'], dir).stdout);
    const result = sarif.runs[0].results.find((item: { ruleId: string }) => item.ruleId === 'healthcheck-missing');
    assert.is(result.locations[0].physicalLocation.region.startLine, 49);
    assert.ok(sarif.runs[0].tool.driver.rules.some((rule: { id: string }) => rule.id === 'healthcheck-missing'));
    const github = cli(['lint', '-f', 'github', 'shop/compose.yaml'], dir).stdout;
    assert.match(github, /::warning file=shop\/compose\.yaml,line=49[^\n]*healthcheck-missing/);
    const stylish = cli(['lint', 'shop'], dir).stdout;
    assert.match(stylish, /shop\/compose\.yaml\n/);
    assert.match(stylish, /\s49\s+warning\s+service "reports" has no healthcheck/);
    // --compose forces a file that holds no services: mapping yet; a folder walk finds both files.
    writeFileSync(join(dir, 'empty.yml'), 'networks: {}\n');
    const forced = JSON.parse(cli(['lint', '-f', 'json', '--compose', 'empty.yml'], dir).stdout);
    assert.match(forced.notes[0].message, /no services/);
    assert.is(JSON.parse(cli(['lint', '-f', 'json', 'shop'], dir).stdout).summary.files, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: .oomguard.yaml applies to Compose files: severities, off, ignore globs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-'));
  try {
    cpSync(SHOP, join(dir, 'shop'), { recursive: true });
    cpSync(SHOP, join(dir, 'legacy'), { recursive: true });
    writeFileSync(join(dir, '.oomguard.yaml'), 'rules:\n  healthcheck-missing: off\n  memory-swap-allowed: error\nignore:\n  - legacy/**\n');
    const output = JSON.parse(cli(['lint', '-f', 'json', '.'], dir).stdout);
    // legacy/ is ignored; shop/base.yml is a Compose file by its shape.
    assert.equal([...new Set(output.findings.map((finding: { file: string }) => finding.file))].sort(), ['shop/base.yml', 'shop/compose.yaml']);
    assert.not.ok(output.findings.some((finding: { ruleId: string }) => finding.ruleId === 'healthcheck-missing'));
    assert.equal(output.findings.filter((finding: { ruleId: string }) => finding.ruleId === 'memory-swap-allowed').map((finding: { file: string; severity: string; line: number }) => `${finding.file}:${finding.line} ${finding.severity}`), ['shop/base.yml:5 error', 'shop/compose.yaml:27 error']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: an unreadable --compose-env-file is an input error naming it (exit 2); the file is still linted', () => {
  const result = cli(['lint', '-f', 'json', '--compose-env-file', 'missing.env', 'compose.yaml'], SHOP);
  assert.is(result.status, 2);
  const output = JSON.parse(result.stdout);
  assert.equal(output.errors.map((error: { file: string; message: string }) => `${error.file}: ${error.message}`), ['missing.env: cannot read the env file: cannot read: ENOENT']);
  assert.ok(output.findings.length > 0);
});

test('CLI fix: rewrites a Compose file in place, atomically, and a second fix changes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-'));
  try {
    cpSync(SHOP, dir, { recursive: true });
    const before = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    const first = cli(['fix', '-f', 'json', 'compose.yaml'], dir);
    const report = JSON.parse(first.stdout);
    assert.is(report.summary.fixed, 4);
    const after = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    assert.is.not(after, before);
    assert.is(JSON.parse(cli(['fix', '-f', 'json', 'compose.yaml'], dir).stdout).summary.fixed, 0);
    assert.is(readFileSync(join(dir, 'compose.yaml'), 'utf8'), after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
