import { describeBytes, floorMiB } from '../core/quantity';
import { readJvmOptions } from '../runtimes/jvm';
import { PROFILES } from '../runtimes';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-legacy-heap-unset',
    defaultSeverity: 'error',
    summary: 'A JVM without container support (Java 8 before 8u191, Java 9) has no `-Xmx`.',
    rationale:
      'These JVMs read the node\'s memory, not the cgroup limit, and default the heap to a quarter of it: the heap can grow past the container limit and the kernel kills the JVM (exit 137) instead of the JVM throwing OutOfMemoryError.',
    remediation: 'Set `-Xmx` to the memory limit minus the JVM overhead (for example in `JAVA_TOOL_OPTIONS`), or move to Java 8u191+ / 11+.',
    scope: runtimeScope('jvm'),
    messages: {
      unset: 'container "{{container}}" runs a JVM without container support ({{reason}}) and sets no -Xmx',
      unsetWithLimit: 'container "{{container}}" runs a JVM without container support ({{reason}}) and sets no -Xmx: set -Xmx{{heapMiB}}m (limit {{limit}} - {{overhead}} JVM overhead)',
    },
    fixable: true,
  },
  checkContainer({ container, runtime, limitBytes, overheadBytes }) {
    if (!runtime?.legacyJvm || readJvmOptions(container).xmx) return NONE;
    if (limitBytes === undefined) return [{ messageId: 'unset', data: { container: container.name, reason: runtime.reason }, path: container.path }];
    const flags = PROFILES.jvm.flags(limitBytes, overheadBytes, { legacy: true });
    return [{
      messageId: 'unsetWithLimit',
      data: { container: container.name, reason: runtime.reason, heapMiB: Math.max(1, floorMiB(limitBytes - overheadBytes)), limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes) },
      path: container.path,
      fix: { description: 'set -Xmx in JAVA_TOOL_OPTIONS', edits: mergeEnv(container, PROFILES.jvm, flags) },
    }];
  },
});
