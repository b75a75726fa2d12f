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
      'Without a limit a container can take all of a node\'s memory: the kernel then kills whichever process scores highest, often another workload, and the scheduler placed the pod with no idea of its size. Init containers and native sidecars count toward the pod\'s effective limit too. `limits.memory: 0` (or `0Mi`) is no limit at all: the kubelet sets no cgroup limit for it, which is why kube-linter, kube-score and Checkov flag it as missing.',
    remediation:
      'Measure the peak (`oomguard measure -- CMD`), declare it with `oomguard.io/peak-rss`, and set `resources.limits.memory` and `resources.requests.memory` to the recommended size (`oomguard fix` does this once the peak is declared).',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      missing: 'container "{{container}}" has no memory limit: set {{field}} and an equal request',
      missingWithPeak: 'container "{{container}}" has no memory limit: set it and the request to {{recommended}} ({{explanation}})',
      zero: 'container "{{container}}" has limits.memory {{value}}, and 0 means no limit: set resources.limits.memory and an equal request',
      zeroWithPeak: 'container "{{container}}" has limits.memory {{value}}, and 0 means no limit: set it and the request to {{recommended}} ({{explanation}})',
    },
    fixable: true,
  },
  checkContainer({ container, recommendation }) {
    const limit = container.limits.memory;
    // A limit that is set and not zero, or one that does not parse (invalid-memory-quantity reports that).
    const zero = limit !== undefined && limit.parsed.ok && limit.parsed.bytes === 0;
    if (limit && !zero) return NONE;
    const value: Record<string, string> = zero ? { value: String(limit.raw) } : {};
    const path = zero ? limit.path : container.path;
    if (!recommendation) return [{ messageId: zero ? 'zero' : 'missing', data: { container: container.name, field: container.fieldNames?.memoryLimit ?? 'resources.limits.memory', ...value }, path }];
    return [{
      messageId: zero ? 'zeroWithPeak' : 'missingWithPeak',
      data: { container: container.name, ...value, recommended: describeBytes(recommendation.limitBytes), explanation: recommendation.explanation },
      path,
      fix: { description: `set memory limit and request to ${describeBytes(recommendation.limitBytes)}`, edits: setMemory(container, recommendation.limitBytes) },
    }];
  },
});
