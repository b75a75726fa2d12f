/**
 * The validation plugin through the real `cdk8s synth` (cdk8s-cli): at the repository root on the
 * example app, and in a temporary app that configures the plugin by path (and by package name) the way
 * a user's app would. Needs the build (`npx tsc -p .`; `npm test` builds first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Yaml } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { Deployment as K8sDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet as K8sStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Service as K8sService } from 'kubernetes-models/v1/Service';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OomguardValidation } from '../lib/cdk8s/plugin';
import { haveCapability } from './helpers/tools';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'node_modules', '.bin', 'cdk8s');
const PLUGIN = join(ROOT, 'dist', 'lib', 'cdk8s', 'plugin.js');
const SNAPSHOT = join(__dirname, 'fixtures', 'cdk8s', 'shop.k8s.yaml');
const WORK = mkdtempSync(join(tmpdir(), 'oomguard-cdk8s-'));
const PLUGINS_DIR = join(WORK, 'plugins');

type Json = Record<string, any>;

function built(): void {
  assert.ok(existsSync(PLUGIN), `${PLUGIN} is missing: build first with \`npx tsc -p .\` (npm test does)`);
}

interface Run { status: number | null; out: string; report?: Json }

/** `cdk8s synth` in `cwd`, asynchronous so the runs below overlap (each costs ~3 s of CLI start-up). */
function synth(cwd: string, args: string[] = []): Promise<Run> {
  const reportFile = join(mkdtempSync(join(WORK, 'report-')), 'report.json');
  return new Promise((resolve) => {
    const child = spawn(CLI, ['synth', '--no-check-upgrade', '--plugins-dir', PLUGINS_DIR, '--validation-reports-output-file', reportFile, ...args], {
      cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000,
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (status) => {
      out = out.replace(/\x1b\[[0-9;]*m/g, '');
      resolve({ status, out, ...(existsSync(reportFile) ? { report: JSON.parse(readFileSync(reportFile, 'utf8')) } : {}) });
    });
  });
}

function validateK8s(object: Json): void {
  const models: Record<string, new (data: any) => { validate(): void }> = { Deployment: K8sDeployment as any, StatefulSet: K8sStatefulSet as any, Service: K8sService as any };
  assert.ok(models[object.kind], `no validator for ${object.kind}`);
  new models[object.kind](object).validate();
}

/** A user's app in a temporary folder: cdk8s and oomguard installed (linked), a legacy Deployment. */
function makeApp(name: string, cdk8sYaml: string, extra: Record<string, string> = {}): string {
  const dir = join(WORK, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const pkg of ['cdk8s', 'constructs']) symlinkSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg));
  symlinkSync(ROOT, join(dir, 'node_modules', 'oomguard'));
  writeFileSync(join(dir, 'cdk8s.yaml'), cdk8sYaml);
  writeFileSync(join(dir, 'main.js'), `
const { ApiObject, App, Chart } = require('cdk8s');
const app = new App();
const chart = new Chart(app, 'legacy');
// Clean except for the memory request, which differs from the limit.
new ApiObject(chart, 'api', {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
  spec: {
    selector: { matchLabels: { app: 'api' } },
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{
      name: 'web', image: 'node:20',
      env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=900' }],
      resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } },
      livenessProbe: { httpGet: { path: '/livez', port: 3000 } },
      readinessProbe: { httpGet: { path: '/readyz', port: 3000 } },
    }] } },
  },
});
app.synth();
`);
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, file), text);
  return dir;
}

const BY_PATH = (properties = '') => `app: node main.js
validations:
  - package: ./node_modules/oomguard/dist/lib/cdk8s/plugin.js
    class: OomguardValidation
    version: 0.1.0
${properties}`;

const MESSAGE = 'Deployment spec.template.spec.containers[0].resources.requests.memory (line 32): ';
const ROOT_OUT = join(WORK, 'root-out');
const BUILT = existsSync(PLUGIN);
// cdk8s-cli requires an installed plugin package's main entry and looks the class up on it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MAIN_EXPORTS_PLUGIN = BUILT && typeof (require(join(ROOT, 'dist', 'lib', 'index.js')) as Record<string, unknown>).OomguardValidation === 'function';

function installByName(): void {
  const installed = join(PLUGINS_DIR, 'oomguard', '0.1.0', 'node_modules');
  mkdirSync(installed, { recursive: true });
  symlinkSync(ROOT, join(installed, 'oomguard'));
}

// Every run starts now and overlaps the others; each test awaits its own.
const never = new Promise<Run>(() => undefined);
const RUNS = BUILT ? {
  root: synth(ROOT, ['--output', ROOT_OUT]),
  byPath: synth(makeApp('by-path', BY_PATH())),
  relaxed: synth(makeApp('relaxed', BY_PATH('    properties:\n      rules:\n        memory-request-not-equal-limit: warning\n'))),
  strict: synth(makeApp('strict', BY_PATH('    properties:\n      rules:\n        memory-request-not-equal-limit: warning\n      failOn: warning\n'))),
  invalid: synth(makeApp('invalid', BY_PATH('    properties:\n      failOn: sometimes\n'))),
  misspelt: synth(makeApp('misspelt', BY_PATH('    properties:\n      rules:\n        memory-request-not-equal-limt: warning\n'))),
  withConfig: synth(makeApp('with-config', BY_PATH(), { '.oomguard.yaml': 'rules:\n  memory-request-not-equal-limit: "off"\n' })),
  badConfig: synth(makeApp('bad-config', BY_PATH(), { '.oomguard.yaml': 'rules: [1, 2]\n' })),
  byName: MAIN_EXPORTS_PLUGIN
    ? (installByName(), synth(makeApp('by-name', 'app: node main.js\nvalidations:\n  - package: oomguard\n    class: OomguardValidation\n    version: 0.1.0\n')))
    : never,
} : undefined;

test('repository root: `cdk8s synth` writes the example, the plugin passes it, snapshot, valid Kubernetes, `oomguard lint` clean', async () => {
  built();
  const run = await RUNS!.root;
  assert.is(run.status, 0, run.out);
  assert.match(run.out, 'Validations ended succesfully');
  assert.equal(run.report!.reports[0].summary.status, 'success');
  assert.equal(run.report!.reports[0].summary.metadata, { Manifests: '1', Objects: '7', Errors: '0', Warnings: '0', 'Fails on': 'error' });
  assert.equal(run.report!.reports[0].violations, []);
  const text = readFileSync(join(ROOT_OUT, 'shop.k8s.yaml'), 'utf8');
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) writeFileSync(SNAPSHOT, text);
  assert.fixture(text, readFileSync(SNAPSHOT, 'utf8'), 'example app output differs from the snapshot (UPDATE_SNAPSHOTS=1 rewrites it)');
  const objects = Yaml.load(join(ROOT_OUT, 'shop.k8s.yaml')) as Json[];
  assert.equal(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    'Deployment/checkout', 'Deployment/storefront', 'Deployment/gateway', 'Deployment/recommender', 'StatefulSet/ledger', 'Service/ledger', 'Deployment/notifier',
  ]);
  for (const object of objects) validateK8s(object);
  const lint = spawnSync(process.execPath, [join(ROOT, 'bin', 'oomguard.js'), 'lint', '--format', 'json', join(ROOT_OUT, 'shop.k8s.yaml')], { encoding: 'utf8' });
  assert.is(lint.status, 0, lint.stdout + lint.stderr);
  const json = JSON.parse(lint.stdout);
  assert.equal(json.findings, []);
  assert.equal(json.errors, []);
});

test('another app: the plugin by path fails synth (exit 2) on request != limit, naming rule, resource, construct and numbers', async () => {
  built();
  const run = await RUNS!.byPath;
  assert.is(run.status, 2, run.out);
  assert.match(run.out, 'memory-request-not-equal-limit (1 occurrences)');
  assert.match(run.out, '- Construct Path: legacy/api');
  assert.match(run.out, '- Resource Name: api');
  assert.match(run.out, `> ${MESSAGE}container "web" requests 512Mi of memory but is limited to 1Gi`);
  assert.match(run.out, 'Validation failed. See above reports for details');
  const [report] = run.report!.reports;
  assert.equal(report.summary.status, 'failure');
  assert.equal(report.summary.metadata, { Manifests: '1', Objects: '1', Errors: '1', Warnings: '0', 'Fails on': 'error' });
  assert.is(report.violations.length, 1);
  const [violation] = report.violations;
  assert.is(violation.ruleName, 'memory-request-not-equal-limit');
  assert.is(violation.recommendation, "[error] A container's memory request is set and differs from its memory limit.");
  assert.match(violation.fix, 'resources.requests.memory');
  assert.equal(violation.violatingConstructs.map((c: Json) => [c.resourceName, c.constructPath, c.manifestPath]), [['api', 'legacy/api', 'dist/legacy.k8s.yaml']]);
  assert.equal(violation.violatingConstructs[0].locations.length, 1);
  assert.ok(violation.violatingConstructs[0].locations[0].startsWith(MESSAGE), violation.violatingConstructs[0].locations[0]);
});

test('another app: properties set severities (a warning does not fail synth) and are validated', async () => {
  built();
  const relaxed = await RUNS!.relaxed;
  assert.is(relaxed.status, 0, relaxed.out);
  const [report] = relaxed.report!.reports;
  assert.equal(report.summary.status, 'success');
  assert.equal(report.violations.map((v: Json) => [v.ruleName, v.recommendation.slice(0, 9)]), [['memory-request-not-equal-limit', '[warning]']]);
  const strict = await RUNS!.strict;
  assert.is(strict.status, 2, strict.out);
  const invalid = await RUNS!.invalid;
  assert.not.equal(invalid.status, 0);
  assert.match(invalid.out, 'oomguard validation plugin: invalid properties in cdk8s.yaml:');
  assert.match(invalid.out, 'properties/failOn must be equal to one of the allowed values (allowed: error, warning)');
  // Reported as the plugin's own violation (synth exits 2), not as a stack trace from cdk8s-cli.
  assert.is(invalid.status, 2, invalid.out);
  assert.not.match(invalid.out, /\n\s+at .+:\d+:\d+\)/);
  assert.equal(invalid.report!.reports[0].violations.map((v: Json) => v.ruleName), ['invalid-plugin-properties']);
  // A misspelt rule id is refused as .oomguard.yaml refuses it, instead of being ignored.
  const misspelt = await RUNS!.misspelt;
  assert.is(misspelt.status, 2, misspelt.out);
  assert.match(misspelt.out, 'properties/rules/memory-request-not-equal-limt: no rule has this id');
});

test('another app: the app\'s .oomguard.yaml is read (rule off: synth passes, nothing reported; broken: reported)', async () => {
  built();
  const run = await RUNS!.withConfig;
  assert.is(run.status, 0, run.out);
  assert.equal(run.report!.reports[0].violations, []);
  const broken = await RUNS!.badConfig;
  assert.is(broken.status, 2, broken.out);
  assert.match(broken.out, 'oomguard-internal-error');
  assert.match(broken.out, '.oomguard.yaml');
});

test('the plugin always submits its report: an unparsable manifest fails with a violation, not "Report is incomplete"', async () => {
  const bad = join(WORK, 'bad.k8s.yaml');
  writeFileSync(bad, 'a: [unclosed\n');
  const context = new ValidationContext([bad], 'oomguard', '0.1.0', {}, false);
  await new OomguardValidation().validate(context);
  assert.is(context.report.success, false);
  const [violation] = context.report.toJson().violations;
  assert.is(violation.ruleName, 'invalid-manifest');
  assert.match(violation.violatingConstructs[0].locations[0], `${bad}:`);
  // Bad properties do not throw from the constructor (cdk8s-cli would print a stack trace): validate reports them.
  const misconfigured = new ValidationContext([bad], 'oomguard', '0.4.0', {}, false);
  await new OomguardValidation({ color: 'red' } as never).validate(misconfigured);
  assert.is(misconfigured.report.success, false);
  assert.match(misconfigured.report.toJson().violations[0].recommendation, /properties must NOT have additional properties: "color"/);
});

test('another app: the plugin by package name (`package: oomguard`), as cdk8s-cli installs it', async () => {
  built();
  if (!haveCapability(MAIN_EXPORTS_PLUGIN, 'the package main entry (lib/index.ts) does not export OomguardValidation, so `package: oomguard` cannot load the plugin (docs/cdk8s.md)')) return;
  const run = await RUNS!.byName;
  assert.is(run.status, 2, run.out);
  assert.match(run.out, 'memory-request-not-equal-limit (1 occurrences)');
  assert.match(run.out, 'Validation Report (oomguard@0.1.0)');
});

test.after(() => rmSync(WORK, { recursive: true, force: true }));

test.run();
