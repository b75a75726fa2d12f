/**
 * The Pulumi component under Pulumi's runtime mocks: it registers the Deployment `buildDeployment`
 * produces (the object `oomguard generate` prints), and the policy pack finds nothing to report on it.
 */
import * as pulumi from '@pulumi/pulumi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB, buildDeployment, createLinter } from '../lib';
import { SIZED_DEPLOYMENT_TYPE, SizedDeployment } from '../lib/pulumi';
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
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'perl' as never, peakRss: '1Gi' }), /SizedDeployment "bad": runtime "perl" is not one of jvm, node, go, python, dotnet, ruby/);
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'go', peakRss: '512MB' }), /SizedDeployment "bad": peakRss "512MB"/);
  assert.throws(() => new SizedDeployment('bad', { image: 'x', runtime: 'go', peakRss: '0' }), /peakRss must be more than zero/);
});

test.after.each(() => waitForRPCs());

test.run();
