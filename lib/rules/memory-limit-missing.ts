import { describeBytes } from '../core/quantity';
import { setMemory } from './edits';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'memory-limit-missing',
    defaultSeverity: 'error',
    summary: 'A container (app, init or native sidecar) has no memory limit.',
    rationale:
      'Without a limit a container can take all of a node\'s memory: the kernel then kills whichever process scores highest, often another workload, and the scheduler placed the pod with no idea of its size. Init containers and native sidecars count toward the pod\'s effective limit too.',
    remediation:
      'Measure the peak (`oomguard measure -- CMD`), declare it with `oomguard.io/peak-rss`, and set `resources.limits.memory` and `resources.requests.memory` to the recommended size (`oomguard fix` does this once the peak is declared).',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      missing: 'container "{{container}}" has no memory limit: set {{field}} and an equal request',
      missingWithPeak: 'container "{{container}}" has no memory limit: set it and the request to {{recommended}} ({{explanation}})',
    },
    fixable: true,
  },
  checkContainer({ container, recommendation }) {
    if (container.limits.memory) return NONE;
    if (!recommendation) return [{ messageId: 'missing', data: { container: container.name, field: container.fieldNames?.memoryLimit ?? 'resources.limits.memory' }, path: container.path }];
    return [{
      messageId: 'missingWithPeak',
      data: { container: container.name, recommended: describeBytes(recommendation.limitBytes), explanation: recommendation.explanation },
      path: container.path,
      fix: { description: `set memory limit and request to ${describeBytes(recommendation.limitBytes)}`, edits: setMemory(container, recommendation.limitBytes) },
    }];
  },
});
