import { describeBytes } from '../core/quantity';
import { PROFILES } from '../runtimes';
import { overheadText } from '../sizing/formula';
import { mergeEnv } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-heap-unset',
    defaultSeverity: 'warning',
    summary: 'A JVM sets neither `-Xmx` nor `MaxRAMPercentage` where the JVM reads it.',
    rationale:
      'A container-aware JVM then sizes its heap by its own ergonomics: 25% of the limit (MaxRAMPercentage default), but never less than 126 MiB below about 526 MiB. Three quarters of the memory you pay for sits idle while the JVM throws OutOfMemoryError or GC-thrashes early, or, in a small container, the 126 MiB floor leaves too little for the rest of the JVM. A heap flag only counts where the JVM reads it: `JAVA_OPTS` is read by launch scripts, not by `java` itself, and options after `-jar FILE` or the main class are the application\'s.',
    remediation: 'Add `-XX:MaxRAMPercentage=<p> -XX:MinRAMPercentage=<p>` (p = heap budget / limit) to `JAVA_TOOL_OPTIONS`; `oomguard fix` computes it.',
    scope: runtimeScope('jvm'),
    messages: {
      unset: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage: {{heapText}}',
      unsetWithLimit: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage{{where}}: its heap defaults to {{heap}} ({{basis}}); set {{flags}}',
      unsetEnvFrom: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage in its manifest: its heap defaults to {{heap}} ({{basis}}) unless envFrom sets JAVA_TOOL_OPTIONS; set {{flags}} (not fixed automatically: a new entry would shadow envFrom)',
      tooSmall: 'container "{{container}}" runs a JVM with no -Xmx or MaxRAMPercentage, and limit {{limit}} leaves {{ceiling}} after {{overhead}} {{what}}, below the {{minimum}} minimum heap: raise the limit',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, jvm }) {
    if (!jvm || jvm.variant.legacy) return NONE; // jvm-legacy-heap-unset covers it
    if (jvm.heapSet) return NONE;
    const { options } = jvm;
    // A ConfigMap or Secret sets an option variable: heap-options-unresolved says so.
    if (options.unknown.some((entry) => entry.how !== 'envFrom')) return NONE;
    const afterMain = options.applicationArgs.find((at) => /^["']?(-Xmx|-XX:MaxRAMPercentage=)/.test(at.token));
    const ignored = options.ignored.find((entry) => entry.name === 'JAVA_OPTS' && container.env.some((variable) => variable.name === 'JAVA_OPTS' && /-Xmx|MaxRAMPercentage/.test(variable.value ?? '')));
    const where = afterMain
      ? ` (${afterMain.token} in ${afterMain.source} comes after the main class or -jar FILE: the application gets it, not the JVM)`
      : ignored ? ` (JAVA_OPTS holds one, but ${ignored.reason})` : '';
    if (limitBytes === undefined || !budget) {
      return [{ messageId: 'unset', data: { container: container.name, heapText: 'its heap is sized from the node\'s memory (no memory limit)' }, path: container.path }];
    }
    const data = { container: container.name, limit: describeBytes(limitBytes), heap: jvm.heap.bytes === undefined ? 'a size from the node' : describeBytes(jvm.heap.bytes), basis: jvm.heap.basis, where };
    if (budget.tooSmall) {
      return [{ messageId: 'tooSmall', data: { ...data, ceiling: describeBytes(budget.heapBytes), overhead: describeBytes(budget.overheadBytes), what: overheadText('jvm', budget.overheadLabel), minimum: describeBytes(PROFILES.jvm.minHeapBytes ?? 0) }, path: container.path }];
    }
    const flags = PROFILES.jvm.settings(limitBytes, budget.heapBytes);
    const flagText = flags.map((flag) => `${flag.name}="${flag.value}"`).join(' ');
    const edits = mergeEnv(container, PROFILES.jvm, flags);
    if (!edits) return [{ messageId: 'unsetEnvFrom', data: { ...data, flags: flagText }, path: container.path }];
    return [{
      messageId: 'unsetWithLimit',
      data: { ...data, flags: flagText },
      path: container.path,
      fix: { description: 'set the JVM heap ceiling in JAVA_TOOL_OPTIONS', edits },
    }];
  },
});
