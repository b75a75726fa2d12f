import { parseQuantity } from '../core/quantity';
import type { Annotation, Container, QuantityField } from '../core/workload';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { ANNOTATION, defineRule, type Report } from './types';

/** The report for a peak annotation Kubernetes-style quantities cannot read, or a zero one. */
function annotationReport(key: string, annotation: Annotation): Report | undefined {
  const parsed = parseQuantity(annotation.value);
  if (parsed.ok && parsed.bytes > 0) return undefined;
  return {
    messageId: 'annotation',
    data: { key, value: String(annotation.value), reason: parsed.ok ? 'is zero' : parsed.reason },
    path: annotation.path,
  };
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
    const annotation = workload.annotations.get(ANNOTATION.peak);
    const report = annotation && annotationReport(ANNOTATION.peak, annotation);
    return report ? [report] : [];
  },
  checkContainer({ container, workload }) {
    const reports: Report[] = [];
    resourceReport(reports, container, container.fieldNames?.memoryLimit ?? 'resources.limits.memory', container.limits.memory);
    resourceReport(reports, container, container.fieldNames?.memoryRequest ?? 'resources.requests.memory', container.requests.memory);
    const key = `${ANNOTATION.peak}.${container.name}`;
    const annotation = workload.annotations.get(key);
    const report = annotation && annotationReport(key, annotation);
    if (report) reports.push(report);
    return reports;
  },
});

function resourceReport(reports: Report[], container: Container, field: string, quantity: QuantityField | undefined): void {
  if (quantity && !quantity.parsed.ok) {
    reports.push({ messageId: 'resource', data: { container: container.name, field, value: String(quantity.raw), reason: quantity.parsed.reason }, path: quantity.path });
  }
}
