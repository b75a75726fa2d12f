'use strict';
// Evidence workload (Node.js): holds MIB mebibytes in the V8 heap (arrays of small integers, 8 bytes
// per element on 64-bit, so the memory is the old space --max-old-space-size caps, not off-heap Buffers),
// keeps it for HOLD_MS and exits 0.
// Usage: node hold.js MIB [HOLD_MS]
const mib = Number(process.argv[2]);
const holdMs = Number(process.argv[3] ?? 300);
if (!(mib >= 0)) {
  process.stderr.write('usage: node hold.js MIB [HOLD_MS]\n');
  process.exit(2);
}
const ELEMENTS_PER_MIB = (1024 * 1024) / 8;
const held = [];
for (let i = 0; i < mib; i++) {
  const chunk = new Array(ELEMENTS_PER_MIB);
  for (let j = 0; j < ELEMENTS_PER_MIB; j++) chunk[j] = (i + j) & 0x3fff;
  held.push(chunk);
}
setTimeout(() => {
  process.stdout.write(`held ${held.length} MiB\n`);
}, holdMs);
