#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript in dist/ (`npm run build`).
// A reader that stops early (`oomguard lint -f json . | head`) closes the pipe. Rather than dying on
// an unhandled EPIPE with a stack trace, drop the rest of the output and finish the run, so the exit
// code still says whether there were findings (what `set -o pipefail` scripts read).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (!err || err.code !== 'EPIPE') throw err;
    stream.write = () => true;
  });
}
require('../dist/lib/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`oomguard: internal error: ${err && err.stack || err}\n`); process.exitCode = 2; },
);
