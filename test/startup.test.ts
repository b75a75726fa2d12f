/**
 * Start-up of `oomguard lint` (issue #18 item 4, the pre-commit case): what one small file loads, and
 * that the bundled lint (dist/lib/cli/lint.bundle.js with its V8 code cache, scripts/bundle-lint.js)
 * answers byte for byte as dist/'s modules do. Timings are in `npm run bench`, not here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oomguard.js');
const BUNDLE = join(ROOT, 'dist', 'lib', 'cli', 'lint.bundle.js');
const CACHE = join(ROOT, 'dist', 'lib', 'cli', 'lint.bundle.cache');
const WORK = mkdtempSync(join(tmpdir(), 'oomguard-startup-'));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: eclipse-temurin:17-jre
          env:
            - name: JAVA_TOOL_OPTIONS
              value: "-Xmx2g"
          resources:
            requests: { memory: 256Mi }
            limits: { memory: 512Mi }
`;
writeFileSync(join(WORK, 'one.yaml'), DEPLOYMENT);
mkdirSync(join(WORK, 'configured'));
writeFileSync(join(WORK, 'configured', '.oomguard.yaml'), 'rules:\n  liveness-probe-missing: off\nsizing:\n  factor: 2\n');
writeFileSync(join(WORK, 'configured', 'one.yaml'), DEPLOYMENT);
mkdirSync(join(WORK, 'misconfigured'));
writeFileSync(join(WORK, 'misconfigured', '.oomguard.yaml'), 'rules:\n  no-such-rule: off\nbogus: 1\n');
writeFileSync(join(WORK, 'misconfigured', 'one.yaml'), DEPLOYMENT);

/**
 * At exit, write what was loaded: the CommonJS modules (require.cache) and Node's own modules
 * (process.moduleLoadList). fs.writeSync, not process.stderr: creating that stream loads modules too.
 */
const REPORT_LOADED = join(WORK, 'report-loaded.js');
writeFileSync(REPORT_LOADED, `process.on('exit', () => {
  const modules = Object.keys(require.cache).filter((file) => file !== __filename);
  require('node:fs').writeFileSync(process.env.LOADED_TO, JSON.stringify({ modules, builtins: process.moduleLoadList }));
});\n`);

/** dist/'s modules without the bundle: what bin/oomguard.js runs for every other command. */
const UNBUNDLED = `require(${JSON.stringify(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;

interface Run { status: number | null; stdout: string; stderr: string }

function node(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Run {
  const result = spawnSync(process.execPath, args, {
    cwd: options.cwd ?? WORK, encoding: 'utf8', input: options.input ?? '', timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', NODE_DEBUG: '', NODE_OPTIONS: '', ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function loaded(args: string[], cwd = WORK): { modules: string[]; builtins: string[]; status: number | null } {
  const to = join(WORK, `loaded-${process.hrtime.bigint()}.json`);
  const run = node(['-r', REPORT_LOADED, ...args], { cwd, env: { LOADED_TO: to } });
  const report = JSON.parse(readFileSync(to, 'utf8')) as { modules: string[]; builtins: string[] };
  return { ...report, modules: report.modules.map((file) => file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file), status: run.status };
}

test('npm run build made the lint bundle and its code cache, and `oomguard lint` runs from them', () => {
  const run = node([BIN, 'lint', 'one.yaml'], { env: { NODE_DEBUG: 'oomguard' } });
  assert.is(run.status, 1);
  assert.match(run.stderr, new RegExp(`lint bundle ${BUNDLE.replace(/[.\\/]/g, '\\$&')}, code cache accepted`));
  // Other commands run from dist/'s modules, as before.
  const rules = node([BIN, 'rules'], { env: { NODE_DEBUG: 'oomguard' } });
  assert.is(rules.status, 0);
  assert.not.match(rules.stderr, /lint bundle/);
});

test('npm pack ships the launcher, the bundle and its code cache', () => {
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.is(pack.status, 0, pack.stderr);
  const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((file) => file.path);
  for (const path of ['bin/oomguard.js', 'dist/lib/cli/lint.bundle.js', 'dist/lib/cli/lint.bundle.cache', 'dist/lib/cli/main.js']) assert.ok(files.includes(path), path);
});

test('lint of one small file loads the launcher and nothing else: no package, no child_process', () => {
  const { modules, builtins, status } = loaded([BIN, 'lint', 'one.yaml']);
  assert.is(status, 1);
  assert.equal(modules, ['bin/oomguard.js']);
  assert.not.ok(builtins.includes('NativeModule child_process'), 'child_process is for --kustomize only');
});

test('without the bundle, lint of one small file loads no package but js-yaml and picocolors, and only the formatter asked for', () => {
  const stylish = loaded(['-e', UNBUNDLED, 'lint', 'one.yaml']);
  assert.is(stylish.status, 1);
  const packages = (modules: string[]) => [...new Set(modules.filter((file) => file.includes('node_modules/')).map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)![1]))].sort();
  assert.equal(packages(stylish.modules), ['js-yaml', 'picocolors']);
  assert.equal(stylish.modules.filter((file) => file.includes('/formatters/') && !file.endsWith('types.js')), ['dist/lib/cli/formatters/index.js', 'dist/lib/cli/formatters/stylish.js']);
  assert.equal(stylish.modules.filter((file) => file.startsWith('dist/lib/cli/commands/')), ['dist/lib/cli/commands/lint.js']);
  assert.equal(stylish.modules.filter((file) => /\/(compose\/(?!detect)|cdk8s|pulumi|lab|webhook|recommend|prometheus|fix)\b/.test(file)), []);
  assert.not.ok(stylish.builtins.includes('NativeModule child_process'));

  const json = loaded(['-e', UNBUNDLED, 'lint', '--format', 'json', 'one.yaml']);
  assert.equal(packages(json.modules), ['js-yaml']);
  assert.equal(json.modules.filter((file) => file.includes('/formatters/') && !file.endsWith('types.js')), ['dist/lib/cli/formatters/index.js', 'dist/lib/cli/formatters/json.js']);

  // A configuration file is validated with ajv (and its globs with picomatch): only when there is one.
  const configured = loaded(['-e', UNBUNDLED, 'lint', 'one.yaml'], join(WORK, 'configured'));
  assert.ok(packages(configured.modules).includes('ajv'));
  for (const modules of [stylish.modules, json.modules, configured.modules]) {
    for (const name of ['diff', 'yaml', 'prom-client']) assert.not.ok(packages(modules).includes(name), name);
  }
});

/** The same command line through the bundle (bin/oomguard.js) and through dist/'s modules. */
const CASES: { name: string; args: string[]; cwd?: string; input?: string }[] = [
  ...['stylish', 'json', 'sarif', 'github', 'junit'].flatMap((format) => [
    { name: `fixtures, ${format}`, args: ['lint', '--format', format, '.'], cwd: join(ROOT, 'test', 'fixtures') },
    { name: `stdin, ${format}`, args: ['lint', '--format', format, '--stdin-filename', 'web/deploy.yaml', '-'], input: DEPLOYMENT },
  ]),
  { name: 'colours', args: ['lint', '--color', 'one.yaml'] },
  { name: 'quiet, rule overrides', args: ['lint', '-q', '--rule', 'jvm-heap-exceeds-limit=warning', '--rule', 'readiness-probe-missing=error', 'one.yaml'] },
  { name: 'max warnings', args: ['lint', '--max-warnings', '0', 'one.yaml'] },
  { name: 'configuration file', args: ['lint', '.'], cwd: join(WORK, 'configured') },
  { name: 'invalid configuration file', args: ['lint', '.'], cwd: join(WORK, 'misconfigured') },
  { name: 'unknown option', args: ['lint', '--frobnicate'] },
  { name: 'unknown format', args: ['lint', '--format', 'xml', 'one.yaml'] },
  { name: 'unknown rule', args: ['lint', '--rule', 'nope=off', 'one.yaml'] },
  { name: 'missing file', args: ['lint', 'missing.yaml'] },
  { name: 'help', args: ['lint', '--help'] },
  { name: 'bad input', args: ['lint', '--format', 'json', '.'], cwd: join(ROOT, 'test', 'fixtures', 'bad-input') },
  { name: 'compose', args: ['lint', '.'], cwd: join(ROOT, 'test', 'fixtures', 'compose') },
];

for (const { name, args, cwd, input } of CASES) {
  test(`the bundled lint answers as dist/'s modules do: ${name}`, () => {
    const bundled = node([BIN, ...args], { cwd, input });
    const modules = node(['-e', UNBUNDLED, ...args], { cwd, input });
    assert.is(bundled.status, modules.status);
    assert.fixture(bundled.stdout, modules.stdout);
    assert.fixture(bundled.stderr, modules.stderr);
  });
}

test('a code cache from another build is not used, one V8 rejects is compiled around, and a stale or missing bundle means dist/', () => {
  // A copy of the package's layout: the launcher finds the bundle beside it, the package root above it.
  const copy = join(WORK, 'copy');
  mkdirSync(join(copy, 'bin'), { recursive: true });
  mkdirSync(join(copy, 'dist', 'lib', 'cli'), { recursive: true });
  copyFileSync(BIN, join(copy, 'bin', 'oomguard.js'));
  copyFileSync(BUNDLE, join(copy, 'dist', 'lib', 'cli', 'lint.bundle.js'));
  copyFileSync(join(ROOT, 'dist', 'lib', 'cli', 'main.js'), join(copy, 'dist', 'lib', 'cli', 'main.js'));
  for (const name of ['package.json', 'schemas', 'node_modules']) symlinkSync(join(ROOT, name), join(copy, name));
  const expected = node([BIN, 'lint', 'one.yaml']);
  const lint = () => node([join(copy, 'bin', 'oomguard.js'), 'lint', 'one.yaml'], { env: { NODE_DEBUG: 'oomguard' } });
  const cache = readFileSync(CACHE);

  const otherBuild = Buffer.from(cache);
  otherBuild.write('0'.repeat(32), 0, 'latin1');
  writeFileSync(join(copy, 'dist', 'lib', 'cli', 'lint.bundle.cache'), otherBuild);
  let run = lint();
  assert.match(run.stderr, /code cache absent/);
  assert.is(run.status, expected.status);
  assert.fixture(run.stdout, expected.stdout);

  // Same build id, but cut short: V8's own checks refuse it.
  writeFileSync(join(copy, 'dist', 'lib', 'cli', 'lint.bundle.cache'), cache.subarray(0, cache.length >> 1));
  run = lint();
  assert.match(run.stderr, /code cache rejected/);
  assert.is(run.status, expected.status);
  assert.fixture(run.stdout, expected.stdout);

  // tsc ran after the bundle (dist/lib/cli/main.js no longer ends with the bundle's build id): not used,
  // lint runs from dist/'s modules (here: the real dist/, through a one-line main.js).
  writeFileSync(join(copy, 'dist', 'lib', 'cli', 'main.js'), `module.exports = require(${JSON.stringify(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))});\n`);
  run = lint();
  assert.match(run.stderr, /lint bundle \S+ is not from the last build of \S+main\.js: not used/);
  assert.not.match(run.stderr, /code cache/);
  assert.is(run.status, expected.status);
  assert.fixture(run.stdout, expected.stdout);

  // Without the bundle, likewise.
  rmSync(join(copy, 'dist', 'lib', 'cli', 'lint.bundle.js'));
  run = lint();
  assert.not.match(run.stderr, /lint bundle/);
  assert.is(run.status, expected.status);
  assert.fixture(run.stdout, expected.stdout);
});

test.after(() => rmSync(WORK, { recursive: true, force: true }));

test.run();
