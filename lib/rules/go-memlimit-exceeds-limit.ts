import { describeBytes, floorMiB, parseQuantity } from '../core/quantity';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

/** GOMEMLIMIT from `valueFrom.resourceFieldRef` on `limits.memory`: the whole limit divided by the divisor. */
function fromResourceField(valueFrom: Readonly<Record<string, unknown>> | undefined, limitBytes: number): number | undefined {
  const ref = valueFrom?.resourceFieldRef as Record<string, unknown> | undefined;
  if (!ref || ref.resource !== 'limits.memory') return undefined;
  const divisor = ref.divisor === undefined ? { ok: true as const, bytes: 1 } : parseQuantity(ref.divisor);
  if (!divisor.ok || divisor.bytes === 0) return undefined;
  return Math.ceil(limitBytes / divisor.bytes);
}

export default defineRule({
  meta: {
    id: 'go-memlimit-exceeds-limit',
    defaultSeverity: 'error',
    summary: '`GOMEMLIMIT` is above the memory limit minus the Go overhead.',
    rationale:
      'GOMEMLIMIT covers only memory the Go runtime manages; cgo, mmaped files and the soft limit\'s own overshoot come on top. Set to the whole container limit (a common `resourceFieldRef: limits.memory` pattern) the GC starts working hard only when the kernel is about to kill the process (exit 137).',
    remediation: 'Set `GOMEMLIMIT` to the limit minus the Go overhead (`oomguard fix` computes it), or raise the limit.',
    scope: runtimeScope('go'),
    messages: {
      exceeds: 'container "{{container}}" sets GOMEMLIMIT={{value}} ({{bytes}}), above limit {{limit}} - {{overhead}} Go overhead = {{ceiling}}',
      wholeLimit: 'container "{{container}}" sets GOMEMLIMIT from resourceFieldRef limits.memory ({{bytes}}), above limit {{limit}} - {{overhead}} Go overhead = {{ceiling}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, go: current }) {
    if (limitBytes === undefined || !budget || !current) return NONE;
    const ceiling = budget.heapBytes;
    const overheadBytes = budget.overheadBytes;
    // Message figures and the fix are built only for a finding: most Go containers of a fleet have none.
    const common = () => ({ container: container.name, limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes), ceiling: describeBytes(Math.max(0, ceiling)) });
    if (current.variable.value === undefined) {
      const bytes = fromResourceField(current.variable.valueFrom, limitBytes);
      if (bytes === undefined || bytes <= ceiling) return NONE;
      // Replacing valueFrom by a literal value is a structural edit left to the user.
      return [{ messageId: 'wholeLimit', data: { ...common(), bytes: describeBytes(bytes) }, path: current.variable.path }];
    }
    if (!current.parsed.ok || current.parsed.bytes === null || current.parsed.bytes <= ceiling) return NONE;
    return [{
      messageId: 'exceeds',
      data: { ...common(), value: current.variable.value, bytes: describeBytes(current.parsed.bytes) },
      path: [...current.variable.path, 'value'],
      ...(!budget.tooSmall
        ? { fix: { description: `set GOMEMLIMIT=${floorMiB(ceiling)}MiB`, edits: [{ op: 'set' as const, path: [...current.variable.path, 'value'], value: `${floorMiB(ceiling)}MiB` }] } }
        : {}),
    }];
  },
});
