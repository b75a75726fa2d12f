import { describeBytes } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { readNodeOptions } from '../runtimes/node';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'node-heap-unset',
    defaultSeverity: 'warning',
    summary: 'Node.js runs with no `--max-old-space-size`.',
    rationale:
      'V8 picks its own heap ceiling without room for the rest of the process. Node.js 20 sets it to about half the cgroup limit but never below ~259 MiB, older versions from the host\'s memory: in a 256Mi container the ceiling is above the limit and the kernel kills the process (exit 137) before V8 collects or reports "heap out of memory" (measured in docs/evidence.md); in large containers half the memory sits unused.',
    remediation: 'Set `NODE_OPTIONS=--max-old-space-size=<MiB>` to the limit minus the Node.js overhead; `oomguard fix` computes it.',
    scope: runtimeScope('node'),
    messages: {
      unset: 'container "{{container}}" runs Node.js with no --max-old-space-size: V8 picks a heap ceiling that leaves no room for the rest of the process',
      unsetWithLimit: 'container "{{container}}" runs Node.js with no --max-old-space-size: set NODE_OPTIONS="{{flag}}" (limit {{limit}} - {{overhead}} Node.js overhead)',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, overheadBytes }) {
    if (readNodeOptions(container).maxOldSpaceMiB) return NONE;
    if (limitBytes === undefined || limitBytes <= overheadBytes) return [{ messageId: 'unset', data: { container: container.name }, path: container.path }];
    const flags = PROFILES.node.flags(limitBytes, overheadBytes);
    return [{
      messageId: 'unsetWithLimit',
      data: { container: container.name, flag: flags[0].value, limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes) },
      path: container.path,
      fix: { description: 'set --max-old-space-size in NODE_OPTIONS', edits: mergeEnv(container, PROFILES.node, flags) },
    }];
  },
});
