import { MIB, describeBytes, floorMiB } from '../core/quantity';
import { readNodeOptions } from '../runtimes/node';
import { replaceOption } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'node-heap-exceeds-limit',
    defaultSeverity: 'error',
    summary: '`--max-old-space-size` is above the memory limit minus the Node.js overhead.',
    rationale:
      'The old space is only part of a Node.js process: the young generation, code space, Buffers and libuv live outside it (50-100 MiB). An old-space ceiling at or near the limit lets the process cross the limit first, and the kernel kills it (exit 137) instead of V8 failing with "heap out of memory".',
    remediation: 'Lower `--max-old-space-size` to the limit minus the Node.js overhead (in MiB), or raise the limit.',
    scope: runtimeScope('node'),
    messages: {
      exceeds: 'container "{{container}}" sets --max-old-space-size={{mib}} in {{source}}, above limit {{limit}} - {{overhead}} Node.js overhead = {{ceiling}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, overheadBytes }) {
    if (limitBytes === undefined) return NONE;
    const { maxOldSpaceMiB } = readNodeOptions(container);
    if (!maxOldSpaceMiB) return NONE;
    const ceiling = limitBytes - overheadBytes;
    if (maxOldSpaceMiB.mib * MIB <= ceiling) return NONE;
    return [{
      messageId: 'exceeds',
      data: { container: container.name, mib: maxOldSpaceMiB.mib, source: maxOldSpaceMiB.at.source, limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes), ceiling: describeBytes(Math.max(0, ceiling)) },
      path: maxOldSpaceMiB.at.path,
      ...(ceiling >= 16 * MIB
        ? { fix: { description: `lower --max-old-space-size to ${floorMiB(ceiling)}`, edits: [replaceOption(maxOldSpaceMiB.at, `--max-old-space-size=${floorMiB(ceiling)}`)] } }
        : {}),
    }];
  },
});
