import { LONG_RUNNING } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'healthcheck-missing',
    defaultSeverity: 'warning',
    summary: 'Compose: a long-running service without a `healthcheck` (services that run to completion, and healthchecks disabled on purpose, are exempt).',
    rationale:
      'A process that survives a near-OOM in a GC death spiral, or swaps once it passes its limit, stays "running" and serves nothing: without a healthcheck Docker reports it as up, `depends_on: condition: service_healthy` cannot wait for it, and nothing restarts or alerts on it. The healthcheck is Compose\'s counterpart of the Kubernetes liveness and readiness probes.',
    remediation:
      'Add a `healthcheck` with a `test` on a cheap endpoint that checks only the process itself (`["CMD", "curl", "-f", "http://localhost:8080/health"]`), an `interval`, a `timeout`, `retries` and a `start_period` long enough for a slow start. If the image defines its own `HEALTHCHECK`, say so with `ignore.oomguard.io/healthcheck-missing` in the service\'s `labels`; `disable: true` turns a healthcheck off on purpose and is not reported.',
    scope: { ...LONG_RUNNING, platforms: ['compose'] },
    messages: { missing: 'service "{{container}}" has no healthcheck: Docker cannot tell a hung or thrashing process from a healthy one' },
    fixable: false,
  },
  checkContainer({ container }) {
    if (container.liveness) return NONE;
    // `disable: true` (or test NONE) is a decision, like a suppression: the model leaves liveness unset
    // for it, so look at what was written.
    const healthcheck = container.raw.healthcheck;
    if (typeof healthcheck === 'object' && healthcheck !== null && !Array.isArray(healthcheck)) {
      const { disable, test } = healthcheck as Record<string, unknown>;
      if (disable === true || test === 'NONE' || (Array.isArray(test) && test[0] === 'NONE')) return NONE;
    }
    return [{ messageId: 'missing', data: { container: container.name }, path: container.path }];
  },
});
