/**
 * The admission webhook, the real HTTPS server on 127.0.0.1 with a CA and serving certificate made
 * by openssl in the test, called with AdmissionReviews shaped as kube-apiserver sends them.
 * Validation, mutation (the patch applied with fast-json-patch and the result linted), UPDATE with
 * oldObject, dryRun, suppressions, namespace exclusions, config reload, certificate rotation,
 * metrics and bad requests (malformed, wrong apiVersion, 10 MB bodies, slow clients).
 * kube-apiserver itself cannot run here (no binary reachable from this machine's registries), so the
 * requests are built field for field as it builds them (test/helpers/webhook.ts, bench/admission.ts).
 */
import { settingsAt } from '../lib/sizing/formula';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { applyPatch } from 'fast-json-patch';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinter } from '../lib/engine/linter';
import { buildDeployment } from '../lib/generate/deployment';
import { PROFILES } from '../lib/runtimes';
import { mergeOptions } from '../lib/runtimes/options';
import { createLogger } from '../lib/webhook/log';
import { MUTATING_RULES } from '../lib/webhook/mutation';
import { startWebhook, type WebhookServer } from '../lib/webhook/server';
import { haveTool } from './helpers/tools';
import { admissionReview, call, issueLeaf, makePki, patchOf, type Pki } from './helpers/webhook';

const MIB = 1024 * 1024;

interface Context {
  pki: Pki;
  server: WebhookServer;
  logs: any[];
  config: string;
}

const context = {} as Context;

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A Deployment with one container, the way `kubectl apply` sends it after defaulting. */
function deployment(container: Record<string, unknown>, extra: { annotations?: Record<string, string>; name?: string; kind?: string } = {}): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: extra.name ?? 'web', namespace: 'team-a', uid: 'a7d0c7f2-0c1b-4f3e-9d55-3f1f4a1e2b10', generation: 1, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent', ...container }],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
  };
}

const probes = { livenessProbe: { httpGet: { path: '/livez', port: 8080 } }, readinessProbe: { httpGet: { path: '/readyz', port: 8080 } } };

/** request 256Mi under a 512Mi limit: memory-request-not-equal-limit, an error by default. */
const overcommitted = () => deployment({ name: 'app', image: 'registry.example/app:1', ...probes, resources: { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } } });

const validate = (body: unknown) => call(context.server.port, context.pki.ca, '/validate', body);
const mutate = (body: unknown, path = '/mutate') => call(context.server.port, context.pki.ca, path, body);

const server = suite('webhook server');

server.before(async () => {
  context.pki = makePki();
  context.logs = [];
  context.config = join(context.pki.dir, 'config.yaml');
  writeFileSync(context.config, 'rules: {}\n');
  context.server = await startWebhook({
    tlsCert: context.pki.cert,
    tlsKey: context.pki.key,
    configFile: context.config,
    address: '127.0.0.1',
    port: 0,
    pollMs: 50,
    ownNamespace: 'oomguard-system',
    headersTimeoutMs: 400,
    requestTimeoutMs: 800,
    handshakeTimeoutMs: 400,
    logger: createLogger('debug', (line) => context.logs.push(JSON.parse(line))),
  });
});

server.after(async () => {
  await context.server.close();
});

server('an error-level finding denies, naming container, rule and numbers; warnings go in warnings', async () => {
  const object = overcommitted();
  object.spec.template.spec.containers[0].image = 'node:20';
  const reply = await validate(admissionReview(object));
  assert.is(reply.status, 200);
  assert.is(reply.json.apiVersion, 'admission.k8s.io/v1');
  assert.is(reply.json.kind, 'AdmissionReview');
  const { response } = reply.json;
  assert.is(response.allowed, false);
  assert.is(response.status.code, 403);
  assert.match(response.status.message, /^oomguard denied Deployment team-a\/web: \[memory-request-not-equal-limit\] container "app" requests 256Mi of memory but is limited to 512Mi/);
  assert.equal(response.warnings, ['[node-heap-unset] container "app" runs Node.js with no --max-old-space-size: set NODE_OPTIONS="--max-old-space-size=409" (limit 512Mi - 100Mi Node.js overhead - 3Mi young generation)']);
});

server('a denial names at most 10 findings and says how many more; at most 16 warnings of 256 characters', async () => {
  const containers = Array.from({ length: 30 }, (_, index) => ({ name: `c${index}`, image: 'node:20', ...probes, resources: { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } } }));
  const object = deployment(containers[0]);
  object.spec.template.spec.containers = containers;
  const { response } = (await validate(admissionReview(object))).json;
  assert.is(response.allowed, false);
  assert.is(response.status.message.split('[memory-request-not-equal-limit]').length - 1, 10);
  assert.match(response.status.message, /; and 20 more \(run oomguard lint on the manifest\)$/);
  assert.is(response.warnings.length, 16);
  assert.is(response.warnings[15], 'oomguard: 15 more findings (run oomguard lint on the manifest)');
  for (const warning of response.warnings) assert.ok(warning.length <= 256, warning);
});

server('the uid is echoed and a clean Deployment is allowed with no warnings', async () => {
  const clean = buildDeployment({ name: 'web', image: 'eclipse-temurin:17', runtime: 'jvm', peakBytes: 300 * MIB, port: 8080 });
  const body = admissionReview(clean as Record<string, any>) as { request: { uid: string } };
  const reply = await validate(body);
  assert.equal(reply.json.response, { uid: body.request.uid, allowed: true });
});

server('every pod-bearing kind is validated: Pod, ReplicationController, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Rollout', async () => {
  const container = { name: 'app', image: 'registry.example/app:1', ...probes, resources: { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } } };
  const podSpec = { containers: [container] };
  const template = { metadata: { labels: { app: 'x' } }, spec: podSpec };
  const objects = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: podSpec },
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'x' }, spec: { template } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x' }, spec: { serviceName: 'x', template } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' }, spec: { template } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x' }, spec: { template } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { ...template, spec: { ...podSpec, restartPolicy: 'Never' } } } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { ...template, spec: { ...podSpec, restartPolicy: 'Never' } } } } } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'x' }, spec: { template } },
  ];
  for (const object of objects) {
    const reply = await validate(admissionReview(object));
    assert.is(reply.json.response.allowed, false, object.kind);
    assert.match(reply.json.response.status.message, `oomguard denied ${object.kind} default/x: [memory-request-not-equal-limit] container "app" requests 256Mi`);
  }
  // Not pod-bearing: allowed without a look.
  const service = await validate(admissionReview({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }));
  assert.is(service.json.response.allowed, true);
});

server('UPDATE: an error the oldObject already had warns, a new one denies; a deleting object passes', async () => {
  const old = overcommitted();
  const relabelled = overcommitted();
  relabelled.metadata.labels = { team: 'a' };
  const kept = await validate(admissionReview(relabelled, { operation: 'UPDATE', oldObject: old }));
  assert.is(kept.json.response.allowed, true);
  assert.ok(kept.json.response.warnings.some((warning: string) => warning.startsWith('[memory-request-not-equal-limit] container "app" requests 256Mi') && warning.endsWith('(already there before this update)')));

  const clean = overcommitted();
  clean.spec.template.spec.containers[0].resources.requests.memory = '512Mi';
  const introduced = await validate(admissionReview(overcommitted(), { operation: 'UPDATE', oldObject: clean }));
  assert.is(introduced.json.response.allowed, false);
  assert.match(introduced.json.response.status.message, '[memory-request-not-equal-limit]');

  // The numbers changed (256Mi → 128Mi): judged anew.
  const worse = overcommitted();
  worse.spec.template.spec.containers[0].resources.requests.memory = '128Mi';
  const changed = await validate(admissionReview(worse, { operation: 'UPDATE', oldObject: old }));
  assert.is(changed.json.response.allowed, false);

  const deleting = overcommitted();
  deleting.metadata.deletionTimestamp = '2026-12-01T10:00:00Z';
  const finalizer = await validate(admissionReview(deleting, { operation: 'UPDATE', oldObject: clean }));
  assert.is(finalizer.json.response.allowed, true);

  const missing = await validate(admissionReview(overcommitted(), { operation: 'UPDATE' }));
  assert.is(missing.json.response.allowed, false);
  assert.is(missing.json.response.status.code, 400);
  assert.match(missing.json.response.status.message, 'oldObject is missing');
});

server('dryRun gets the same verdict and is counted apart; userInfo is logged', async () => {
  const reply = await validate(admissionReview(overcommitted(), { dryRun: true, username: 'jane@example.com' }));
  assert.is(reply.json.response.allowed, false);
  const metrics = await context.server.metrics.registry.getSingleMetricAsString('oomguard_webhook_reviews_total');
  assert.match(metrics, /oomguard_webhook_reviews_total\{endpoint="validate",operation="CREATE",kind="Deployment",verdict="denied",dry_run="true"\} 1/);
  const logged = context.logs.find((line) => line.msg === 'review' && line.user === 'jane@example.com');
  assert.ok(logged);
  assert.is(logged.dryRun, true);
  assert.is(logged.verdict, 'denied');
  assert.equal(logged.rules, ['memory-request-not-equal-limit']);
});

server('a suppression annotation with a reason is honoured, one without is not', async () => {
  const suppressed = overcommitted();
  suppressed.metadata.annotations = { 'ignore.oomguard.io/memory-request-not-equal-limit': 'burstable on purpose: batch node pool' };
  assert.is((await validate(admissionReview(suppressed))).json.response.allowed, true);
  const empty = overcommitted();
  empty.metadata.annotations = { 'ignore.oomguard.io/memory-request-not-equal-limit': '' };
  assert.is((await validate(admissionReview(empty))).json.response.allowed, false);
});

server('kube-system, the own namespace and configured namespaces are not reviewed; subresources neither', async () => {
  for (const namespace of ['kube-system', 'oomguard-system']) {
    const reply = await validate(admissionReview(overcommitted(), { namespace }));
    assert.equal(reply.json.response.allowed, true, namespace);
    assert.is(reply.json.response.warnings, undefined);
  }
  const scale = await validate(admissionReview(overcommitted(), { operation: 'UPDATE', oldObject: overcommitted(), subResource: 'scale' }));
  assert.is(scale.json.response.allowed, true);
});

server('a Pod owned by a controller is warned, not denied (its owner was judged)', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-6d4b75cb6d-', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d4b75cb6d', uid: 'u', controller: true, blockOwnerDeletion: true }] }, spec: overcommitted().spec.template.spec };
  const reply = await validate(admissionReview(pod));
  assert.is(reply.json.response.allowed, true);
  assert.ok(reply.json.response.warnings.some((warning: string) => warning.startsWith('[memory-request-not-equal-limit]') && warning.endsWith('(owned by a controller: judged at the owner)')));
});

server('mutate: request = limit and the JVM heap from the actual limit, merged into the existing variable; the patched object lints clean', async () => {
  const object = deployment({
    name: 'app', image: 'eclipse-temurin:17', ...probes,
    startupProbe: { httpGet: { path: '/livez', port: 8080 }, failureThreshold: 30 },
    env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8 -Xss512k' }, { name: 'TZ', value: 'UTC' }],
    resources: { limits: { memory: '1Gi' }, requests: { memory: '512Mi' } },
  }, { annotations: { 'oomguard.io/mutate': 'true' } });
  const reply = await mutate(admissionReview(object));
  const { response } = reply.json;
  assert.is(response.allowed, true);
  assert.is(response.patchType, 'JSONPatch');
  const patch = patchOf(reply);
  const expectedHeap = mergeOptions('-Dfile.encoding=UTF-8 -Xss512k', settingsAt(1024 * MIB, 'jvm').settings[0].value, PROFILES.jvm.supersedes);
  assert.equal(patch, [
    { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '1Gi' },
    { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: expectedHeap },
  ]);
  const result = applyPatch(structuredClone(object), patch, true, false).newDocument;
  const env = result.spec.template.spec.containers[0].env;
  assert.is(env.filter((entry: { name: string }) => entry.name === 'JAVA_TOOL_OPTIONS').length, 1, 'never a second JAVA_TOOL_OPTIONS');
  assert.match(env[0].value, /^-Dfile\.encoding=UTF-8 -Xss512k -XX:\+UseContainerSupport -XX:MaxRAMPercentage=\d+(\.\d)? /);
  assert.equal(createLinter().lintDocument(result).map((finding) => finding.ruleId), []);
  assert.ok(response.warnings.includes('oomguard set container "app": set the memory request to the limit 1Gi (memory-request-not-equal-limit)'));

  // Reinvocation (reinvocationPolicy: IfNeeded) of the patched object changes nothing more.
  const again = await mutate(admissionReview(result));
  assert.equal(patchOf(again), []);
  assert.is(again.json.response.patchType, undefined);
});

server('mutate: a flag that contradicts the limit is rewritten in place; two fixes to one variable end in one value', async () => {
  const object = deployment({
    name: 'app', image: 'eclipse-temurin:17', ...probes, startupProbe: { httpGet: { path: '/livez', port: 8080 }, failureThreshold: 30 },
    env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:-UseContainerSupport -Xmx2g' }],
    resources: { limits: { memory: '1Gi' } },
  }, { annotations: { 'oomguard.io/mutate': 'true' } });
  const reply = await mutate(admissionReview(object));
  const patch = patchOf(reply);
  assert.is(patch.length, 1, JSON.stringify(patch));
  const result = applyPatch(structuredClone(object), patch, true, false).newDocument;
  assert.is(result.spec.template.spec.containers[0].env[0].value, '-XX:+UseContainerSupport -Xmx820m');
  assert.equal(createLinter().lintDocument(result).filter((finding) => MUTATING_RULES.has(finding.ruleId)), []);
});

server('mutate: Go without env gets an env list with GOMEMLIMIT; Node.js gets NODE_OPTIONS', async () => {
  const go = deployment({ name: 'api', image: 'registry.example/api:1', ...probes, resources: { limits: { memory: '256Mi' } } }, { annotations: { 'oomguard.io/runtime': 'go', 'oomguard.io/mutate': 'true' } });
  const goPatch = patchOf(await mutate(admissionReview(go)));
  assert.equal(goPatch, [{ op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'GOMEMLIMIT', value: PROFILES.go.flags(256 * MIB, 50 * MIB)[0].value }] }]);
  const node = deployment({ name: 'web', image: 'node:20', ...probes, env: [{ name: 'PORT', value: '8080' }], resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } } }, { annotations: { 'oomguard.io/mutate': 'true' } });
  const nodePatch = patchOf(await mutate(admissionReview(node)));
  assert.equal(nodePatch, [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'NODE_OPTIONS', value: '--max-old-space-size=409' } }]);
  const result = applyPatch(structuredClone(node), nodePatch, true, false).newDocument;
  assert.equal(createLinter().lintDocument(result), []);
});

server('mutate: an option variable from a ConfigMap or envFrom is never touched, and a warning says so', async () => {
  const fromConfigMap = deployment({
    name: 'web', image: 'node:20', ...probes,
    env: [{ name: 'NODE_OPTIONS', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'node-options' } } }],
    resources: { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } },
  }, { annotations: { 'oomguard.io/mutate': 'true' } });
  const reply = await mutate(admissionReview(fromConfigMap));
  assert.equal(patchOf(reply), [{ op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '512Mi' }]);
  assert.ok(reply.json.response.warnings.some((warning: string) => warning.startsWith('oomguard: container "web" takes NODE_OPTIONS from valueFrom') && warning.endsWith(': not changed; for limit 512Mi set NODE_OPTIONS="--max-old-space-size=409" in that source (heap-options-unresolved)')), JSON.stringify(reply.json.response.warnings));

  const fromEnvFrom = deployment({ name: 'web', image: 'node:20', ...probes, envFrom: [{ configMapRef: { name: 'web-env' } }], resources: { limits: { memory: '512Mi' } } }, { annotations: { 'oomguard.io/mutate': 'true' } });
  const second = await mutate(admissionReview(fromEnvFrom));
  assert.equal(patchOf(second), []);
  assert.ok(second.json.response.warnings.some((warning: string) => warning.startsWith('oomguard: container "web": envFrom may set NODE_OPTIONS')));
});

server('mutate is opt-in: /mutate needs the annotation; /mutate/namespace mutates unless annotated "false"; Pods only on CREATE', async () => {
  const plain = deployment({ name: 'web', image: 'node:20', ...probes, resources: { limits: { memory: '512Mi' } } });
  assert.equal((await mutate(admissionReview(plain))).json.response.patch, undefined);
  assert.is(patchOf(await mutate(admissionReview(plain), '/mutate/namespace')).length, 1);
  const optedOut = deployment({ name: 'web', image: 'node:20', ...probes, resources: { limits: { memory: '512Mi' } } }, { annotations: { 'oomguard.io/mutate': 'false' } });
  assert.equal((await mutate(admissionReview(optedOut), '/mutate/namespace')).json.response.patch, undefined);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { 'oomguard.io/mutate': 'true' } }, spec: plain.spec.template.spec };
  assert.is(patchOf(await mutate(admissionReview(pod))).length, 1);
  assert.equal((await mutate(admissionReview(pod, { operation: 'UPDATE', oldObject: pod }))).json.response.patch, undefined);
  // dryRun: the same patch, so a server-side dry run shows what would be stored.
  assert.is(patchOf(await mutate(admissionReview(pod, { dryRun: true }))).length, 1);
  // Mutation never denies, even with error-level findings.
  const reply = await mutate(admissionReview(overcommitted(), {}), '/mutate/namespace');
  assert.is(reply.json.response.allowed, true);
});

server('config reload: audit mode (enforce: false) warns instead of denying; a broken file keeps the config in force', async () => {
  writeFileSync(context.config, 'rules: {}\nwebhook:\n  enforce: false\n');
  await until(() => context.server.settings().enforce === false);
  const audited = await validate(admissionReview(overcommitted()));
  assert.is(audited.json.response.allowed, true);
  assert.ok(audited.json.response.warnings[0].startsWith('audit: would deny: [memory-request-not-equal-limit] container "app" requests 256Mi'));
  const findings = await context.server.metrics.registry.getSingleMetricAsString('oomguard_webhook_findings_total');
  assert.match(findings, /rule="memory-request-not-equal-limit",severity="error",action="audited"\} 1/);

  writeFileSync(context.config, 'rules:\n  no-such-rule: error\n');
  await until(() => context.logs.some((line) => line.msg.startsWith('configuration not reloaded')));
  assert.is(context.server.settings().enforce, false, 'the last good configuration stays');
  const bad = context.logs.find((line) => line.msg.startsWith('configuration not reloaded'));
  assert.match(bad.error, 'no-such-rule');

  writeFileSync(context.config, 'rules:\n  memory-request-not-equal-limit: warning\nwebhook:\n  excludeNamespaces: [legacy]\n');
  await until(() => context.server.settings().enforce === true && context.server.settings().excludeNamespaces.has('legacy'));
  const warned = await validate(admissionReview(overcommitted()));
  assert.is(warned.json.response.allowed, true);
  assert.match(warned.json.response.warnings[0], /^\[memory-request-not-equal-limit\]/);
  writeFileSync(context.config, 'rules: {}\n');
  await until(() => !context.server.settings().excludeNamespaces.has('legacy'));
  assert.is((await validate(admissionReview(overcommitted()))).json.response.allowed, false);
});

server('a mounted ConfigMap and Secret, updated the kubelet\'s way (a new ..data symlink swapped in), are re-read', async () => {
  const { mkdirSync, symlinkSync, renameSync } = require('node:fs') as typeof import('node:fs');
  const root = join(context.pki.dir, 'mounted');
  mkdirSync(root);
  // What the kubelet lays out: ..<timestamp>/ with the files, ..data -> it, and each key -> ..data/key.
  const version = (name: string, files: Record<string, string | Buffer>) => {
    mkdirSync(join(root, name));
    for (const [key, content] of Object.entries(files)) writeFileSync(join(root, name, key), content);
    symlinkSync(name, join(root, '..data_tmp'));
    renameSync(join(root, '..data_tmp'), join(root, '..data'));
  };
  const readFile = (path: string) => require('node:fs').readFileSync(path) as Buffer;
  version('..2026_12_01_v1', { 'config.yaml': 'rules: {}\n', 'tls.crt': readFile(context.pki.cert), 'tls.key': readFile(context.pki.key) });
  for (const key of ['config.yaml', 'tls.crt', 'tls.key']) symlinkSync(join('..data', key), join(root, key));
  const mounted = await startWebhook({ tlsCert: join(root, 'tls.crt'), tlsKey: join(root, 'tls.key'), configFile: join(root, 'config.yaml'), address: '127.0.0.1', port: 0, pollMs: 50, logger: createLogger('error', () => undefined), processMetrics: false });
  try {
    const before = await call(mounted.port, context.pki.ca, '/healthz');
    issueLeaf(context.pki.dir, 'next');
    version('..2026_12_01_v2', { 'config.yaml': 'rules: {}\nwebhook:\n  enforce: false\n', 'tls.crt': readFile(join(context.pki.dir, 'next.crt')), 'tls.key': readFile(join(context.pki.dir, 'next.key')) });
    await until(() => mounted.settings().enforce === false);
    await until(async () => (await call(mounted.port, context.pki.ca, '/healthz')).fingerprint !== before.fingerprint);
    const reply = await call(mounted.port, context.pki.ca, '/validate', admissionReview(overcommitted()));
    assert.is(reply.json.response.allowed, true, 'audit mode from the new ConfigMap version');
  } finally {
    await mounted.close();
  }
});

server('certificate rotation: a new key pair is served without a restart; half a rotation keeps the old pair', async () => {
  const before = await call(context.server.port, context.pki.ca, '/healthz');
  assert.is(before.status, 200);
  // Half a rotation: a new key next to the old certificate.
  issueLeaf(context.pki.dir, 'other');
  writeFileSync(context.pki.key, require('node:fs').readFileSync(join(context.pki.dir, 'other.key')));
  await until(() => context.logs.some((line) => line.msg.startsWith('certificate not reloaded')));
  const half = await call(context.server.port, context.pki.ca, '/healthz');
  assert.is(half.fingerprint, before.fingerprint, 'the old pair is still served');
  // The full rotation.
  issueLeaf(context.pki.dir, 'tls');
  await until(async () => (await call(context.server.port, context.pki.ca, '/healthz')).fingerprint !== before.fingerprint);
  const after = await validate(admissionReview(overcommitted()));
  assert.is(after.json.response.allowed, false);
  const reloads = await context.server.metrics.registry.getSingleMetricAsString('oomguard_webhook_reloads_total');
  assert.match(reloads, /file="certificate",result="ok"\} 1/);
  assert.match(reloads, /file="certificate",result="error"\} 1/);
});

server('bad requests get HTTP errors and the server keeps answering', async () => {
  const { port, ca } = { port: context.server.port, ca: context.pki.ca };
  const notJson = await call(port, ca, '/validate', undefined, { raw: '{"kind": "AdmissionReview", ' });
  assert.is(notJson.status, 400);
  assert.is(notJson.json.kind, 'Status');
  assert.match(notJson.json.message, 'body is not JSON');
  const beta = admissionReview(overcommitted());
  beta.apiVersion = 'admission.k8s.io/v1beta1';
  const wrongVersion = await validate(beta);
  assert.is(wrongVersion.status, 400);
  assert.match(wrongVersion.json.message, 'admission.k8s.io/v1 only');
  const noUid = admissionReview(overcommitted()) as { request: Record<string, unknown> };
  delete noUid.request.uid;
  assert.is((await validate(noUid)).status, 400);
  assert.is((await validate([1, 2])).status, 400);
  assert.is((await call(port, ca, '/validate', {}, { contentType: 'text/plain' })).status, 415);
  assert.is((await call(port, ca, '/validate', undefined, { method: 'GET' })).status, 405);
  assert.is((await call(port, ca, '/nowhere')).status, 404);
  const noObject = admissionReview(overcommitted()) as { request: Record<string, unknown> };
  noObject.request.object = 'x';
  const invalid = await validate(noObject);
  assert.is(invalid.status, 200);
  assert.is(invalid.json.response.allowed, false);
  assert.is(invalid.json.response.status.code, 400);
  assert.is((await validate(admissionReview(overcommitted()))).json.response.allowed, false, 'still answering');
});

server('a 10 MB body is refused with 413, by Content-Length or by counting a chunked body', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
  const declared = await call(context.server.port, context.pki.ca, '/validate', undefined, { raw: big });
  assert.is(declared.status, 413);
  assert.match(declared.json.message, 'over the');
  // Chunked: no Content-Length, so the server must count.
  const chunked = await new Promise<number>((resolve, reject) => {
    const request = require('node:https').request({ host: '127.0.0.1', port: context.server.port, path: '/validate', method: 'POST', ca: context.pki.ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response: any) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < 10 * 1024 * 1024) {
        sent += 64 * 1024;
        if (!request.write(Buffer.alloc(64 * 1024, 0x20))) return void request.once('drain', pump);
      }
      request.end();
    };
    pump();
  }).catch((error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 413 : Promise.reject(error)));
  assert.is(chunked, 413);
  const rss = process.memoryUsage().rss;
  assert.ok(rss < 1024 * MIB, `rss ${rss}`);
  assert.is((await validate(admissionReview(overcommitted()))).json.response.allowed, false, 'still answering');
});

server('hostile reviews: made-up kinds do not grow the metrics, deep nesting and odd fields do not crash', async () => {
  for (let index = 0; index < 50; index++) {
    const object = { apiVersion: 'example.com/v1', kind: `Kind${index}`, metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { memory: '1Gi' } } }] } } } };
    const reply = await validate(admissionReview(object));
    assert.is(reply.status, 200);
  }
  const series = (await context.server.metrics.registry.getSingleMetricAsString('oomguard_webhook_reviews_total')).split('\n').filter((line) => line.startsWith('oomguard_webhook_reviews_total{'));
  assert.not.ok(series.some((line) => /kind="Kind\d+"/.test(line)), 'made-up kinds are labelled "other"');
  assert.ok(series.some((line) => line.includes('kind="other"')));
  const deep = admissionReview(overcommitted()) as { request: { object: Record<string, any> } };
  deep.request.object.spec.template.spec.containers[0].args = '__DEEP__';
  // Written as text: JSON.stringify itself cannot go 100,000 levels deep.
  const text = JSON.stringify(deep).replace('"__DEEP__"', `${'['.repeat(100_000)}"bottom"${']'.repeat(100_000)}`);
  const deepReply = await call(context.server.port, context.pki.ca, '/validate', undefined, { raw: text });
  assert.ok(deepReply.status === 200 || deepReply.status === 500, String(deepReply.status));
  const mutated = await call(context.server.port, context.pki.ca, '/mutate/namespace', undefined, { raw: text });
  assert.ok(mutated.status === 200 || mutated.status === 500, String(mutated.status));
  const odd = admissionReview(overcommitted()) as { request: Record<string, any> };
  Object.assign(odd.request, { operation: 42, namespace: { a: 1 }, kind: 'Deployment', dryRun: 'yes' });
  assert.is((await validate(odd)).status, 200);
  assert.is((await validate(admissionReview(overcommitted()))).json.response.allowed, false, 'still answering');
});

/** Open a TLS connection, send `first`, then nothing: how long until the server closes it, and what it said. */
function slowClient(first: string, rest?: { every: number; text: string }): Promise<{ ms: number; said: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let said = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = tlsConnect({ host: '127.0.0.1', port: context.server.port, ca: context.pki.ca, servername: 'localhost' }, () => {
      socket.write(first);
      if (rest) timer = setInterval(() => socket.writable && socket.write(rest.text), rest.every);
    });
    socket.on('data', (chunk) => (said += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, said });
    });
    setTimeout(() => reject(new Error('the server never closed a slow client')), 8000).unref();
  });
}

server('slow clients are cut off: headers that never end, a body that trickles, a handshake never started', async () => {
  const headers = await slowClient('POST /validate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n', { every: 100, text: 'x-slow: 1\r\n' });
  assert.ok(headers.ms < 3000, `headers: closed after ${headers.ms} ms`);
  assert.match(headers.said, /^HTTP\/1\.1 408/);
  const body = await slowClient('POST /validate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{', { every: 100, text: ' ' });
  assert.ok(body.ms < 3000, `body: closed after ${body.ms} ms`);
  const handshake = await new Promise<number>((resolve) => {
    const started = Date.now();
    const socket = tcpConnect({ host: '127.0.0.1', port: context.server.port });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Date.now() - started));
  });
  assert.ok(handshake < 3000, `handshake: closed after ${handshake} ms`);
  assert.is((await validate(admissionReview(overcommitted()))).json.response.allowed, false, 'still answering');
});

server('/healthz, /readyz and /metrics (reviews by verdict and rule, the latency histogram), valid for promtool', async () => {
  assert.is((await call(context.server.port, context.pki.ca, '/healthz')).text, 'ok\n');
  assert.is((await call(context.server.port, context.pki.ca, '/readyz')).status, 200);
  const metrics = await call(context.server.port, context.pki.ca, '/metrics');
  assert.is(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), 'text/plain');
  assert.match(metrics.text, /oomguard_webhook_reviews_total\{endpoint="validate",operation="CREATE",kind="Deployment",verdict="denied",dry_run="false"\} \d+/);
  assert.match(metrics.text, /oomguard_webhook_findings_total\{rule="memory-request-not-equal-limit",severity="error",action="denied"\} \d+/);
  assert.match(metrics.text, /oomguard_webhook_review_duration_seconds_bucket\{le="0\.001",endpoint="validate"\} \d+/);
  assert.match(metrics.text, /oomguard_webhook_request_errors_total\{reason="too-large"\} 2/);
  assert.match(metrics.text, /oomguard_webhook_certificate_expiry_timestamp_seconds \d+/);
  if (haveTool('promtool', 'checks the /metrics exposition format')) {
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: metrics.text, encoding: 'utf8' });
    // prom-client's own default gauges nodejs_active_{handles,requests,resources}_total break the
    // "_total is for counters" lint (a naming choice of that library); anything else is ours to fix.
    const problems = (checked.stdout + checked.stderr).split('\n').filter((line) => line.trim() && !/^oomguard_webhook_nodejs_active_(handles|requests|resources)_total non-counter/.test(line));
    assert.equal(problems, []);
  }
});

server('logs are one JSON object a line with time, level and msg', () => {
  assert.ok(context.logs.length > 10);
  for (const line of context.logs) {
    assert.type(line.time, 'string');
    assert.ok(['debug', 'info', 'warn', 'error'].includes(line.level));
    assert.type(line.msg, 'string');
  }
});

server.run();
