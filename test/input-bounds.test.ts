/**
 * Every input is bounded and nothing blocks (issue #12, items 6 and 16), through the built CLI: real
 * /dev/zero on standard input, real FIFOs as config and as `diagnose` input, a sparse 65 MiB config,
 * empty configs, and ignore globs that are invalid or that match a file named on the command line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oomguard.js');
const RULES = join(ROOT, 'test', 'fixtures', 'rules');

/** Bounded in time: a hang fails the test (status null) instead of stalling the suite. */
function oomguard(args: string[], cwd: string, stdin: number | 'pipe' = 'pipe') {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000, stdio: [stdin, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'oomguard-bounds-'));
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  assert.is(made.status, 0, made.stderr);
}

test('lint - < /dev/zero stops at the 64 MiB limit: exit 2, a clear error, bounded memory', () => {
  const zero = openSync('/dev/zero', 'r');
  try {
    const started = Date.now();
    const result = oomguard(['lint', '-f', 'json', '-'], ROOT, zero);
    assert.is(result.status, 2, `${result.signal} ${result.stderr}`);
    assert.equal(JSON.parse(result.stdout).errors, [{ file: '<stdin>', message: 'standard input is over the 67108864-byte (64 MiB) input limit' }]);
    assert.ok(Date.now() - started < 20_000);
  } finally {
    closeSync(zero);
  }
  // Peak RSS of the same run, from getrusage in the process itself.
  const dir = scratch();
  const zeroAgain = openSync('/dev/zero', 'r');
  try {
    const rssFile = join(dir, 'rss');
    const result = spawnSync(process.execPath, ['-r', join(ROOT, 'test', 'helpers', 'report-max-rss.js'), BIN, 'lint', '-'], {
      encoding: 'utf8', timeout: 30_000, stdio: [zeroAgain, 'pipe', 'pipe'], env: { ...process.env, OOMGUARD_TEST_RSS_FILE: rssFile },
    });
    assert.is(result.status, 2);
    const peakKiB = Number(readFileSync(rssFile, 'utf8'));
    // Measured here: about 115 MiB (the 64 MiB read and Node itself); 2.8 GB before the limit existed.
    assert.ok(peakKiB > 0 && peakKiB < 300 * 1024, `peak RSS ${peakKiB} KiB`);
  } finally {
    closeSync(zeroAgain);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a procfs file that says it is empty and never ends is read only up to the limit', () => {
  // /proc/self/pagemap: size 0, gigabytes of data (4.3 GB of memory in 20 s before the bounded read).
  for (const command of ['lint', 'fix']) {
    const result = oomguard([command, '-f', 'json', '/proc/self/pagemap'], ROOT);
    assert.is(result.status, 2, `${command}: ${result.signal}`);
    assert.is(JSON.parse(result.stdout).errors.length, 1);
  }
});

test('a FIFO or device as .oomguard.yaml or --config is refused at once, never waited on', () => {
  const dir = scratch();
  try {
    copyFileSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'web.yaml'));
    mkfifo(join(dir, '.oomguard.yaml'));
    const found = oomguard(['lint', 'web.yaml'], dir);
    assert.is(found.status, 2, `${found.signal}`);
    assert.match(found.stderr, /\.oomguard\.yaml: invalid configuration:\n {2}- is a FIFO \(named pipe\), not a regular file/);
    rmSync(join(dir, '.oomguard.yaml'));
    mkfifo(join(dir, 'pipe.yaml'));
    const explicit = oomguard(['fix', '--config', 'pipe.yaml', 'web.yaml'], dir);
    assert.is(explicit.status, 2, `${explicit.signal}`);
    assert.match(explicit.stderr, /pipe\.yaml: invalid configuration:\n {2}- is a FIFO/);
    const empty = oomguard(['lint', '--config', '', 'web.yaml'], dir);
    assert.equal([empty.status, empty.stderr], [2, 'oomguard lint: --config: invalid configuration:\n  - an empty path ("") names no file\n']);
    const device = oomguard(['lint', '--config', '/dev/zero', 'web.yaml'], dir);
    assert.is(device.status, 2, `${device.signal}`);
    assert.match(device.stderr, /\/dev\/zero: invalid configuration:\n {2}- is a character device, not a regular file/);
    // A 65 MiB (sparse) config is refused from its size, without reading it.
    writeFileSync(join(dir, 'huge.yaml'), '');
    truncateSync(join(dir, 'huge.yaml'), 65 * 1024 * 1024);
    const huge = oomguard(['lint', '--config', 'huge.yaml', 'web.yaml'], dir);
    assert.is(huge.status, 2);
    assert.match(huge.stderr, /huge\.yaml: invalid configuration:\n {2}- file \(68157440 bytes\) is over the 67108864-byte \(64 MiB\) input limit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnose refuses /dev/zero and a FIFO at once', () => {
  const dir = scratch();
  try {
    mkfifo(join(dir, 'pods.json'));
    const fifo = oomguard(['diagnose', 'pods.json'], dir);
    assert.is(fifo.status, 2, `${fifo.signal}`);
    assert.match(fifo.stderr, /pods\.json: is a FIFO \(named pipe\), not a regular file/);
    const zero = oomguard(['diagnose', '/dev/zero'], dir);
    assert.is(zero.status, 2, `${zero.signal}`);
    assert.match(zero.stderr, /\/dev\/zero: is a character device, not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty or comments-only config file means the defaults, as null does', () => {
  const dir = scratch();
  try {
    copyFileSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'web.yaml'));
    const baseline = oomguard(['lint', '-f', 'json', 'web.yaml'], dir);
    assert.is(baseline.status, 1);
    for (const text of ['', '\n', '# team defaults: none yet\n', 'null\n', '---\n']) {
      writeFileSync(join(dir, '.oomguard.yaml'), text);
      const result = oomguard(['lint', '-f', 'json', 'web.yaml'], dir);
      assert.is(result.status, 1, `${JSON.stringify(text)}: ${result.stderr}`);
      assert.equal(JSON.parse(result.stdout).findings, JSON.parse(baseline.stdout).findings, JSON.stringify(text));
    }
    writeFileSync(join(dir, '.oomguard.yaml'), 'rules: {}\n---\nrules: {}\n');
    const two = oomguard(['lint', 'web.yaml'], dir);
    assert.is(two.status, 2);
    assert.match(two.stderr, /holds 2 YAML documents; a configuration file holds one/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid ignore globs are errors; a named file an ignore glob leaves out gets a message', () => {
  const dir = scratch();
  try {
    mkdirSync(join(dir, 'vendor'));
    copyFileSync(join(RULES, 'memory-limit-missing', 'fail.yaml'), join(dir, 'vendor', 'x.yaml'));
    writeFileSync(join(dir, '.oomguard.yaml'), 'ignore:\n  - "[abc"\n  - "/abs/*.yaml"\n  - "x/[z-a]"\n  - "apps/{a,b"\n');
    const bad = oomguard(['lint', '.'], dir);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /\/ignore\/0: "\[abc" is not a valid glob: Missing closing: "\]"/);
    assert.match(bad.stderr, /\/ignore\/1: "\/abs\/\*\.yaml" is absolute; ignore patterns are relative to the configuration file's folder/);
    assert.match(bad.stderr, /\/ignore\/2: "x\/\[z-a\]" is not a valid glob: it can match no path/);
    assert.match(bad.stderr, /\/ignore\/3: "apps\/\{a,b" is not a valid glob: Missing closing: "\}"/);
    writeFileSync(join(dir, '.oomguard.yaml'), 'ignore:\n  - "build/**"\n  - "vendor/**"\n');
    for (const command of ['lint', 'fix']) {
      const named = oomguard([command, 'vendor/x.yaml'], dir);
      assert.is(named.status, 0, named.stdout);
      assert.is(named.stderr, `oomguard ${command}: vendor/x.yaml is not ${command === 'lint' ? 'linted' : 'fixed'}: it matches the ignore pattern "vendor/**" in .oomguard.yaml\n`);
    }
    // Found by walking a folder, an ignored file is skipped silently, as before.
    assert.is(oomguard(['lint', '.'], dir).stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memory-volume-unbounded: error when sizeLimit + peak exceeds the limit, warning without sizeLimit; a configured severity applies to all', () => {
  const dir = scratch();
  try {
    copyFileSync(join(RULES, 'memory-volume-unbounded', 'fail.yaml'), join(dir, 'render.yaml'));
    const severities = (stdout: string) => JSON.parse(stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'memory-volume-unbounded').map((f: { line: number; severity: string }) => `${f.line} ${f.severity}`);
    const defaults = oomguard(['lint', '-f', 'json', 'render.yaml'], dir);
    assert.is(defaults.status, 1);
    assert.equal(severities(defaults.stdout), ['34 error', '38 error', '44 warning']);
    writeFileSync(join(dir, '.oomguard.yaml'), 'rules:\n  memory-volume-unbounded: warning\n');
    assert.equal(severities(oomguard(['lint', '-f', 'json', 'render.yaml'], dir).stdout), ['34 warning', '38 warning', '44 warning']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
