import { describeBytes } from '../core/quantity';
import { percentageFor, xmxMiBFor } from '../runtimes/jvm';
import { effectiveMaxHeap } from '../runtimes/jvm-memory';
import { overheadText } from '../sizing/formula';
import { editable, replaceOptions } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule, type Fix } from './types';

export default defineRule({
  meta: {
    id: 'jvm-heap-exceeds-limit',
    defaultSeverity: 'error',
    summary: 'The heap the JVM will take (`-Xmx`, or HotSpot\'s ergonomics from `MaxRAMPercentage`, `MinRAMPercentage`, `MaxRAM`) leaves less than the JVM\'s non-heap reserve below the memory limit.',
    rationale:
      'The JVM needs memory beyond the heap: GC structures (G1\'s grow with the heap, about 39 MiB per GiB), metaspace, code cache, thread stacks, direct buffers. A heap ceiling that leaves less than that below the limit lets the process cross the limit while the heap still has room, and the kernel kills it (exit 137) with no OutOfMemoryError in the log. The heap is computed the way HotSpot computes it: below about 526 MiB the JVM never goes under its 126 MiB default unless `MinRAMPercentage` is set, and `-XX:MaxRAM` replaces the container size.',
    remediation: 'Lower `-Xmx` (or set `MaxRAMPercentage` and `MinRAMPercentage`) to at most the limit minus the JVM overhead, or raise the limit; `oomguard fix` computes both.',
    scope: runtimeScope('jvm'),
    messages: {
      xmx: 'container "{{container}}" sets -Xmx {{heap}} in {{source}}, above limit {{limit}} - {{overhead}} {{what}} = {{ceiling}}',
      percentage: 'container "{{container}}" sets {{setting}} in {{source}}: the JVM takes a {{heap}} heap ({{basis}}), above limit {{limit}} - {{overhead}} {{what}} = {{ceiling}}',
    },
    fixable: true,
  },
  checkContainer({ container, limitBytes, budget, jvm }) {
    if (limitBytes === undefined || !budget || !jvm || !jvm.heapSet || jvm.heap.bytes === undefined) return NONE;
    const heap = jvm.heap.bytes;
    const ceiling = budget.heapBytes;
    if (heap <= ceiling) return NONE;
    const { options } = jvm;
    // The message's figures are formatted only for a finding: most JVM containers of a fleet have none.
    const common = () => ({ container: container.name, limit: describeBytes(limitBytes), overhead: describeBytes(budget.overheadBytes), what: overheadText('jvm', budget.overheadLabel), ceiling: describeBytes(ceiling), heap: describeBytes(heap) });
    if (options.xmx) {
      const at = options.xmx.at;
      const xmx = xmxMiBFor(ceiling);
      const fix: Fix | undefined = !budget.tooSmall && editable(at) ? { description: `lower -Xmx to ${xmx}m`, edits: replaceOptions([[at, `-Xmx${xmx}m`]]) } : undefined;
      return [{ messageId: 'xmx', data: { ...common(), source: at.source }, path: at.path, ...(fix ? { fix } : {}) }];
    }
    const at = options.maxRam?.at ?? options.maxRamPercentage?.at ?? options.minRamPercentage?.at ?? options.maxRamFraction?.at ?? options.minRamFraction?.at;
    if (!at) return NONE;
    const setting = at.token.replace(/^["']|["']$/g, '').replace(/^-XX:/, '');
    let fix: Fix | undefined;
    // MaxRAM says what the memory is meant to be: changing it is the user's call, not a fix.
    const percentAt = options.maxRamPercentage?.at;
    if (!budget.tooSmall && !options.maxRam && percentAt && editable(percentAt) && (!options.minRamPercentage || editable(options.minRamPercentage.at))) {
      const percent = percentageFor(limitBytes, ceiling);
      const text = percent.toFixed(1);
      if (options.minRamPercentage) {
        fix = { description: `set MaxRAMPercentage and MinRAMPercentage to ${text}`, edits: replaceOptions([[percentAt, `-XX:MaxRAMPercentage=${text}`], [options.minRamPercentage.at, `-XX:MinRAMPercentage=${text}`]]) };
      } else if (percentAt.source.startsWith('env ') || percentAt.text.trim() !== percentAt.token) {
        // A whitespace-split string (an env value, `sh -c`): both options go where the one was.
        fix = { description: `set MaxRAMPercentage and MinRAMPercentage to ${text}`, edits: replaceOptions([[percentAt, `-XX:MaxRAMPercentage=${text} -XX:MinRAMPercentage=${text}`]]) };
      } else {
        // One argv element holds one option: MaxRAMPercentage alone where it takes effect, else -Xmx.
        const alone = effectiveMaxHeap({ maxRamPercentage: percent }, { memoryBytes: limitBytes }, jvm.gc).bytes ?? Infinity;
        const replacement = alone <= ceiling ? `-XX:MaxRAMPercentage=${text}` : `-Xmx${xmxMiBFor(ceiling)}m`;
        fix = { description: `replace ${setting} with ${replacement}`, edits: replaceOptions([[percentAt, replacement]]) };
      }
    }
    return [{ messageId: 'percentage', data: { ...common(), setting, source: at.source, basis: jvm.heap.basis }, path: at.path, ...(fix ? { fix } : {}) }];
  },
});
