/**
 * The Pulumi component under Pulumi's runtime mocks: it registers the Deployment `buildDeployment`
 * produces (the object `oomguard generate` prints), and the policy pack finds nothing to report on it.
 */
import * as pulumi from '@pulumi/pulumi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB, buildDeployment, createLinter } from '../lib';
import { Runtime, SIZED_DEPLOYMENT_TYPE, SizedDeployment } from '../lib/pulumi';
import { policies } from '../policies/pulumi/policies';
import { mockPulumi, waitForRPCs } from './helpers/pulumi-mocks';

const withMocks = () => mockPulumi(false);

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

test('SizedDeployment registers the Deployment buildDeployment produces, as its child', async () => {
  const registered = await withMocks();
  const web = new SizedDeployment('web', { image: 'eclipse-temurin:17-jre', runtime: 'jvm', peakRss: '400Mi', port: 8080 });
  await settled(web.deployment.urn);
  assert.is(web.memory, '802Mi');
  assert.is(web.recommendation.explanation, 'peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi');
  assert.equal(registered.map((args) => [args.type, args.name]), [[SIZED_DEPLOYMENT_TYPE, 'web'], ['kubernetes:apps/v1:Deployment', 'web']]);
  const inputs = registered[1].inputs;
  assert.equal(inputs, buildDeployment({ name: 'web', image: 'eclipse-temurin:17-jre', runtime: 'jvm', peakBytes: 400 * MIB, port: 8080 }));
  // Parented to the component.
  assert.match(await settled(web.deployment.urn), `${SIZED_DEPLOYMENT_TYPE}$kubernetes:apps/v1:Deployment::web`);
  assert.equal(createLinter().lintDocument(inputs), []);
});

test('outputs of other resources as image and namespace; env merged; sizing and replicas passed through', async () => {
  const registered = await withMocks();
  const api = new SizedDeployment('api', {
    image: pulumi.output('registry.example/api:2'),
    namespace: pulumi.output('shop'),
    runtime: 'node',
    peakRss: '300Mi',
    port: 3000,
    env: [{ name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=4096' }],
    sizing: { factor: 2, overheads: { jvm: 400 * MIB, node: 100 * MIB, go: 50 * MIB, python: 100 * MIB, dotnet: 200 * MIB, ruby: 100 * MIB, unknown: 100 * MIB } },
    replicas: 3,
    deploymentName: 'shop-api',
  });
  await settled(api.deployment.urn);
  // 300Mi x 2 + 100Mi = 700Mi; V8's old space gets the limit minus the Node.js overhead.
  assert.is(api.memory, '700Mi');
  const inputs = registered.find((args) => args.type === 'kubernetes:apps/v1:Deployment')!.inputs;
  assert.is(inputs.metadata.name, 'shop-api');
  assert.is(inputs.metadata.namespace, 'shop');
  assert.is(inputs.spec.replicas, 3);
  const container = inputs.spec.template.spec.containers[0];
  assert.is(container.image, 'registry.example/api:2');
  assert.equal(container.env, [{ name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=588' }]);
  assert.equal(container.resources, { limits: { memory: '700Mi' }, requests: { memory: '700Mi' } });
});

test('the policy pack reports nothing on a SizedDeployment, for each runtime', async () => {
  for (const runtime of ['jvm', 'node', 'go', 'python'] as const) {
    const registered = await withMocks();
    const sized = new SizedDeployment('svc', { image: `example/${runtime}:1`, runtime, peakRss: '256Mi', port: 8080 });
    await settled(sized.deployment.urn);
    const { type, inputs } = registered.find((args) => args.type.startsWith('kubernetes:'))!;
    const violations: string[] = [];
    for (const policy of policies) {
      if (policy.enforcementLevel === 'disabled') continue;
      const validate = policy.validateResource as (args: unknown, report: (message: string) => void) => void;
      validate({ type, props: inputs, name: 'svc', urn: '', getConfig: () => ({}) }, (message) => violations.push(`${policy.name}: ${message}`));
    }
    assert.equal(violations, [], runtime);
  }
});

test('impossible arguments throw at construction, naming the component', async () => {
  await withMocks();
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'perl' as never, peakRss: '1Gi' }), /SizedDeployment "bad": runtime must be one of jvm, node, go, python, dotnet, ruby, got "perl"/);
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'go', peakRss: '512MB' }), /SizedDeployment "bad": peakRss must be a Kubernetes quantity such as "700Mi" .*got "512MB"/);
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'go', peakRss: '0' }), /peakRss must be more than zero/);
});

test.after.each(() => waitForRPCs());



test('one vocabulary with cdk8s: Runtime.JVM, peakMemory, env as a map, command, args, labels, annotations, cpu, sidecars, pod spec', async () => {
  const registered = await withMocks();
  const checkout = new SizedDeployment('checkout', {
    image: 'eclipse-temurin:17-jre',
    runtime: Runtime.JVM,
    peakMemory: '700Mi',
    port: 8080,
    // The cdk8s constructs' env shape crashed with `env.map is not a function` in 0.1.
    env: { JAVA_TOOL_OPTIONS: '-Dfile.encoding=UTF-8', DB_URL: pulumi.output('postgres://db:5432/shop') },
    command: ['java'],
    args: ['-jar', '/app.jar'],
    labels: { team: 'shop' },
    annotations: { 'example.com/owner': 'shop' },
    cpu: { request: '250m', limit: '1' },
    containers: [{ name: 'proxy', image: 'envoy:1.31', resources: { limits: { memory: '128Mi' }, requests: { memory: '128Mi' } } }],
    podSpec: { serviceAccountName: 'checkout', volumes: [{ name: 'tmp', emptyDir: {} }] },
  });
  await settled(checkout.deployment.urn);
  assert.is(checkout.memory, '1254Mi');
  const inputs = registered.find((args) => args.type === 'kubernetes:apps/v1:Deployment')!.inputs;
  const [app, proxy] = inputs.spec.template.spec.containers;
  assert.equal(app.env, [
    { name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8 -XX:+UseContainerSupport -XX:MaxRAMPercentage=83.7 -XX:MinRAMPercentage=83.7 -XX:+ExitOnOutOfMemoryError' },
    { name: 'DB_URL', value: 'postgres://db:5432/shop' },
  ]);
  assert.equal(app.command, ['java']);
  assert.equal(app.args, ['-jar', '/app.jar']);
  assert.equal(app.resources, { limits: { cpu: '1', memory: '1254Mi' }, requests: { cpu: '250m', memory: '1254Mi' } });
  assert.is(proxy.name, 'proxy');
  assert.is(inputs.spec.template.spec.serviceAccountName, 'checkout');
  assert.equal(inputs.spec.template.spec.volumes, [{ name: 'tmp', emptyDir: {} }]);
  assert.is(inputs.metadata.labels.team, 'shop');
  assert.is(inputs.spec.template.metadata.labels.team, 'shop');
  assert.equal(inputs.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'checkout' });
  assert.is(inputs.metadata.annotations['example.com/owner'], 'shop');
  assert.is(inputs.metadata.annotations['oomguard.io/peak-rss'], '700Mi');
  // The sized container lints clean; the sidecar is the user's (it has no probes).
  assert.equal(createLinter().lintDocument(inputs).map((finding) => `${finding.container} ${finding.ruleId}`), ['proxy liveness-probe-missing', 'proxy readiness-probe-missing']);
});

test('props are checked at run time with an error naming the prop (tsx and JavaScript check no types)', async () => {
  await withMocks();
  const make = (args: Record<string, unknown>) => () => new SizedDeployment('bad', { image: 'x', runtime: 'go', peakMemory: '1Gi', ...args } as never);
  assert.throws(make({ env: 'GOGC=50' }), /SizedDeployment "bad": env must be a map of name to value .* or a list of \{ name, value \}, got "GOGC=50"/);
  assert.throws(make({ env: { GOGC: 50 } }), /SizedDeployment "bad": env\.GOGC must be a string, got number 50/);
  assert.throws(make({ env: [{ value: 'x' }] }), /env\[0\] must be an object with a string name/);
  assert.throws(make({ env: { GOMEMLIMIT: pulumi.output('1GiB') } }), /env\.GOMEMLIMIT must be a plain string: oomguard merges the go heap options into it/);
  assert.throws(make({ peakMemory: '1.5 Gi' }), /SizedDeployment "bad": peakMemory must be a Kubernetes quantity such as "700Mi"/);
  assert.throws(make({ peakMemory: undefined }), /peakMemory must be the measured peak/);
  assert.throws(make({ port: '8080' }), /port must be a port number from 1 to 65535, got "8080"/);
  assert.throws(make({ labels: ['a'] }), /labels must be a map of name to string, got a list/);
  assert.throws(make({ cpu: '1' }), /cpu must be an object \{ request\?, limit\? \}/);
  assert.throws(make({ podSpec: { containers: [] } }), /podSpec\.containers must be left out: use the containers prop/);
  assert.throws(make({ peakMemroy: '1Gi' }), /prop "peakMemroy" must be one of image, runtime, peakMemory/);
  // The 0.1 names still work.
  const old = new SizedDeployment('old', { image: 'x', runtime: 'go', peakRss: '100Mi', deploymentName: 'legacy' });
  assert.is(old.memory, '200Mi');
});
test.run();
