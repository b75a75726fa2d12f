'use strict';
/**
 * Preloaded (`node -r`) into a real `oomguard fix` run by test/fix-safety.test.ts: the first time
 * oomguard fsyncs its temporary file, that is, after it read the manifest and before it replaces it,
 * another process (a real `sh`, not this one) appends a line to the manifest named by
 * OOMGUARD_TEST_APPEND_TO. It makes the race "an editor saved while fix ran" happen every time
 * instead of once in a thousand runs; oomguard itself is not changed.
 */
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

const target = process.env.OOMGUARD_TEST_APPEND_TO;
const original = fs.fsyncSync;
let done = false;
fs.fsyncSync = function fsyncSync(fd) {
  if (!done && target) {
    done = true;
    execFileSync('sh', ['-c', 'printf "# appended while fix ran\\n" >> "$1"', 'sh', target]);
  }
  return original.apply(this, arguments);
};
