/**
 * Alias expansion is bounded by the nodes aliases add, not by their count (issue #12 item 7): a
 * 49-alias document under 1 KB took 10 s and 387 MB to lint and hung `fix`. Real bombs, run through
 * the real CLI with a time limit: each must end in seconds with exit 2 and an error on the line of
 * the alias that crossed the budget, and `fix` must leave the file as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PARSE_LIMITS, parseManifests } from '../lib/manifests/documents';

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');
const LIMIT_MS = 5_000;

function run(args: string[], cwd: string) {
  const start = Date.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  return { ...result, ms: Date.now() - start };
}

/**
 * The classic: 9 levels of 9 aliases each, 9^9 (387 million) strings, in 342 bytes. The aliases have
 * added more than 100,000 nodes at the first alias of level f (line 6).
 */
const LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((name, index) => {
    const previous = 'abcdefghi'[index];
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }))
  .join('\n') + '\n';

/** The issue's shape: a Deployment whose container args alias a doubling chain (2 aliases a level, 24 levels). */
const IN_A_DEPLOYMENT = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: bomb}', 'x-chain:', '  l0: &l0 ["-Xmx1g", "-Xms1g"]',
  ...Array.from({ length: 24 }, (_, level) => `  l${level + 1}: &l${level + 1} [*l${level}, *l${level}]`),
  'spec:', '  template:', '    spec:', '      containers:', '      - name: app', '        image: eclipse-temurin:17', '        args: *l24', '',
].join('\n');

for (const [name, text, line] of [['billion laughs', LAUGHS, 6], ['a doubling chain under a container', IN_A_DEPLOYMENT, 19]] as const) {
  test(`${name} (${text.length} bytes): lint and fix end in seconds, exit 2, an error on line ${line}`, () => {
    assert.ok(text.length < 1024);
    const dir = mkdtempSync(join(tmpdir(), 'oomguard-bomb-'));
    try {
      writeFileSync(join(dir, 'bomb.yaml'), text);
      const lint = run(['lint', '-f', 'json', 'bomb.yaml'], dir);
      assert.ok(lint.ms < LIMIT_MS, `lint took ${lint.ms} ms`);
      assert.is(lint.status, 2, lint.stderr);
      const errors = JSON.parse(lint.stdout).errors;
      assert.equal(errors.map((error: any) => [error.file, error.line]), [['bomb.yaml', line]]);
      assert.match(errors[0].message, `aliases expand to more than ${PARSE_LIMITS.maxAliasNodes} nodes`);
      const stylish = run(['lint', 'bomb.yaml'], dir);
      assert.match(stylish.stdout, new RegExp(`^\\s+${line}\\s+error\\s+cannot parse: aliases expand`, 'm'));
      const fix = run(['fix', 'bomb.yaml'], dir);
      assert.ok(fix.ms < LIMIT_MS, `fix took ${fix.ms} ms`);
      assert.is(fix.status, 2, fix.stdout + fix.stderr);
      assert.is(readFileSync(join(dir, 'bomb.yaml'), 'utf8'), text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('aliases within the budget are read, sharing the anchored value; the budget counts what nested aliases add', () => {
  const env = 'env: &env\n' + Array.from({ length: 50 }, (_, index) => `  - {name: V${index}, value: "${index}"}\n`).join('');
  const parsed = parseManifests(`${env}a: *env\nb: *env\n`);
  assert.ok(parsed.ok);
  if (parsed.ok) {
    const value = parsed.documents[0].value as Record<string, unknown[]>;
    assert.is(value.a.length, 50);
    assert.is(value.a, value.env); // shared, not copied
  }
  // A doubling chain: level k adds about 2^(k+1) nodes; the aliases have added more than 100,000 by
  // level 14 (line 15), whose first alias is reported.
  const chain = ['l0: &l0 [x, x]', ...Array.from({ length: 17 }, (_, level) => `l${level + 1}: &l${level + 1} [*l${level}, *l${level}]`)].join('\n');
  const bomb = parseManifests(chain);
  assert.is(bomb.ok, false);
  if (!bomb.ok) assert.equal([bomb.problem.line, bomb.problem.column], [15, 12]);
  // 13 levels stay under it
  assert.ok(parseManifests(chain.split('\n').slice(0, 14).join('\n')).ok);
});

test.run();
