import { describeBytes } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { readGoMemLimit } from '../runtimes/go';
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
  checkContainer({ container, limitBytes, overheadBytes }) {
    const current = readGoMemLimit(container);
    if (current) {
      if (current.variable.value?.trim() === 'off') return [{ messageId: 'off', data: { container: container.name }, path: [...current.variable.path, 'value'] }];
      return NONE;
    }
    if (limitBytes === undefined || limitBytes <= overheadBytes) return [{ messageId: 'unset', data: { container: container.name }, path: container.path }];
    const flags = PROFILES.go.flags(limitBytes, overheadBytes);
    return [{
      messageId: 'unsetWithLimit',
      data: { container: container.name, value: flags[0].value, limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes) },
      path: container.path,
      fix: { description: `set GOMEMLIMIT=${flags[0].value}`, edits: mergeEnv(container, PROFILES.go, flags) },
    }];
  },
});
