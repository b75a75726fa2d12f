/** The workload model: every pod-bearing kind, roles, paths back into the document. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractWorkloads, formatJsonPath } from '../lib/core/workload';
import { MIB } from '../lib/core/quantity';

const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'img', ...extra });
const podSpec = { initContainers: [container('init'), container('sidecar', { restartPolicy: 'Always' })], containers: [container('app')], ephemeralContainers: [container('debug')] };

test('Pod: spec at [spec], roles app/init/sidecar/ephemeral', () => {
  const [workload] = extractWorkloads({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: podSpec });
  assert.equal(workload.resource, { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'n' });
  assert.equal(workload.containers.map((c) => [c.name, c.role, c.path]), [
    ['init', 'init', ['spec', 'initContainers', 0]],
    ['sidecar', 'sidecar', ['spec', 'initContainers', 1]],
    ['app', 'app', ['spec', 'containers', 0]],
    ['debug', 'ephemeral', ['spec', 'ephemeralContainers', 0]],
  ]);
  assert.is(workload.workloadClass, 'service');
  assert.is(workload.defaultContainer, 'app');
});

test('a Pod that runs to completion is batch', () => {
  const [workload] = extractWorkloads({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { restartPolicy: 'Never', containers: [container('a')] } });
  assert.is(workload.workloadClass, 'batch');
});

for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'Rollout', 'CloneSet']) {
  test(`${kind}: pod template at spec.template.spec`, () => {
    const [workload] = extractWorkloads({ apiVersion: 'x/v1', kind, metadata: { name: 'w' }, spec: { template: { spec: { containers: [container('a')] } } } });
    assert.equal(workload.containers[0].path, ['spec', 'template', 'spec', 'containers', 0]);
    assert.is(workload.workloadClass, kind === 'Job' ? 'batch' : 'service');
  });
}

test('CronJob: pod template under jobTemplate, batch', () => {
  const [workload] = extractWorkloads({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [container('a')] } } } } } });
  assert.equal(workload.containers[0].path, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0]);
  assert.is(workload.workloadClass, 'batch');
});

test('List and nested lists: items with their paths', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [container('a')] } } } };
  const workloads = extractWorkloads({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap' }, deployment, { kind: 'DeploymentList', apiVersion: 'apps/v1', items: [deployment] }] });
  assert.equal(workloads.map((w) => w.containers[0].path), [
    ['items', 1, 'spec', 'template', 'spec', 'containers', 0],
    ['items', 2, 'items', 0, 'spec', 'template', 'spec', 'containers', 0],
  ]);
});

test('objects without a pod template yield nothing', () => {
  assert.equal(extractWorkloads({ apiVersion: 'v1', kind: 'ConfigMap', data: {} }), []);
  assert.equal(extractWorkloads({ apiVersion: 'v1', kind: 'Service', spec: { template: 'x' } }), []);
  assert.equal(extractWorkloads('text'), []);
  assert.equal(extractWorkloads(null), []);
  assert.equal(extractWorkloads([1, 2]), []);
});

test('resources in bytes with paths, env, probes, annotations merged (template wins)', () => {
  const [workload] = extractWorkloads({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'd', annotations: { a: 'workload', b: 'workload' } },
    spec: { template: { metadata: { annotations: { b: 'template' } }, spec: { containers: [container('a', {
      resources: { limits: { memory: '512Mi', cpu: '1' }, requests: { memory: 'bad' } },
      env: [{ name: 'X', value: 'y' }, { name: 'Y', valueFrom: { fieldRef: { fieldPath: 'x' } } }, { value: 'no name' }],
      livenessProbe: { httpGet: { port: 1 } },
      command: ['java'], args: ['-jar', 5],
    })] } } },
  });
  const c = workload.containers[0];
  assert.equal(c.limits.memory?.parsed, { ok: true, bytes: 512 * MIB });
  assert.equal(c.limits.memory?.path, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory']);
  assert.is(c.requests.memory?.parsed.ok, false);
  assert.equal(c.env.map((e) => [e.name, e.value, e.path]), [['X', 'y', ['spec', 'template', 'spec', 'containers', 0, 'env', 0]], ['Y', undefined, ['spec', 'template', 'spec', 'containers', 0, 'env', 1]]]);
  assert.equal(c.args, ['-jar', '5']);
  assert.ok(c.liveness);
  assert.is(c.readiness, undefined);
  assert.is(workload.annotations.get('a')?.value, 'workload');
  assert.is(workload.annotations.get('b')?.value, 'template');
  assert.equal(workload.annotations.get('b')?.path, ['spec', 'template', 'metadata', 'annotations', 'b']);
});

test('default container: kubectl.kubernetes.io/default-container, else the first app container', () => {
  const [workload] = extractWorkloads({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { 'kubectl.kubernetes.io/default-container': 'main' } }, spec: { containers: [container('proxy'), container('main')] } });
  assert.is(workload.defaultContainer, 'main');
});


test('formatJsonPath: identifiers after a dot, anything else quoted in brackets, indexes in brackets', () => {
  assert.is(formatJsonPath(['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory']), 'spec.template.spec.containers[0].resources.limits.memory');
  assert.is(formatJsonPath(['metadata', 'annotations', 'oomguard.io/peak-rss']), 'metadata.annotations["oomguard.io/peak-rss"]');
  assert.is(formatJsonPath(['$ref', '_a1', 'A$']), '$ref._a1.A$');
  assert.is(formatJsonPath(['1a', 'a-b', '', 'é', 'a b']), '["1a"]["a-b"][""]["é"]["a b"]');
  assert.is(formatJsonPath(['x', 'quote"d', 'back\\slash']), 'x["quote\\"d"]["back\\\\slash"]');
  assert.is(formatJsonPath([]), '');
});

test.run();
