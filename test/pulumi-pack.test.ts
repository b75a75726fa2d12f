/**
 * Integration test of the built policy pack, launched the way the Pulumi engine launches a Node.js
 * pack: `node <@pulumi/pulumi/cmd/run-policy-pack> <engineAddress> .` with the pack folder as working
 * directory, the gRPC port read from the first line of its output. The test then plays the engine's
 * part of the Analyzer protocol (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack) with @grpc/grpc-js
 * and the stubs shipped in @pulumi/pulumi. The Pulumi CLI cannot be installed here; this is the proof
 * that the pack works as a pack.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KUBERNETES_RULES, buildDeployment, MIB } from '../lib';
import { jvmContainer } from './helpers/containers';

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const ROOT = join(__dirname, '..');
const PACK = join(ROOT, 'policies', 'pulumi');
const BUILT = join(ROOT, 'dist', 'policies', 'pulumi', 'index.js');

// The stubs, and the grpc-js / google-protobuf copies they were generated against (instanceof checks).
const PROTO_DIR = dirname(require.resolve('@pulumi/pulumi/proto/analyzer_grpc_pb'));
const services = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
const messages = require('@pulumi/pulumi/proto/analyzer_pb');
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [PROTO_DIR] }));
const { Struct } = require(require.resolve('google-protobuf/google/protobuf/struct_pb', { paths: [PROTO_DIR] }));
const { Empty } = require(require.resolve('google-protobuf/google/protobuf/empty_pb', { paths: [PROTO_DIR] }));
const RUN_POLICY_PACK = require.resolve('@pulumi/pulumi/cmd/run-policy-pack');
const LEVEL = messages.EnforcementLevel as Record<string, number>;
const LEVEL_NAME = Object.fromEntries(Object.entries(LEVEL).map(([name, value]) => [value, name.toLowerCase()]));
// What the engine sends for a value computed from an output not yet known (@pulumi/policy proxy.ts).
const UNKNOWN: string = require('@pulumi/policy/proxy').unknownStringValue;

function newestSource(folder: string, newest = 0): number {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The pack runs built JavaScript: build when it is missing or older than lib/ or the pack's sources. */
function ensureBuilt(): void {
  const fresh = () => existsSync(BUILT) && statSync(BUILT).mtimeMs >= Math.max(newestSource(join(ROOT, 'lib')), newestSource(PACK));
  if (fresh()) return;
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', ROOT], { cwd: ROOT, encoding: 'utf8' });
  // tsc emits even when another file has a type error; only our own files' errors fail this test.
  const ours = (tsc.stdout ?? '').split('\n').filter((line) => /^(policies\/pulumi|lib\/pulumi)\//.test(line));
  if (ours.length > 0) throw new Error(`tsc reported errors in the pack:\n${ours.join('\n')}`);
  if (!existsSync(BUILT)) throw new Error(`tsc did not produce ${BUILT}:\n${tsc.stdout}${tsc.stderr}`);
}

interface Pack {
  readonly child: ChildProcess;
  readonly client: any;
  stderr: string;
}

async function launch(): Promise<Pack> {
  // The engine passes its own address first; the program is `.`, resolved through package.json `main`.
  const child = spawn(process.execPath, [RUN_POLICY_PACK, '127.0.0.1:1', '.'], { cwd: PACK, stdio: ['ignore', 'pipe', 'pipe'] });
  const pack: Pack = { child, client: undefined, stderr: '' };
  child.stderr!.on('data', (chunk) => { pack.stderr += String(chunk); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port within 60 s; stderr:\n${pack.stderr}`)), 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const port = Number(line.trim());
      if (Number.isInteger(port) && port > 0) resolve(port);
      else reject(new Error(`first output line is not a port: ${JSON.stringify(line)}; stderr:\n${pack.stderr}`));
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pack exited ${code} before printing its port; stderr:\n${pack.stderr}`)); });
  });
  (pack as { client: any }).client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return pack;
}

function call<T>(pack: Pack, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    pack.client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}

interface Diagnostic {
  readonly policy: string;
  readonly level: string;
  readonly message: string;
}

function diagnosticsOf(response: any): Diagnostic[] {
  return response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: LEVEL_NAME[d.getEnforcementlevel()], message: d.getMessage() }));
}

function options(): unknown {
  const opts = new messages.AnalyzerResourceOptions();
  opts.setProtect(false);
  return opts;
}

async function analyze(pack: Pack, type: string, props: Record<string, unknown>, name = 'web'): Promise<Diagnostic[]> {
  const request = new messages.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::shop::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props));
  request.setOptions(options());
  return diagnosticsOf(await call(pack, 'analyze', request));
}

/**
 * Configure as the CLI does: every policy, its schema's top-level defaults overlaid with the user's
 * settings (the pack does not apply defaults itself), and its enforcement level.
 */
async function configure(pack: Pack, info: any, user: Record<string, { enforcementLevel?: string } & Record<string, unknown>> = {}): Promise<void> {
  const request = new messages.ConfigureAnalyzerRequest();
  const map = request.getPolicyconfigMap();
  for (const policy of info.getPoliciesList()) {
    const name = policy.getName();
    const schema = policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {};
    const { enforcementLevel, ...settings } = user[name] ?? {};
    const properties = { ...Object.fromEntries(Object.entries(schema).filter(([, s]: [string, any]) => s.default !== undefined).map(([key, s]: [string, any]) => [key, s.default])), ...settings };
    const config = new messages.PolicyConfig();
    config.setEnforcementlevel(enforcementLevel ? LEVEL[enforcementLevel.toUpperCase()] : policy.getEnforcementlevel());
    config.setProperties(Struct.fromJavaScript(properties));
    map.set(name, config);
  }
  await call(pack, 'configure', request);
}

const DEPLOYMENT = 'kubernetes:apps/v1:Deployment';
const labels = { app: 'web' };
/** A Deployment's inputs as @pulumi/kubernetes sends them: one JVM container, peak 400Mi declared. */
function deployment(container: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', annotations: { 'oomguard.io/peak-rss': '400Mi' } },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
  };
}
const jvm = jvmContainer;

const pack = suite<{ pack: Pack; info: any }>('pulumi policy pack over the Analyzer gRPC protocol');

pack.before(async (context) => {
  ensureBuilt();
  context.pack = await launch();
});

pack.after((context) => {
  context.pack?.client?.close();
  context.pack?.child.kill();
});

pack('GetAnalyzerInfo: name, version, one resource policy per rule id with its enforcement and config schema', async (context) => {
  const info: any = await call(context.pack, 'getAnalyzerInfo', new Empty());
  context.info = info;
  assert.is(info.getName(), 'oomguard');
  const rootVersion = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.is(info.getVersion(), rootVersion, 'the pack version (policies/pulumi/package.json) follows the package');
  assert.ok(info.getSupportsconfig());
  const listed = info.getPoliciesList().map((p: any) => [p.getName(), LEVEL_NAME[p.getEnforcementlevel()], p.getPolicyType()]);
  const expectedLevel = { error: 'mandatory', warning: 'advisory', info: 'advisory', off: 'disabled' } as const;
  assert.equal(listed, KUBERNETES_RULES.map((rule) => [rule.meta.id, expectedLevel[rule.meta.defaultSeverity], messages.PolicyType.POLICY_TYPE_RESOURCE]));
  const schema = info.getPoliciesList()[0].getConfigschema().getProperties().toJavaScript();
  assert.is(schema.factor.default, 1.5);
  // The JVM's default is the measured model, not a number: no schema default for it.
  assert.is(schema.overheadMiB.properties.jvm.default, undefined);
  assert.is(schema.overheadMiB.default.go, 50);
});

pack('Analyze: mandatory violations for a missing limit, -Xmx above the limit, request != limit; none for a clean one', async (context) => {
  await configure(context.pack, context.info);
  assert.equal(await analyze(context.pack, DEPLOYMENT, deployment(jvm())), []);

  assert.equal(await analyze(context.pack, DEPLOYMENT, deployment(jvm({ resources: {} }))), [{
    policy: 'memory-limit-missing',
    level: 'mandatory',
    message: 'A container (app, init or native sidecar) has no memory limit.\ncontainer "app" has no memory limit: set it and the request to 802Mi (peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi)',
  }]);

  const xmx = await analyze(context.pack, DEPLOYMENT, deployment(jvm({ env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx900m' }] })));
  assert.equal(xmx.map((d) => [d.policy, d.level, d.message.split('\n')[1]]), [
    ['jvm-heap-exceeds-limit', 'mandatory', 'container "app" sets -Xmx 900Mi in env JAVA_TOOL_OPTIONS, above limit 1000Mi - 203Mi JVM overhead (Serial GC) = 797Mi'],
  ]);

  const request = await analyze(context.pack, DEPLOYMENT, deployment(jvm({ resources: { limits: { memory: '1Gi' }, requests: { memory: '512Mi' } } })));
  assert.equal(request.map((d) => [d.policy, d.level, d.message.split('\n')[1]]), [
    ['memory-request-not-equal-limit', 'mandatory', 'container "app" requests 512Mi of memory but is limited to 1Gi: set the request equal to the limit so the node cannot be overcommitted'],
  ]);

  // The generator's own output, and a resource that is not a workload.
  const built = buildDeployment({ name: 'api', image: 'example/api:1', runtime: 'node', peakBytes: 300 * MIB, port: 3000 });
  assert.equal(await analyze(context.pack, DEPLOYMENT, built, 'api'), []);
  assert.equal(await analyze(context.pack, 'kubernetes:core/v1:Service', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }), []);
});

pack('Configure: a sizing setting and an enforcement level change verdicts', async (context) => {
  // 400Mi x 2 + 203Mi (the JVM model, Serial GC) = 1003Mi does not fit the 1000Mi limit.
  await configure(context.pack, context.info, { 'memory-limit-below-peak': { factor: 2 } });
  assert.equal((await analyze(context.pack, DEPLOYMENT, deployment(jvm()))).map((d) => [d.policy, d.level, d.message.split('\n')[1]]), [
    ['memory-limit-below-peak', 'mandatory', 'container "app" limit 1000Mi < recommended 1003Mi = peak 400Mi × 2 + 203Mi JVM overhead (Serial GC)'],
  ]);

  // A 500Mi JVM reserve makes MaxRAMPercentage=60 too high; the enforcement level is the user's.
  await configure(context.pack, context.info, {
    'jvm-heap-exceeds-limit': { enforcementLevel: 'advisory', overheadMiB: { jvm: 500 } },
    'cpu-request-not-equal-limit': { enforcementLevel: 'mandatory' },
  });
  const diagnostics = await analyze(context.pack, DEPLOYMENT, deployment(jvm({ resources: { limits: { memory: '1000Mi', cpu: '2' }, requests: { memory: '1000Mi', cpu: '500m' } } })));
  assert.equal(diagnostics.map((d) => [d.policy, d.level]), [['jvm-heap-exceeds-limit', 'advisory'], ['cpu-request-not-equal-limit', 'mandatory']]);
  assert.is(diagnostics[0].message.split('\n')[1], 'container "app" sets MaxRAMPercentage=60.0 in env JAVA_TOOL_OPTIONS: the JVM takes a 600Mi heap (MaxRAMPercentage 60 of the limit), above limit 1000Mi - 500Mi JVM overhead = 500Mi');
  await configure(context.pack, context.info);
});

pack('Analyze: a value unknown during preview is reported as an advisory "could not check", without a crash', async (context) => {
  await configure(context.pack, context.info);
  const props = deployment(jvm());
  (props.spec as any).template.spec.containers.push(jvm({ name: 'sidecar', resources: {}, env: [{ name: 'JAVA_TOOL_OPTIONS', value: UNKNOWN }] }));
  (props.metadata as any).namespace = UNKNOWN;
  const diagnostics = await analyze(context.pack, DEPLOYMENT, props);
  assert.ok(diagnostics.length > 0);
  for (const d of diagnostics) {
    assert.is(d.level, 'advisory', d.policy);
    assert.is(d.message,
      `can't run policy '${d.policy}' from policy pack 'oomguard@v0.4.0' during preview: oomguard could not check ${d.policy} on container "sidecar" of Deployment "web" during preview: ` +
      'spec.template.spec.containers[1].env[0].value is computed from other resources and unknown until they exist; it is checked again when pulumi up knows the values');
  }
  assert.ok(diagnostics.some((d) => d.policy === 'memory-limit-missing'));
  // The known container is still checked: no limit on it now gives a mandatory finding beside the advisory one.
  (props.spec as any).template.spec.containers[0].resources = {};
  const mixed = (await analyze(context.pack, DEPLOYMENT, props)).filter((d) => d.policy === 'memory-limit-missing');
  assert.equal(mixed.map((d) => d.level), ['mandatory', 'advisory']);
  assert.match(mixed[0].message, 'container "app" has no memory limit');
  // The pack is still serving.
  assert.equal(await analyze(context.pack, DEPLOYMENT, deployment(jvm())), []);
  assert.is(context.pack.child.exitCode, null);
});

/** The engine's Remediate call: the remediations applied, in order, each with the props it returned. */
async function remediate(pack: Pack, type: string, props: Record<string, unknown>, name = 'web'): Promise<[string, any][]> {
  const request = new messages.AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::shop::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(props));
  request.setOptions(options());
  const response: any = await call(pack, 'remediate', request);
  return response.getRemediationsList().map((r: any) => [r.getPolicyname(), r.getProperties()?.toJavaScript()]);
}

pack('Remediate: the fixable policies set to `remediate` apply oomguard fix\'s edits; the others are not applicable', async (context) => {
  const fixable = KUBERNETES_RULES.filter((rule) => rule.meta.fixable).map((rule) => rule.meta.id);
  assert.ok(fixable.includes('memory-request-not-equal-limit') && fixable.includes('jvm-heap-unset'));
  await configure(context.pack, context.info, Object.fromEntries(KUBERNETES_RULES.map((rule) => [rule.meta.id, { enforcementLevel: 'remediate' }])));
  // The request below the limit and no heap setting: both are fixed, in the registry's order, each
  // remediation receiving the previous one's props; the heap is sized for the limit actually set.
  const props = deployment(jvm({ env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8' }], resources: { limits: { memory: '1Gi' }, requests: { memory: '512Mi' } } }));
  const applied = await remediate(context.pack, DEPLOYMENT, props);
  assert.equal(applied.map(([policy]) => policy), ['memory-request-not-equal-limit', 'jvm-heap-unset']);
  const last = applied[applied.length - 1][1].spec.template.spec.containers[0];
  assert.equal(last.resources, { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  assert.equal(last.env, [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8 -XX:+UseContainerSupport -XX:MaxRAMPercentage=80.0 -XX:MinRAMPercentage=80.0 -XX:+ExitOnOutOfMemoryError' }]);
  // What was remediated passes the checks.
  await configure(context.pack, context.info);
  assert.equal(await analyze(context.pack, DEPLOYMENT, applied[applied.length - 1][1]), []);
  // A clean resource is left alone, and an unknown input stops the fix rather than guessing.
  await configure(context.pack, context.info, Object.fromEntries(KUBERNETES_RULES.map((rule) => [rule.meta.id, { enforcementLevel: 'remediate' }])));
  assert.equal(await remediate(context.pack, DEPLOYMENT, deployment(jvm())), []);
  const unknown = deployment(jvm({ resources: { limits: { memory: UNKNOWN }, requests: { memory: '512Mi' } } }));
  assert.equal(await remediate(context.pack, DEPLOYMENT, unknown), []);
  await configure(context.pack, context.info);
});

pack('AnalyzeStack: resource policies report at Analyze, not again over the whole stack', async (context) => {
  const request = new messages.AnalyzeStackRequest();
  request.setResourcesList([deployment(jvm({ resources: {} })), deployment(jvm())].map((props, index) => {
    const resource = new messages.AnalyzerResource();
    resource.setType(DEPLOYMENT);
    resource.setName(`web-${index}`);
    resource.setUrn(`urn:pulumi:dev::shop::${DEPLOYMENT}::web-${index}`);
    resource.setProperties(Struct.fromJavaScript(props));
    resource.setOptions(options());
    return resource;
  }));
  const response: any = await call(context.pack, 'analyzeStack', request);
  assert.equal(diagnosticsOf(response), []);
  assert.is(context.pack.stderr.trim(), '', 'the pack wrote nothing to stderr');
});

pack.run();
