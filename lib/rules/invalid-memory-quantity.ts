import { parseQuantity } from '../core/quantity';
import type { Annotation, Container, QuantityField } from '../core/workload';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { ANNOTATION } from '../facts';
import { defineRule, type Report } from './types';

/** The report for a peak annotation Kubernetes-style quantities cannot read, or a zero one. */
function annotationReport(key: string, annotation: Annotation): Report | undefined {
  const parsed = parseQuantity(annotation.value);
  if (parsed.ok && parsed.fractional) return { messageId: 'annotationFractional', data: { key, ...fractionData(annotation.value, parsed.bytes) }, path: annotation.path };
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
    summary: 'A memory quantity Kubernetes would reject (`512MB`, `1.5 Gi`, `-1Gi`), or one that is not a whole number of bytes (`100m`), in resources, an emptyDir sizeLimit or an oomguard annotation.',
    rationale:
      'The API server rejects the whole object, so the rollout fails at apply time; in an annotation the declared peak is silently useless. `512MB` looks right but `MB` is not a Kubernetes unit: the decimal suffix is `M`, the binary one `Mi`. A fractional byte count such as `100m` (m is milli, a thousandth, not mega) is accepted with only an API warning and rounded up to 1 byte: a limit that small stops the container from starting, a request that small means nothing, so it is reported at the same level as a rejected one.',
    remediation: 'Write the quantity with a Kubernetes suffix: `Ki Mi Gi Ti Pi Ei` (binary) or `k M G T P E` (decimal), no space, not negative.',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      resource: 'container "{{container}}" {{field}} "{{value}}" {{reason}}',
      annotation: 'annotation {{key}} "{{value}}" {{reason}}',
      fractional: 'container "{{container}}" {{field}} "{{value}}" is {{exact}}, not a whole number of bytes: the API server warns and rounds it up to {{rounded}} ({{hint}})',
      volume: 'emptyDir volume "{{volume}}" sizeLimit "{{value}}" {{reason}}',
      volumeFractional: 'emptyDir volume "{{volume}}" sizeLimit "{{value}}" is {{exact}}, not a whole number of bytes ({{hint}})',
      annotationFractional: 'annotation {{key}} "{{value}}" is {{exact}}, not a whole number of bytes ({{hint}})',
    },
    fixable: false,
  },
  checkWorkload({ workload }) {
    const annotation = workload.annotations.get(ANNOTATION.peak);
    const report = annotation && annotationReport(ANNOTATION.peak, annotation);
    const reports = report ? [report] : [];
    // An emptyDir's sizeLimit is a memory quantity too when the volume is a tmpfs, and a disk size otherwise: the same grammar.
    for (const volume of workload.volumes ?? []) {
      const size = volume.emptyDir?.sizeLimit;
      if (size && !size.parsed.ok) reports.push({ messageId: 'volume', data: { volume: volume.name, value: String(size.raw), reason: size.parsed.reason }, path: size.path });
      else if (size && size.parsed.ok && size.parsed.fractional) reports.push({ messageId: 'volumeFractional', data: { volume: volume.name, ...fractionData(size.raw, size.parsed.bytes) }, path: size.path });
    }
    return reports;
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

/** The numbers for a fractional byte count: what it is exactly, what Kubernetes makes of it, and the likely intent. */
function fractionData(value: unknown, bytes: number): { value: string; exact: string; rounded: string; hint: string } {
  const text = String(value);
  const milli = /^\+?(\d+(?:\.\d+)?|\.\d+)m$/.exec(text);
  return {
    value: text,
    // `100m` is exactly 0.1 bytes: m is milli. Other fractions (`0.5`, `1.1Ki`) are named by their rounding.
    exact: milli ? `${Number(milli[1]) / 1000} bytes ("m" means milli, 1/1000)` : `between ${bytes - 1} and ${bytes} bytes`,
    rounded: `${bytes} byte${bytes === 1 ? '' : 's'}`,
    hint: milli ? `did you mean ${milli[1]}Mi or ${milli[1]}M?` : 'write a whole number of bytes or a Ki/Mi/Gi quantity',
  };
}

function resourceReport(reports: Report[], container: Container, field: string, quantity: QuantityField | undefined): void {
  if (quantity && quantity.parsed.ok && quantity.parsed.fractional) {
    reports.push({ messageId: 'fractional', data: { container: container.name, field, ...fractionData(quantity.raw, quantity.parsed.bytes) }, path: quantity.path });
  }
  if (quantity && !quantity.parsed.ok) {
    reports.push({ messageId: 'resource', data: { container: container.name, field, value: String(quantity.raw), reason: quantity.parsed.reason }, path: quantity.path });
  }
}
