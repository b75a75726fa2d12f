import { formatJsonPath } from '../core/workload';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule, type Report } from './types';

export default defineRule({
  meta: {
    id: 'heap-options-unresolved',
    defaultSeverity: 'info',
    summary: 'A runtime option variable (`JAVA_TOOL_OPTIONS`, `NODE_OPTIONS`, `GOMEMLIMIT`, ...) takes its value from `valueFrom` or a `$(VAR)` oomguard cannot read.',
    rationale:
      'The heap ceiling then lives in a ConfigMap or Secret, outside the manifest: oomguard cannot check it against the limit, and adding the variable to `env` would silently shadow the ConfigMap\'s value. The other heap rules stay quiet about such a container rather than guess or "fix" it.',
    remediation: 'Check the ConfigMap or Secret value against the limit (`oomguard verify --limit <limit> --runtime <r> -- <command>` runs it under the real limit), or set the heap option in the manifest itself.',
    scope: { ...ALL_RESOURCE_CONTAINERS, runtimes: ['jvm', 'node', 'go'] },
    messages: {
      valueFrom: 'container "{{container}}" takes {{name}} from valueFrom: oomguard cannot see its heap setting, so it is not checked against the limit',
      reference: 'container "{{container}}" builds {{name}} from a $(VAR) whose value comes from valueFrom or envFrom: oomguard cannot see its heap setting',
    },
    fixable: false,
  },
  checkContainer({ container, runtime, jvm, node, go }) {
    const unknown = runtime?.runtime === 'jvm' ? jvm?.options.unknown : runtime?.runtime === 'node' ? node?.options.unknown : undefined;
    const reports: Report[] = [];
    for (const entry of unknown ?? []) {
      if (entry.how === 'envFrom') continue; // whether envFrom sets it is unknowable; the unset rules say so without a fix
      reports.push({ messageId: entry.how, data: { container: container.name, name: entry.how === 'reference' && !/^[A-Z_]+$/.test(entry.name) ? formatJsonPath(entry.path.slice(-2)) : entry.name }, path: entry.path });
    }
    // GOMEMLIMIT from a resourceFieldRef is go-memlimit-exceeds-limit's to judge; any other valueFrom is unknown.
    if (runtime?.runtime === 'go' && go && go.variable.value === undefined && !go.variable.valueFrom?.resourceFieldRef) {
      reports.push({ messageId: 'valueFrom', data: { container: container.name, name: 'GOMEMLIMIT' }, path: go.variable.path });
    }
    return reports.length > 0 ? reports : NONE;
  },
});
