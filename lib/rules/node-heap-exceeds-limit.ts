import { describeBytes } from '../core/quantity';
import { maxOldSpaceFor } from '../runtimes/node';
import { overheadText } from '../sizing/formula';
import { editable, replaceOption } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'node-heap-exceeds-limit',
    defaultSeverity: 'error',
    summary: '`--max-old-space-size` plus V8\'s young generation is above the memory limit minus the Node.js overhead.',
    rationale:
      'V8\'s heap is the old space (the flag) plus the young generation, which V8 sizes from the container limit (3 MiB up to 512Mi, 48 MiB from 2Gi, measured). Outside the heap live the node binary, code space, Buffers and libuv (50-100 MiB): Buffers and other external memory are not bounded by the flag at all. A heap ceiling at or near the limit lets the process cross the limit first, and the kernel kills it (exit 137) instead of V8 failing with "heap out of memory".',
    remediation: 'Lower `--max-old-space-size` to the limit minus the Node.js overhead and the young generation (in MiB), or raise the limit; `oomguard fix` computes it.',
    scope: runtimeScope('node'),
    messages: {
      exceeds: 'container "{{container}}" sets --max-old-space-size={{mib}} in {{source}}: a {{heap}} V8 heap with the {{young}} young generation, above limit {{limit}} - {{overhead}} {{what}} = {{ceiling}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, node }) {
    if (limitBytes === undefined || !budget || !node?.heapCeilingBytes || !node.options.maxOldSpaceMiB) return NONE;
    const ceiling = budget.heapBytes;
    if (node.heapCeilingBytes <= ceiling) return NONE;
    const { mib, at } = node.options.maxOldSpaceMiB;
    const target = maxOldSpaceFor(limitBytes, ceiling);
    return [{
      messageId: 'exceeds',
      data: { container: container.name, mib, source: at.source, heap: describeBytes(node.heapCeilingBytes), young: describeBytes(node.youngGenerationBytes), limit: describeBytes(limitBytes), overhead: describeBytes(budget.overheadBytes), what: overheadText('node', budget.overheadLabel), ceiling: describeBytes(ceiling) },
      path: at.path,
      ...(!budget.tooSmall && editable(at)
        ? { fix: { description: `lower --max-old-space-size to ${target}`, edits: [replaceOption(at, at.token.replace(/=\d+/, `=${target}`))] } }
        : {}),
    }];
  },
});
