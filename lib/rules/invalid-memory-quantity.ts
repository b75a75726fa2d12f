import { parseQuantity } from '../core/quantity';
import type { Annotation, JsonPath } from '../core/workload';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { ANNOTATION, defineRule, type Report } from './types';

function annotationReports(annotations: ReadonlyMap<string, Annotation>, match: (key: string) => boolean): Report[] {
  const reports: Report[] = [];
  for (const [key, annotation] of annotations) {
    if (!match(key)) continue;
    const parsed = parseQuantity(annotation.value);
    if (parsed.ok && parsed.bytes > 0) continue;
    reports.push({
      messageId: 'annotation',
      data: { key, value: String(annotation.value), reason: parsed.ok ? 'is zero' : parsed.reason },
      path: annotation.path,
    });
  }
  return reports;
}

export default defineRule({
  meta: {
    id: 'invalid-memory-quantity',
    defaultSeverity: 'error',
    summary: 'A memory quantity Kubernetes would reject (`512MB`, `1.5 Gi`, `-1Gi`), in resources or in an oomguard annotation.',
    rationale:
      'The API server rejects the whole object, so the rollout fails at apply time; in an annotation the declared peak is silently useless. `512MB` looks right but `MB` is not a Kubernetes unit: the decimal suffix is `M`, the binary one `Mi`.',
    remediation: 'Write the quantity with a Kubernetes suffix: `Ki Mi Gi Ti Pi Ei` (binary) or `k M G T P E` (decimal), no space, not negative.',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      resource: 'container "{{container}}" {{field}} "{{value}}" {{reason}}',
      annotation: 'annotation {{key}} "{{value}}" {{reason}}',
    },
    fixable: false,
  },
  checkWorkload({ workload }) {
    return annotationReports(workload.annotations, (key) => key === ANNOTATION.peak);
  },
  checkContainer({ container, workload }) {
    const reports: Report[] = [];
    for (const [field, quantity] of [['resources.limits.memory', container.limits.memory], ['resources.requests.memory', container.requests.memory]] as const) {
      if (quantity && !quantity.parsed.ok) {
        reports.push({ messageId: 'resource', data: { container: container.name, field, value: String(quantity.raw), reason: quantity.parsed.reason }, path: quantity.path as JsonPath });
      }
    }
    reports.push(...annotationReports(workload.annotations, (key) => key === `${ANNOTATION.peak}.${container.name}`));
    return reports;
  },
});
