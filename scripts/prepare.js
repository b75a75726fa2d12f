#!/usr/bin/env node
'use strict';
// `npm prepare`: build dist/ with tsc, unless dist/ was already built from exactly these sources.
// npm runs `prepare` after `npm install` in a checkout AND again in `npm pack`; pre-commit does
// both in a row when it installs the hook (npm install, npm pack, npm install -g <tarball>), so
// the second tsc run was pure waste (~5 s of the install, bench/precommit.ts). The check is a hash
// of what tsc reads, not file times: a fresh git clone gives every file the same mtime.
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const STAMP = join(root, 'dist', '.source-hash');
const SOURCES = ['lib', 'bench', 'examples', 'policies/pulumi', 'schemas'];

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

const hash = sourceHash();
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) process.exit(0);
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
writeFileSync(STAMP, hash);
