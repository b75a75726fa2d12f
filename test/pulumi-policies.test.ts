/**
 * Unit tests of the CrossGuard policies: each policy's `validateResource` is called the way the
 * policy server calls it (props wrapped in @pulumi/policy's unknown-checking proxy, an
 * `UnknownValueError` turned into an advisory "can't run" diagnostic), with inputs captured from real
 * `@pulumi/kubernetes` resources registered under Pulumi's runtime mocks.
 */
import * as k8s from '@pulumi/kubernetes';
import * as policySdk from '@pulumi/policy';
import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import * as pulumi from '@pulumi/pulumi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KUBERNETES_RULES, MIB, buildDeployment } from '../lib';
import { SIZING_CONFIG_SCHEMA, defaultConfig, sizingFromConfig } from '../policies/pulumi/config';
import { ENFORCEMENT, policies } from '../policies/pulumi/policies';
import { POD_BEARING_TYPES, manifestOf } from '../policies/pulumi/resources';
import { jvmContainer } from './helpers/containers';
import { mockPulumi } from './helpers/pulumi-mocks';

// Runtime pieces @pulumi/policy exports without declarations (see policies/pulumi/resources.ts).
const sdk = policySdk as unknown as {
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: new (...args: unknown[]) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const UNKNOWN: string = require('@pulumi/policy/proxy').unknownStringValue;

const byName = new Map(policies.map((policy) => [policy.name, policy]));
function policy(name: string): ResourceValidationPolicy {
  const found = byName.get(name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
}

interface Outcome {
  /** Violation messages, as the server builds them from the reported sentence. */
  readonly violations: string[];
  /** The message of a check that could not run (the server reports it as advisory). */
  readonly cannotRun?: string;
}

/** Call a policy's validation as the policy server does (server.ts, makeAnalyzeRpcFun). */
async function run(target: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: object = {}): Promise<Outcome> {
  const violations: string[] = [];
  const proxied = sdk.unknownCheckingProxy(props);
  const args: ResourceValidationArgs = {
    type,
    props: proxied,
    urn: `urn:pulumi:test::project::${type}::web`,
    name: 'web',
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => { throw new Error(`notApplicable ${reason}`); },
  };
  const validations = Array.isArray(target.validateResource) ? target.validateResource : [target.validateResource!];
  try {
    // The server shows the description, then the reported sentence (server.ts, makeReportViolationFun).
    for (const validation of validations) await validation(args, (message) => violations.push(`${target.description}\n${message}`));
  } catch (error) {
    if (error instanceof sdk.UnknownValueError) return { violations, cannotRun: (error as Error).message };
    throw error;
  }
  return { violations };
}

/** Every policy over one resource: `policy-name: message` lines. */
async function runAll(type: string, props: Record<string, unknown>): Promise<string[]> {
  const lines: string[] = [];
  for (const each of policies) {
    if (each.enforcementLevel === 'disabled') continue;
    const outcome = await run(each, type, props);
    lines.push(...outcome.violations.map((message) => `${each.name}: ${message}`));
    if (outcome.cannotRun) lines.push(`${each.name}: cannot run: ${outcome.cannotRun}`);
  }
  return lines;
}

/** The type token and inputs the Pulumi SDK sends for a resource, captured with runtime mocks. */
async function inputsOf(create: () => pulumi.CustomResource): Promise<{ type: string; props: Record<string, unknown> }> {
  const captured = await mockPulumi(true);
  const resource = create();
  await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
  const entry = captured.find((args) => args.name === 'web');
  if (!entry) throw new Error('resource was not registered');
  return { type: entry.type, props: JSON.parse(JSON.stringify(entry.inputs)) };
}

const labels = { app: 'web' };
const metadata = { name: 'web', annotations: { 'oomguard.io/peak-rss': '400Mi' } };
type ContainerInput = k8s.types.input.core.v1.Container;
const jvm = (overrides: Partial<Record<keyof ContainerInput, unknown>> = {}) => jvmContainer(overrides) as ContainerInput;
function deployment(container: ContainerInput, extra: Partial<k8s.types.input.core.v1.PodSpec> = {}): () => pulumi.CustomResource {
  return () => new k8s.apps.v1.Deployment('web', {
    metadata,
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container], ...extra } } },
  });
}

test('one policy per rule id, in registry order, enforcement from severity, the sizing config schema on each', () => {
  assert.equal(policies.map((each) => each.name), KUBERNETES_RULES.map((rule) => rule.meta.id));
  for (const rule of KUBERNETES_RULES) {
    const each = policy(rule.meta.id);
    assert.is(each.description, rule.meta.summary);
    assert.is(each.remediationSteps, rule.meta.remediation);
    assert.is(each.enforcementLevel, ENFORCEMENT[rule.meta.defaultSeverity]);
    assert.is(each.configSchema, SIZING_CONFIG_SCHEMA);
  }
  assert.is(policy('memory-limit-missing').enforcementLevel, 'mandatory');
  assert.is(policy('memory-limit-missing').severity, 'high');
  assert.is(policy('liveness-probe-missing').enforcementLevel, 'advisory');
  assert.is(policy('liveness-probe-missing').severity, 'medium');
  assert.is(policy('cpu-request-not-equal-limit').enforcementLevel, 'disabled');
  assert.equal(Object.keys(SIZING_CONFIG_SCHEMA.properties), ['factor', 'overheadMiB']);
});

test('a clean JVM Deployment from @pulumi/kubernetes passes every policy', async () => {
  const { type, props } = await inputsOf(deployment(jvm()));
  assert.is(type, 'kubernetes:apps/v1:Deployment');
  assert.equal(await runAll(type, props), []);
});

test('memory-limit-missing on every pod-bearing @pulumi/kubernetes type', async () => {
  const container = { name: 'app', image: 'nginx:1.27' };
  const podSpec = { containers: [container], restartPolicy: 'Never' };
  const template = { metadata: { labels }, spec: podSpec };
  const selector = { matchLabels: labels };
  const cases: [string, () => pulumi.CustomResource][] = [
    ['kubernetes:apps/v1:Deployment', () => new k8s.apps.v1.Deployment('web', { metadata, spec: { selector, template: { ...template, spec: { containers: [container] } } } })],
    ['kubernetes:apps/v1:StatefulSet', () => new k8s.apps.v1.StatefulSet('web', { metadata, spec: { selector, serviceName: 'web', template: { ...template, spec: { containers: [container] } } } })],
    ['kubernetes:apps/v1:DaemonSet', () => new k8s.apps.v1.DaemonSet('web', { metadata, spec: { selector, template: { ...template, spec: { containers: [container] } } } })],
    ['kubernetes:apps/v1:ReplicaSet', () => new k8s.apps.v1.ReplicaSet('web', { metadata, spec: { selector, template: { ...template, spec: { containers: [container] } } } })],
    ['kubernetes:core/v1:Pod', () => new k8s.core.v1.Pod('web', { metadata, spec: podSpec })],
    ['kubernetes:core/v1:ReplicationController', () => new k8s.core.v1.ReplicationController('web', { metadata, spec: { selector: labels, template: { ...template, spec: { containers: [container] } } } })],
    ['kubernetes:batch/v1:Job', () => new k8s.batch.v1.Job('web', { metadata, spec: { template } })],
    ['kubernetes:batch/v1:CronJob', () => new k8s.batch.v1.CronJob('web', { metadata, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } })],
  ];
  for (const [expectedType, create] of cases) {
    const { type, props } = await inputsOf(create);
    assert.is(type, expectedType);
    assert.ok(POD_BEARING_TYPES.has(type), type);
    const outcome = await run(policy('memory-limit-missing'), type, props);
    // The peak is declared (400Mi) and nginx's runtime is unknown: 400 x 1.5 + 100 = 700Mi.
    assert.equal(outcome, {
      violations: ['A container (app, init or native sidecar) has no memory limit.\ncontainer "app" has no memory limit: set it and the request to 700Mi (peak 400Mi × 1.5 + 100Mi unknown-runtime overhead = 700Mi)'],
    }, type);
  }
});

test('jvm-heap-exceeds-limit: -Xmx above limit minus the JVM overhead', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx900m' }] })));
  assert.equal(await runAll(type, props), [
    'jvm-heap-exceeds-limit: The heap the JVM will take (`-Xmx`, or HotSpot\'s ergonomics from `MaxRAMPercentage`, `MinRAMPercentage`, `MaxRAM`) leaves less than the JVM\'s non-heap reserve below the memory limit.\n' +
      'container "app" sets -Xmx 900Mi in env JAVA_TOOL_OPTIONS, above limit 1000Mi - 203Mi JVM overhead (Serial GC) = 797Mi',
  ]);
});

test('memory-request-not-equal-limit: request 512Mi, limit 1000Mi', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ resources: { limits: { memory: '1000Mi' }, requests: { memory: '512Mi' } } })));
  const outcome = await run(policy('memory-request-not-equal-limit'), type, props);
  assert.equal(outcome.violations.map((line) => line.split('\n')[1]), [
    'container "app" requests 512Mi of memory but is limited to 1000Mi: set the request equal to the limit so the node cannot be overcommitted',
  ]);
  assert.equal(await run(policy('memory-request-not-equal-limit'), type, { ...props, spec: JSON.parse(JSON.stringify(props.spec).replace('"512Mi"', '"1000Mi"')) }), { violations: [] });
});

test('config: the factor and a runtime overhead change verdicts', async () => {
  const { type, props } = await inputsOf(deployment(jvm()));
  // 400Mi x 1.5 + 202Mi = 802Mi fits the 1000Mi limit; x 2 needs 1003Mi.
  assert.equal(await run(policy('memory-limit-below-peak'), type, props, { factor: 1.5 }), { violations: [] });
  const below = await run(policy('memory-limit-below-peak'), type, props, { factor: 2 });
  assert.is(below.violations.length, 1);
  assert.equal(below.violations[0].split('\n')[1], 'container "app" limit 1000Mi < recommended 1003Mi = peak 400Mi × 2 + 203Mi JVM overhead (Serial GC)');
  // MaxRAMPercentage=60 of 1000Mi is 600Mi of heap: fits a 400Mi reserve, not a 500Mi one.
  assert.equal(await run(policy('jvm-heap-exceeds-limit'), type, props, defaultConfig()), { violations: [] });
  const heap = await run(policy('jvm-heap-exceeds-limit'), type, props, { overheadMiB: { jvm: 500 } });
  assert.equal(heap.violations.map((line) => line.split('\n')[1]), [
    'container "app" sets MaxRAMPercentage=60.0 in env JAVA_TOOL_OPTIONS: the JVM takes a 600Mi heap (MaxRAMPercentage 60 of the limit), above limit 1000Mi - 500Mi JVM overhead = 500Mi',
  ]);
});

test('config: schema defaults equal the engine defaults; bad values are refused with the key named', () => {
  const defaults = defaultConfig();
  assert.equal(defaults, { factor: 1.5, overheadMiB: { node: 100, go: 50, python: 100, dotnet: defaults.overheadMiB.dotnet, ruby: defaults.overheadMiB.ruby, unknown: 100 } });
  assert.equal(sizingFromConfig(defaults), sizingFromConfig({}));
  assert.is(sizingFromConfig({ overheadMiB: { go: 20 } }).overheads.go, 20 * MIB);
  assert.throws(() => sizingFromConfig({ factor: 0.5 }), /factor must be a number from 1 to 10, got 0.5/);
  assert.throws(() => sizingFromConfig({ overheadMiB: { perl: 10 } as never }), /overheadMiB.perl is not a runtime/);
  assert.throws(() => sizingFromConfig({ overheadMiB: { jvm: 1.5 } }), /overheadMiB.jvm must be a whole number of MiB/);
});

test('a Deployment built by buildDeployment passes every policy, for every runtime', async () => {
  for (const runtime of ['jvm', 'node', 'go', 'python'] as const) {
    const built = buildDeployment({ name: 'web', image: `example/${runtime}:1`, runtime, peakBytes: 300 * MIB, port: 8080 });
    assert.equal(await runAll('kubernetes:apps/v1:Deployment', built), [], runtime);
  }
});

test('an unknown value inside one container holds back only that container and reports that the check could not run', async () => {
  const { type, props } = await inputsOf(() => new k8s.apps.v1.Deployment('web', {
    metadata,
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [jvm({ name: 'known', resources: {} }), jvm({ name: 'computed', resources: {} })] } },
    },
  }));
  const containers = (props.spec as { template: { spec: { containers: { env: { value: string }[] }[] } } }).template.spec.containers;
  containers[1].env[0].value = UNKNOWN;
  const outcome = await run(policy('memory-limit-missing'), type, props);
  assert.equal(outcome.violations.map((line) => line.split('\n')[1]), [
    'container "known" has no memory limit: set it and the request to 802Mi (peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi)',
  ]);
  assert.is(outcome.cannotRun,
    'oomguard could not check memory-limit-missing on container "computed" of Deployment "web" during preview: ' +
    'spec.template.spec.containers[1].env[0].value is computed from other resources and unknown until they exist; it is checked again when pulumi up knows the values');
});

test('unknown container list, peak annotation or memory limit blocks the check; unknown name, namespace and other annotations do not', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ resources: {} })));
  const clone = () => JSON.parse(JSON.stringify(props)) as { metadata: Record<string, unknown> & { annotations: Record<string, string> }; spec: { template: { spec: Record<string, unknown> & { containers: { resources: unknown }[] } } } };
  const limitMissing = policy('memory-limit-missing');

  const list = clone();
  list.spec.template.spec.containers = UNKNOWN as never;
  assert.equal(await run(limitMissing, type, list), {
    violations: [],
    cannotRun: 'oomguard could not check memory-limit-missing on Deployment "web" during preview: spec.template.spec.containers is computed from other resources and unknown until they exist; it is checked again when pulumi up knows the values',
  });

  const peak = clone();
  peak.metadata.annotations['oomguard.io/peak-rss'] = UNKNOWN;
  assert.match((await run(limitMissing, type, peak)).cannotRun ?? '', 'metadata.annotations["oomguard.io/peak-rss"] is computed from other resources');

  const limit = clone();
  limit.spec.template.spec.containers[0].resources = { limits: { memory: UNKNOWN } };
  assert.match((await run(limitMissing, type, limit)).cannotRun ?? '', 'container "app" of Deployment "web"');

  const harmless = clone();
  harmless.metadata.name = UNKNOWN;
  harmless.metadata.namespace = UNKNOWN;
  harmless.metadata.annotations['checksum/config'] = UNKNOWN;
  harmless.spec.template.spec.serviceAccountName = UNKNOWN;
  const outcome = await run(limitMissing, type, harmless);
  assert.is(outcome.cannotRun, undefined);
  assert.equal(outcome.violations.map((line) => line.split('\n')[1]), [
    'container "app" has no memory limit: set it and the request to 802Mi (peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi)',
  ]);
});

test('an unknown in a container the rule cannot apply to (declared runtime, role, workload class) blocks nothing', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ image: 'golang:1.22', env: [{ name: 'GOGC', value: '100' }] })));
  const go = JSON.parse(JSON.stringify(props));
  go.metadata.annotations['oomguard.io/runtime'] = 'go';
  go.spec.template.spec.containers[0].env[0].value = UNKNOWN;
  assert.equal(await run(policy('jvm-heap-unset'), type, go), { violations: [] });
  assert.match((await run(policy('go-memlimit-unset'), type, go)).cannotRun ?? '', 'could not check go-memlimit-unset on container "app"');

  const job = await inputsOf(() => new k8s.batch.v1.Job('web', { metadata, spec: { template: { spec: { restartPolicy: 'Never', containers: [jvm()] } } } }));
  (job.props as any).spec.template.spec.containers[0].env[0].value = UNKNOWN;
  assert.equal(await run(policy('liveness-probe-missing'), job.type, job.props), { violations: [] });
  assert.match((await run(policy('jvm-heap-unset'), job.type, job.props)).cannotRun ?? '', 'container "app" of Job "web"');
});

test('manifestOf reads through the proxy, drops unknowns, fills apiVersion and kind from the type token', () => {
  const type = POD_BEARING_TYPES.get('kubernetes:core/v1:Pod')!;
  const props = { metadata: { name: 'p', namespace: UNKNOWN }, spec: { containers: [UNKNOWN, { name: 'a' }] } };
  const { manifest, unknowns } = manifestOf(type, sdk.unknownCheckingProxy(props));
  assert.equal(manifest, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [null, { name: 'a' }] } });
  assert.equal(unknowns.map((unknown) => unknown.path), [['metadata', 'namespace'], ['spec', 'containers', 0]]);
});

test('suppression annotations and resources that are not pod-bearing', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ resources: {} })));
  const suppressed = JSON.parse(JSON.stringify(props));
  suppressed.metadata.annotations['ignore.oomguard.io/memory-limit-missing'] = 'sized by the VPA';
  assert.equal(await run(policy('memory-limit-missing'), type, suppressed), { violations: [] });
  for (const other of ['kubernetes:apps/v1:DeploymentPatch', 'kubernetes:core/v1:Service', 'aws:s3/bucket:Bucket']) {
    assert.equal(await run(policy('memory-limit-missing'), other, props), { violations: [] }, other);
  }
});

test('policies do not modify the resource inputs', async () => {
  const { type, props } = await inputsOf(deployment(jvm({ resources: {} })));
  const before = JSON.stringify(props);
  const freeze = (value: unknown): unknown => {
    if (value && typeof value === 'object') {
      Object.values(value).forEach(freeze);
      Object.freeze(value);
    }
    return value;
  };
  freeze(props);
  await runAll(type, props);
  assert.is(JSON.stringify(props), before);
});

test.run();
