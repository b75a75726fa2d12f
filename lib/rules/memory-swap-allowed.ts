import { describeBytes } from '../core/quantity';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'memory-swap-allowed',
    defaultSeverity: 'warning',
    summary: 'Compose: a service with a memory limit whose `memswap_limit` is not equal to it: unset or above the limit (or -1) lets it swap, below the limit Docker refuses.',
    rationale:
      'Docker gives a container with `--memory` and no `--memory-swap` as much swap again as its limit (docker run reference, "--memory-swap details"), `-1` unlimited swap. On a host with swap the process is not stopped at its limit: it pages, slows down by orders of magnitude and is killed later, or never; the JVM and V8 size their heaps from the limit and never learn why. The limit oomguard sized, and the evidence that the runtime fails on its own terms at it, only hold when memory plus swap equals the limit.',
    remediation: 'Set `memswap_limit` equal to the memory limit (`mem_limit` or `deploy.resources.limits.memory`); `oomguard fix` writes it.',
    scope: { workloadClasses: ['service', 'batch'], roles: ['app'], platforms: ['compose'] },
    messages: {
      unset: 'service "{{container}}" is limited to {{limit}} but sets no memswap_limit: Docker lets it use {{limit}} of swap on top; set memswap_limit to {{raw}}',
      above: 'service "{{container}}" is limited to {{limit}} but memswap_limit {{memswap}} lets it swap {{swap}} more; set memswap_limit to {{raw}}',
      below: 'service "{{container}}" is limited to {{limit}} but memswap_limit {{memswap}} is lower: Docker refuses to create the container; set memswap_limit to {{raw}}',
      unlimited: 'service "{{container}}" is limited to {{limit}} but memswap_limit -1 lets it swap without bound; set memswap_limit to {{raw}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes }) {
    const limit = container.limits.memory;
    if (limitBytes === undefined || !limit) return NONE;
    const memswap = container.memorySwap;
    const raw = typeof limit.raw === 'number' ? limit.raw : String(limit.raw);
    const fix = { description: `set memswap_limit to the limit ${raw}`, edits: [{ op: 'set' as const, path: memswap?.path ?? [...container.path, 'memswap_limit'], value: raw }] };
    const data = { container: container.name, limit: describeBytes(limitBytes), raw };
    // 0 is what Docker reads as unset (docker run --memory-swap 0).
    if (!memswap || (memswap.parsed.ok && memswap.parsed.bytes === 0)) return [{ messageId: 'unset', data, path: limit.path, fix }];
    // An invalid or unknown memswap_limit is not this rule's to judge.
    if (!memswap.parsed.ok) return NONE;
    if (memswap.parsed.bytes === Number.POSITIVE_INFINITY) return [{ messageId: 'unlimited', data, path: memswap.path, fix }];
    if (memswap.parsed.bytes < limitBytes) return [{ messageId: 'below', data: { ...data, memswap: String(memswap.raw) }, path: memswap.path, fix }];
    if (memswap.parsed.bytes === limitBytes) return NONE;
    return [{ messageId: 'above', data: { ...data, memswap: String(memswap.raw), swap: describeBytes(memswap.parsed.bytes - limitBytes) }, path: memswap.path, fix }];
  },
});
