/**
 * The two builds of scripts/build.js give the same dist/. A clone installed the way pre-commit
 * installs a hook (`npm install` of the root package.json: runtime dependencies and tsc, none of the
 * test tools in dev/) builds with `tsc --noCheck`, since the cdk8s, Pulumi and vega types are not
 * there; `npm test` builds with the type check. The test copies the sources into a folder whose
 * node_modules holds only what the root lockfile installs (the links scripts/dev-tools.js adds are
 * left out), builds there, and compares every emitted file with this checkout's checked dist/.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(__dirname, '..');
const DEV_MODULES = join(ROOT, 'dev', 'node_modules');

/** Whether a root node_modules entry is one of dev-tools.js's links into dev/node_modules. */
function isDevLink(path: string): boolean {
  if (!lstatSync(path).isSymbolicLink()) return false;
  return resolve(join(path, '..'), readlinkSync(path)).startsWith(DEV_MODULES);
}

/** The root's own packages (what `npm install` from the root lockfile gives), copied into `modules`. */
function linkRootPackages(modules: string): string[] {
  const linked: string[] = [];
  const from = join(ROOT, 'node_modules');
  for (const entry of readdirSync(from)) {
    if (entry === '.bin' || entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(join(from, entry)).map((inner) => `${entry}/${inner}`) : [entry];
    for (const name of names) {
      if (isDevLink(join(from, name))) continue;
      mkdirSync(join(modules, name, '..'), { recursive: true });
      // A copy, not a link: esbuild names bundled modules by their real path, which must lie inside.
      cpSync(join(from, name), join(modules, name), { recursive: true, dereference: true });
      linked.push(name);
    }
  }
  return linked;
}

function emitted(folder: string, out: string[] = [], base = folder): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) emitted(path, out, base);
    else if (/\.(js|d\.ts|json)$/.test(entry.name)) out.push(relative(base, path));
  }
  return out.sort();
}

test('a clone without the test tools builds with --noCheck to the same dist/ as the checked build', () => {
  const work = mkdtempSync(join(tmpdir(), 'oomguard-build-'));
  try {
    for (const path of ['bin', 'lib', 'bench', 'examples', 'policies', 'schemas', 'scripts', 'test/helpers', 'dev/package.json', 'tsconfig.json', 'package.json']) {
      cpSync(join(ROOT, path), join(work, path), { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) });
    }
    const linked = linkRootPackages(join(work, 'node_modules'));
    // What the root installs for the build, and nothing of the tools that would make it a checked one.
    assert.ok(linked.includes('typescript') && linked.includes('js-yaml'), linked.join(' '));
    for (const tool of ['cdk8s', '@pulumi/pulumi', 'vega', 'tsx']) assert.not.ok(linked.includes(tool), `${tool} is a root package`);

    const build = spawnSync(process.execPath, [join(work, 'scripts', 'build.js')], { cwd: work, encoding: 'utf8' });
    assert.is(build.status, 0, build.stderr);
    assert.match(build.stderr, /no type check/);
    assert.is(readFileSync(join(work, 'dist', '.source-hash'), 'utf8').split(' ')[1], 'emit-only');
    // The stamp spares the second build (npm pack's prepare, right after npm install's).
    const again = spawnSync(process.execPath, [join(work, 'scripts', 'build.js')], { cwd: work, encoding: 'utf8' });
    assert.is(again.status, 0, again.stderr);
    assert.is(again.stderr, '');

    assert.ok(existsSync(join(ROOT, 'dist', '.source-hash')), 'npm test builds dist/ first');
    assert.is(readFileSync(join(ROOT, 'dist', '.source-hash'), 'utf8').split(' ')[1], 'checked', 'npm test type-checks');
    // Every file the clone emits, byte for byte as the checked build has it (a checkout's dist/ may
    // also hold files of sources deleted since; tsc never removes them, so they are not compared).
    const ours = new Set(emitted(join(ROOT, 'dist')));
    const theirs = emitted(join(work, 'dist'));
    for (const entry of ['lib/cli/main.js', 'lib/cdk8s/index.js', 'lib/cdk8s/plugin.d.ts', 'lib/pulumi/index.js', 'policies/pulumi/index.js']) assert.ok(theirs.includes(entry), entry);
    assert.equal(theirs.filter((file) => !ours.has(file)), []);
    const different = theirs.filter((file) => !readFileSync(join(work, 'dist', file)).equals(readFileSync(join(ROOT, 'dist', file))));
    assert.equal(different, []);
  } finally {
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  }
});

test('dev-tools: a dev/ tree missing a locked package (pruned by a root npm install) is seen as incomplete', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { missing } = require(join(ROOT, 'scripts', 'dev-tools.js')) as { missing(folder?: string): string[] };
  assert.equal(missing(), [], 'this checkout\'s dev/ is whole (npm test installed it)');
  const folder = mkdtempSync(join(tmpdir(), 'oomguard-dev-tools-'));
  try {
    const packages = {
      '': { name: 'x' },
      'node_modules/cdk8s-cli': { version: '1.0.0' },
      'node_modules/cdk8s-cli/node_modules/yargs': { version: '15.4.1' },
      'node_modules/@esbuild/darwin-arm64': { version: '0.1.0', optional: true },
      'node_modules/linked': { resolved: '../elsewhere', link: true },
    };
    writeFileSync(join(folder, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
    mkdirSync(join(folder, 'node_modules', 'cdk8s-cli'), { recursive: true });
    writeFileSync(join(folder, 'node_modules', 'cdk8s-cli', 'package.json'), '{}');
    // cdk8s-cli's own yargs is gone; an optional package of another platform and a link are not needed.
    assert.equal(missing(folder), ['node_modules/cdk8s-cli/node_modules/yargs']);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
