import { LONG_RUNNING_PODS } from './scopes';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'liveness-probe-missing',
    defaultSeverity: 'warning',
    summary: 'A long-running container has no liveness probe (Jobs, CronJobs and init containers are exempt).',
    rationale:
      'A process that survives a near-OOM in a GC death spiral or a deadlock stays up and serves nothing; without a liveness probe the kubelet never restarts it.',
    remediation: 'Add a `livenessProbe` on a cheap endpoint that checks only the process itself (not its dependencies).',
    scope: LONG_RUNNING_PODS,
    messages: { missing: 'container "{{container}}" has no liveness probe' },
    fixable: false,
  },
  checkContainer({ container }) {
    return container.liveness ? [] : [{ messageId: 'missing', data: { container: container.name }, path: container.path }];
  },
});
