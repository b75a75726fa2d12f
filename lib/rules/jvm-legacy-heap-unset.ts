import { describeBytes } from '../core/quantity';
import { xmxMiBFor } from '../runtimes/jvm';
import { PROFILES } from '../runtimes';
import { overheadText } from '../sizing/formula';
import { editable, mergeEnv, replaceOptions } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-legacy-heap-unset',
    defaultSeverity: 'error',
    summary: 'A JVM without container support (Java 8 before 8u191, Java 9) has no `-Xmx`, or sets an option it does not know.',
    rationale:
      'These JVMs read the node\'s memory, not the cgroup limit, and default the heap to a quarter of it: the heap can grow past the container limit and the kernel kills the JVM (exit 137) instead of the JVM throwing OutOfMemoryError. They also do not know `MaxRAMPercentage`, `MinRAMPercentage` or `UseContainerSupport` and stop at start-up on them ("Unrecognized VM option"). This holds whether the runtime is detected or declared with `oomguard.io/runtime`: the image tag decides.',
    remediation: 'Set `-Xmx` to the heap the limit allows after the JVM overhead (for example in `JAVA_TOOL_OPTIONS`), or move to Java 8u191+ / 11+.',
    scope: runtimeScope('jvm'),
    messages: {
      unset: 'container "{{container}}" runs a JVM without container support ({{reason}}) and sets no -Xmx',
      unsetWithLimit: 'container "{{container}}" runs a JVM without container support ({{reason}}) and sets no -Xmx: set -Xmx{{heapMiB}}m (limit {{limit}} - {{overhead}} {{what}})',
      unrecognized: 'container "{{container}}" runs a JVM without container support ({{reason}}) and sets {{option}} in {{source}}, which it does not know: the JVM stops at start-up; set -Xmx{{heapMiB}}m instead',
      tooSmall: 'container "{{container}}" runs a JVM without container support ({{reason}}), and limit {{limit}} leaves {{ceiling}} after {{overhead}} {{what}}, below the {{minimum}} minimum heap: raise the limit and set -Xmx',
    },
    fixable: true,
  },
  checkContainer({ container, runtime, limitBytes, budget, jvm }) {
    if (!jvm || !jvm.variant.legacy || jvm.options.xmx) return NONE;
    const reason = runtime?.reason ?? `image ${container.image}`;
    const unrecognized = jvm.unrecognized;
    if (limitBytes === undefined || !budget) {
      if (unrecognized) return [{ messageId: 'unrecognized', data: { container: container.name, reason, option: unrecognized.token, source: unrecognized.source, heapMiB: '<limit - overhead>' }, path: unrecognized.path }];
      return [{ messageId: 'unset', data: { container: container.name, reason }, path: container.path }];
    }
    const common = { container: container.name, reason, limit: describeBytes(limitBytes), overhead: describeBytes(budget.overheadBytes), what: overheadText('jvm', budget.overheadLabel) };
    if (budget.tooSmall) {
      return [{ messageId: 'tooSmall', data: { ...common, ceiling: describeBytes(budget.heapBytes), minimum: describeBytes(PROFILES.jvm.minHeapBytes ?? 0) }, path: unrecognized?.path ?? container.path }];
    }
    const flags = PROFILES.jvm.settings(limitBytes, budget.heapBytes, { legacy: true });
    const heapMiB = xmxMiBFor(budget.heapBytes);
    if (unrecognized) {
      // Every option a legacy JVM does not know goes; -Xmx takes the first one's place.
      const unknownOptions = jvm.options.tokens.filter((at) => /^["']?-XX:(MaxRAMPercentage=|MinRAMPercentage=|InitialRAMPercentage=|[+-]UseContainerSupport)/.test(at.token));
      const fixable = unknownOptions.every(editable);
      return [{
        messageId: 'unrecognized',
        data: { ...common, option: unrecognized.token, source: unrecognized.source, heapMiB },
        path: unrecognized.path,
        ...(fixable ? { fix: { description: `replace ${unknownOptions.map((at) => at.token).join(' ')} with -Xmx${heapMiB}m`, edits: replaceOptions(unknownOptions.map((at, index) => [at, index === 0 ? `-Xmx${heapMiB}m` : ''] as const)) } } : {}),
      }];
    }
    const edits = mergeEnv(container, PROFILES.jvm, flags);
    return [{
      messageId: 'unsetWithLimit',
      data: { ...common, heapMiB },
      path: container.path,
      ...(edits ? { fix: { description: 'set -Xmx in JAVA_TOOL_OPTIONS', edits } } : {}),
    }];
  },
});
