#!/usr/bin/env node
'use strict';
// The README's first command ends here (`npm run quickstart`, after `npm ci`): the main job on the
// bundled example, as a user would run it. It lints examples/manifests (which holds known
// mistakes, so that lint exits 1), generates a sized Deployment, and lints that (which must exit 0).
// It exits non-zero only when oomguard itself misbehaves.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const cli = join(root, 'bin', 'oomguard.js');
const run = (args, input) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input, stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'inherit'] });
const say = (text) => process.stdout.write(`\n\x1b[1m$ ${text}\x1b[0m\n`);

say('oomguard lint examples/manifests');
const lint = run(['lint', 'examples/manifests']);
process.stdout.write(lint.stdout);
if (lint.status !== 1) {
  console.error(`expected lint to report the example's errors (exit 1), got exit ${lint.status}`);
  process.exit(1);
}

const args = ['generate', '--name', 'checkout', '--image', 'eclipse-temurin:17-jre', '--runtime', 'jvm', '--peak-rss', '700Mi', '--port', '8080'];
say(`oomguard ${args.join(' ')}`);
const generated = run(args);
process.stdout.write(generated.stdout);
if (generated.status !== 0) process.exit(1);

say('oomguard generate ... | oomguard lint -');
const clean = run(['lint', '-'], generated.stdout);
process.stdout.write(clean.stdout);
process.exit(clean.status === 0 ? 0 : 1);
