/**
 * The cdk8s constructs, synthesized in process with cdk8s itself: per runtime, request = limit with the
 * exact numbers, the exact heap flag for the computed limit and the probes; user options merged, not
 * clobbered; output equal to `oomguard generate`; every object valid against the Kubernetes OpenAPI
 * schemas (kubernetes-models); snapshots of the synthesized YAML; the runtime profile API; the
 * cdk8s-plus helpers; and the in-app validation.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject, App, Chart, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Deployment as K8sDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet as K8sStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Service as K8sService } from 'kubernetes-models/v1/Service';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB, buildDeployment, createLinter } from '../lib';
import {
  MemorySafeDeployment,
  MemorySafeStatefulSet,
  OomguardLint,
  Runtime,
  RuntimeProfileError,
  addMemorySafeContainer,
  memorySafeContainer,
  type MemorySafeDeploymentProps,
} from '../lib/cdk8s';

const SNAPSHOTS = join(__dirname, 'fixtures', 'cdk8s');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

type Json = Record<string, any>;

function synth(build: (chart: Chart) => void): Json[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Json[];
}

function deploymentOf(props: MemorySafeDeploymentProps): Json {
  const [object] = synth((chart) => new MemorySafeDeployment(chart, 'svc', props));
  return object;
}

const containerOf = (object: Json): Json => object.spec.template.spec.containers[0];
const envOf = (object: Json): Record<string, string> => Object.fromEntries(containerOf(object).env.map((e: Json) => [e.name, e.value]));

/** Kubernetes OpenAPI validation through kubernetes-models; throws with the JSON path of each problem. */
function validateK8s(object: Json): void {
  const models: Record<string, new (data: any) => { validate(): void }> = {
    Deployment: K8sDeployment as any,
    StatefulSet: K8sStatefulSet as any,
    Service: K8sService as any,
  };
  const Model = models[object.kind];
  assert.ok(Model, `no kubernetes-models validator for ${object.kind}`);
  new Model(object).validate();
}

function snapshot(name: string, objects: Json[]): void {
  const file = join(SNAPSHOTS, `${name}.k8s.yaml`);
  const text = Yaml.stringify(...objects);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, text);
    if (!UPDATE) console.error(`  wrote new snapshot ${file}`);
  }
  assert.fixture(text, readFileSync(file, 'utf8'), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

// One case per runtime: peak, expected limit (peak × 1.5 + overhead, whole Mi), and the exact flag.
const RUNTIMES = [
  { runtime: Runtime.JVM, name: 'jvm', image: 'eclipse-temurin:21-jre', peak: 400, limit: '802Mi', env: ['JAVA_TOOL_OPTIONS', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=74.8 -XX:MinRAMPercentage=74.8 -XX:+ExitOnOutOfMemoryError'], startup: true },
  { runtime: Runtime.NODE, name: 'node', image: 'node:20-slim', peak: 200, limit: '400Mi', env: ['NODE_OPTIONS', '--max-old-space-size=297'], startup: false },
  { runtime: Runtime.GO, name: 'go', image: 'ghcr.io/example/api:1.0.0', peak: 100, limit: '200Mi', env: ['GOMEMLIMIT', '150MiB'], startup: false },
  { runtime: Runtime.PYTHON, name: 'python', image: 'python:3.12-slim', peak: 300, limit: '550Mi', env: ['MALLOC_ARENA_MAX', '2'], startup: false },
] as const;

for (const c of RUNTIMES) {
  test(`${c.name}: request = limit = ${c.limit}, ${c.env[0]}=${c.env[1]}, probes, valid Kubernetes, snapshot`, () => {
    const object = deploymentOf({ name: `${c.name}-api`, image: c.image, runtime: c.runtime, peakMemory: Size.mebibytes(c.peak), port: 8080 });
    const container = containerOf(object);
    assert.equal(container.resources, { limits: { memory: c.limit }, requests: { memory: c.limit } });
    assert.equal(container.env, [{ name: c.env[0], value: c.env[1] }]);
    assert.equal(container.livenessProbe.httpGet, { path: '/livez', port: 8080 });
    assert.equal(container.readinessProbe.httpGet, { path: '/readyz', port: 8080 });
    assert.is(container.startupProbe !== undefined, c.startup, 'startup probe only for the slow-starting JVM');
    if (c.startup) assert.equal(container.startupProbe, { httpGet: { path: '/livez', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 30 });
    assert.equal(object.metadata.annotations, { 'oomguard.io/runtime': c.name, 'oomguard.io/peak-rss': `${c.peak}Mi` });
    validateK8s(object);
    assert.equal(createLinter().lintDocument(object), [], 'the synthesized Deployment lints clean');
    snapshot(`deployment-${c.name}`, [object]);
  });

  test(`${c.name}: equals what \`oomguard generate\` builds`, () => {
    const props = { name: 'shop', image: c.image, port: 8080, replicas: 2 };
    const object = deploymentOf({ ...props, runtime: c.runtime, peakMemory: Size.mebibytes(c.peak) });
    const generated = buildDeployment({ ...props, runtime: c.name, peakBytes: c.peak * MIB });
    assert.equal(object, JSON.parse(JSON.stringify(generated)));
  });
}

test('JVM: user JAVA_TOOL_OPTIONS are merged: -Xmx dropped, other options kept in order, no duplicate flag', () => {
  const object = deploymentOf({
    name: 'orders', image: 'eclipse-temurin:17', runtime: Runtime.JVM, peakMemory: Size.mebibytes(400),
    env: { JAVA_TOOL_OPTIONS: '-Dfile.encoding=UTF-8 -Xmx2g -XX:+UseG1GC -XX:MaxRAMPercentage=90', TZ: 'UTC' },
  });
  assert.equal(containerOf(object).env, [
    // -XX:+UseG1GC is kept, and sizes the overhead: G1's structures, not the Serial GC HotSpot would pick.
    { name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8 -XX:+UseG1GC -XX:+UseContainerSupport -XX:MaxRAMPercentage=69.6 -XX:MinRAMPercentage=69.6 -XX:+ExitOnOutOfMemoryError' },
    { name: 'TZ', value: 'UTC' },
  ]);
});

test('Node.js: NODE_OPTIONS keeps --enable-source-maps, replaces the old --max-old-space-size', () => {
  const object = deploymentOf({
    name: 'web', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(200),
    env: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=4096' },
  });
  assert.equal(envOf(object), { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=297' });
});

test('Go and Python: single-valued variables are replaced, unrelated ones kept', () => {
  const go = deploymentOf({ name: 'gw', image: 'gw:1', runtime: Runtime.GO, peakMemory: Size.mebibytes(100), env: { GOMEMLIMIT: '1GiB', GOGC: '50' } });
  assert.equal(containerOf(go).env, [{ name: 'GOMEMLIMIT', value: '150MiB' }, { name: 'GOGC', value: '50' }]);
  const py = deploymentOf({ name: 'py', image: 'python:3', runtime: Runtime.PYTHON, peakMemory: Size.gibibytes(1), env: { MALLOC_ARENA_MAX: '8', PYTHONUNBUFFERED: '1' } });
  assert.equal(containerOf(py).env, [{ name: 'MALLOC_ARENA_MAX', value: '2' }, { name: 'PYTHONUNBUFFERED', value: '1' }]);
  assert.equal(containerOf(py).resources.limits.memory, '1636Mi', '1024Mi × 1.5 + 100Mi');
});

test('a legacy JVM gets -Xmx from the limit', () => {
  const object = deploymentOf({ name: 'old', image: 'openjdk:8u181-jre', runtime: Runtime.legacyJvm(), peakMemory: Size.mebibytes(400) });
  assert.equal(envOf(object), { JAVA_TOOL_OPTIONS: '-Xmx600m -XX:+ExitOnOutOfMemoryError' });
  assert.equal(createLinter().lintDocument(object).map((f) => f.ruleId), ['liveness-probe-missing', 'readiness-probe-missing']);
});

test('probe paths, command, args, CPU, replicas and metadata are passed through', () => {
  const object = deploymentOf({
    name: 'checkout', image: 'eclipse-temurin:21', runtime: Runtime.JVM, peakMemory: Size.mebibytes(256), port: 9000, replicas: 3,
    command: ['java'], args: ['-jar', 'app.jar'], cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
    probePaths: { liveness: '/health/live', readiness: '/health/ready', startup: '/health/started' },
    metadata: { namespace: 'shop', labels: { team: 'payments' }, annotations: { 'example.com/owner': 'payments' } },
  });
  const container = containerOf(object);
  assert.equal([container.command, container.args], [['java'], ['-jar', 'app.jar']]);
  assert.equal(container.resources, { limits: { memory: '586Mi', cpu: '1' }, requests: { memory: '586Mi', cpu: '250m' } });
  assert.equal([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path, container.startupProbe.httpGet.path], ['/health/live', '/health/ready', '/health/started']);
  assert.is(object.spec.replicas, 3);
  assert.equal(object.metadata.namespace, 'shop');
  assert.equal(object.metadata.labels, { team: 'payments', 'app.kubernetes.io/name': 'checkout' });
  assert.equal(object.metadata.annotations['example.com/owner'], 'payments');
  validateK8s(object);
});

test('without a name, cdk8s generates one and the container is "main"', () => {
  const [object] = synth((chart) => new MemorySafeDeployment(chart, 'api', { image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100) }));
  assert.match(object.metadata.name, /^test-api-c8[0-9a-f]{6}$/);
  assert.is(containerOf(object).name, 'main');
  assert.equal(object.spec.selector.matchLabels, { 'app.kubernetes.io/name': object.metadata.name });
  validateK8s(object);
});

test('StatefulSet: sized container, headless governing Service, valid Kubernetes, snapshot', () => {
  const objects = synth((chart) => new MemorySafeStatefulSet(chart, 'ledger', { name: 'ledger', image: 'ghcr.io/example/ledger:2', runtime: Runtime.GO, peakMemory: Size.mebibytes(150), port: 7000, replicas: 3 }));
  const sts = objects.find((o) => o.kind === 'StatefulSet')!;
  const svc = objects.find((o) => o.kind === 'Service')!;
  assert.is(sts.spec.serviceName, 'ledger');
  assert.equal(containerOf(sts).resources, { limits: { memory: '275Mi' }, requests: { memory: '275Mi' } });
  assert.equal(envOf(sts), { GOMEMLIMIT: '225MiB' });
  assert.equal(svc.spec, { clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'ledger' }, ports: [{ name: 'http', port: 7000, targetPort: 7000 }] });
  for (const object of objects) validateK8s(object);
  assert.equal(objects.flatMap((o) => createLinter().lintDocument(o)), []);
  snapshot('statefulset-go', objects);
});

test('StatefulSet with a serviceName creates no Service', () => {
  const objects = synth((chart) => new MemorySafeStatefulSet(chart, 'db', { name: 'db', serviceName: 'db-headless', image: 'python:3', runtime: Runtime.PYTHON, peakMemory: Size.mebibytes(64) }));
  assert.equal(objects.map((o) => o.kind), ['StatefulSet']);
  assert.is(objects[0].spec.serviceName, 'db-headless');
});

test('impossible props throw at construction with the path and the reason', () => {
  const base = { name: 'x', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100) };
  const build = (props: Partial<MemorySafeDeploymentProps>) => () => new MemorySafeDeployment(Testing.chart(), 'svc', { ...base, ...props } as MemorySafeDeploymentProps);
  assert.throws(build({ peakMemory: Size.mebibytes(0) }), /Deployment test\/svc: peakMemory must be above zero \(got 0\)/);
  assert.throws(() => Size.mebibytes(-1), /cannot be negative/);
  assert.throws(build({ runtime: 'erlang' as unknown as Runtime }), /unknown runtime "erlang": oomguard knows jvm, node, go, python, dotnet, ruby/);
  assert.throws(build({ runtime: undefined as unknown as Runtime }), /runtime must be a Runtime/);
  assert.throws(build({ peakMemory: 512 as unknown as Size }), /peakMemory must be a cdk8s Size/);
  assert.throws(build({ port: 70000 }), /port must be a whole number from 1 to 65535, got 70000/);
  assert.throws(build({ replicas: 1.5 }), /replicas must be a whole number >= 0, got 1.5/);
  assert.throws(build({ image: ' ' }), /image must be a non-empty image reference/);
  // A runtime given as a known string (JavaScript callers) works.
  const [object] = synth((chart) => new MemorySafeDeployment(chart, 'ok', { ...base, runtime: 'go' as unknown as Runtime }));
  assert.equal(envOf(object), { GOMEMLIMIT: '150MiB' });
});

test('a heap flag on the command line fails synth through addValidation, naming container and numbers', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'shop');
  new MemorySafeDeployment(chart, 'orders', { name: 'orders', image: 'eclipse-temurin:21', runtime: Runtime.JVM, peakMemory: Size.mebibytes(400), command: ['java', '-Xmx2g', '-jar', 'app.jar'] });
  assert.throws(() => app.synth(), (error: Error) => {
    assert.match(error.message, '[shop/orders] container "orders": command[1] -Xmx2g on the command line overrides the generated JAVA_TOOL_OPTIONS=-XX:+UseContainerSupport -XX:MaxRAMPercentage=74.8 -XX:MinRAMPercentage=74.8 -XX:+ExitOnOutOfMemoryError for the 802Mi limit (peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi)');
    return true;
  });
});

test('probePaths without a port fail synth through addValidation', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'shop');
  new MemorySafeDeployment(chart, 'w', { name: 'worker', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100), probePaths: { liveness: '/l' } });
  assert.throws(() => app.synth(), /\[shop\/w\] container "worker": probePaths are set but no port is, so no probes are generated; set port/);
});

test('Runtime API: overhead and factor overrides resize; the result says how', () => {
  const runtime = Runtime.JVM.withOverhead(Size.mebibytes(256), 'NMT summary of checkout under load, 2024-05').withFactor(1.25);
  const chart = Testing.chart();
  const deployment = new MemorySafeDeployment(chart, 'svc', { name: 'svc', image: 'eclipse-temurin:21', runtime, peakMemory: Size.mebibytes(400) });
  assert.is(deployment.recommendation.explanation, 'peak 400Mi × 1.25 + 256Mi JVM overhead = 756Mi');
  assert.is(deployment.memoryLimit.toMebibytes(), 756);
  const [object] = Testing.synth(chart) as Json[];
  assert.equal(envOf(object), { JAVA_TOOL_OPTIONS: '-XX:+UseContainerSupport -XX:MaxRAMPercentage=66.1 -XX:MinRAMPercentage=66.1 -XX:+ExitOnOutOfMemoryError' });
  assert.is(Runtime.JVM.overhead.toMebibytes(), 200, 'built-in profiles are not changed by overrides');
  assert.throws(() => Runtime.GO.withFactor(0.9), /runtime go: factor must be a number from 1 to 10, got 0.9/);
  assert.throws(() => Runtime.GO.withOverhead(Size.mebibytes(10), ''), /say where the overhead 10Mi comes from/);
});

test('Runtime API: a custom runtime from a profile, with its env template and a startup probe', () => {
  const beam = Runtime.register({
    id: 'beam', title: 'BEAM', overhead: '120Mi', overheadSource: 'erts allocators + ETS, measured with recon_alloc', slowStart: true,
    env: [{ name: 'ERL_FLAGS', value: '+MMmcs 30 +hmax {{ceilingBytes}}' }, { name: 'MEMORY_LIMIT_MIB', value: '{{limitMiB}}' }],
  });
  assert.is(Runtime.of('beam'), beam);
  const object = deploymentOf({ name: 'chat', image: 'elixir:1.16', runtime: Runtime.of('beam'), peakMemory: Size.mebibytes(200), port: 4000, env: { MEMORY_LIMIT_MIB: '1', LANG: 'C.UTF-8' } });
  const container = containerOf(object);
  assert.equal(container.resources.limits.memory, '420Mi');
  assert.equal(container.env, [
    { name: 'MEMORY_LIMIT_MIB', value: '420' },
    { name: 'LANG', value: 'C.UTF-8' },
    { name: 'ERL_FLAGS', value: `+MMmcs 30 +hmax ${300 * MIB}` },
  ]);
  assert.ok(container.startupProbe, 'slowStart adds a startup probe');
  assert.equal(object.metadata.annotations, { 'oomguard.io/peak-rss': '200Mi' }, 'no runtime annotation the linter would reject');
  validateK8s(object);
  assert.equal(createLinter().lintDocument(object).filter((f) => f.severity === 'error'), []);
});

test('Runtime API: profiles are validated against schemas/runtime-profile.schema.json', () => {
  const problems = (spec: unknown): string[] => {
    try {
      Runtime.fromProfile(spec as never);
    } catch (error) {
      assert.instance(error, RuntimeProfileError);
      return [...(error as RuntimeProfileError).problems];
    }
    return [];
  };
  assert.equal(problems({ id: 'beam' }), ["/ must have required property 'overhead'", "/ must have required property 'overheadSource'"]);
  assert.equal(problems({ id: 'Beam', overhead: '1', overheadSource: 'x y' }), ['/id must match pattern "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"']);
  assert.equal(problems({ id: 'x', extends: 'erlang' }), ['/extends must be equal to one of the allowed values (allowed: jvm, node, go, python, dotnet, ruby)']);
  assert.equal(problems({ id: 'x', extends: 'go', overhead: '512MB', overheadSource: 'a test' }), ['/overhead must match pattern "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$"']);
  assert.equal(problems({ id: 'x', extends: 'go', color: 'red' }), ['/ must NOT have additional properties: "color"']);
  assert.equal(problems({ id: 'x', overhead: '1Mi', overheadSource: 'a test', env: [{ name: 'A', value: '{{heap}}' }] }), ['/env/0/value must match pattern "^([^{}]|\\{\\{(limitMiB|ceilingMiB|ceilingPercent|limitBytes|ceilingBytes)\\}\\})*$"']);
  assert.equal(problems({ id: 'go', overhead: '1Mi', overheadSource: 'a test' }), ['/id "go" is a built-in runtime: set "extends": "go" to override it']);
  assert.equal(problems({ id: 'x', extends: 'node', legacyJvm: true }), ['/extends must be equal to constant (allowed: jvm)']);
  assert.equal(problems({ id: 'go-big', extends: 'go', overhead: '80Mi', overheadSource: 'cgo image decoder' }), []);
  assert.is(Runtime.fromProfile({ id: 'go-big', extends: 'go', overhead: '80Mi', overheadSource: 'cgo image decoder' }).overheadBytes, 80 * MIB);
  assert.throws(() => Runtime.of('cobol'), /unknown runtime "cobol": oomguard knows jvm, node, go, python, dotnet, ruby, beam; describe another one with Runtime.register/);
});

test('cdk8s-plus: a sized container replaces cdk8s-plus default resources; annotations per container', () => {
  const objects = synth((chart) => {
    const deployment = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' } });
    addMemorySafeContainer(deployment, {
      name: 'web', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(200), portNumber: 3000,
      envVariables: { NODE_OPTIONS: kplus.EnvValue.fromValue('--enable-source-maps --max-old-space-size=4096') },
      securityContext: { user: 1000 },
    });
  });
  const object = objects.find((o) => o.kind === 'Deployment')!;
  const container = containerOf(object);
  assert.equal(container.resources, { limits: { memory: '400Mi' }, requests: { memory: '400Mi' } }, 'no 1000m/512Mi/1500m/2048Mi defaults');
  assert.equal(container.env, [{ name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=297' }]);
  assert.equal(container.livenessProbe.httpGet.path, '/livez');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(object.spec.template.metadata.annotations, { 'oomguard.io/runtime.web': 'node', 'oomguard.io/peak-rss.web': '200Mi' });
  validateK8s(object);
  assert.equal(createLinter().lintDocument(object), []);
});

test('cdk8s-plus: what the helper fixes, shown against a plain cdk8s-plus container', () => {
  const [plain] = synth((chart) => new kplus.Deployment(chart, 'web', { containers: [{ image: 'node:20', portNumber: 3000, securityContext: { user: 1000 } }] })) as Json[];
  assert.equal(containerOf(plain).resources, { limits: { cpu: '1500m', memory: '2048Mi' }, requests: { cpu: '1000m', memory: '512Mi' } });
  assert.equal(createLinter().lintDocument(plain).map((f) => f.ruleId).sort(), ['liveness-probe-missing', 'memory-request-not-equal-limit', 'node-heap-unset', 'readiness-probe-missing']);
  assert.throws(
    () => memorySafeContainer({ image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100), envVariables: { NODE_OPTIONS: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } }),
    /container "main": NODE_OPTIONS comes from valueFrom, so oomguard cannot merge --max-old-space-size=147 into it; set it as a plain value/,
  );
});

test('in-app validation: app.synth() fails on error findings, naming rule, resource, construct and numbers', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'legacy');
  new ApiObject(chart, 'api', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'node:20', resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } } }] } },
    },
  });
  const warnings: string[] = [];
  const lint = OomguardLint.addTo(chart, { onFinding: (finding) => warnings.push(finding.ruleId) });
  assert.throws(() => app.synth(), (error: Error) => {
    assert.match(error.message, 'Validation failed with the following errors:');
    assert.match(error.message, '[legacy] error memory-request-not-equal-limit: Deployment api at spec.template.spec.containers[0].resources.requests.memory: ');
    assert.match(error.message, '(construct legacy/api)');
    return true;
  });
  assert.equal(warnings.sort(), ['liveness-probe-missing', 'node-heap-unset', 'readiness-probe-missing']);
  assert.equal(lint.findings.map((f) => f.ruleId).sort(), ['liveness-probe-missing', 'memory-request-not-equal-limit', 'node-heap-unset', 'readiness-probe-missing']);
});

test('in-app validation: severities and failOn are honoured; a clean chart synthesizes', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'ok');
  new MemorySafeDeployment(chart, 'svc', { name: 'svc', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100) });
  OomguardLint.addTo(chart, { onFinding: () => undefined });
  app.synth();
  const strict = Testing.app();
  new MemorySafeDeployment(new Chart(strict, 'strict'), 'svc', { name: 'svc', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100) });
  OomguardLint.addTo(strict, { failOn: 'warning' });
  assert.throws(() => strict.synth(), /warning liveness-probe-missing: Deployment svc/);
  const relaxed = Testing.app();
  new MemorySafeDeployment(new Chart(relaxed, 'relaxed'), 'svc', { name: 'svc', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(100) });
  OomguardLint.addTo(relaxed, { failOn: 'warning', rules: { 'liveness-probe-missing': 'off', 'readiness-probe-missing': 'off' } });
  relaxed.synth();
});

test('in-app validation: sizing it expects is configurable (a smaller factor in the construct is caught)', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'tight');
  new MemorySafeDeployment(chart, 'svc', { name: 'svc', image: 'golang:1.22', runtime: Runtime.GO.withFactor(1.1), peakMemory: Size.mebibytes(1000), port: 8080 });
  OomguardLint.addTo(chart);
  assert.throws(() => app.synth(), /error memory-limit-below-peak: Deployment svc/);
  const matching = Testing.app();
  new MemorySafeDeployment(new Chart(matching, 'tight'), 'svc', { name: 'svc', image: 'golang:1.22', runtime: Runtime.GO.withFactor(1.1), peakMemory: Size.mebibytes(1000), port: 8080 });
  OomguardLint.addTo(matching, { factor: 1.1 });
  matching.synth();
});

test('the example app synthesizes in process, valid and clean, every runtime present', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ShopChart } = require('../examples/app/main') as typeof import('../examples/app/main');
  const app = Testing.app();
  const chart = new ShopChart(app, 'shop');
  const objects = Testing.synth(chart) as Json[];
  for (const object of objects) validateK8s(object);
  assert.equal(objects.flatMap((o) => createLinter().lintDocument(o)), []);
  const runtimes = objects.flatMap((o) => Object.entries(o.spec?.template?.metadata?.annotations ?? o.metadata.annotations ?? {}))
    .filter(([key]) => key.startsWith('oomguard.io/runtime')).map(([, value]) => value);
  const fromWorkload = objects.map((o) => o.metadata.annotations?.['oomguard.io/runtime']).filter(Boolean);
  assert.equal([...new Set([...runtimes, ...fromWorkload])].sort(), ['go', 'jvm', 'node', 'python']);
});

test('alerts opt-in: a PrometheusRule for the generated limit, none by default', () => {
  const none = synth((chart) => new MemorySafeDeployment(chart, 'svc', { name: 'api', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(200), port: 3000 }));
  assert.equal(none.map((object: any) => object.kind), ['Deployment']);
  const objects = synth((chart) => new MemorySafeDeployment(chart, 'svc', {
    name: 'api', image: 'node:20', runtime: Runtime.NODE, peakMemory: Size.mebibytes(200), port: 3000,
    metadata: { namespace: 'shop' }, alerts: { runbookUrl: 'https://runbooks.example.com/oom' },
  }));
  assert.equal(objects.map((object: any) => object.kind), ['Deployment', 'PrometheusRule']);
  const rule: any = objects[1];
  assert.is(rule.metadata.namespace, 'shop');
  const near = rule.spec.groups[0].rules.filter((r: any) => r.alert === 'OomguardMemoryNearLimit');
  assert.equal(near.map((r: any) => r.labels.severity), ['warning', 'critical']);
  assert.match(near[0].expr, /container="api"/);
  assert.match(near[0].expr, /\* 0 \+ 419430400\b/); // the 400Mi limit: 200Mi × 1.5 + 100Mi
  assert.match(near[0].expr, /> 0\.75/);
});

test.run();
