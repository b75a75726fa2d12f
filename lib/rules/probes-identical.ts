import { LONG_RUNNING } from './scopes';
import { defineRule } from './types';

const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

/** A canonical JSON of a probe's handler (keys sorted), ignoring its timings. */
function handlerKey(probe: Readonly<Record<string, unknown>>): string | undefined {
  const handler = HANDLERS.find((name) => probe[name] !== undefined);
  if (!handler) return undefined;
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical)
      : value && typeof value === 'object' ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
        : value;
  return `${handler}:${JSON.stringify(canonical(probe[handler]))}`;
}

export default defineRule({
  meta: {
    id: 'probes-identical',
    defaultSeverity: 'warning',
    summary: 'The liveness and readiness probes use the same handler.',
    rationale:
      'Readiness answers "can I take traffic now", liveness "am I beyond repair". The same check for both restarts containers that are only busy or waiting on a dependency, turning a load spike (often a memory peak) into a restart storm.',
    remediation: 'Point liveness at a check of the process alone and readiness at one that includes what serving needs.',
    scope: LONG_RUNNING,
    messages: { identical: 'container "{{container}}" uses the same {{handler}} handler for liveness and readiness' },
    fixable: false,
  },
  checkContainer({ container }) {
    if (!container.liveness || !container.readiness) return [];
    const liveness = handlerKey(container.liveness.probe);
    if (liveness === undefined || liveness !== handlerKey(container.readiness.probe)) return [];
    return [{ messageId: 'identical', data: { container: container.name, handler: liveness.slice(0, liveness.indexOf(':')) }, path: container.readiness.path }];
  },
});
