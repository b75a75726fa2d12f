/**
 * The per-container facts model (lib/facts): one place for every runtime decision, read by rules,
 * fixes, generate, cdk8s and Pulumi. Each test pins a decision the issue found made in several places
 * (or wrong): legacy JVM from the annotation, option precedence and the launcher's end of options,
 * `$(VAR)` expansion, valueFrom/envFrom, the minimum heap, slow start, and the one sizing validation.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Size, Testing } from 'cdk8s';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { containerFacts, factsOfSpec } from '../lib/facts';
import { extractWorkloads } from '../lib/core/workload';
import { createLinter } from '../lib/engine/linter';
import { fixText } from '../lib/fix';
import { MemorySafeDeployment, Runtime } from '../lib/cdk8s';
import { SLOW_STARTING } from '../lib/generate/probes';
import { buildDeployment } from '../lib/generate/deployment';
import { PROFILES, RUNTIME_IDS } from '../lib/runtimes';
import { RULES_BY_ID } from '../lib/rules';
import { resolveConfig } from '../lib/config/resolve';
import { sizingWithFlags } from '../lib/config/sizing';
import { DEFAULT_SIZING } from '../lib/sizing/formula';
import { dump } from 'js-yaml';

type Json = Record<string, any>;

function pod(container: Json, annotations: Record<string, string> = {}): Json {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations },
    spec: { containers: [{ name: 'app', resources: { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } }, ...container }] },
  };
}

const factsOf = (document: Json) => {
  const [workload] = extractWorkloads(document);
  return containerFacts(workload, workload.containers[0]);
};
const ids = (document: Json) => createLinter().lintDocument(document).map((finding) => `${finding.ruleId}:${finding.severity}`).sort();

test('a legacy JVM is legacy whether detected or declared by annotation: lint, fix, cdk8s and Pulumi write -Xmx', () => {
  const annotated = pod({ image: 'openjdk:8u181-jre' }, { 'oomguard.io/runtime': 'jvm' });
  assert.is(factsOf(annotated).runtime?.legacyJvm, true);
  assert.is(factsOf(annotated).jvm?.variant.version, 8);
  const findings = createLinter().lintDocument(annotated).filter((finding) => finding.ruleId.startsWith('jvm-'));
  assert.equal(findings.map((finding) => `${finding.ruleId}:${finding.severity}`), ['jvm-legacy-heap-unset:error']);
  const fixed = fixText(dump(annotated), 'p.yaml', createLinter()).output;
  assert.match(fixed, /value: -Xmx820m -XX:\+ExitOnOutOfMemoryError/);
  assert.not.match(fixed, /MaxRAMPercentage/);
  // cdk8s: Runtime.JVM with a legacy image gets -Xmx too, like `oomguard generate`.
  const chart = Testing.chart();
  new MemorySafeDeployment(chart, 'legacy', { name: 'legacy', image: 'openjdk:8u181-jre', runtime: Runtime.JVM, peakMemory: Size.mebibytes(400) });
  const synthesized = (Testing.synth(chart) as Json[])[0];
  assert.equal(synthesized.spec.template.spec.containers[0].env, [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx600m -XX:+ExitOnOutOfMemoryError' }]);
  assert.equal(buildDeployment({ name: 'legacy', image: 'openjdk:8u181-jre', runtime: 'jvm', peakBytes: 400 * MIB }).spec, (synthesized as any).spec);
});

test('a legacy JVM given MaxRAMPercentage stops at start-up: reported and replaced by -Xmx', () => {
  const document = pod({ image: 'openjdk:8u181-jre', env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dx=1 -XX:+UseContainerSupport -XX:MaxRAMPercentage=75' }] });
  const [finding] = createLinter().lintDocument(document).filter((item) => item.ruleId === 'jvm-legacy-heap-unset');
  assert.match(finding.message, /sets -XX:MaxRAMPercentage=75 in env JAVA_TOOL_OPTIONS, which it does not know: the JVM stops at start-up; set -Xmx820m/);
  assert.equal(finding.fix?.edits, [{ op: 'set', path: ['spec', 'containers', 0, 'env', 0, 'value'], value: '-Dx=1 -Xmx820m' }]);
});

test('JVM option precedence: JAVA_TOOL_OPTIONS < JDK_JAVA_OPTIONS < command line < _JAVA_OPTIONS; JAVA_OPTS only via scripts', () => {
  const env = (entries: Record<string, string>) => Object.entries(entries).map(([name, value]) => ({ name, value }));
  const heapOf = (container: Json) => factsOf(pod({ image: 'eclipse-temurin:17', ...container })).jvm!;
  assert.is(heapOf({ env: env({ JAVA_TOOL_OPTIONS: '-Xmx200m', JDK_JAVA_OPTIONS: '-Xmx300m' }), command: ['java', '-jar', 'app.jar'] }).options.xmx?.at.source, 'env JDK_JAVA_OPTIONS');
  assert.is(heapOf({ env: env({ JDK_JAVA_OPTIONS: '-Xmx300m' }), command: ['java', '-Xmx400m', '-jar', 'app.jar'] }).options.xmx?.bytes, 400 * MIB);
  assert.is(heapOf({ env: env({ _JAVA_OPTIONS: '-Xmx500m' }), command: ['java', '-Xmx400m', '-jar', 'app.jar'] }).options.xmx?.bytes, 500 * MIB);
  // JAVA_OPTS: read by launch scripts (no command: the image's entrypoint), not by `java` itself.
  assert.is(heapOf({ env: env({ JAVA_OPTS: '-Xmx600m' }) }).options.xmx?.bytes, 600 * MIB);
  const direct = heapOf({ env: env({ JAVA_OPTS: '-Xmx600m' }), command: ['java', '-jar', 'app.jar'] });
  assert.is(direct.options.xmx, undefined);
  assert.equal(direct.options.ignored.map((entry) => entry.name), ['JAVA_OPTS']);
  assert.is(heapOf({ env: env({ JAVA_OPTS: '-Xmx600m' }), command: ['sh', '-c', 'exec java $JAVA_OPTS -jar app.jar'] }).options.xmx?.bytes, 600 * MIB);
  // Java 8 has no JDK_JAVA_OPTIONS.
  assert.is(factsOf(pod({ image: 'eclipse-temurin:8u392-jre', env: env({ JDK_JAVA_OPTIONS: '-Xmx300m' }) })).jvm!.options.xmx, undefined);
  // After -jar FILE (or the main class) the words are the application's.
  const appArgs = heapOf({ command: ['java', '-cp', 'lib/*', 'com.example.Main', '-Xmx8g'] });
  assert.is(appArgs.options.xmx, undefined);
  assert.equal(appArgs.options.applicationArgs.map((at) => at.token), ['-Xmx8g']);
  const [unset] = createLinter().lintDocument(pod({ image: 'eclipse-temurin:17', command: ['java', '-jar', 'app.jar', '-Xmx8g'] })).filter((finding) => finding.ruleId === 'jvm-heap-unset');
  assert.match(unset.message, /-Xmx8g in command\[3\] comes after the main class or -jar FILE: the application gets it, not the JVM/);
});

test('-XX:MaxRAM replaces the container size: a 4 GiB heap in a 1Gi container is an error', () => {
  const document = pod({ image: 'eclipse-temurin:17', env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAM=8g -XX:MaxRAMPercentage=50' }] });
  assert.is(factsOf(document).jvm!.heap.bytes, 4096 * MIB);
  assert.ok(ids(document).includes('jvm-heap-exceeds-limit:error'));
});

test('$(VAR) is expanded from the container env as the kubelet does; $$ escapes; later variables are not seen by env', () => {
  const facts = (container: Json) => factsOf(pod({ image: 'eclipse-temurin:17', ...container })).jvm!.options;
  assert.is(facts({ command: ['java', '$(HEAP)', '-jar', 'app.jar'], env: [{ name: 'HEAP', value: '-Xmx600m' }] }).xmx?.bytes, 600 * MIB);
  assert.is(facts({ env: [{ name: 'HEAP', value: '-Xmx700m' }, { name: 'JAVA_TOOL_OPTIONS', value: '-Dx=1 $(HEAP)' }] }).xmx?.bytes, 700 * MIB);
  assert.is(facts({ env: [{ name: 'JAVA_TOOL_OPTIONS', value: '$(HEAP)' }, { name: 'HEAP', value: '-Xmx700m' }] }).xmx, undefined);
  assert.is(facts({ command: ['java', '$$(HEAP)'], env: [{ name: 'HEAP', value: '-Xmx600m' }] }).xmx, undefined);
  // A token that only exists after expansion has no place to be fixed in: no fix, still reported.
  const [finding] = createLinter().lintDocument(pod({ image: 'eclipse-temurin:17', command: ['java', '$(HEAP)', '-jar', 'app.jar'], env: [{ name: 'HEAP', value: '-Xmx2g' }] })).filter((item) => item.ruleId === 'jvm-heap-exceeds-limit');
  assert.ok(finding);
  assert.is(finding.fix, undefined);
});

test('valueFrom and envFrom: info, never a duplicate env entry that shadows the ConfigMap', () => {
  const fromConfigMap = pod({ image: 'eclipse-temurin:17', env: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }] });
  assert.equal(ids(fromConfigMap).filter((id) => /heap|options/.test(id)), ['heap-options-unresolved:info']);
  assert.is(fixText(dump(fromConfigMap), 'p.yaml', createLinter()).output.match(/JAVA_TOOL_OPTIONS/g)?.length, 1);
  const envFrom = pod({ image: 'node:20', envFrom: [{ configMapRef: { name: 'app' } }] });
  const [finding] = createLinter().lintDocument(envFrom).filter((item) => item.ruleId === 'node-heap-unset');
  assert.match(finding.message, /unless envFrom sets it \(not fixed automatically/);
  assert.is(finding.fix, undefined);
});

test('the minimum heap is decided once: no flag below it, the limit is reported too small', () => {
  // The old rules wrote --max-old-space-size=10 here and MaxRAMPercentage=4.7 for a JVM.
  const node = pod({ image: 'node:20', resources: { limits: { memory: '110Mi' }, requests: { memory: '110Mi' } } });
  const [nodeFinding] = createLinter().lintDocument(node).filter((item) => item.ruleId === 'node-heap-unset');
  assert.match(nodeFinding.message, /limit 110Mi leaves 10Mi after 100Mi Node.js overhead, below the 19Mi minimum heap: raise the limit/);
  assert.is(nodeFinding.fix, undefined);
  const jvm = pod({ image: 'eclipse-temurin:17', resources: { limits: { memory: '210Mi' }, requests: { memory: '210Mi' } } });
  const [jvmFinding] = createLinter().lintDocument(jvm).filter((item) => item.ruleId === 'jvm-heap-unset');
  assert.match(jvmFinding.message, /below the 16Mi minimum heap: raise the limit/);
  assert.is(jvmFinding.fix, undefined);
  // The exceeds rules fix down to the same minimum, not to 64/16/8 MiB thresholds of their own.
  for (const id of ['jvm', 'node', 'go'] as const) assert.ok(PROFILES[id].minHeapBytes! >= 8 * MIB, id);
  assert.is(factsOfSpec({ image: 'node:20', limitBytes: 110 * MIB, runtime: 'node' }).budget?.tooSmall, true);
});

test('slow start is decided once: the profile flag drives the rule scope, generate and cdk8s', () => {
  const slow = RUNTIME_IDS.filter((id) => PROFILES[id].slowStart);
  assert.equal(slow, ['jvm']);
  assert.equal([...SLOW_STARTING], slow);
  assert.equal(RULES_BY_ID.get('startup-probe-missing')!.meta.scope.runtimes, slow);
  for (const id of RUNTIME_IDS) assert.is(Runtime.of(id).slowStart, PROFILES[id].slowStart, id);
});

test('one sizing validation: the same factor is refused by --factor, .oomguard.yaml and the constructs', () => {
  assert.throws(() => sizingWithFlags(DEFAULT_SIZING, { factor: '50' }), /--factor must be a number from 1 to 10, got 50/);
  assert.throws(() => sizingWithFlags(DEFAULT_SIZING, { factor: 'abc' }), /--factor must be a number from 1 to 10/);
  assert.throws(() => resolveConfig({ sizing: { factor: 50 } }, '.oomguard.yaml', '/'), /\/sizing\/factor must be a number from 1 to 10, got 50/);
  assert.throws(() => Runtime.JVM.withFactor(50), /factor must be a number from 1 to 10, got 50/);
  assert.is(sizingWithFlags(DEFAULT_SIZING, { factor: '2', overhead: '300Mi', runtime: 'jvm' }).overheads.jvm, 300 * MIB);
});

const CLI = path.join(__dirname, '..', 'bin', 'oomguard.js');

test('measure, verify and diagnose read .oomguard.yaml (and reject a bad factor like lint does)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-config-'));
  try {
    fs.writeFileSync(path.join(dir, '.oomguard.yaml'), 'sizing:\n  factor: 2\n  overheads:\n    go: 100Mi\n');
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
    const measured = run(['measure', '--no-cgroup', '--runtime', 'go', '--format', 'json', '--', process.execPath, '-e', 'Buffer.alloc(32 * 1024 * 1024, 1); setTimeout(() => {}, 300)']);
    assert.is(measured.status, 0, measured.stderr);
    const report = JSON.parse(measured.stdout);
    assert.match(JSON.stringify(report), /× 2 \+ 100Mi Go overhead/);
    const pods = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api', annotations: { 'oomguard.io/runtime': 'go' } }, spec: { containers: [{ name: 'api', image: 'golang:1.19', resources: { limits: { memory: '256Mi' } } }] }, status: { containerStatuses: [{ name: 'api', restartCount: 3, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } }, state: { running: {} } }] } };
    fs.writeFileSync(path.join(dir, 'pod.json'), JSON.stringify(pods));
    const diagnosed = run(['diagnose', 'pod.json', '--format', 'json']);
    assert.match(diagnosed.stdout, /× 2 \+ 100Mi Go overhead/, diagnosed.stderr);
    fs.writeFileSync(path.join(dir, '.oomguard.yaml'), 'sizing:\n  factor: 50\n');
    for (const args of [['measure', '--no-cgroup', '--', 'true'], ['verify', '--limit', '64Mi', '--runtime', 'go', '--', 'true'], ['diagnose', 'pod.json'], ['lint', 'pod.json']]) {
      const result = run(args);
      assert.is(result.status, 2, `${args[0]}: ${result.stderr}`);
      assert.match(result.stderr, /factor must be a number from 1 to 10, got 50|sizing\/factor must be <= 10/, args[0]);
    }
    fs.rmSync(path.join(dir, '.oomguard.yaml'));
    const flag = run(['measure', '--no-cgroup', '--factor', '50', '--', 'true']);
    assert.is(flag.status, 2);
    assert.match(flag.stderr, /--factor must be a number from 1 to 10, got 50/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
