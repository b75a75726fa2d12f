#!/usr/bin/env node
'use strict';
// The test suite's, the benchmarks' and the docs scripts' tools (cdk8s and its CLI, Pulumi, Spectral,
// vega, tsx, uvu ...) are dev/package.json, not the root's devDependencies: pre-commit installs a
// hook from a clone with `npm install --dev`, and 450 packages made that first install take minutes
// (issue #14). This script, which `npm test`, `npm run bench*` and `npm run docs` run first:
//   1. installs dev/ from dev/package-lock.json (`npm ci`) when dev/node_modules is missing or was
//      installed from another lockfile;
//   2. links each of dev/node_modules' top-level packages (and its .bin commands) into the root's
//      node_modules, unless the root already has that name (a runtime dependency stays the
//      package's own copy). Node and tsc follow the links to the real folder, so a linked package
//      finds its own dependencies in dev/node_modules.
// A root `npm ci` or `npm install` removes the links (they are not in the root lockfile), and may
// prune inside dev/node_modules through them; the next `npm test` sees what is missing, installs dev/
// again and puts the links back.
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const dev = join(root, 'dev');
const devModules = join(dev, 'node_modules');
const rootModules = join(root, 'node_modules');
const STAMP = join(devModules, '.oomguard-lock-hash');

function lockHash() {
  return createHash('sha256').update(readFileSync(join(dev, 'package-lock.json'))).digest('hex');
}

/**
 * Packages of dev/package-lock.json missing from dev/node_modules. A root `npm install` run while the
 * links are in place follows them and prunes what it takes for extraneous (seen: cdk8s-cli's own
 * yargs 15, without which `cdk8s synth` fails), so the stamp alone cannot say the tree is whole.
 */
function missing(folder = dev) {
  const { packages = {} } = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'));
  return Object.entries(packages).filter(([path, entry]) => path && !entry.optional && !entry.link && !existsSync(join(folder, path, 'package.json'))).map(([path]) => path);
}

function install() {
  const hash = lockHash();
  const stamped = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash;
  const absent = stamped ? missing() : [];
  const why = !stamped ? 'once per lockfile' : absent.length ? `${absent[0]} and ${absent.length - 1} more were removed` : '';
  if (!why) return;
  process.stderr.write(`oomguard dev tools: npm ci in dev/ (the test suite's tools; ${why})\n`);
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  // Under `npm test`, npm's script environment names the root as the project (npm_config_local_prefix)
  // and carries the root's package fields; the install in dev/ must see dev/ as its own project.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config_(local_)?prefix$|lifecycle_|package_)/.test(key)));
  const result = spawnSync(npm[0], [...npm[1], 'ci', '--no-audit', '--no-fund'], { cwd: dev, env, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`oomguard dev tools: npm ci in dev/ failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(STAMP, hash);
}

/** Top-level package folders of a node_modules: `name` and `@scope/name`. */
function packages(modules) {
  const names = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const inner of readdirSync(join(modules, entry))) names.push(`${entry}/${inner}`);
    else names.push(entry);
  }
  return names;
}

function exists(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Link `target` at `path` unless something is there; mend a link that points elsewhere. */
function link(target, path) {
  if (exists(path)) {
    const stat = lstatSync(path);
    if (!stat.isSymbolicLink()) return false;
    if (readlinkSync(path) === target) return false;
    unlinkSync(path);
  }
  symlinkSync(target, path);
  return true;
}

function linkAll() {
  let linked = 0;
  mkdirSync(rootModules, { recursive: true });
  for (const name of packages(devModules)) {
    const path = join(rootModules, name);
    mkdirSync(join(path, '..'), { recursive: true });
    if (link(relative(join(path, '..'), join(devModules, name)), path)) linked++;
  }
  const devBin = join(devModules, '.bin');
  if (existsSync(devBin)) {
    const rootBin = join(rootModules, '.bin');
    mkdirSync(rootBin, { recursive: true });
    for (const command of readdirSync(devBin)) {
      if (link(relative(rootBin, join(devBin, command)), join(rootBin, command))) linked++;
    }
  }
  if (linked > 0) process.stderr.write(`oomguard dev tools: ${linked} links from node_modules into dev/node_modules\n`);
}

if (require.main === module) {
  install();
  linkAll();
} else {
  module.exports = { missing };
}
