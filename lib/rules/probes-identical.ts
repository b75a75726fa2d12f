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

type Obj = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A probe port as the kubelet resolves it: a number stays a number, a name becomes the number of the
 * container port of that name (\`ports[].name\`), as kubelet's prober does (findPortByName).
 */
function resolvePort(port: unknown, container: Obj): unknown {
  if (typeof port !== 'string') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const ports = Array.isArray(container.ports) ? container.ports : [];
  const named = ports.find((entry) => isObject(entry) && entry.name === port);
  return isObject(named) && named.containerPort !== undefined ? Number(named.containerPort) : port;
}

/**
 * The API server's defaults for each handler's fields (k8s.io/kubernetes pkg/apis/core/v1/defaults.go:
 * SetDefaults_HTTPGetAction sets path "/" and scheme HTTP; an absent host means the pod IP; gRPC's
 * service defaults to ""): a field left out compares equal to its default.
 */
const DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  httpGet: { path: '/', scheme: 'HTTP', host: '', httpHeaders: [] },
  tcpSocket: { host: '' },
  grpc: { service: '' },
  exec: { command: [] },
};

/**
 * Whether two handlers run the same check once defaults are filled in and ports resolved:
 * \`{port: http}\` and \`{path: /, port: 8080, scheme: HTTP}\` are the same check when the container
 * names 8080 \`http\`. Compared field by field, without building the defaulted objects (this runs for
 * every container with both probes).
 */
function sameHandler(handler: string, a: unknown, b: unknown, container: Obj): boolean {
  if (!isObject(a) || !isObject(b)) return sameValue(a, b);
  const defaults = DEFAULTS[handler] ?? {};
  const same = (key: string): boolean => {
    if (key === 'port') return sameValue(resolvePort(a.port, container), resolvePort(b.port, container));
    return sameValue(a[key] ?? defaults[key], b[key] ?? defaults[key]);
  };
  for (const key in a) if (!same(key)) return false;
  for (const key in b) if (!Object.hasOwn(a, key) && !same(key)) return false;
  return true;
}

export default defineRule({
  meta: {
    id: 'probes-identical',
    defaultSeverity: 'warning',
    summary: 'The liveness and readiness probes use the same handler (compared after API defaults: no path is `/`, no scheme is HTTP, a named port is the container port of that name).',
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
    // Compared as the kubelet runs them, after API defaults (the timings do not change what is checked).
    if (!sameHandler(handler, container.liveness.probe[handler], container.readiness.probe[handler], container.raw)) return NONE;
    return [{ messageId: 'identical', data: { container: container.name, handler }, path: container.readiness.path }];
  },
});
