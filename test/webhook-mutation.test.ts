/**
 * Mutation planning on its own (lib/webhook/mutation.ts): the edge cases of turning the rules'
 * fixes into RFC 6902 operations, each patch applied with fast-json-patch (validating every
 * operation against the document) and the result linted again.
 */
import { applyPatch } from 'fast-json-patch';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinter } from '../lib/engine/linter';
import { DEFAULT_SIZING } from '../lib/sizing/formula';
import { MUTATING_RULES, planMutation, pointer } from '../lib/webhook/mutation';

const linter = createLinter();
const probes = { livenessProbe: { httpGet: { path: '/livez', port: 8080 } }, readinessProbe: { httpGet: { path: '/readyz', port: 8080 } } };

function pod(spec: Record<string, unknown>): Record<string, any> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
}

function apply(object: Record<string, any>) {
  const plan = planMutation(object, linter, DEFAULT_SIZING);
  const result = applyPatch(structuredClone(object), plan.patch as never, true, false).newDocument;
  assert.equal(result, plan.result, 'the patch gives the object the planner built');
  return { plan, result };
}

test('RFC 6901 pointers escape ~ and /', () => {
  assert.is(pointer(['metadata', 'annotations', 'oomguard.io/runtime~x', 0]), '/metadata/annotations/oomguard.io~1runtime~0x/0');
});

test('two variables of one name: the last, the one Kubernetes uses, is merged; the first is left alone', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes, env: [{ name: 'NODE_OPTIONS', value: '--trace-warnings' }, { name: 'NODE_OPTIONS', value: '--enable-source-maps' }], resources: { limits: { memory: '512Mi' } } }] });
  const { plan, result } = apply(object);
  assert.equal(plan.patch, [{ op: 'replace', path: '/spec/containers/0/env/1/value', value: '--enable-source-maps --max-old-space-size=409' }]);
  assert.is(result.spec.containers[0].env[0].value, '--trace-warnings');
});

test('a request below the limit is replaced by the limit, written as the limit is', () => {
  const object = pod({ containers: [{ name: 'app', image: 'nginx', ...probes, resources: { limits: { memory: '1Gi' }, requests: { memory: '256Mi' } } }] });
  const { plan } = apply(object);
  assert.equal(plan.patch, [{ op: 'replace', path: '/spec/containers/0/resources/requests/memory', value: '1Gi' }]);
});

test('a native sidecar and an init container are patched where they are', () => {
  const object = pod({
    initContainers: [
      { name: 'migrate', image: 'registry.example/migrate:1', env: [{ name: 'GOMEMLIMIT', value: '900MiB' }], resources: { limits: { memory: '256Mi' } } },
      { name: 'proxy', image: 'node:20', restartPolicy: 'Always', ...probes, resources: { limits: { memory: '256Mi' } } },
    ],
    containers: [{ name: 'app', image: 'nginx', ...probes, resources: { limits: { memory: '512Mi' } } }],
  });
  const { plan, result } = apply(object);
  assert.equal(plan.patch.map((operation) => operation.path).sort(), ['/spec/initContainers/0/env/0/value', '/spec/initContainers/1/env']);
  assert.equal(result.spec.initContainers[1].env, [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=153' }]);
  assert.equal(linter.lintDocument(result).filter((finding) => MUTATING_RULES.has(finding.ruleId)), []);
});

test('an env that is null is replaced by a list, not appended to', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes, env: null, resources: { limits: { memory: '512Mi' } } }] });
  const { plan } = apply(object);
  assert.equal(plan.patch, [{ op: 'replace', path: '/spec/containers/0/env', value: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=409' }] }]);
});

test('no limit, no heap flag: nothing to compute it from', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes }] });
  const plan = planMutation(object, linter, DEFAULT_SIZING);
  assert.equal(plan.patch, []);
  assert.is(plan.result, object, 'nothing copied when nothing changes');
});

test('a rule turned off in the config is neither reported nor applied', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes, resources: { limits: { memory: '512Mi' } } }] });
  const plan = planMutation(object, createLinter({ severities: { 'node-heap-unset': 'off' } }), DEFAULT_SIZING);
  assert.equal(plan.patch, []);
});

test('a configured overhead sizes the flag', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes, resources: { limits: { memory: '512Mi' } } }] });
  const sizing = { ...DEFAULT_SIZING, overheads: { ...DEFAULT_SIZING.overheads, node: 200 * 1024 * 1024 } };
  const plan = planMutation(object, createLinter({ sizing }), sizing);
  assert.equal(plan.patch, [{ op: 'add', path: '/spec/containers/0/env', value: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=309' }] }]);
});

test('the input object is never modified', () => {
  const object = pod({ containers: [{ name: 'web', image: 'node:20', ...probes, env: [{ name: 'NODE_OPTIONS', value: '--x' }], resources: { limits: { memory: '512Mi' }, requests: { memory: '128Mi' } } }] });
  const before = JSON.stringify(object);
  planMutation(object, linter, DEFAULT_SIZING);
  assert.is(JSON.stringify(object), before);
});

test.run();
