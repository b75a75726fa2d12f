/**
 * The package as users install it. `npm pack` runs once, into a temporary folder; the tarball is
 * published to a real npm registry on loopback (verdaccio, test/helpers/local-registry.ts) and
 * installed from there into brand-new projects, never linked to this working tree. Each surface is
 * then used the documented way: the README's "Use it in your project", cdk8s, Pulumi and pre-commit sections are
 * read from README.md and run command for command (a README edit that breaks a command fails here).
 *
 * - quick start: `npm install oomguard`, `npx oomguard lint|fix|generate` in a project;
 * - cdk8s: a TypeScript app through the real cdk8s-cli, the validation plugin by local path and by
 *   `package: oomguard` + `version:` (cdk8s-cli then runs `npm install oomguard@<v>` into
 *   ~/.cdk8s/plugins itself: HOME is a temporary folder, npm's registry the local one);
 * - Pulumi: the README's program under `setMocks` (the Pulumi CLI cannot be installed here, so
 *   `pulumi preview` itself cannot run), and the policy pack started from
 *   node_modules/oomguard/policies/pulumi exactly as the engine starts it, driven over gRPC;
 * - pre-commit: the real pre-commit against a clone of this repository with a real `v<version>` tag;
 * - `npm pack --dry-run`: what the code loads at run time is in the tarball.
 *
 * Installs are shared: one registry, one project per kind, all started at load and awaited by the
 * tests that need them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startRegistry, type LocalRegistry } from './helpers/local-registry';
import { haveTool } from './helpers/tools';
import { MIB, createLinter, sizeContainer } from '../lib';

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const ROOT = join(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; files: string[]; exports: Record<string, any>; bin: Record<string, string>; main: string };
const VERSION = PKG.version;
const WORK = mkdtempSync(join(tmpdir(), 'oomguard-packaged-'));
const HOME = join(WORK, 'home');
mkdirSync(HOME, { recursive: true });
let started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// npm's own cache stays the warm one of this machine although HOME moves (a fresh HOME would make
// every install a download); the upstream registry is whatever npm is configured with.
const NPM_CACHE = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
const UPSTREAM = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim() || 'https://registry.npmjs.org/';
const BASE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  HOME,
  npm_config_cache: NPM_CACHE,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_prefer_offline: 'true',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
for (const key of Object.keys(BASE_ENV)) if (/^npm_(lifecycle|package|config_(user|global)config)/.test(key)) delete BASE_ENV[key];

interface Run { status: number | null; stdout: string; stderr: string; out: string }

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, input?: string, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (chunk) => { stdout += chunk; out += chunk; });
    child.stderr!.on('data', (chunk) => { stderr += chunk; out += chunk; });
    if (input !== undefined) child.stdin!.end(input);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, out: out.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

const sh = (line: string, cwd: string, env: NodeJS.ProcessEnv, input?: string) => run('sh', ['-c', line], cwd, env, input);

function must(result: Run, what: string): Run {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.out}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The README: fenced blocks under a heading, and shell commands without their trailing comments.

interface Block { readonly lang: string; readonly text: string }

function readmeSection(heading: string): Block[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^#{2,3} /.test(line) && line.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const level = lines[start].indexOf(' ');
  const blocks: Block[] = [];
  let current: { lang: string; lines: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (!current && /^#{1,6} /.test(line) && line.indexOf(' ') <= level) break;
    const fence = /^```(\w*)$/.exec(line);
    if (fence && !current) current = { lang: fence[1], lines: [] };
    else if (fence && current) {
      blocks.push({ lang: current.lang, text: `${current.lines.join('\n')}\n` });
      current = undefined;
    } else if (current) current.lines.push(line);
  }
  return blocks;
}

function commands(blocks: readonly Block[]): string[] {
  return blocks.filter((block) => block.lang === 'sh').flatMap((block) => block.text.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line.length > 0);
}

/** A block whose first line names a file (`# cdk8s.yaml`, `// main.ts`). */
function fileBlocks(blocks: readonly Block[], name: string): string[] {
  return blocks.map((block) => block.text).filter((text) => new RegExp(`^(#|//) ${name.replace('.', '\\.')}\\n`).test(text));
}

// ---------------------------------------------------------------------------------------------
// Pack once; publish to the local registry; install the projects.

// Everything below starts when this file's tests start (test.before), not when uvu imports the file
// with all the others: the installs would otherwise load the machine under other files' timing tests.
interface Packed { readonly tarball: string; readonly files: ReadonlySet<string> }
function pack(): Packed {
  // `npm test` has just built dist/; packing with --ignore-scripts packs that build (prepare would
  // rebuild the same thing). --json lists the files, as `npm pack --dry-run` does.
  const result = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', WORK], { cwd: ROOT, env: BASE_ENV, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm pack failed:\n${result.stdout}${result.stderr}`);
  const [info] = JSON.parse(result.stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(WORK, info.filename), files: new Set(info.files.map((file) => file.path)) };
}
let PACKED: Packed;

async function registry(): Promise<LocalRegistry> {
  const registry = await startRegistry(join(WORK, 'registry'), BASE_ENV, UPSTREAM);
  must(await run('npm', ['publish', PACKED.tarball, '--registry', registry.url, '--userconfig', registry.userconfig, '--ignore-scripts', '--tag', 'latest'], WORK, BASE_ENV), 'npm publish to the local registry');
  process.stderr.write(`  (local registry at ${registry.url} with oomguard@${VERSION}, ${elapsed()})\n`);
  return registry;
}
let REGISTRY: Promise<LocalRegistry>;
const registryEnv = async (): Promise<NodeJS.ProcessEnv> => ({ ...BASE_ENV, npm_config_registry: (await REGISTRY).url });

/** A new project whose first README install command ran in it, against the local registry. */
async function project(name: string, install: string, files: Record<string, string> = {}): Promise<string> {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `user-${name}`, version: '1.0.0', private: true }, null, 2)}\n`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const t0 = Date.now();
  must(await sh(install, dir, await registryEnv()), `${name}: ${install}`);
  process.stderr.write(`  (${name}: \`${install}\` in ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  return dir;
}

const QUICK = readmeSection('Use it in your project');
const CDK8S = readmeSection('cdk8s');
const PULUMI = readmeSection('Pulumi');
const PRECOMMIT = readmeSection('pre-commit');

const exampleManifests = () => Object.fromEntries(readdirSync(join(ROOT, 'examples', 'manifests')).map((file) => [`k8s/${file}`, readFileSync(join(ROOT, 'examples', 'manifests', file), 'utf8')]));
let CLI_PROJECT: Promise<string>;
let CDK8S_PROJECT: Promise<string>;
let PULUMI_PROJECT: Promise<string>;

test.before(() => {
  started = Date.now();
  PACKED = pack();
  REGISTRY = registry();
  CLI_PROJECT = project('quickstart', commands(QUICK)[0], exampleManifests());
  // cdk8s apps run with tsx (the README's `app: npx tsx main.ts`), which a cdk8s TypeScript project has.
  CDK8S_PROJECT = project('cdk8s', `${commands(CDK8S)[0]} tsx`);
  PULUMI_PROJECT = project('pulumi', `${commands(PULUMI)[0]} tsx`);
  PRECOMMIT_REPO = HAVE_PRECOMMIT ? preparePrecommit() : undefined;
  // Failures surface in the test that awaits them; unawaited ones must not end the process first.
  for (const pending of [REGISTRY, CLI_PROJECT, CDK8S_PROJECT, PULUMI_PROJECT, PRECOMMIT_REPO]) pending?.catch(() => undefined);
});

// ---------------------------------------------------------------------------------------------

test('npm pack: every file the code reads at run time is in the tarball', () => {
  const { files } = PACKED;
  const missing: string[] = [];
  const need = (file: string, why: string) => {
    if (!files.has(file)) missing.push(`${file} (${why})`);
  };
  need('package.json', 'npm');
  need(posix.normalize(PKG.main), 'main');
  for (const target of Object.values(PKG.bin)) need(posix.normalize(target), 'bin');
  for (const [entry, target] of Object.entries(PKG.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target as Record<string, string>)) need(posix.normalize(file), `exports["${entry}"]`);
  }
  // The policy pack: PulumiPolicy.yaml and the package.json whose `main` the engine loads.
  const packJson = JSON.parse(readFileSync(join(ROOT, 'policies', 'pulumi', 'package.json'), 'utf8')) as { main: string };
  need('policies/pulumi/PulumiPolicy.yaml', 'the Pulumi engine reads it');
  need('policies/pulumi/package.json', 'the Pulumi engine reads it');
  need(posix.join('policies/pulumi', packJson.main), 'policies/pulumi/package.json main');
  // Every relative require() of every packed module, JSON imports (schemas) included.
  for (const file of files) {
    if (!file.endsWith('.js')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = posix.normalize(posix.join(posix.dirname(file), match[1]));
      if (![target, `${target}.js`, `${target}.json`, `${target}/index.js`].some((candidate) => files.has(candidate))) missing.push(`${target} (required by ${file})`);
    }
    // Files read from the package root: join(packageRoot(), 'schemas', 'config.schema.json') and the like.
    for (const match of text.matchAll(/packageRoot\)\(\)\s*,\s*((?:'[^']+'\s*,?\s*)+)\)/g)) {
      const parts = [...match[1].matchAll(/'([^']+)'/g)].map((part) => part[1]);
      const target = parts.join('/');
      if (![...files].some((packed) => packed === target || packed.startsWith(`${target}/`))) missing.push(`${target} (read by ${file})`);
    }
  }
  assert.equal(missing, [], `missing from the tarball:\n${missing.join('\n')}`);
  // And nothing of the working tree's own: tests, sources, the build of benchmarks and examples.
  const stray = [...files].filter((file) => /^(test|lib|bench|examples|scripts|dist\/(bench|examples|test))\//.test(file) || /\.ts$/.test(file) && !file.endsWith('.d.ts'));
  assert.equal(stray, []);
});

test('quick start: `npm install oomguard`, then lint, fix and generate as the README shows', async () => {
  const dir = await CLI_PROJECT;
  const env = await registryEnv();
  const [, lint, fix, generate] = commands(QUICK);
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules', 'oomguard', 'package.json'), 'utf8'));
  assert.is(installed.version, VERSION);
  assert.ok(!existsSync(join(dir, 'node_modules', 'cdk8s')), 'the CLI pulls in no cdk8s');

  const linted = await sh(lint, dir, env);
  assert.is(linted.status, 1, linted.out);
  const shown = QUICK.find((block) => block.lang === 'text')!.text;
  assert.fixture(linted.stdout, shown);

  const fixed = await sh(fix, dir, env);
  assert.is(fixed.status, 0, fixed.out);
  const relinted = await sh(`${lint.replace('lint', 'lint --format json')}`, dir, env);
  const after = JSON.parse(relinted.stdout);
  assert.equal(after.findings.map((f: any) => f.ruleId).sort(), ['probes-identical', 'startup-probe-missing']);

  const generated = await sh(generate, dir, env);
  assert.is(generated.status, 0, generated.out);
  for (const line of QUICK.find((block) => block.lang === 'yaml')!.text.trimEnd().split('\n')) assert.ok(generated.stdout.includes(line), `generate prints ${JSON.stringify(line)}:\n${generated.stdout}`);
  const clean = await run('npx', ['oomguard', 'lint', '-'], dir, env, generated.stdout);
  assert.is(clean.status, 0, clean.out);
});

test('`npx oomguard` with nothing installed fetches the package from the registry', async () => {
  const dir = join(WORK, 'npx-empty');
  mkdirSync(dir, { recursive: true });
  const env = await registryEnv();
  const version = await run('npx', ['--yes', 'oomguard', '--version'], dir, env);
  assert.is(version.status, 0, version.out);
  assert.is(version.stdout.trim(), VERSION);
  const bad = readFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'memory-request-not-equal-limit', 'fail.yaml'), 'utf8');
  const linted = await run('npx', ['--yes', 'oomguard', 'lint', '--format', 'json', '-'], dir, env, bad);
  assert.is(linted.status, 1, linted.out);
  assert.equal(JSON.parse(linted.stdout).findings.map((f: any) => [f.ruleId, f.line]), [['memory-request-not-equal-limit', 17], ['memory-request-not-equal-limit', 28]]);
});

// ---------------------------------------------------------------------------------------------
// cdk8s

const CDK8S_CLI = join(ROOT, 'node_modules', '.bin', 'cdk8s');
/** The README's app, plus one deliberate mistake: a hand-written Deployment whose request is below its limit. */
const MISTAKE = `
import { ApiObject } from 'cdk8s';
new ApiObject(chart, 'legacy', {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'legacy' },
  spec: { selector: { matchLabels: { app: 'legacy' } }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{
    name: 'legacy', image: 'golang-app:1', env: [{ name: 'GOMEMLIMIT', value: '400MiB' }],
    resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } },
    livenessProbe: { httpGet: { path: '/livez', port: 8080 } }, readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
  }] } } },
});
`;

async function cdk8sApp(name: string, cdk8sYaml: string, mistake: boolean): Promise<string> {
  const base = await CDK8S_PROJECT;
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  // One install shared by the apps: each app folder is a copy of the project with its own files.
  cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
  const [main] = fileBlocks(CDK8S, 'main.ts');
  writeFileSync(join(dir, 'main.ts'), mistake ? main.replace('app.synth();', `${MISTAKE}app.synth();`) : main);
  writeFileSync(join(dir, 'cdk8s.yaml'), cdk8sYaml);
  return dir;
}

async function synth(dir: string, env: NodeJS.ProcessEnv): Promise<Run & { report: any }> {
  const [command] = commands(CDK8S).filter((line) => line.includes('cdk8s synth'));
  assert.is(command, 'npx cdk8s synth');
  // `npx cdk8s` resolves to cdk8s-cli; the CLI is this repository's copy (a user's global install).
  const reportFile = join(dir, 'report.json');
  const result = await run(CDK8S_CLI, ['synth', '--no-check-upgrade', '--validation-reports-output-file', reportFile], dir, env);
  return { ...result, report: existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined };
}

function violations(report: any): string[] {
  return (report?.reports ?? []).flatMap((r: any) => r.violations.flatMap((v: any) => v.violatingConstructs.map((resource: any) => `${v.ruleName} ${resource.resourceName}`)));
}

test('cdk8s: the README app through `cdk8s synth`, plugin by local path; the deliberate mistake fails synth', async () => {
  const [byPath] = fileBlocks(CDK8S, 'cdk8s.yaml');
  const env = await registryEnv();
  const [clean, broken] = await Promise.all([
    cdk8sApp('cdk8s-path-clean', byPath, false).then((dir) => synth(dir, env)),
    cdk8sApp('cdk8s-path-mistake', byPath, true).then((dir) => synth(dir, env)),
  ]);
  assert.is(clean.status, 0, clean.out);
  assert.equal(clean.report?.reports[0].summary.status, 'success', clean.out);
  assert.equal(violations(clean.report), []);
  const synthesized = readFileSync(join(WORK, 'cdk8s-path-clean', 'dist', 'shop.k8s.yaml'), 'utf8');
  assert.match(synthesized, `memory: ${sizeContainer({ runtime: 'jvm', peakBytes: 700 * MIB }).memory}`);
  assert.is(broken.status, 2, broken.out);
  assert.equal(violations(broken.report), ['memory-request-not-equal-limit legacy']);
});

test('cdk8s: `package: oomguard` + `version:` makes cdk8s-cli npm-install the published package into ~/.cdk8s/plugins', async () => {
  const [, byName] = fileBlocks(CDK8S, 'cdk8s.yaml');
  assert.match(byName, `version: ${VERSION}`);
  const env = await registryEnv();
  const dir = await cdk8sApp('cdk8s-name', byName, true);
  const result = await synth(dir, env);
  assert.match(result.out, `Installing validation plugin: oomguard@${VERSION}`);
  const installed = join(HOME, '.cdk8s', 'plugins', 'oomguard', VERSION, 'node_modules', 'oomguard', 'package.json');
  assert.ok(existsSync(installed), `${installed} exists`);
  assert.is(JSON.parse(readFileSync(installed, 'utf8')).version, VERSION);
  assert.is(result.status, 2, result.out);
  assert.equal(result.report.reports[0].summary.plugin, 'oomguard');
  // The README's properties make startup-probe-missing an error; the JVM construct has its startup probe.
  assert.equal(violations(result.report), ['memory-request-not-equal-limit legacy']);
});

// ---------------------------------------------------------------------------------------------
// Pulumi

test('Pulumi: the README program under setMocks registers the sized Deployment', async () => {
  const dir = await PULUMI_PROJECT;
  const [program] = fileBlocks(PULUMI, 'index.ts');
  writeFileSync(join(dir, 'index.ts'), program);
  // What `pulumi preview` would do without an engine: mocks first, then the program, then the state.
  writeFileSync(join(dir, 'mocked.ts'), `
import * as pulumi from '@pulumi/pulumi';
const registered: any[] = [];
pulumi.runtime.setMocks({
  newResource: (args) => { registered.push({ type: args.type, name: args.name, inputs: args.inputs }); return { id: args.name + '-id', state: args.inputs }; },
  call: () => ({}),
}, 'shop', 'dev', true).then(async () => {
  const program = await import('./index');
  const memory = await new Promise((resolve) => (program.memory as any).apply ? (program.memory as any).apply(resolve) : resolve(program.memory));
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(JSON.stringify({ memory, registered }));
});
`);
  const result = await run('npx', ['tsx', 'mocked.ts'], dir, await registryEnv());
  assert.is(result.status, 0, result.out);
  const { memory, registered } = JSON.parse(result.stdout);
  // What the shared sizing gives for the README's figures (the number itself is lib/runtimes' to set).
  const expected = sizeContainer({ runtime: 'jvm', peakBytes: 700 * MIB, env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8' }] });
  assert.is(memory, expected.memory);
  assert.equal(registered.map((r: any) => r.type), ['oomguard:kubernetes:SizedDeployment', 'kubernetes:apps/v1:Deployment']);
  const deployment = registered[1].inputs;
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.resources.limits.memory, expected.memory);
  assert.equal(container.resources.requests.memory, expected.memory);
  assert.equal(container.env, expected.env);
  assert.match(container.env[0].value, /^-Dfile\.encoding=UTF-8 -XX:\+UseContainerSupport -XX:MaxRAMPercentage=/);
  assert.is(deployment.metadata.labels.team, 'shop');
});

test('Pulumi: the policy pack from node_modules/oomguard/policies/pulumi, launched as the engine does, analyzes and remediates', async () => {
  const dir = await PULUMI_PROJECT;
  const [preview] = commands(PULUMI).filter((line) => line.startsWith('pulumi preview'));
  const packDir = join(dir, preview.split('--policy-pack ')[1].trim());
  assert.ok(existsSync(join(packDir, 'PulumiPolicy.yaml')));
  const resolveFrom = (id: string) => require.resolve(id, { paths: [dir] });
  const protoDir = dirname(resolveFrom('@pulumi/pulumi/proto/analyzer_grpc_pb'));
  const services = require(join(protoDir, 'analyzer_grpc_pb'));
  const messages = require(join(protoDir, 'analyzer_pb'));
  const grpc = require(require.resolve('@grpc/grpc-js', { paths: [protoDir] }));
  const { Struct } = require(require.resolve('google-protobuf/google/protobuf/struct_pb', { paths: [protoDir] }));
  const { Empty } = require(require.resolve('google-protobuf/google/protobuf/empty_pb', { paths: [protoDir] }));
  const child = spawn(process.execPath, [resolveFrom('@pulumi/pulumi/cmd/run-policy-pack'), '127.0.0.1:1', '.'], { cwd: packDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port within 60 s:\n${stderr}`)), 60_000);
      createInterface({ input: child.stdout! }).once('line', (line) => { clearTimeout(timer); resolve(Number(line.trim())); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pack exited ${code}:\n${stderr}`)); });
    });
    const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (method: string, request: unknown): Promise<any> => new Promise((resolve, reject) => client[method](request, (error: Error | null, response: any) => (error ? reject(error) : resolve(response))));
    const info = await call('getAnalyzerInfo', new Empty());
    assert.is(info.getName(), 'oomguard');
    assert.is(info.getVersion(), VERSION);
    // Configure as the CLI does: each policy's schema defaults, and its enforcement level.
    const configure = (level?: string) => {
      const request = new messages.ConfigureAnalyzerRequest();
      for (const policy of info.getPoliciesList()) {
        const schema = policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {};
        const config = new messages.PolicyConfig();
        config.setEnforcementlevel(level ? messages.EnforcementLevel[level] : policy.getEnforcementlevel());
        config.setProperties(Struct.fromJavaScript(Object.fromEntries(Object.entries(schema).filter(([, s]: [string, any]) => s.default !== undefined).map(([k, s]: [string, any]) => [k, s.default]))));
        request.getPolicyconfigMap().set(policy.getName(), config);
      }
      return call('configure', request);
    };
    await configure();
    const props = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{
        name: 'api', image: 'node:20', env: [{ name: 'NODE_OPTIONS', value: '--enable-source-maps' }],
        resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } },
        livenessProbe: { httpGet: { path: '/livez', port: 3000 } }, readinessProbe: { httpGet: { path: '/readyz', port: 3000 } },
      }] } } },
    };
    const request = (kind: string) => {
      const r = new messages[kind]();
      r.setType('kubernetes:apps/v1:Deployment');
      r.setName('api');
      r.setUrn('urn:pulumi:dev::shop::kubernetes:apps/v1:Deployment::api');
      r.setProperties(Struct.fromJavaScript(props));
      const options = new messages.AnalyzerResourceOptions();
      options.setProtect(false);
      r.setOptions(options);
      return r;
    };
    const analyzed = await call('analyze', request('AnalyzeRequest'));
    assert.equal(analyzed.getDiagnosticsList().map((d: any) => d.getPolicyname()).sort(), ['memory-request-not-equal-limit', 'node-heap-unset']);
    // With the policies set to `remediate` (pack config), the same fixes as `oomguard fix`.
    await configure('REMEDIATE');
    const remediated = await call('remediate', request('AnalyzeRequest'));
    const applied = remediated.getRemediationsList().map((r: any) => [r.getPolicyname(), r.getProperties()?.toJavaScript()]);
    assert.equal(applied.map(([name]: [string]) => name), ['memory-request-not-equal-limit', 'node-heap-unset']);
    const last = applied[applied.length - 1][1];
    const container = last.spec.template.spec.containers[0];
    assert.equal(container.resources, { requests: { memory: '512Mi' }, limits: { memory: '512Mi' } });
    assert.match(container.env[0].value, /^--enable-source-maps --max-old-space-size=\d+$/);
    // What was remediated passes both rules (the heap size is the runtime profile's to set).
    assert.equal(createLinter().lintDocument(last).map((finding) => finding.ruleId), []);
    client.close();
  } finally {
    child.kill('SIGTERM');
  }
});

// ---------------------------------------------------------------------------------------------
// pre-commit

const GIT_ENV = { GIT_AUTHOR_NAME: 'oomguard test', GIT_AUTHOR_EMAIL: 'test@oomguard.invalid', GIT_COMMITTER_NAME: 'oomguard test', GIT_COMMITTER_EMAIL: 'test@oomguard.invalid' };

/**
 * The hook repository (this repository's HEAD, tagged as the release the README pins), a GitOps
 * repository with the README's config, and the hook environment installed: started at load, beside
 * the npm installs, since pre-commit's install is the slowest step of this file. The README's own
 * commands (`pre-commit install`, `git commit`) then run in the test.
 */
async function preparePrecommit() {
  const env = { ...BASE_ENV, ...GIT_ENV, PRE_COMMIT_HOME: join(WORK, 'pre-commit-home'), PRE_COMMIT_COLOR: 'never' };
  const git = async (cwd: string, ...args: string[]) => must(await run('git', args, cwd, env), `git ${args.join(' ')}`).stdout;
  // The hook repository: this repository's HEAD, tagged as the release the README pins.
  const hookRepo = join(WORK, 'oomguard.git');
  await git(WORK, 'clone', '-q', ROOT, hookRepo);
  // -f: the clone may carry the release tag already (this repository's own v<version>); it must name HEAD.
  await git(hookRepo, 'tag', '-f', `v${VERSION}`);
  const [config] = fileBlocks(PRECOMMIT, '.pre-commit-config.yaml');

  const repo = join(WORK, 'gitops');
  mkdirSync(repo, { recursive: true });
  await git(repo, 'init', '-q');
  writeFileSync(join(repo, '.pre-commit-config.yaml'), config.replace(/repo: \S+/, `repo: ${hookRepo}`));
  const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'memory-request-not-equal-limit', name), 'utf8');
  // The first container of the rule's failing fixture: a request below the limit, which fix repairs.
  const [web, cacheContainer] = fixture('fail.yaml').split('        - name: cache');
  // Its second container as a Deployment of its own, limited to `512MB`: no Kubernetes quantity, and no fix guesses one.
  const cache = web.replace(/name: web/g, 'name: cache').replace(/        - name: cache[\s\S]*$/, '') + `        - name: cache${cacheContainer.replace('memory: 512M\n', 'memory: 512MB\n')}`;
  const files: Record<string, string> = {
    'apps/web.yaml': web,
    'apps/clean.yaml': fixture('pass.yaml'),
    'apps/cache.yaml': cache,
    'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
    'charts/shop/values.yaml': 'replicas: 2\nimage: { tag: "1.0" }\n',
    'charts/shop/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n',
    '.github/workflows/ci.yaml': 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{ run: npm test }]\n',
    '.oomguard.yaml': 'rules:\n  cpu-request-not-equal-limit: "off"\n',
    // A Compose file staged beside the manifests goes through the same hooks (types_or: yaml).
    'compose/docker-compose.yml': fixture('fail-compose.yaml'),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), text);
  }
  await git(repo, 'add', '-A');
  const t0 = Date.now();
  const warmed = await run('pre-commit', ['install-hooks'], repo, env);
  process.stderr.write(`  (pre-commit: hook environment installed in ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  return { repo, env, git, web, cache, config, warmed };
}
const HAVE_PRECOMMIT = spawnSync('sh', ['-c', 'command -v pre-commit'], { encoding: 'utf8' }).status === 0;
let PRECOMMIT_REPO: ReturnType<typeof preparePrecommit> | undefined;

test('pre-commit: the README config against a clone with a real tag; fix, then one summary; charts and config files are quiet', async () => {
  if (!haveTool('pre-commit', 'the hook is installed by the real pre-commit (apt-get install pre-commit)')) return;
  const { repo, env, git, web, cache, config, warmed } = await PRECOMMIT_REPO!;
  must(warmed, 'pre-commit install-hooks');
  const rev = /rev: (\S+)/.exec(config)![1];
  assert.is(rev, `v${VERSION}`);
  const [install, commit] = commands(PRECOMMIT);
  assert.is(install, 'pre-commit install');
  assert.is(commit, 'git commit');
  await sh(install, repo, env).then((r) => must(r, install));
  const first = await run('git', ['commit', '-q', '-m', 'manifests'], repo, env);
  assert.is(first.status, 1, first.out);
  assert.match(first.out, /oomguard fix \(request = limit, heap flags for the limit\)\.+Failed/);
  assert.match(first.out, /files were modified by this hook/);
  // The fix is what `oomguard fix` does: the request raised to the limit, nothing else touched.
  assert.is(readFileSync(join(repo, 'apps/web.yaml'), 'utf8'), web.replace('memory: 256Mi', 'memory: 512Mi'));
  // The Compose file gets exactly `oomguard fix`'s result: reservation = limit, swap off, in its own form.
  assert.is(readFileSync(join(repo, 'compose/docker-compose.yml'), 'utf8'), readFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'memory-request-not-equal-limit', 'fail-compose.fixed.yaml'), 'utf8'));
  // The lint hook fails on what fix cannot repair, with ONE total for all the staged files (pre-commit
  // split them across two processes before, each printing a summary), the chart named once, and
  // nothing about the other tools' files.
  assert.match(first.out, /oomguard \(Kubernetes memory limits, heap flags, probes\)\.+Failed/, first.out);
  assert.match(first.out, /apps\/cache\.yaml\n\s+19\s+error\s+container "cache" resources\.limits\.memory "512MB"/);
  assert.is(first.out.match(/✖ \d+ problem/g)?.length, 1, first.out);
  assert.match(first.out, /charts\/shop\n\s+-\s+note\s+Helm chart "shop" skipped/);
  for (const quiet of ['Chart.yaml', 'values.yaml', 'ci.yaml', '.oomguard.yaml', 'cannot parse', 'could not be read']) assert.not.match(first.out, quiet);

  // The user repairs the quantity by hand; the next commit passes.
  writeFileSync(join(repo, 'apps/cache.yaml'), cache.replace('memory: 512MB\n', 'memory: 1Gi\n'));
  await git(repo, 'add', '-A');
  const second = await run('git', ['commit', '-q', '-m', 'manifests'], repo, env);
  assert.is(second.status, 0, second.out);
  assert.match(second.out, /oomguard \(Kubernetes memory limits, heap flags, probes\)\.+Passed/);
});

test.after(async () => {
  try {
    (await REGISTRY).stop();
  } catch {
    // reported by the tests
  }
  if (process.env.KEEP_PACKAGED !== '1') rmSync(WORK, { recursive: true, force: true });
});

test.run();
