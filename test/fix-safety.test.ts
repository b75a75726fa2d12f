/**
 * `oomguard fix` is as careful with a file as git is (issue #12, items 1–4), through the built CLI on
 * real filesystems: a real 64 KiB tmpfs that cannot hold the fixed copy, a real second process
 * appending while fix runs, real symlinks, hard links, owners and read-only modes.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync,
  rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromLf, toLf } from '../lib/fix/text-form';
import { haveCapability } from './helpers/tools';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oomguard.js');
const NODE_FAIL = join(ROOT, 'test', 'fixtures', 'rules', 'node-heap-unset', 'fail.yaml');
const NODE_FIXED = join(ROOT, 'test', 'fixtures', 'rules', 'node-heap-unset', 'fail.fixed.yaml');
const IS_ROOT = process.getuid?.() === 0;

function oomguard(args: string[], cwd: string, options: { input?: string; node?: string[]; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [...(options.node ?? []), BIN, ...args], {
    cwd, encoding: 'utf8', input: options.input, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'oomguard-safety-'));
}

/** `count` copies of the node-heap-unset fixture, each with its own name: every one gets a NODE_OPTIONS fix. */
function fleet(count: number): string {
  const source = readFileSync(NODE_FAIL, 'utf8');
  return Array.from({ length: count }, (_, index) => source.replace('name: web\n', `name: web${index}\n`)).join('---\n');
}

test.before(() => {
  assert.ok(existsSync(join(ROOT, 'dist', 'lib', 'cli', 'commands', 'fix.js')), 'build first: npx tsc -p .');
});

test('a disk too full for the fixed copy (real 64 KiB tmpfs): original untouched, exit 2, nothing reported as fixed', () => {
  if (!haveCapability(IS_ROOT, 'mounting a tmpfs needs root')) return;
  const dir = scratch();
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (!haveCapability(mount.status === 0, `mount -t tmpfs failed: ${mount.stderr}`)) return rmSync(dir, { recursive: true, force: true });
  try {
    // 36 KiB: it fits, but it and its fixed copy (40 KiB) do not fit together in 64 KiB.
    const text = fleet(70);
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, text);
    assert.ok(text.length > 32 * 1024 && text.length < 60 * 1024, String(text.length));
    const result = oomguard(['fix', 'fleet.yaml'], dir);
    assert.is(result.status, 2, result.stdout + result.stderr);
    assert.is(readFileSync(file, 'utf8'), text, 'every byte of the original is still there');
    assert.equal(readdirSync(dir), ['fleet.yaml'], 'the partial temporary file is removed');
    assert.match(result.stdout, /fleet\.yaml\n\s+-\s+error\s+cannot write the fixed file: no space left on the device \(ENOSPC\) after \d+ of 42126 bytes of the new content; the file is left unchanged/);
    assert.not.match(result.stdout, /\bfixed\s+set --max-old-space-size/, 'no line says "fixed" for the unwritten file');
    assert.match(result.stdout, /fixed 0 problems in 0 files; 70 fixes not written; 1 input could not be read, parsed or written/);
    const json = JSON.parse(oomguard(['fix', '--format', 'json', 'fleet.yaml'], dir).stdout);
    assert.equal([json.files[0].written, json.files[0].changed, json.files[0].applied.length, json.files[0].notWritten.length, json.summary.fixed], [false, false, 0, 70, 0]);
    assert.is(readFileSync(file, 'utf8'), text);
  } finally {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a line appended by another process while fix runs is never lost: that file is refused', () => {
  const dir = scratch();
  try {
    const file = join(dir, 'web.yaml');
    copyFileSync(NODE_FAIL, file);
    const before = readFileSync(file, 'utf8');
    const result = oomguard(['fix', 'web.yaml'], dir, { node: ['-r', join(ROOT, 'test', 'helpers', 'append-during-fix.js')], env: { OOMGUARD_TEST_APPEND_TO: file } });
    assert.is(result.status, 2, result.stdout + result.stderr);
    assert.is(readFileSync(file, 'utf8'), `${before}# appended while fix ran\n`);
    assert.match(result.stdout, /cannot write the fixed file: it changed after oomguard read it \(its size changed from 517 to 542 bytes\); not overwritten, run again; the file is left unchanged/);
    assert.equal(readdirSync(dir), ['web.yaml']);
    // Run again, as the message says: now it is fixed, the appended line kept.
    const again = oomguard(['fix', 'web.yaml'], dir);
    assert.is(again.status, 0, again.stdout);
    assert.is(readFileSync(file, 'utf8'), `${readFileSync(NODE_FIXED, 'utf8')}# appended while fix ran\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BOM, CRLF and CR-only files keep their form; inserted lines use the file\'s line ending', () => {
  const dir = scratch();
  try {
    const lf = readFileSync(NODE_FAIL, 'utf8');
    const fixed = readFileSync(NODE_FIXED, 'utf8');
    const cases: [string, (text: string) => string][] = [
      ['crlf.yaml', (text) => text.replace(/\n/g, '\r\n')],
      ['cr.yaml', (text) => text.replace(/\n/g, '\r')],
      ['bom.yaml', (text) => `\uFEFF${text}`],
      ['bom-crlf.yaml', (text) => `\uFEFF${text.replace(/\n/g, '\r\n')}`],
    ];
    for (const [name, form] of cases) writeFileSync(join(dir, name), form(lf));
    const result = oomguard(['fix', '.'], dir);
    assert.is(result.status, 0, result.stdout);
    for (const [name, form] of cases) assert.is(readFileSync(join(dir, name), 'utf8'), form(fixed), name);
    // The finding lines are right in every form (line 13 is the container).
    assert.is((result.stdout.match(/\n\s+13\s+fixed\s+set --max-old-space-size/g) ?? []).length, 4, result.stdout);
    // Standard input keeps its BOM and CRLF on standard output too.
    const piped = oomguard(['fix', '-'], dir, { input: `\uFEFF${lf.replace(/\n/g, '\r\n')}` });
    assert.is(piped.stdout, `\uFEFF${fixed.replace(/\n/g, '\r\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mixed line endings: untouched lines keep theirs, an inserted line takes the ending of the line it follows', () => {
  const dir = scratch();
  try {
    const lines = readFileSync(NODE_FAIL, 'utf8').split('\n');
    // Lines 1–16 CRLF, the rest LF: the env entry is inserted after line 17 (`value: production`, LF).
    const endingOf = (index: number) => (index < 16 ? '\r\n' : '\n');
    const mixed = lines.map((line, index) => (index === lines.length - 1 ? line : line + endingOf(index))).join('');
    writeFileSync(join(dir, 'mixed.yaml'), mixed);
    assert.is(oomguard(['fix', 'mixed.yaml'], dir).status, 0);
    const out = readFileSync(join(dir, 'mixed.yaml'), 'utf8');
    assert.ok(out.startsWith(lines.slice(0, 16).map((line) => `${line}\r\n`).join('')), JSON.stringify(out));
    assert.match(out, /\r\n {14}value: production\n {12}- name: NODE_OPTIONS\n {14}value: --max-old-space-size=409\n {10}resources:\n/);
    // Inserted right after a CRLF line, a new line is CRLF.
    const form = toLf('a: 1\r\nb: 2\nc: 3\n');
    assert.is(fromLf(form.lf, 'a: 1\nnew: x\nb: 2\nc: 3\n', form.form), 'a: 1\r\nnew: x\r\nb: 2\nc: 3\n');
    assert.is(fromLf(form.lf, 'a: 1\nb: 9\nc: 3\nd: 4\n', form.form), 'a: 1\r\nb: 9\nc: 3\nd: 4\n');
    // Several documents are matched document by document (split at ---): the same result.
    const docs = toLf('a: 1\r\n---\nb: 2\r\nc: 3\n---\r\nd: 4\n');
    assert.is(fromLf(docs.lf, 'a: 1\nx: 0\n---\nb: 2\nnew: y\nc: 3\n---\nd: 5\n', docs.form), 'a: 1\r\nx: 0\r\n---\nb: 2\r\nnew: y\r\nc: 3\n---\r\nd: 5\n');
    const noFinalBreak = toLf('a: 1\r\nb: 2');
    assert.is(fromLf(noFinalBreak.lf, 'a: 1\nb: 2\nc: 3', noFinalBreak.form), 'a: 1\r\nb: 2\r\nc: 3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a symlink is written through to its target and stays a link', () => {
  const dir = scratch();
  try {
    mkdirSync(join(dir, 'real'));
    copyFileSync(NODE_FAIL, join(dir, 'real', 'web.yaml'));
    symlinkSync(join('real', 'web.yaml'), join(dir, 'link.yaml'));
    const result = oomguard(['fix', 'link.yaml'], dir);
    assert.is(result.status, 0, result.stdout);
    assert.ok(lstatSync(join(dir, 'link.yaml')).isSymbolicLink(), 'the link is still a link');
    assert.is(readFileSync(join(dir, 'real', 'web.yaml'), 'utf8'), readFileSync(NODE_FIXED, 'utf8'));
    assert.equal(readdirSync(join(dir, 'real')), ['web.yaml'], 'the temporary file was made beside the target');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hard-linked file and a read-only file are refused and left as they are (exit 2); others are still fixed', () => {
  const dir = scratch();
  try {
    const original = readFileSync(NODE_FAIL, 'utf8');
    copyFileSync(NODE_FAIL, join(dir, 'linked.yaml'));
    linkSync(join(dir, 'linked.yaml'), join(dir, 'other-name.yml.bak'));
    copyFileSync(NODE_FAIL, join(dir, 'readonly.yaml'));
    chmodSync(join(dir, 'readonly.yaml'), 0o444);
    copyFileSync(NODE_FAIL, join(dir, 'plain.yaml'));
    const result = oomguard(['fix', 'linked.yaml', 'readonly.yaml', 'plain.yaml'], dir);
    assert.is(result.status, 2, result.stdout);
    assert.match(result.stdout, /linked\.yaml\n\s+-\s+error\s+cannot write the fixed file: it has 2 hard links: an atomic replace would split them/);
    assert.match(result.stdout, /readonly\.yaml\n\s+-\s+error\s+cannot write the fixed file: it is read-only \(mode 0444\); oomguard does not rewrite read-only files/);
    assert.is(readFileSync(join(dir, 'linked.yaml'), 'utf8'), original);
    assert.is(statSync(join(dir, 'linked.yaml')).nlink, 2, 'still one file under two names');
    assert.is(readFileSync(join(dir, 'readonly.yaml'), 'utf8'), original);
    assert.is(statSync(join(dir, 'readonly.yaml')).mode & 0o777, 0o444);
    assert.is(readFileSync(join(dir, 'plain.yaml'), 'utf8'), readFileSync(NODE_FIXED, 'utf8'));
    assert.match(result.stdout, /fixed 1 problem in 1 file; 2 fixes not written; 2 inputs could not be read, parsed or written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('owner, group and mode (set-gid included) are kept', () => {
  if (!haveCapability(IS_ROOT, 'giving a file another owner needs root')) return;
  const dir = scratch();
  try {
    const file = join(dir, 'web.yaml');
    copyFileSync(NODE_FAIL, file);
    chownSync(file, 1234, 5678);
    chmodSync(file, 0o2640);
    const result = oomguard(['fix', 'web.yaml'], dir);
    assert.is(result.status, 0, result.stdout);
    const stats = statSync(file);
    assert.equal([stats.uid, stats.gid, stats.mode & 0o7777], [1234, 5678, 0o2640]);
    assert.is(readFileSync(file, 'utf8'), readFileSync(NODE_FIXED, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fix needs a path (like prettier --write); fix . works; lint \'\' and fix \'\' are usage errors', () => {
  const dir = scratch();
  try {
    copyFileSync(NODE_FAIL, join(dir, 'web.yaml'));
    const none = oomguard(['fix'], dir);
    assert.equal([none.status, none.stdout], [2, '']);
    assert.match(none.stderr, /^oomguard fix: give the files or folders to fix \(\. for the current folder, - for standard input\)/);
    assert.is(readFileSync(join(dir, 'web.yaml'), 'utf8'), readFileSync(NODE_FAIL, 'utf8'));
    for (const command of ['lint', 'fix']) {
      const empty = oomguard([command, ''], dir);
      assert.equal([empty.status, empty.stdout], [2, ''], command);
      assert.match(empty.stderr, /an empty path \(""\) names no file; use \. for the current folder/);
    }
    assert.is(readFileSync(join(dir, 'web.yaml'), 'utf8'), readFileSync(NODE_FAIL, 'utf8'));
    const dot = oomguard(['fix', '.'], dir);
    assert.is(dot.status, 0, dot.stdout);
    assert.is(readFileSync(join(dir, 'web.yaml'), 'utf8'), readFileSync(NODE_FIXED, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
