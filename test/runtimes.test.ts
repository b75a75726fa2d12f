/** Runtime detection, option reading and the flags each profile generates for a limit. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB, GIB } from '../lib/core/quantity';
import { extractWorkloads, type Container } from '../lib/core/workload';
import { PROFILES, detectRuntime } from '../lib/runtimes';
import { isLegacyJvmImage, readJvmOptions, parseJvmSize, heapPercentage } from '../lib/runtimes/jvm';
import { readNodeOptions } from '../lib/runtimes/node';
import { imageName, mergeOptions, replaceToken } from '../lib/runtimes/options';
import { DEFAULT_SIZING, recommend } from '../lib/sizing/formula';

function containerOf(spec: Record<string, unknown>): Container {
  const [workload] = extractWorkloads({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: '', ...spec }] } });
  return workload.containers[0];
}
const detect = (spec: Record<string, unknown>) => detectRuntime(containerOf(spec));

test('detection from env, command and image', () => {
  assert.equal(detect({ env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' }] }), { runtime: 'jvm', reason: 'env JAVA_TOOL_OPTIONS' });
  assert.equal(detect({ command: ['/opt/java/bin/java', '-jar', 'a.jar'] }), { runtime: 'jvm', reason: 'command runs java' });
  assert.equal(detect({ command: ['sh', '-c', 'exec java -Xmx1g -jar app.jar'] }), { runtime: 'jvm', reason: 'command runs java' });
  assert.equal(detect({ image: 'eclipse-temurin:21-jre' }), { runtime: 'jvm', reason: 'image eclipse-temurin:21-jre' });
  assert.equal(detect({ image: 'ibm-semeru-runtimes:open-17-jre' })?.runtime, 'jvm');
  assert.equal(detect({ image: 'node:20-alpine' })?.runtime, 'node');
  assert.equal(detect({ command: ['npm', 'start'] })?.runtime, 'node');
  assert.equal(detect({ env: [{ name: 'GOMEMLIMIT', value: '1GiB' }] })?.runtime, 'go');
  assert.equal(detect({ image: 'quay.io/prometheus/prometheus:v2.54.0' })?.runtime, 'go');
  assert.equal(detect({ image: 'python:3.12-slim' })?.runtime, 'python');
  assert.equal(detect({ command: ['gunicorn', 'app:app'] })?.runtime, 'python');
  assert.equal(detect({ image: 'mcr.microsoft.com/dotnet/aspnet:8.0' })?.runtime, 'dotnet');
  assert.equal(detect({ image: 'ruby:3.3' })?.runtime, 'ruby');
  assert.equal(detect({ image: 'nginx:1.27' }), undefined);
  assert.equal(detect({ image: 'redis:7' }), undefined);
});

test('legacy JVM images: Java 8 before 8u191, Java 9', () => {
  for (const image of ['openjdk:8u181', 'openjdk:8u171-jre-alpine', 'openjdk:9-jdk', 'openjdk:9', 'java:8', 'adoptopenjdk:8u162-b12-jdk-hotspot']) assert.ok(isLegacyJvmImage(image), image);
  for (const image of ['openjdk:8u191', 'openjdk:8u392-jre', 'openjdk:11', 'eclipse-temurin:17', 'openjdk:8', 'nginx:8u100', 'openjdk:10']) assert.not.ok(isLegacyJvmImage(image), image);
  assert.equal(detect({ image: 'openjdk:8u181-jre' }), { runtime: 'jvm', reason: 'image openjdk:8u181-jre', legacyJvm: true });
});

test('JVM options: every source, last one wins in JVM order, _JAVA_OPTIONS overrides the command line', () => {
  const options = readJvmOptions(containerOf({
    env: [{ name: '_JAVA_OPTIONS', value: '-Xmx300m' }, { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx100m -XX:MaxRAMPercentage=70' }, { name: 'JDK_JAVA_OPTIONS', value: '-XX:-UseContainerSupport' }],
    command: ['java', '-Xmx200m', '-jar', 'a.jar'],
  }));
  assert.is(options.xmx?.bytes, 300 * MIB);
  assert.is(options.xmx?.at.source, 'env _JAVA_OPTIONS');
  assert.is(options.maxRamPercentage?.percent, 70);
  assert.is(options.containerSupport?.enabled, false);
  assert.is(options.containerSupport?.at.source, 'env JDK_JAVA_OPTIONS');
  assert.is(parseJvmSize('2g'), 2 * GIB);
  assert.is(parseJvmSize('512M'), 512 * MIB);
  assert.is(parseJvmSize('1024k'), MIB);
  assert.is(parseJvmSize('12x'), undefined);
});

test('Node options: NODE_OPTIONS and the node command line', () => {
  assert.is(readNodeOptions(containerOf({ env: [{ name: 'NODE_OPTIONS', value: '--enable-source-maps --max_old_space_size=300' }] })).maxOldSpaceMiB?.mib, 300);
  assert.is(readNodeOptions(containerOf({ command: ['node', '--max-old-space-size=700', 'server.js'], env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=300' }] })).maxOldSpaceMiB?.mib, 700);
  assert.is(readNodeOptions(containerOf({ command: ['npm', 'start'] })).maxOldSpaceMiB, undefined);
});

test('generated flags for a 1000Mi limit sit below it by the overhead', () => {
  const limit = 1000 * MIB;
  // MinRAMPercentage too: without it HotSpot keeps its 126 MiB default heap below ~526 MiB.
  assert.equal(PROFILES.jvm.flags(limit, 400 * MIB), [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseContainerSupport -XX:MaxRAMPercentage=60.0 -XX:MinRAMPercentage=60.0 -XX:+ExitOnOutOfMemoryError' }]);
  assert.equal(PROFILES.jvm.flags(limit, 400 * MIB, { legacy: true }), [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx600m -XX:+ExitOnOutOfMemoryError' }]);
  // -Xmx is rounded down to HotSpot's 2 MiB heap alignment (it would round 599m up to 600m).
  assert.equal(PROFILES.jvm.flags(limit, 401 * MIB, { legacy: true }), [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx598m -XX:+ExitOnOutOfMemoryError' }]);
  // Never a heap the JVM refuses: -Xmx1m stops it ("Too small maximum heap"); 16 MiB is the floor.
  assert.equal(PROFILES.jvm.flags(400 * MIB, 400 * MIB, { legacy: true }), [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx16m -XX:+ExitOnOutOfMemoryError' }]);
  // V8's young generation (12 MiB in a 1000Mi container) sits above the old space.
  assert.equal(PROFILES.node.flags(limit, 100 * MIB), [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=888' }]);
  assert.equal(PROFILES.go.flags(limit, 50 * MIB), [{ name: 'GOMEMLIMIT', value: '950MiB' }]);
  assert.equal(PROFILES.python.flags(limit, 100 * MIB), [{ name: 'MALLOC_ARENA_MAX', value: '2' }]);
  assert.equal(PROFILES.dotnet.flags(limit, 150 * MIB), [{ name: 'DOTNET_GCHeapHardLimit', value: `0x${(850 * MIB).toString(16)}` }]);
  assert.is(heapPercentage(1024 * MIB, 400 * MIB), 60.9); // 60.9375 rounded down
});

test('merging options keeps the user\'s, replaces superseded heap flags, never duplicates', () => {
  const supersedes = PROFILES.jvm.supersedes;
  assert.is(mergeOptions('-Dfile.encoding=UTF-8 -Xmx4g -XX:-UseContainerSupport', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=60.0', supersedes),
    '-Dfile.encoding=UTF-8 -XX:+UseContainerSupport -XX:MaxRAMPercentage=60.0');
  assert.is(mergeOptions('--enable-source-maps --max-old-space-size=4096', '--max-old-space-size=900', PROFILES.node.supersedes), '--enable-source-maps --max-old-space-size=900');
  assert.is(mergeOptions('2GiB', '950MiB', PROFILES.go.supersedes), '950MiB');
  assert.is(mergeOptions(undefined, '950MiB', PROFILES.go.supersedes), '950MiB');
});

test('replaceToken replaces one whole token in place; imageName splits registry, name and tag', () => {
  assert.is(replaceToken('-Dx=1 -Xmx1g -Dy=2', '-Xmx1g', '-Xmx600m'), '-Dx=1 -Xmx600m -Dy=2');
  assert.is(replaceToken('x-Xmx1g -Xmx1g', '-Xmx1g', 'Y'), 'x-Xmx1g Y');
  assert.is(replaceToken('-Xmx1gb -Xmx1g', '-Xmx1g', 'Y'), '-Xmx1gb Y');
  assert.is(replaceToken('-Xmx1g\t-Xmx1g', '-Xmx1g', 'Y'), 'Y\t-Xmx1g');
  assert.is(replaceToken('nothing here', '-Xmx1g', 'Y'), 'nothing here');
  const parts = (image: string) => {
    const { repository, name, tag } = imageName(image);
    return { repository, name, tag };
  };
  assert.equal(parts('registry.example.com:5000/team/openjdk:8u181-jre@sha256:abc'), { repository: 'registry.example.com:5000/team/openjdk', name: 'openjdk', tag: '8u181-jre' });
  assert.equal(parts('registry.example.com:5000/app'), { repository: 'registry.example.com:5000/app', name: 'app', tag: '' });
  // A fact about an image is computed once per image and test, then remembered.
  let calls = 0;
  const isApp = ({ name }: { name: string }) => (calls++, name === 'app');
  assert.is(imageName('registry.example.com:5000/app').fact(isApp), true);
  assert.is(imageName('registry.example.com:5000/app').fact(isApp), true);
  assert.is(imageName('other:1').fact(isApp), false);
  assert.is(calls, 2);
});

test('sizing: limit = ceil_Mi(peak × 1.5 + overhead), with the breakdown', () => {
  // JVM: 200 MiB base + Serial's 3.3 MiB per GiB of heap (a 600 MiB heap in an 802Mi container: Serial).
  const jvm = recommend(400 * MIB, 'jvm');
  assert.is(jvm.limitBytes, 802 * MIB);
  assert.is(jvm.explanation, 'peak 400Mi × 1.5 + 202Mi JVM overhead (Serial GC) = 802Mi');
  // From 1792 MiB HotSpot picks G1: 200 + 38 MiB + 39 MiB per GiB of heap.
  const big = recommend(4 * 1024 * MIB, 'jvm');
  assert.is(big.explanation, 'peak 4Gi × 1.5 + 472Mi JVM overhead (G1 GC) = 6616Mi');
  // One CPU: Serial whatever the memory.
  assert.is(recommend(4 * 1024 * MIB, 'jvm', DEFAULT_SIZING, 1).explanation, 'peak 4Gi × 1.5 + 220Mi JVM overhead (Serial GC) = 6364Mi');
  // A configured constant wins over the model.
  assert.is(recommend(400 * MIB, 'jvm', { factor: 1.5, overheads: { jvm: 400 * MIB } }).explanation, 'peak 400Mi × 1.5 + 400Mi JVM overhead = 1000Mi');
  // The minimum heap: a 1Mi peak still gets a 16 MiB heap.
  assert.is(recommend(MIB, 'jvm').limitBytes, 217 * MIB);
  assert.is(recommend(100 * MIB, 'node').limitBytes, 250 * MIB);
  assert.is(recommend(100 * MIB, 'go').limitBytes, 200 * MIB);
  assert.is(recommend(100 * MIB, 'python').limitBytes, 250 * MIB);
  assert.is(recommend(100 * MIB, undefined).limitBytes, 250 * MIB);
  assert.is(recommend(100 * MIB + 1, 'go').limitBytes, 201 * MIB); // rounds up to whole Mi
  assert.is(recommend(1000, 'go').limitBytes, 58 * MIB); // the 8 MiB minimum GOMEMLIMIT + 50 MiB
  assert.is(recommend(100 * MIB, 'go', { ...DEFAULT_SIZING, factor: 2 }).limitBytes, 250 * MIB);
  assert.throws(() => recommend(0, 'go'), /positive/);
  assert.throws(() => recommend(-1, 'go'), /positive/);
});

test('overhead defaults: the upper end of PRODUCT.md ranges, the JVM a measured model from its lower end', () => {
  assert.is(PROFILES.jvm.overhead.bytes, 200 * MIB);
  assert.is(PROFILES.node.overhead.bytes, 100 * MIB);
  assert.is(PROFILES.go.overhead.bytes, 50 * MIB);
  assert.is(PROFILES.python.overhead.bytes, 100 * MIB);
  for (const profile of Object.values(PROFILES)) {
    if (profile.id !== 'jvm') assert.is(profile.overhead.bytes, profile.overhead.rangeMiB[1] * MIB, profile.id);
  }
});

test.run();
