import { describeBytes } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { overheadText } from '../sizing/formula';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'node-heap-unset',
    defaultSeverity: 'warning',
    summary: 'Node.js runs with no `--max-old-space-size`.',
    rationale:
      'V8 picks its own heap ceiling without room for the rest of the process. Node.js 20 sets it to about half the cgroup limit but never below ~259 MiB, older versions from the host\'s memory: in a 256Mi container the ceiling is above the limit and the kernel kills the process (exit 137) before V8 collects or reports "heap out of memory" (measured in docs/evidence.md); in large containers half the memory sits unused. The flag bounds the V8 heap only: Buffers and other external memory live outside it, so a Buffer leak is still killed with 137; the Node.js overhead is the room left for them.',
    remediation: 'Set `NODE_OPTIONS=--max-old-space-size=<MiB>` to the limit minus the Node.js overhead and V8\'s young generation; `oomguard fix` computes it.',
    scope: runtimeScope('node'),
    messages: {
      unset: 'container "{{container}}" runs Node.js with no --max-old-space-size: V8 picks a heap ceiling that leaves no room for the rest of the process',
      unsetWithLimit: 'container "{{container}}" runs Node.js with no --max-old-space-size: set NODE_OPTIONS="{{flag}}" (limit {{limit}} - {{overhead}} {{what}} - {{young}} young generation)',
      unsetEnvFrom: 'container "{{container}}" runs Node.js with no --max-old-space-size in its manifest: set NODE_OPTIONS="{{flag}}" unless envFrom sets it (not fixed automatically: a new entry would shadow envFrom)',
      tooSmall: 'container "{{container}}" runs Node.js with no --max-old-space-size, and limit {{limit}} leaves {{ceiling}} after {{overhead}} {{what}}, below the {{minimum}} minimum heap: raise the limit',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, node }) {
    if (!node) return NONE;
    const { options } = node;
    // A flag Node.js ignores or refuses is node-options-invalid's; one set from a ConfigMap is heap-options-unresolved's.
    if (options.maxOldSpaceMiB || options.problems.length > 0 || options.unknown.some((entry) => entry.how !== 'envFrom')) return NONE;
    if (limitBytes === undefined || !budget) return [{ messageId: 'unset', data: { container: container.name }, path: container.path }];
    const common = { container: container.name, limit: describeBytes(limitBytes), overhead: describeBytes(budget.overheadBytes), what: overheadText('node', budget.overheadLabel) };
    if (budget.tooSmall) return [{ messageId: 'tooSmall', data: { ...common, ceiling: describeBytes(budget.heapBytes), minimum: describeBytes(PROFILES.node.minHeapBytes ?? 0) }, path: container.path }];
    const flags = PROFILES.node.settings(limitBytes, budget.heapBytes);
    const data = { ...common, flag: flags[0].value, young: describeBytes(node.youngGenerationBytes) };
    const edits = mergeEnv(container, PROFILES.node, flags);
    if (!edits) return [{ messageId: 'unsetEnvFrom', data, path: container.path }];
    return [{ messageId: 'unsetWithLimit', data, path: container.path, fix: { description: 'set --max-old-space-size in NODE_OPTIONS', edits } }];
  },
});
