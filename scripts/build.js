#!/usr/bin/env node
'use strict';
// `npm run build` and `npm prepare`: compile lib/, bench/, examples/ and the Pulumi pack into dist/
// with tsc, then bundle `oomguard lint`'s start-up path (scripts/bundle-lint.js), unless dist/ was
// already built from exactly these sources.
//
// Two modes, one output. With the test tools installed (dev/, linked into node_modules by
// scripts/dev-tools.js, which `npm test` runs first) tsc type-checks everything. Without them
// (a plain `npm ci`, or pre-commit installing the hook from a clone: it runs `npm install`, whose
// `prepare` lands here, then `npm pack`) the cdk8s, Pulumi and vega types are absent, so tsc emits
// with --noCheck: the same JavaScript (test/packaging.test.ts compares the two builds), no type check.
// That is why those packages live in dev/ and not in devDependencies: pre-commit's
// `npm install --dev` would pull all ~450 of them to build a CLI that needs none (issue #14).
//
// npm runs `prepare` after `npm install` in a checkout AND again in `npm pack`; pre-commit does both
// in a row, so the stamp (a hash of what tsc reads, not file times: a fresh clone gives every file
// the same mtime) saves the second tsc run.
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const STAMP = join(root, 'dist', '.source-hash');
// What tsc reads: tsconfig.json's include, and the test helpers bench/recommend.ts imports.
const SOURCES = ['lib', 'bench', 'examples', 'policies/pulumi', 'schemas', 'test/helpers'];

function files(folder, out) {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files(path, out);
    else if (/\.(ts|json)$/.test(entry.name)) out.push(path);
  }
  return out;
}

function sourceHash() {
  const hash = createHash('sha256');
  const list = SOURCES.flatMap((folder) => files(join(root, folder), [])).concat(join(root, 'tsconfig.json')).sort();
  for (const file of list) hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Every test tool of dev/package.json is reachable from the root's node_modules. */
function devToolsLinked() {
  const { devDependencies = {} } = JSON.parse(readFileSync(join(root, 'dev', 'package.json'), 'utf8'));
  return Object.keys(devDependencies).every((name) => existsSync(join(root, 'node_modules', name, 'package.json')));
}

/** `oomguard lint`'s start-up bundle and its code cache (scripts/bundle-lint.js, docs/startup.md). */
const LINT_CACHE = join(root, 'dist', 'lib', 'cli', 'lint.bundle.cache');
function bundle() {
  const step = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-lint.js')], { cwd: root, stdio: 'inherit' });
  if (step.status !== 0) process.exit(step.status ?? 1);
}

const check = devToolsLinked();
const mode = check ? 'checked' : 'emit-only';
const hash = sourceHash();
const stamp = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').split(' ') : [];
// A checked build serves both; an emit-only one is redone once the tools are there to check it.
if (stamp[0] === hash && (stamp[1] === 'checked' || !check)) {
  if (!existsSync(LINT_CACHE)) bundle();
  process.exit(0);
}
if (!check) process.stderr.write('oomguard build: emit only, no type check (the test tools in dev/ are not installed; `npm test` installs them)\n');
const args = [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), ...(check ? [] : ['--noCheck'])];
const tsc = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
bundle();
writeFileSync(STAMP, `${hash} ${mode}`);
