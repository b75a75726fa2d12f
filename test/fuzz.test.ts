/**
 * Seeded fuzzing of the real CLI over mutations of the shared corpus (issue #12, "Done means"):
 * byte flips, truncation, duplicated lines, indentation changes, aliases and anchors (a bomb among
 * them), NUL and invalid UTF-8 bytes, CR and CRLF line breaks, a repeated key. Every mutation is a
 * file; `lint -f json` and `fix -f json` run over all of them in a few processes (one process per
 * file would cost minutes on two cores). For each: no crash (nothing on stderr, exit 0, 1 or 2),
 * no hang (a time limit), valid JSON, and a line within the file on every error whose position is
 * known (every error but an encoding named for the whole file or a size limit). `fix` must leave
 * every file that `lint` could not read byte for byte as it was.
 *
 * The seed is fixed so a failure reproduces; FUZZ_SEED=n tries another.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { haveCapability } from './helpers/tools';
import { seededRandom } from './helpers/random';

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');
const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus');
const MUTATIONS = 400;
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** Errors that belong to the whole file, not to a position in it. */
const WHOLE_FILE = /^(UTF-(16|32) text|file is \d+ bytes|not a regular file|cannot read:)/;

const generator = seededRandom;

function manifests(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...manifests(path));
    else if (/\.(ya?ml|json)$/.test(name) && statSync(path).size < 64 * 1024) found.push(path);
  }
  return found;
}

type Mutation = (bytes: Buffer, random: () => number) => Buffer;
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];
const lineStarts = (bytes: Buffer) => [0, ...[...bytes.entries()].filter(([, byte]) => byte === 0x0a).map(([at]) => at + 1)];

const MUTATORS: Record<string, Mutation> = {
  'byte flip': (bytes, random) => {
    const copy = Buffer.from(bytes);
    for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] ^= 1 << Math.floor(random() * 8);
    return copy;
  },
  'random byte': (bytes, random) => {
    const copy = Buffer.from(bytes);
    copy[Math.floor(random() * copy.length)] = pick([0x00, 0xff, 0xc3, 0x80, 0x09, 0x0d, 0x22, 0x27, 0x7b, 0x5b, 0x3a, 0x2d, 0x26, 0x2a, 0x21, 0x7c], random);
    return copy;
  },
  truncation: (bytes, random) => bytes.subarray(0, Math.floor(random() * bytes.length)),
  'duplicated lines': (bytes, random) => {
    const starts = lineStarts(bytes);
    const from = pick(starts, random);
    const to = Math.min(bytes.length, from + Math.floor(random() * 400));
    return Buffer.concat([bytes.subarray(0, to), bytes.subarray(from, to), bytes.subarray(to)]);
  },
  indentation: (bytes, random) => {
    const starts = lineStarts(bytes);
    const at = pick(starts, random);
    if (random() < 0.5) return Buffer.concat([bytes.subarray(0, at), Buffer.from(' '.repeat(1 + Math.floor(random() * 4))), bytes.subarray(at)]);
    let end = at;
    while (end < bytes.length && bytes[end] === 0x20 && end - at < 4) end++;
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(end)]);
  },
  'anchor and alias': (bytes, random) => {
    const text = bytes.toString('latin1');
    const values = [...text.matchAll(/: (?=\S)/g)].map((match) => match.index! + 2);
    if (values.length < 2) return bytes;
    const anchorAt = pick(values, random);
    const aliasAt = pick(values, random);
    const name = `f${Math.floor(random() * 3)}`;
    const withAlias = aliasAt > anchorAt ? `${text.slice(0, aliasAt)}*${name} #${text.slice(aliasAt)}` : text;
    return Buffer.from(`${withAlias.slice(0, anchorAt)}&${name} ${withAlias.slice(anchorAt)}`, 'latin1');
  },
  'alias bomb': (bytes) => Buffer.concat([Buffer.from('x-laughs:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' + 'bcdefg'.split('').map((name, index) => `  ${name}: &${name} [${Array(9).fill(`*${'abcdefg'[index]}`).join(', ')}]\n`).join('')), bytes]),
  'merge key': (bytes, random) => {
    const text = bytes.toString('latin1');
    const keys = [...text.matchAll(/\n( +)(\w+):\n/g)];
    if (keys.length === 0) return bytes;
    const match = pick(keys, random);
    const at = match.index! + match[0].length;
    return Buffer.from(`${text.slice(0, at)}${match[1]}  <<: {injected: 1}\n${text.slice(at)}`, 'latin1');
  },
  'repeated key': (bytes, random) => {
    const starts = lineStarts(bytes).filter((at) => /^\s*[\w.-]+:/.test(bytes.subarray(at, at + 80).toString('latin1')));
    if (starts.length === 0) return bytes;
    const at = pick(starts, random);
    const end = bytes.indexOf(0x0a, at) + 1 || bytes.length;
    return Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
  },
  'CR line breaks': (bytes, random) => Buffer.from(bytes.toString('latin1').replace(/\n/g, random() < 0.5 ? '\r' : '\r\n'), 'latin1'),
  'UTF-16': (bytes) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes.toString('utf8'), 'utf16le')]),
  'deep nesting': (bytes, random) => Buffer.concat([Buffer.from(`${'['.repeat(50 + Math.floor(random() * 100))}\n`), bytes]),
};

if (haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`)) {
  test(`${MUTATIONS} seeded mutations of the corpus (seed ${SEED}): lint and fix never crash or hang, JSON is valid, errors have lines`, () => {
    const random = generator(SEED);
    const sources = manifests(CORPUS);
    assert.ok(sources.length > 150, `corpus files: ${sources.length}`);
    const dir = mkdtempSync(join(tmpdir(), 'oomguard-fuzz-'));
    try {
      const cases = new Map<string, { mutation: string; source: string; bytes: Buffer }>();
      const names = Object.keys(MUTATORS);
      mkdirSync(join(dir, 'lint'));
      for (let index = 0; index < MUTATIONS; index++) {
        const source = pick(sources, random);
        const mutation = names[index % names.length];
        const bytes = MUTATORS[mutation](readFileSync(source), random);
        const name = `${String(index).padStart(3, '0')}-${mutation.replace(/\W+/g, '-')}${source.endsWith('.json') ? '.json' : '.yaml'}`;
        writeFileSync(join(dir, 'lint', name), bytes);
        cases.set(name, { mutation, source: relative(CORPUS, source), bytes });
      }
      const describe = (name: string) => `${name} (${cases.get(name)!.mutation} of ${cases.get(name)!.source}; seed ${SEED})`;
      const start = Date.now();
      const lint = spawnSync(process.execPath, [CLI, 'lint', '-f', 'json', '.'], { cwd: join(dir, 'lint'), encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 });
      assert.is(lint.error, undefined, 'lint did not finish within 60 s');
      assert.is(lint.stderr, '');
      assert.ok([0, 1, 2].includes(lint.status!), `lint exit ${lint.status}`);
      const report = JSON.parse(lint.stdout);
      assert.is(report.summary.files, MUTATIONS);
      const lineCount = (name: string) => cases.get(name)!.bytes.toString('latin1').split(/\r\n|\r|\n/).length;
      const unreadable = new Set<string>();
      for (const error of report.errors) {
        unreadable.add(error.file);
        if (WHOLE_FILE.test(error.message)) continue;
        assert.ok(Number.isInteger(error.line) && error.line >= 1 && error.line <= lineCount(error.file), `${describe(error.file)}: error without a line in the file: ${JSON.stringify(error)}`);
      }
      for (const finding of report.findings) {
        assert.ok(Number.isInteger(finding.line) && finding.line >= 1 && finding.line <= lineCount(finding.file), `${describe(finding.file)}: finding line ${finding.line}`);
      }
      // Every kind of mutation was read, and many made errors the linter had to place.
      assert.ok(report.errors.length > MUTATIONS / 10, `errors: ${report.errors.length}`);

      cpSync(join(dir, 'lint'), join(dir, 'fix'), { recursive: true });
      const fix = spawnSync(process.execPath, [CLI, 'fix', '-f', 'json', '.'], { cwd: join(dir, 'fix'), encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 });
      assert.is(fix.error, undefined, 'fix did not finish within 60 s');
      assert.is(fix.stderr, '');
      assert.ok([0, 1, 2].includes(fix.status!), `fix exit ${fix.status}`);
      JSON.parse(fix.stdout);
      for (const name of unreadable) assert.ok(readFileSync(join(dir, 'fix', name)).equals(cases.get(name)!.bytes), `${describe(name)}: fix changed a file it could not read`);
      assert.ok(Date.now() - start < 60_000, `lint and fix took ${Date.now() - start} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
