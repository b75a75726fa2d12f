#!/usr/bin/env node
'use strict';
// Test entry for `npm test`: runs every test/**/*.test.ts with uvu, TypeScript loaded through tsx,
// and ends with a plain "N passed, N failed, N skipped" line that CI systems can read.
// Usage: node test/run.js [regex over test file paths]
require('tsx/cjs');
const { parse } = require('uvu/parse');
const { run } = require('uvu/run');

const pattern = process.argv[2];
let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  captured += String(chunk);
  if (captured.length > 4096) captured = captured.slice(-4096);
  return write(chunk, ...rest);
};

(async () => {
  const { suites } = await parse('test', /\.test\.ts$/);
  const selected = pattern ? suites.filter((s) => new RegExp(pattern).test(s.name)) : suites;
  if (selected.length === 0) {
    console.error(`no test file matches ${pattern}`);
    process.exitCode = 1;
    return;
  }
  await run(selected, {});
  const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number((plain.match(/Total:\s+(\d+)/) || [])[1] || 0);
  const passed = Number((plain.match(/Passed:\s+(\d+)/) || [])[1] || 0);
  const skipped = Number((plain.match(/Skipped:\s+(\d+)/) || [])[1] || 0);
  const failed = total - passed - skipped;
  process.stdout.write = write;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (total === 0 || failed > 0) process.exitCode = 1;
})();
