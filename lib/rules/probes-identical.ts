import { LONG_RUNNING_PODS } from './scopes';
import { NONE, defineRule } from './types';

const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

/** The handler a probe uses (`httpGet`, `tcpSocket`, `exec`, `grpc`), if any. */
function handlerOf(probe: Readonly<Record<string, unknown>>): (typeof HANDLERS)[number] | undefined {
  return HANDLERS.find((name) => probe[name] !== undefined);
}

/** Structural equality of two parsed YAML values, key order ignored. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export default defineRule({
  meta: {
    id: 'probes-identical',
    defaultSeverity: 'warning',
    summary: 'The liveness and readiness probes use the same handler.',
    rationale:
      'Readiness answers "can I take traffic now", liveness "am I beyond repair". The same check for both restarts containers that are only busy or waiting on a dependency, turning a load spike (often a memory peak) into a restart storm.',
    remediation: 'Point liveness at a check of the process alone and readiness at one that includes what serving needs.',
    scope: LONG_RUNNING_PODS,
    messages: { identical: 'container "{{container}}" uses the same {{handler}} handler for liveness and readiness' },
    fixable: false,
  },
  checkContainer({ container }) {
    if (!container.liveness || !container.readiness) return NONE;
    const handler = handlerOf(container.liveness.probe);
    if (handler === undefined || handler !== handlerOf(container.readiness.probe)) return NONE;
    if (!sameValue(container.liveness.probe[handler], container.readiness.probe[handler])) return NONE;
    return [{ messageId: 'identical', data: { container: container.name, handler }, path: container.readiness.path }];
  },
});
