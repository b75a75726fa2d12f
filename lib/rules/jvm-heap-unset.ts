import { describeBytes } from '../core/quantity';
import { readJvmOptions } from '../runtimes/jvm';
import { PROFILES } from '../runtimes';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-heap-unset',
    defaultSeverity: 'warning',
    summary: 'A JVM sets neither `-Xmx` nor `MaxRAMPercentage`.',
    rationale:
      'A container-aware JVM then caps its heap at 25% of the limit (MaxRAMPercentage default): three quarters of the memory you pay for sits idle while the JVM throws OutOfMemoryError or GC-thrashes early, and teams respond by raising the limit. Setting the ceiling to the limit minus the non-heap reserve uses the memory and keeps the JVM inside it.',
    remediation: 'Add `-XX:MaxRAMPercentage=<p>` (p = (limit - overhead) / limit) to `JAVA_TOOL_OPTIONS`; `oomguard fix` computes it.',
    scope: runtimeScope('jvm'),
    messages: {
      unset: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage: its heap defaults to 25% of the limit',
      unsetWithLimit: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage: its heap defaults to 25% of {{limit}}; set {{flags}}',
    },
    fixable: true,
  },
  checkContainer({ container, runtime, limitBytes, overheadBytes }) {
    if (runtime?.legacyJvm) return NONE; // jvm-legacy-heap-unset covers it
    const { xmx, maxRamPercentage } = readJvmOptions(container);
    if (xmx || maxRamPercentage) return NONE;
    if (limitBytes === undefined || limitBytes <= overheadBytes) {
      return [{ messageId: 'unset', data: { container: container.name }, path: container.path }];
    }
    const flags = PROFILES.jvm.flags(limitBytes, overheadBytes);
    return [{
      messageId: 'unsetWithLimit',
      data: { container: container.name, limit: describeBytes(limitBytes), flags: flags.map((flag) => `${flag.name}="${flag.value}"`).join(' ') },
      path: container.path,
      fix: { description: 'set the JVM heap ceiling in JAVA_TOOL_OPTIONS', edits: mergeEnv(container, PROFILES.jvm, flags) },
    }];
  },
});
