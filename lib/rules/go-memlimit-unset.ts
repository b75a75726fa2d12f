import { describeBytes } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'go-memlimit-unset',
    defaultSeverity: 'warning',
    summary: 'A Go program runs with no `GOMEMLIMIT` (or with `GOMEMLIMIT=off`).',
    rationale:
      'Without a memory limit the Go GC paces only by GOGC: with the default GOGC=100 the heap may reach twice the live set before a collection, so a program whose live heap is 60% of the container limit is killed by the kernel (exit 137) although a collection would have freed enough. GOMEMLIMIT (Go 1.19+) makes the GC work harder as the limit nears.',
    remediation: 'Set `GOMEMLIMIT` to the limit minus the Go overhead, in Go\'s syntax (`900MiB`); `oomguard fix` computes it.',
    scope: runtimeScope('go'),
    messages: {
      unset: 'container "{{container}}" runs Go with no GOMEMLIMIT: the GC does not know the container limit',
      unsetWithLimit: 'container "{{container}}" runs Go with no GOMEMLIMIT: set GOMEMLIMIT={{value}} (limit {{limit}} - {{overhead}} Go overhead)',
      off: 'container "{{container}}" sets GOMEMLIMIT=off: the GC does not know the container limit',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, go: current }) {
    if (current) {
      // Go reads the value untrimmed: only `off` itself means no limit (` off` is go-memlimit-invalid's).
      if (current.variable.value === 'off') return [{ messageId: 'off', data: { container: container.name }, path: [...current.variable.path, 'value'] }];
      return NONE;
    }
    if (limitBytes === undefined || !budget || budget.tooSmall) return [{ messageId: 'unset', data: { container: container.name }, path: container.path }];
    const flags = PROFILES.go.settings(limitBytes, budget.heapBytes);
    const edits = mergeEnv(container, PROFILES.go, flags);
    return [{
      messageId: 'unsetWithLimit',
      data: { container: container.name, value: flags[0].value, limit: describeBytes(limitBytes), overhead: describeBytes(budget.overheadBytes) },
      path: container.path,
      ...(edits ? { fix: { description: `set GOMEMLIMIT=${flags[0].value}`, edits } } : {}),
    }];
  },
});
