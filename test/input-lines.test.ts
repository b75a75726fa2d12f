/**
 * A line for every input error that has one (issue #12 item 13): the first bad byte of a file that
 * is not UTF-8 or holds a NUL, by line and column; UTF-16 and UTF-32 text named as such; findings in
 * CR-only and CRLF files on their real lines; and the default stylish output printing the line of a
 * parse error. Through the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');
const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx\n';

function lint(files: Record<string, Buffer | string>, format = 'json') {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-lines-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const result = spawnSync(process.execPath, [CLI, 'lint', '-f', format, ...Object.keys(files)], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const utf16le = (text: string, bom: boolean) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);
const swap16 = (buffer: Buffer) => Buffer.from(buffer).swap16();
function utf32(text: string, littleEndian: boolean, bom: boolean): Buffer {
  const codes = [...(bom ? '\uFEFF' : ''), ...text].map((char) => char.codePointAt(0)!);
  const buffer = Buffer.alloc(codes.length * 4);
  codes.forEach((code, index) => (littleEndian ? buffer.writeUInt32LE(code, index * 4) : buffer.writeUInt32BE(code, index * 4)));
  return buffer;
}

test('bytes that are not UTF-8 text: what they are, and the line and column of the first bad byte', () => {
  const { status, stdout } = lint({
    'latin1.yaml': Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\ndata:\n  city: Z'), Buffer.from([0xfc]), Buffer.from('rich\n')]),
    'truncated.yaml': Buffer.concat([Buffer.from('a: 1\nb: "\u00e9'), Buffer.from([0xe2, 0x82])]),
    'overlong.yaml': Buffer.concat([Buffer.from('a: 1\r\nb: 2\r\nc: '), Buffer.from([0xc0, 0xaf])]),
    'nul.yaml': Buffer.concat([Buffer.from('a: 1\nbb: x'), Buffer.from([0]), Buffer.from('y\n')]),
    'utf16le-bom.yaml': utf16le(POD, true),
    'utf16be-bom.yaml': swap16(utf16le(POD, true)),
    'utf16le.yaml': utf16le(POD, false),
    'utf16be.yaml': swap16(utf16le(POD, false)),
    'utf32le-bom.yaml': utf32(POD, true, true),
    'utf32be.yaml': utf32(POD, false, false),
  });
  assert.is(status, 2);
  const errors = Object.fromEntries(JSON.parse(stdout).errors.map((error: any) => [error.file, `${error.line ?? '-'} ${error.message}`]));
  assert.equal(errors, {
    'latin1.yaml': '4 not valid UTF-8 text: byte 0xFC at line 4, column 10 (save the file as UTF-8)',
    'truncated.yaml': '2 not valid UTF-8 text: byte 0xE2 at line 2, column 6 (save the file as UTF-8)',
    'overlong.yaml': '3 not valid UTF-8 text: byte 0xC0 at line 3, column 4 (save the file as UTF-8)',
    'nul.yaml': '2 binary file (NUL byte at line 2, column 6), not a manifest',
    'utf16le-bom.yaml': '- UTF-16 text (little-endian): convert it to UTF-8',
    'utf16be-bom.yaml': '- UTF-16 text (big-endian): convert it to UTF-8',
    'utf16le.yaml': '- UTF-16 text (little-endian): convert it to UTF-8',
    'utf16be.yaml': '- UTF-16 text (big-endian): convert it to UTF-8',
    'utf32le-bom.yaml': '- UTF-32 text (little-endian): convert it to UTF-8',
    'utf32be.yaml': '- UTF-32 text (big-endian): convert it to UTF-8',
  });
});

test('findings in CR-only, CRLF and mixed files are on their own lines', () => {
  const { stdout } = lint({ 'cr.yaml': POD.replace(/\n/g, '\r'), 'crlf.yaml': POD.replace(/\n/g, '\r\n'), 'lf.yaml': POD, 'mixed.yaml': POD.replace('\n', '\r').replace('\n', '\r\n') });
  const lines = JSON.parse(stdout).findings.filter((finding: any) => finding.ruleId === 'memory-limit-missing').map((finding: any) => `${finding.file}:${finding.line}`);
  assert.equal(lines.sort(), ['cr.yaml:7', 'crlf.yaml:7', 'lf.yaml:7', 'mixed.yaml:7']);
  const parseError = lint({ 'cr-bad.yaml': 'a: 1\rb: [\r' }).stdout;
  assert.equal(JSON.parse(parseError).errors.map((error: any) => error.line), [3]);
});

test('stylish (the default) prints the line of a parse error and of an undecodable byte', () => {
  const { status, stdout } = lint({ 'bad.yaml': 'a: 1\nb:\n  - c\n  d: 2\n', 'latin1.yaml': Buffer.from([0x61, 0x3a, 0x0a, 0x62, 0x3a, 0x20, 0xe9, 0x0a]) }, 'stylish');
  assert.is(status, 2);
  assert.match(stdout, /^bad\.yaml\n\s+4\s+error\s+cannot parse: /m);
  assert.match(stdout, /^latin1\.yaml\n\s+2\s+error\s+not valid UTF-8 text: byte 0xE9 at line 2, column 4/m);
});

test.run();
