import { compareQuantities } from '../core/quantity';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'memory-request-not-equal-limit',
    defaultSeverity: 'error',
    summary: 'A container\'s memory request is set and differs from its memory limit.',
    rationale:
      'The scheduler packs nodes by requests. A request below the limit lets a node promise more memory than it has; when the pods grow toward their limits together, the kernel OOM-kills them (exit 137) or the kubelet evicts those using more than they requested first. Only request = limit makes memory Guaranteed. A request above the limit is rejected by the API server.',
    remediation: 'Set `resources.requests.memory` equal to `resources.limits.memory`, or remove the request (Kubernetes then copies the limit).',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      below: 'container "{{container}}" requests {{request}} of memory but is limited to {{limit}}: set the request equal to the limit so the node cannot be overcommitted',
      above: 'container "{{container}}" requests {{request}} of memory, more than its limit {{limit}}: the API server rejects this; set the request equal to the limit',
    },
    fixable: true,
  },
  checkContainer({ container }) {
    const { memory: request } = container.requests;
    const { memory: limit } = container.limits;
    if (!request || !limit || !request.parsed.ok || !limit.parsed.ok) return NONE;
    // Exactly, before rounding: `400m` and `500m` are both 1 byte once rounded, yet not equal.
    // (Whole byte counts, the usual case, compare as the parsed numbers.)
    const order = request.parsed.fractional || limit.parsed.fractional
      ? compareQuantities(request.raw, limit.raw)
      : Math.sign(request.parsed.bytes - limit.parsed.bytes);
    if (order === 0 || order === undefined) return NONE;
    return [{
      messageId: order < 0 ? 'below' : 'above',
      // The quantities as written: `512M` is what the reader will search the file for.
      data: { container: container.name, request: String(request.raw), limit: String(limit.raw) },
      path: request.path,
      fix: {
        description: `set the memory request to the limit ${String(limit.raw)}`,
        edits: [{ op: 'set', path: request.path, value: typeof limit.raw === 'number' ? limit.raw : String(limit.raw) }],
      },
    }];
  },
});
