import { parseMilli } from '../core/quantity';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'cpu-request-not-equal-limit',
    defaultSeverity: 'off',
    summary: 'Opt-in: the CPU request is missing or differs from the CPU limit, so the pod is not Guaranteed QoS.',
    rationale:
      'A pod is Guaranteed only when every container\'s CPU and memory requests equal its limits; Guaranteed pods are the last evicted under node memory pressure and get the lowest oom_score_adj. Many teams deliberately leave CPU burstable, hence opt-in.',
    remediation: 'Set `resources.requests.cpu` equal to `resources.limits.cpu` (and a CPU limit where none is set).',
    // QoS classes are Kubernetes'; Compose has no counterpart.
    scope: { ...ALL_RESOURCE_CONTAINERS, platforms: ['kubernetes'] },
    messages: {
      differs: 'container "{{container}}" requests {{request}} CPU but is limited to {{limit}}: not Guaranteed QoS',
      noLimit: 'container "{{container}}" has no CPU limit: not Guaranteed QoS',
    },
    fixable: false,
  },
  checkContainer({ container }) {
    const { cpu: limit } = container.limits;
    const { cpu: request } = container.requests;
    if (!limit) return [{ messageId: 'noLimit', data: { container: container.name }, path: container.path }];
    if (!request || !limit.parsed.ok || !request.parsed.ok) return NONE;
    // Compared in millicores, so `1` equals `1000m`.
    if (parseMilli(request.raw) === parseMilli(limit.raw)) return NONE;
    return [{ messageId: 'differs', data: { container: container.name, request: String(request.raw), limit: String(limit.raw) }, path: request.path }];
  },
});
