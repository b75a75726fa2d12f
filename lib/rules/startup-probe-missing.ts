import { PROFILES, RUNTIME_IDS } from '../runtimes';
import { LONG_RUNNING_PODS } from './scopes';
import { defineRule } from './types';

export default defineRule({
  meta: {
    id: 'startup-probe-missing',
    defaultSeverity: 'warning',
    summary: 'A slow-starting runtime (JVM) has a liveness probe and no startup probe.',
    rationale:
      'A JVM can take tens of seconds to start (class loading, JIT, framework wiring), longer when its CPU is throttled. A liveness probe that starts checking at once kills it mid-start, again and again; a startup probe holds liveness off until the first success ("Configure Liveness, Readiness and Startup Probes", kubernetes.io).',
    remediation: 'Add a `startupProbe` with the same handler and `failureThreshold × periodSeconds` covering the slowest start (for example 30 × 10s).',
    // Which runtimes start slowly is each profile's `slowStart` (lib/runtimes/<id>.ts), decided once.
    scope: { ...LONG_RUNNING_PODS, runtimes: RUNTIME_IDS.filter((id) => PROFILES[id].slowStart) },
    messages: { missing: 'container "{{container}}" runs a JVM with a liveness probe but no startup probe: a slow start gets it killed' },
    fixable: false,
  },
  checkContainer({ container }) {
    return container.liveness && !container.startup ? [{ messageId: 'missing', data: { container: container.name }, path: container.liveness.path }] : [];
  },
});
