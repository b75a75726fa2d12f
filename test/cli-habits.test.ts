/**
 * CLI habits users bring from kube-linter, ESLint and Checkov, and repositories as they are (Helm
 * charts, Kustomize overlays, other tools' configuration next to manifests), through the real CLI
 * (bin/oomguard.js over dist/). `--kustomize` runs the real kubectl.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from 'js-yaml';
import { haveTool } from './helpers/tools';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'oomguard.js');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'rules');
const WORK = mkdtempSync(join(tmpdir(), 'oomguard-habits-'));

function oomguard(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', input: options.input, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
  assert.is(result.error, undefined, 'the CLI must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  return result;
}

function tree(name: string, files: Record<string, string>): string {
  const dir = join(WORK, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const fixture = (rule: string, name = 'fail.yaml') => readFileSync(join(FIXTURES, rule, name), 'utf8');
/** A Deployment with a request below its limit (the first container of the rule's failing fixture). */
const WEB = fixture('memory-request-not-equal-limit').split('        - name: cache')[0];
/** A Node.js Deployment with a limit and probes but no heap flag: one warning, node-heap-unset. */
const NODE_WARNING = WEB.replace('image: nginx:1.27', 'image: node:20').replace('memory: 256Mi', 'memory: 512Mi');

test('--format junit: a testsuite per file, a failing testcase per finding, input errors as <error>', () => {
  const dir = tree('junit', { 'web.yaml': WEB, 'clean.yaml': fixture('memory-request-not-equal-limit', 'pass.yaml'), 'broken.yaml': 'a: [unclosed\n' });
  const result = oomguard(['lint', '-f', 'junit', '.'], { cwd: dir });
  assert.is(result.status, 2);
  const xml = result.stdout;
  assert.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?>\n<testsuites name="oomguard">\n/);
  assert.match(xml, '<testsuite name="clean.yaml" tests="1" failures="0" errors="0" time="0">');
  assert.match(xml, '<testsuite name="web.yaml" tests="1" failures="1" errors="0" time="0">');
  assert.match(xml, '<testcase name="memory-request-not-equal-limit" classname="web.yaml.Deployment/web" file="web.yaml" line="17" time="0">');
  assert.match(xml, '<failure type="error" message="container &quot;web&quot; requests 256Mi of memory but is limited to 512Mi');
  assert.match(xml, /<testsuite name="oomguard input" tests="1" failures="0" errors="1" time="0">\n\s+<testcase name="input" classname="broken.yaml" file="broken.yaml" line="\d+" time="0">\n\s+<error type="input" message="cannot parse/);
  assert.match(xml, /<\/testsuites>\n$/);
  // Well-formed: every element opened is closed (a cheap check without an XML library).
  assert.is((xml.match(/<testsuite /g) ?? []).length, (xml.match(/<\/testsuite>/g) ?? []).length);
});

test('--rule ID=severity (repeatable) over the config file; --quiet reports errors only; --max-warnings says when exceeded', () => {
  const dir = tree('rule', { 'web.yaml': WEB, 'node.yaml': NODE_WARNING.replace('name: web', 'name: api'), '.oomguard.yaml': 'rules:\n  memory-request-not-equal-limit: warning\n' });
  const json = (args: string[]) => JSON.parse(oomguard(['lint', '-f', 'json', ...args, '.'], { cwd: dir }).stdout);
  const severities = (output: any) => output.findings.map((f: any) => `${f.ruleId}=${f.severity}`).sort();
  assert.equal(severities(json([])), ['memory-request-not-equal-limit=warning', 'node-heap-unset=warning']);
  assert.equal(severities(json(['--rule', 'memory-request-not-equal-limit=error', '--rule', 'node-heap-unset=off'])), ['memory-request-not-equal-limit=error']);
  assert.equal(severities(json(['--rule', 'node-heap-unset=info'])), ['memory-request-not-equal-limit=warning', 'node-heap-unset=info']);
  const quiet = oomguard(['lint', '--quiet', '--rule', 'memory-request-not-equal-limit=error', '.'], { cwd: dir });
  assert.is(quiet.status, 1);
  assert.match(quiet.stdout, 'memory-request-not-equal-limit');
  assert.not.match(quiet.stdout, 'node-heap-unset');
  assert.match(quiet.stdout, '✖ 1 problem (1 error, 0 warnings)');
  const over = oomguard(['lint', '--max-warnings', '1', '.'], { cwd: dir });
  assert.is(over.status, 1);
  assert.is(over.stderr, 'oomguard lint: 2 warnings, more than --max-warnings 1: exit 1\n');
  // Warnings hidden by --quiet still count, as in ESLint.
  assert.is(oomguard(['lint', '--quiet', '--max-warnings', '1', '.'], { cwd: dir }).status, 1);
  assert.is(oomguard(['lint', '--max-warnings', '2', '.'], { cwd: dir }).status, 0);
  const bad = oomguard(['lint', '--rule', 'memory-limt-missing=error', '.'], { cwd: dir });
  assert.equal([bad.status, bad.stderr.split('\n')[0]], [2, 'oomguard lint: --rule memory-limt-missing=error: no rule has the id "memory-limt-missing" (see `oomguard rules`)']);
  assert.match(oomguard(['lint', '--rule', 'node-heap-unset', '.'], { cwd: dir }).stderr, '--rule takes <rule-id>=<off|info|warning|error>, got "node-heap-unset"');
});

test('plain wording for unknown options and missing values; `oomguard help <command>`', () => {
  const unknown = oomguard(['lint', '--formt', 'json']);
  assert.equal([unknown.status, unknown.stderr], [2, 'oomguard lint: unknown option --formt (did you mean --format?)\nRun `oomguard help lint` for its options.\n']);
  assert.not.match(unknown.stderr, 'positional argument');
  assert.is(oomguard(['lint', '-f']).stderr.split('\n')[0], 'oomguard lint: option --format needs a value');
  // A value that looks like an option: say how to give it, as parseArgs would (in plain words).
  const negative = oomguard(['generate', '--name', 'x', '--image', 'y', '--runtime', 'go', '--peak-rss', '-5Mi']);
  assert.equal([negative.status, negative.stderr.split('\n')[0]], [2, "oomguard generate: option --peak-rss needs a value (for a value that starts with '-', write --peak-rss=VALUE)"]);
  assert.match(oomguard(['generate', '--name', 'x', '--image', 'y', '--runtime', 'go', '--peak-rss=-5Mi']).stderr, /--peak-rss "-5Mi" is negative/);
  assert.is(oomguard(['lint', '--quiet=yes']).stderr.split('\n')[0], 'oomguard lint: option --quiet takes no value');
  const help = oomguard(['help', 'lint']);
  assert.is(help.status, 0);
  assert.equal(help.stdout, oomguard(['lint', '--help']).stdout);
  assert.match(help.stdout, '--rule <id>=<off|info|warning|error>');
  const none = oomguard(['help', 'frob']);
  assert.is(none.status, 2);
  assert.match(none.stderr, 'unknown command "frob"');
});

test('oomguard init writes a commented .oomguard.yaml that validates, uncommented too, and never overwrites', () => {
  const dir = tree('init', { 'web.yaml': WEB });
  const first = oomguard(['init'], { cwd: dir });
  assert.is(first.status, 0, first.stderr);
  const text = readFileSync(join(dir, '.oomguard.yaml'), 'utf8');
  assert.match(text, /^#   memory-request-not-equal-limit: +error +# /m);
  assert.match(text, /^#   cpu-request-not-equal-limit: +"off" +# Opt-in/m);
  assert.match(text, /^#   factor: 1\.5$/m);
  // As written it changes nothing; uncommented, it is a valid configuration with the defaults.
  assert.is(oomguard(['lint', '.'], { cwd: dir }).status, 1);
  const uncommented = text.replace(/^# (rules|sizing|ignore):$/gm, '$1:').replace(/^#( {3}[a-z-]+: +("off"|error|warning|info)) .*$/gm, '$1').replace(/^#( {3}factor:.*)$/m, '$1');
  writeFileSync(join(dir, 'full.yaml'), uncommented.replace(/^ignore:$/m, 'ignore: []'));
  const data = load(readFileSync(join(dir, 'full.yaml'), 'utf8')) as any;
  assert.is(data.rules['memory-limit-missing'], 'error');
  assert.is(data.sizing.factor, 1.5);
  const linted = oomguard(['lint', '-c', 'full.yaml', '-f', 'json', 'web.yaml'], { cwd: dir });
  assert.is(linted.status, 1, linted.stderr);
  assert.equal(JSON.parse(linted.stdout).findings.map((f: any) => f.ruleId), ['memory-request-not-equal-limit']);
  const again = oomguard(['init'], { cwd: dir });
  assert.equal([again.status, again.stderr.split('\n')[0]], [2, 'oomguard init: .oomguard.yaml exists: not overwritten (use --force)']);
  assert.is(readFileSync(join(dir, '.oomguard.yaml'), 'utf8'), text);
  assert.is(oomguard(['init', '--force'], { cwd: dir }).status, 0);
});

test('SARIF: uri relative to %SRCROOT% (the git work tree) with originalUriBaseIds; a file outside it gets a file: URI', () => {
  const repo = tree('sarif/repo', { 'k8s/web.yaml': WEB });
  spawnSync('git', ['init', '-q'], { cwd: repo });
  const outside = tree('sarif/outside', { 'web.yaml': WEB });
  // Run from a subfolder: the uri is still relative to the repository root, as code scanning needs.
  const result = oomguard(['lint', '-f', 'sarif', 'web.yaml', join(outside, 'web.yaml')], { cwd: join(repo, 'k8s') });
  const run = JSON.parse(result.stdout).runs[0];
  assert.equal(run.originalUriBaseIds, { '%SRCROOT%': { uri: pathToFileURL(`${repo}/`).href } });
  // The tool's home is the repository package.json names, with no placeholder anywhere.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(`git+${run.tool.driver.informationUri}.git`, pkg.repository.url);
  assert.ok(run.tool.driver.rules.every((rule: any) => rule.helpUri.startsWith(`${run.tool.driver.informationUri}/blob/`)));
  for (const doc of ['README.md', 'docs/fix-and-pre-commit.md', '.pre-commit-hooks.yaml']) assert.not.match(readFileSync(join(ROOT, doc), 'utf8'), '<owner>', doc);
  const locations = run.results.map((r: any) => r.locations[0].physicalLocation.artifactLocation);
  assert.equal(locations, [{ uri: 'k8s/web.yaml', uriBaseId: '%SRCROOT%' }, { uri: pathToFileURL(join(outside, 'web.yaml')).href }]);
});

const CHART = {
  'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
  'charts/shop/values.yaml': 'replicas: 2\n',
  'charts/shop/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.replicas }}\nspec:\n  replicas: {{ .Values.replicas }}\n{{- end }}\n',
  'charts/shop/templates/_helpers.tpl': '{{- define "shop.name" -}}shop{{- end -}}\n',
  'charts/shop/charts/redis/Chart.yaml': 'apiVersion: v2\nname: redis\nversion: 1.0.0\n',
  'charts/shop/charts/redis/templates/sts.yaml': 'kind: StatefulSet\nmetadata: {name: {{ .Release.Name }}}\n',
};
const OTHER_TOOLS = {
  '.github/workflows/ci.yaml': 'on: push\njobs: {test: {runs-on: ubuntu-latest, steps: [{run: npm test}]}}\n',
  '.oomguard.yaml': 'rules:\n  cpu-request-not-equal-limit: "off"\n',
  '.pre-commit-config.yaml': 'repos: []\n',
  'package.json': '{"name": "gitops", "private": true}\n',
  'tsconfig.json': '{\n  // comments, as tsc allows\n  "compilerOptions": {},\n}\n',
};

test('a Helm chart in a folder walk is skipped with one note naming it; other tools\' files make no noise', () => {
  const dir = tree('helm-walk', { ...CHART, ...OTHER_TOOLS, 'apps/web.yaml': WEB });
  const result = oomguard(['lint', '-f', 'json', '.'], { cwd: dir });
  assert.is(result.status, 1, result.stderr);
  const output = JSON.parse(result.stdout);
  assert.equal(output.errors, []);
  assert.equal(output.notes, [{ file: 'charts/shop', message: 'Helm chart "shop" skipped: its templates are YAML only once rendered; lint them with `helm template charts/shop | oomguard lint -`' }]);
  assert.equal(output.findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId}`), ['apps/web.yaml:17 memory-request-not-equal-limit']);
  const stylish = oomguard(['lint', '.'], { cwd: dir }).stdout;
  assert.match(stylish, /^charts\/shop\n {5}- {2}note {5}Helm chart "shop" skipped/m);
});

test('files named one by one (as pre-commit passes them): one note per chart, other tools\' files quiet', () => {
  const dir = tree('helm-files', { ...CHART, ...OTHER_TOOLS, 'apps/web.yaml': WEB });
  const named = [...Object.keys(CHART), ...Object.keys(OTHER_TOOLS), 'apps/web.yaml'];
  const output = JSON.parse(oomguard(['lint', '-f', 'json', ...named], { cwd: dir }).stdout);
  assert.equal(output.errors, []);
  // The subchart belongs to its parent chart: one note.
  assert.equal(output.notes.map((n: any) => n.file), ['charts/shop']);
  assert.equal(output.summary.files, 1);
  assert.equal(output.findings.map((f: any) => f.ruleId), ['memory-request-not-equal-limit']);
  // oomguard fix skips the chart too (it used to fail on the template with exit 2).
  const fixed = oomguard(['fix', ...named], { cwd: dir });
  assert.is(fixed.status, 0, fixed.stdout + fixed.stderr);
  assert.match(readFileSync(join(dir, 'apps/web.yaml'), 'utf8'), /requests:\n\s+memory: 512Mi/);
});

test('`helm template` output on stdin: each finding is attributed to the template in its # Source: comment', () => {
  const rendered = [
    '---', '# Source: shop/templates/service.yaml', 'apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec: {ports: [{port: 80}]}',
    '---', '# Source: shop/templates/deployment.yaml', WEB.trimEnd(),
    '---', '# Source: shop/templates/worker.yaml', NODE_WARNING.replace('name: web', 'name: worker').trimEnd(), '',
  ].join('\n');
  const output = JSON.parse(oomguard(['lint', '-f', 'json', '-'], { input: rendered }).stdout);
  // Lines count within each rendered template: WEB's request is on its line 17.
  assert.equal(output.findings.map((f: any) => [f.file, f.line, f.ruleId, f.fixable]), [
    ['shop/templates/deployment.yaml', 17, 'memory-request-not-equal-limit', false],
    ['shop/templates/worker.yaml', 13, 'node-heap-unset', false],
  ]);
  const stylish = oomguard(['lint', '-'], { input: rendered }).stdout;
  assert.match(stylish, /^shop\/templates\/deployment\.yaml\n +17 +error/m);
  assert.match(stylish, /^shop\/templates\/worker\.yaml\n +13 +warning/m);
  // Plain stdin is named by --stdin-filename.
  const named = JSON.parse(oomguard(['lint', '-f', 'json', '--stdin-filename', 'k8s/web.yaml', '-'], { input: WEB }).stdout);
  assert.equal(named.findings.map((f: any) => `${f.file}:${f.line}`), ['k8s/web.yaml:17']);
  assert.match(oomguard(['lint', '--stdin-filename', 'x.yaml', 'k8s/']).stderr, '--stdin-filename names standard input: give - as a PATH too');
});

test('--kustomize renders a base and an overlay with the real kubectl and names the overlay a finding came from', () => {
  if (!haveTool('kubectl', '--kustomize runs `kubectl kustomize` (Debian: apt-get install kubernetes-client)')) return;
  const base = WEB.replace('memory: 256Mi', 'memory: 512Mi');
  const dir = tree('kustomize', {
    'app/base/deployment.yaml': base,
    'app/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    // The overlay lowers the request: only the rendered overlay has the mistake.
    // `bases` and `patchesStrategicMerge`: understood by Debian's kubectl 1.20 (kustomize v2) and by
    // current ones (deprecated there, still applied).
    'app/overlays/prod/kustomization.yaml': 'bases:\n  - ../../base\nnamePrefix: prod-\npatchesStrategicMerge:\n  - request.yaml\n',
    'app/overlays/prod/request.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              memory: 256Mi\n',
  });
  const output = JSON.parse(oomguard(['lint', '-f', 'json', '--kustomize', 'app'], { cwd: dir }).stdout);
  assert.equal(output.errors, []);
  assert.equal(output.findings.map((f: any) => [f.file, f.ruleId, f.resource.name]), [['app/overlays/prod', 'memory-request-not-equal-limit', 'prod-web']]);
  assert.is(output.summary.files, 2);
  // Without --kustomize the patch is linted as a file (a partial Deployment), and a note says --kustomize exists.
  const raw = JSON.parse(oomguard(['lint', '-f', 'json', 'app'], { cwd: dir }).stdout);
  assert.ok(raw.findings.some((f: any) => f.file === 'app/overlays/prod/request.yaml' && f.ruleId === 'memory-limit-missing'));
  assert.equal(raw.notes.filter((n: any) => /--kustomize/.test(n.message)).map((n: any) => n.file), ['app/base', 'app/overlays/prod']);
  // A broken overlay is input that could not be read: exit 2, named, the rest still linted.
  writeFileSync(join(dir, 'app/overlays/prod/kustomization.yaml'), 'bases:\n  - ../../missing\n');
  const broken = oomguard(['lint', '-f', 'json', '--kustomize', 'app'], { cwd: dir });
  assert.is(broken.status, 2);
  const errors = JSON.parse(broken.stdout).errors;
  assert.equal(errors.map((e: any) => e.file), ['app/overlays/prod']);
  assert.match(errors[0].message, '`kubectl kustomize` failed');
});

test.after(() => rmSync(WORK, { recursive: true, force: true }));

test.run();
