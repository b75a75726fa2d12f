import { describeBytes } from '../core/quantity';
import { setMemory } from './edits';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'memory-limit-below-peak',
    defaultSeverity: 'error',
    summary: 'A declared peak (`oomguard.io/peak-rss`) needs a larger memory limit than the one set.',
    rationale:
      'A limit without headroom over the measured peak is a 137 waiting for the next traffic spike or GC cycle. The recommended limit is peak × factor (1.5) + the runtime\'s overhead outside its heap.',
    remediation: 'Raise the memory limit and request to the recommended size (`oomguard fix` does it), or lower the peak by fixing the leak.',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      below: 'container "{{container}}" limit {{limit}} < recommended {{recommended}} = {{explanation}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, recommendation }) {
    if (!recommendation || limitBytes === undefined || limitBytes >= recommendation.limitBytes) return NONE;
    const explanation = recommendation.explanation.replace(/ = [^=]+$/, '');
    return [{
      messageId: 'below',
      data: { container: container.name, limit: describeBytes(limitBytes), recommended: describeBytes(recommendation.limitBytes), explanation },
      path: container.limits.memory!.path,
      fix: { description: `raise memory limit and request to ${describeBytes(recommendation.limitBytes)}`, edits: setMemory(container, recommendation.limitBytes) },
    }];
  },
});
