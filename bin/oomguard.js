#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript in dist/ (`npm run build`).
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const LINT_BUNDLE = join(__dirname, '..', 'dist', 'lib', 'cli', 'lint.bundle.js');
const LINT_CACHE = join(__dirname, '..', 'dist', 'lib', 'cli', 'lint.bundle.cache');
const MAIN = join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');

/**
 * `oomguard lint` runs from one file, dist/lib/cli/lint.bundle.js, with V8's code cache of it
 * (scripts/bundle-lint.js, docs/startup.md): the pre-commit case is one small file, where loading
 * ~70 modules was most of the time. Returns undefined when the bundle was not built, or tsc ran after
 * it; then dist/lib/cli/main.js runs lint as it runs every other command. `NODE_DEBUG=oomguard` says which.
 */
function loadLintBundle({ cache = true } = {}) {
  const debug = require('node:util').debuglog('oomguard');
  let source;
  let compiled;
  try {
    // latin1: esbuild writes ASCII (charset: 'ascii'), and latin1 skips UTF-8 decoding.
    source = readFileSync(LINT_BUNDLE, 'latin1');
    compiled = readFileSync(MAIN, 'latin1');
  } catch {
    return undefined;
  }
  const id = / build ([0-9a-f]{32})\n/.exec(source.slice(0, source.indexOf('\n') + 1))?.[1];
  // scripts/bundle-lint.js ends dist/lib/cli/main.js with the bundle's build id. tsc rewrites every file
  // it emits, so without that line tsc ran after the bundle was made and the bundle may hold older code.
  if (!id || !compiled.endsWith(`\n// lint bundle build ${id}\n`)) {
    debug('lint bundle %s is not from the last build of %s: not used', LINT_BUNDLE, MAIN);
    return undefined;
  }
  // The cache is used only with the bundle it was made from: both carry the same build id.
  let cachedData;
  if (cache) {
    try {
      const bytes = readFileSync(LINT_CACHE);
      if (bytes.toString('latin1', 0, 32) === id) cachedData = bytes.subarray(32);
    } catch {
      // No cache: V8 compiles the bundle itself.
    }
  }
  const script = new Script(Module.wrap(source), { filename: LINT_BUNDLE, cachedData });
  debug('lint bundle %s, code cache %s', LINT_BUNDLE,
    cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted');
  const bundle = new Module(LINT_BUNDLE, module);
  bundle.filename = LINT_BUNDLE;
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(LINT_BUNDLE), bundle, LINT_BUNDLE, dirname(LINT_BUNDLE));
  return { main: bundle.exports.main, script };
}

/**
 * A reader that stops early (`oomguard lint -f json . | head`) closes the pipe. Rather than dying on
 * an unhandled EPIPE with a stack trace, drop the rest of the output and finish the run, so the exit
 * code still says whether there were findings (what `set -o pipefail` scripts read).
 */
function dropOutputOnEpipe(stream) {
  stream.on('error', (err) => {
    if (!err || err.code !== 'EPIPE') throw err;
    stream.write = () => true;
  });
  return stream;
}

/**
 * Guard process[name] when it is first used, not before: Node creates the stream on first access,
 * and for a pipe that loads net and the stream modules (~1.5 ms CPU of the ~60 ms of `node -e 0`),
 * which a lint run that never writes to standard error need not pay.
 */
function guardOnFirstUse(name) {
  const descriptor = Object.getOwnPropertyDescriptor(process, name);
  if (!descriptor || typeof descriptor.get !== 'function' || !descriptor.configurable) {
    dropOutputOnEpipe(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      Object.defineProperty(process, name, descriptor);
      return dropOutputOnEpipe(process[name]);
    },
  });
}

function start() {
  guardOnFirstUse('stdout');
  guardOnFirstUse('stderr');
  const argv = process.argv.slice(2);
  const cli = (argv[0] === 'lint' && loadLintBundle()) || require('../dist/lib/cli/main.js');
  cli.main(argv).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`oomguard: internal error: ${err && err.stack || err}\n`); process.exitCode = 2; },
  );
}

if (require.main === module) start();
else module.exports = { loadLintBundle };
