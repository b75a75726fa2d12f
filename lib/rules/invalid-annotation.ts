import { RUNTIME_IDS, isRuntimeId } from '../runtimes';
import { EVERY_WORKLOAD } from './scopes';
import { ANNOTATION } from '../facts';
import { defineRule, type Report } from './types';

/** Annotations that can name a container: `<key>.<container>`. */
const PER_CONTAINER = [ANNOTATION.runtime, ANNOTATION.peak] as const;
/** What both of them start with. */
const PREFIX = 'oomguard.io/';

export default defineRule({
  meta: {
    id: 'invalid-annotation',
    defaultSeverity: 'error',
    summary: 'An oomguard annotation oomguard cannot use: an unknown runtime, a suppression without a reason or for an unknown rule, or a per-container annotation naming no container.',
    rationale:
      'A suppression is a decision someone will have to revisit: without a reason it cannot be judged, so it does not suppress. A misspelt runtime or container name silently turns checks off.',
    remediation: 'Give every `ignore.oomguard.io/<rule-id>` a reason, use a known rule id and runtime, and name an existing container.',
    scope: EVERY_WORKLOAD,
    messages: {
      noReason: 'annotation {{key}} suppresses nothing: give the reason as its value',
      unknownRule: 'annotation {{key}} names no oomguard rule',
      unknownRuntime: 'annotation {{key}} "{{value}}" is not a runtime oomguard knows ({{known}})',
      unknownContainer: 'annotation {{key}} names container "{{container}}", which this workload does not have',
    },
    fixable: false,
  },
  checkWorkload({ workload, ruleIds }) {
    const reports: Report[] = [];
    let containers: Set<string> | undefined;
    for (const [key, annotation] of workload.annotations) {
      if (key.startsWith(ANNOTATION.ignorePrefix)) {
        const id = key.slice(ANNOTATION.ignorePrefix.length);
        if (!ruleIds.has(id)) reports.push({ messageId: 'unknownRule', data: { key }, path: annotation.path });
        else if (typeof annotation.value !== 'string' || annotation.value.trim() === '') reports.push({ messageId: 'noReason', data: { key }, path: annotation.path });
        continue;
      }
      if (!key.startsWith(PREFIX)) continue; // most annotations are someone else's
      for (const base of PER_CONTAINER) {
        const perContainer = key.length > base.length && key.startsWith(base) && key[base.length] === '.';
        if (perContainer) {
          const container = key.slice(base.length + 1);
          containers ??= new Set(workload.containers.map((each) => each.name));
          if (!containers.has(container)) reports.push({ messageId: 'unknownContainer', data: { key, container }, path: annotation.path });
        }
        if ((key === base || perContainer) && base === ANNOTATION.runtime && !isRuntimeId(annotation.value)) {
          reports.push({ messageId: 'unknownRuntime', data: { key, value: String(annotation.value), known: RUNTIME_IDS.join(', ') }, path: annotation.path });
        }
      }
    }
    return reports;
  },
});
