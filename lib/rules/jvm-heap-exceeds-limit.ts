import { describeBytes, floorMiB } from '../core/quantity';
import { heapPercentage, readJvmOptions } from '../runtimes/jvm';
import { replaceOption } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-heap-exceeds-limit',
    defaultSeverity: 'error',
    summary: '`-Xmx`, or `MaxRAMPercentage` of the limit, leaves less than the JVM\'s non-heap reserve below the memory limit.',
    rationale:
      'The JVM needs memory beyond the heap: metaspace, code cache, thread stacks, GC structures, direct buffers (200-400 MiB on typical services). A heap ceiling that leaves less than that below the limit lets the process cross the limit while the heap still has room, and the kernel kills it (exit 137) with no OutOfMemoryError in the log.',
    remediation: 'Lower `-Xmx` (or `MaxRAMPercentage`) to at most the limit minus the JVM overhead, or raise the limit.',
    scope: runtimeScope('jvm'),
    messages: {
      xmx: 'container "{{container}}" sets -Xmx {{heap}} in {{source}}, above limit {{limit}} - {{overhead}} JVM overhead = {{ceiling}}',
      percentage: 'container "{{container}}" sets MaxRAMPercentage={{percent}} in {{source}}: {{heap}} of limit {{limit}}, above {{limit}} - {{overhead}} JVM overhead = {{ceiling}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, overheadBytes }) {
    if (limitBytes === undefined) return NONE;
    const { xmx, maxRamPercentage, containerSupport } = readJvmOptions(container);
    const ceiling = limitBytes - overheadBytes;
    // The message's figures are formatted only for a finding: most JVM containers of a fleet have none.
    const common = () => ({ container: container.name, limit: describeBytes(limitBytes), overhead: describeBytes(overheadBytes), ceiling: describeBytes(Math.max(0, ceiling)) });
    // -Xmx wins over MaxRAMPercentage when both are set (HotSpot ergonomics).
    if (xmx) {
      if (xmx.bytes <= ceiling) return NONE;
      return [{
        messageId: 'xmx',
        data: { ...common(), heap: describeBytes(xmx.bytes), source: xmx.at.source },
        path: xmx.at.path,
        ...(ceiling >= 64 * 1024 * 1024
          ? { fix: { description: `lower -Xmx to ${floorMiB(ceiling)}m`, edits: [replaceOption(xmx.at, `-Xmx${floorMiB(ceiling)}m`)] } }
          : {}),
      }];
    }
    if (maxRamPercentage && containerSupport?.enabled !== false) {
      const heap = (limitBytes * maxRamPercentage.percent) / 100;
      if (heap <= ceiling) return NONE;
      const percent = heapPercentage(limitBytes, overheadBytes);
      return [{
        messageId: 'percentage',
        data: { ...common(), heap: describeBytes(Math.round(heap)), percent: maxRamPercentage.percent, source: maxRamPercentage.at.source },
        path: maxRamPercentage.at.path,
        ...(ceiling > 0
          ? { fix: { description: `lower MaxRAMPercentage to ${percent.toFixed(1)}`, edits: [replaceOption(maxRamPercentage.at, `-XX:MaxRAMPercentage=${percent.toFixed(1)}`)] } }
          : {}),
      }];
    }
    return NONE;
  },
});
