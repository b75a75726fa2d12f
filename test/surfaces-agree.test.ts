/**
 * One facts model, four surfaces: the same inputs sized through `oomguard generate` (the CLI, a real
 * process), the cdk8s construct (synthesized by cdk8s) and the Pulumi component (under Pulumi's runtime
 * mocks) give the same Deployment: limit, request, heap flags, probes and annotations. The cases are
 * the examples of README.md and docs/ (the sizing table), plus a legacy JVM whose image decides `-Xmx`
 * everywhere.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { Size, Testing } from 'cdk8s';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemorySafeDeployment, Runtime } from '../lib/cdk8s';
import { createLinter, type RuntimeId } from '../lib';
import { SizedDeployment } from '../lib/pulumi';
import { recommend, settingsAt } from '../lib/sizing/formula';
import { mockPulumi } from './helpers/pulumi-mocks';

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');

type Json = Record<string, any>;

/** The README sizing table and the docs' examples. */
export const EXAMPLES: readonly { runtime: RuntimeId; image: string; peak: string; limit: string; env: readonly [string, string] | undefined }[] = [
  { runtime: 'jvm', image: 'eclipse-temurin:17', peak: '400Mi', limit: '802Mi', env: ['JAVA_TOOL_OPTIONS', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=74.8 -XX:MinRAMPercentage=74.8 -XX:+ExitOnOutOfMemoryError'] },
  { runtime: 'jvm', image: 'eclipse-temurin:17', peak: '100Mi', limit: '351Mi', env: ['JAVA_TOOL_OPTIONS', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=42.7 -XX:MinRAMPercentage=42.7 -XX:+ExitOnOutOfMemoryError'] },
  { runtime: 'jvm', image: 'eclipse-temurin:17', peak: '4Gi', limit: '6616Mi', env: ['JAVA_TOOL_OPTIONS', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=92.8 -XX:MinRAMPercentage=92.8 -XX:+ExitOnOutOfMemoryError'] },
  { runtime: 'jvm', image: 'openjdk:8u181-jre', peak: '400Mi', limit: '802Mi', env: ['JAVA_TOOL_OPTIONS', '-Xmx600m -XX:+ExitOnOutOfMemoryError'] },
  { runtime: 'node', image: 'node:20', peak: '200Mi', limit: '400Mi', env: ['NODE_OPTIONS', '--max-old-space-size=297'] },
  { runtime: 'node', image: 'node:20', peak: '2Gi', limit: '3172Mi', env: ['NODE_OPTIONS', '--max-old-space-size=3024'] },
  { runtime: 'go', image: 'ghcr.io/example/api:1.0.0', peak: '100Mi', limit: '200Mi', env: ['GOMEMLIMIT', '150MiB'] },
  { runtime: 'python', image: 'python:3.12-slim', peak: '300Mi', limit: '550Mi', env: ['MALLOC_ARENA_MAX', '2'] },
];

const BYTES: Record<string, number> = { Mi: 2 ** 20, Gi: 2 ** 30 };
const bytesOf = (quantity: string) => Number(quantity.slice(0, -2)) * BYTES[quantity.slice(-2)];

function viaCli(example: (typeof EXAMPLES)[number]): Json {
  const result = spawnSync(process.execPath, [CLI, 'generate', '--name', 'shop', '--image', example.image, '--runtime', example.runtime, '--peak-rss', example.peak, '--port', '8080', '--format', 'json'], { encoding: 'utf8', cwd: '/' });
  assert.is(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function viaCdk8s(example: (typeof EXAMPLES)[number]): Json {
  const chart = Testing.chart();
  new MemorySafeDeployment(chart, 'shop', { name: 'shop', image: example.image, runtime: Runtime.of(example.runtime), peakMemory: Size.kibibytes(bytesOf(example.peak) / 1024), port: 8080 });
  return (Testing.synth(chart) as Json[])[0];
}

async function viaPulumi(example: (typeof EXAMPLES)[number]): Promise<Json> {
  const registered = await mockPulumi(false);
  const component = new SizedDeployment('shop', { image: example.image, runtime: example.runtime, peakRss: example.peak, port: 8080 });
  await new Promise((resolve) => component.deployment.urn.apply(resolve));
  return registered.find((args) => args.type === 'kubernetes:apps/v1:Deployment')!.inputs as Json;
}

const container = (object: Json): Json => object.spec.template.spec.containers[0];

/** What the sizing decides: limit, request, env, probes, annotations. */
function sized(object: Json): Json {
  const { resources, env, livenessProbe, readinessProbe, startupProbe } = container(object);
  return { resources, env, livenessProbe, readinessProbe, startupProbe, annotations: object.metadata.annotations };
}

for (const example of EXAMPLES) {
  const label = `${example.runtime} ${example.image} peak ${example.peak}`;
  test(`${label}: generate, cdk8s and Pulumi agree on ${example.limit} and ${example.env?.[1]}`, async () => {
    const cli = viaCli(example);
    assert.equal(container(cli).resources, { limits: { memory: example.limit }, requests: { memory: example.limit } });
    assert.equal(container(cli).env, example.env ? [{ name: example.env[0], value: example.env[1] }] : []);
    assert.equal(sized(viaCdk8s(example)), sized(cli), 'cdk8s');
    assert.equal(sized(await viaPulumi(example)), sized(cli), 'Pulumi');
    const problems = createLinter().lintDocument(cli).filter((finding) => finding.severity !== 'info');
    assert.equal(problems, [], 'the generated Deployment lints clean');
  });
}

test('a pulumi.Output image cannot tell the JVM variant: legacyJvm says it, and then all agree on -Xmx', async () => {
  const registered = await mockPulumi(false);
  const component = new SizedDeployment('shop', { image: pulumi.output('openjdk:8u181-jre'), runtime: 'jvm', peakRss: '400Mi', legacyJvm: true });
  await new Promise((resolve) => component.deployment.urn.apply(resolve));
  const inputs = registered.find((args) => args.type === 'kubernetes:apps/v1:Deployment')!.inputs as Json;
  assert.equal(container(inputs).env, [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx600m -XX:+ExitOnOutOfMemoryError' }]);
});

test('README: the sizing table and its examples are what the facts model computes', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const limit = 1000 * 2 ** 20;
  for (const runtime of ['jvm', 'node', 'go', 'python', 'dotnet', 'ruby'] as const) {
    const settings = settingsAt(limit, runtime).settings.map((setting) => `${setting.name}=${setting.value}`).join(' ');
    assert.ok(readme.includes(`\`${settings}\``), `README shows ${settings} for ${runtime} at 1000Mi`);
  }
  assert.ok(readme.includes(`\`-Xmx${/-Xmx(\d+)m/.exec(settingsAt(limit, 'jvm', undefined, { legacy: true }).settings[0].value)![1]}m\` for Java 8`));
  for (const [peak, result] of [['100Mi', '351Mi'], ['400Mi', '802Mi'], ['4Gi', '6616Mi']]) {
    assert.ok(readme.includes(`${peak} → ${result}`), `${peak} → ${result}`);
    assert.is(`${recommend(bytesOf(peak), 'jvm').limitBytes / 2 ** 20}Mi`, result);
  }
});

test.run();
