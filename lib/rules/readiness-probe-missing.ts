import { LONG_RUNNING_PODS } from './scopes';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'readiness-probe-missing',
    defaultSeverity: 'warning',
    summary: 'A long-running container has no readiness probe (Jobs, CronJobs and init containers are exempt).',
    rationale:
      'Without a readiness probe a restarted container (after a 137, for example) gets traffic before it can serve, and a JVM still warming up takes the full load, the moment its memory peaks.',
    remediation: 'Add a `readinessProbe` that reports whether the container can serve now.',
    scope: LONG_RUNNING_PODS,
    messages: { missing: 'container "{{container}}" has no readiness probe' },
    fixable: false,
  },
  checkContainer({ container }) {
    return container.readiness ? [] : [{ messageId: 'missing', data: { container: container.name }, path: container.path }];
  },
});
