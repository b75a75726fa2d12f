/**
 * `oomguard measure` and `oomguard verify` as a user runs them: the real CLI (bin/oomguard.js over dist/,
 * so `npx tsc -p .` first), real processes, exit codes, JSON fields, charts, Ctrl-C, and the message
 * when the user may not create a memory cgroup.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { findCgroupParent } from '../lib/lab/cgroup';
import { recommend } from '../lib/sizing/formula';
import { haveCapability, haveTool } from './helpers/tools';
import { youngGenerationBytes } from '../lib/runtimes/node';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'oomguard.js');
const HOLD_JS = path.join(ROOT, 'test', 'workloads', 'hold.js');
const HOLD_PY = path.join(ROOT, 'test', 'workloads', 'hold.py');
const cgroup = findCgroupParent();

function oomguard(args: string[], options: { prefix?: string[] } = {}) {
  const [file, ...prefix] = options.prefix ?? [process.execPath];
  const result = spawnSync(file, [...prefix, ...(options.prefix ? [process.execPath] : []), CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.is(result.error, undefined, 'the CLI must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${result.stderr}`);
  return result;
}

function withCgroup(what: string): boolean {
  return haveCapability(cgroup.ok, `no writable memory cgroup (${cgroup.ok ? '' : cgroup.problem}): ${what}`);
}

function leftoverGroups(): string[] {
  if (!cgroup.ok) return [];
  return fs.readdirSync(cgroup.parent.dir).filter((name) => name.startsWith('oomguard-'));
}

test('bad usage exits 2 with a message and no stack trace', () => {
  const cases: [string[], string][] = [
    [['measure'], 'oomguard measure: no command to measure: put it after --'],
    [['measure', '--runtime', 'perl', '--', 'true'], 'oomguard measure: --runtime must be one of jvm, node, go, python, dotnet, ruby, got "perl"'],
    [['measure', '--interval', 'fast', '--', 'true'], 'oomguard measure: --interval must be a whole number of milliseconds, at least 10, got "fast"'],
    [['verify', '--runtime', 'node', '--', 'true'], 'oomguard verify: --limit is required, e.g. --limit 512Mi'],
    [['verify', '--limit', '512MB', '--runtime', 'node', '--', 'true'], 'oomguard verify: --limit "512MB" uses the unit "MB", which Kubernetes does not accept'],
    [['verify', '--limit', '256Mi', '--', 'true'], 'oomguard verify: --runtime is required to generate the flags (jvm, node, go, python, dotnet, ruby); use --no-flags to run without any'],
    [['verify', '--limit', '256Mi', '--runtime', 'node', '--format', 'xml', '--', 'true'], 'oomguard verify: --format must be text or json, got "xml"'],
  ];
  for (const [args, message] of cases) {
    const result = oomguard(args);
    assert.is(result.status, 2, args.join(' '));
    assert.ok(result.stderr.startsWith(message), `${args.join(' ')}: ${result.stderr}`);
  }
  assert.is(oomguard(['measure', '--help']).status, 0);
  assert.match(oomguard(['verify', '--help']).stdout, 'runtime-oom  the runtime hit its own ceiling');
});

test('measure --no-cgroup --format json: the process tree RSS from /proc, the recommendation and flags', () => {
  const result = oomguard(['measure', '--no-cgroup', '--format', 'json', '--runtime', 'node', '--', 'node', HOLD_JS, '80']);
  assert.is(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  // The command's own stdout goes to stderr in JSON mode, so stdout is only the report.
  assert.match(result.stderr, 'held 80 MiB');
  assert.is(report.source, 'proc');
  assert.is(report.cgroupPeakBytes, undefined);
  assert.ok(report.rssPeakBytes > 80 * MIB && report.rssPeakBytes < 400 * MIB, `RSS covers the 80 MiB held: ${report.rssPeakBytes}`);
  assert.is(report.peakBytes, report.rssPeakBytes);
  const expected = recommend(report.peakBytes, 'node');
  assert.equal(report.recommendation, {
    limitBytes: expected.limitBytes,
    limit: `${expected.limitBytes / MIB}Mi`,
    requestBytes: expected.limitBytes,
    factor: 1.5,
    overheadBytes: 100 * MIB,
    explanation: expected.explanation,
  });
  // Limit - 100Mi overhead - the young generation V8 adds in a container that size (lib/runtimes/node.ts).
  assert.equal(report.flags, [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${expected.limitBytes / MIB - 100 - youngGenerationBytes(expected.limitBytes) / MIB}` }]);
  assert.equal([report.exitCode, report.interrupted, report.runtime], [0, false, 'node']);
  assert.match(report.notes[0], 'cgroup disabled (--no-cgroup)');
});

test('measure: --prometheus after -- belongs to the measured command, not to oomguard', () => {
  const result = oomguard(['measure', '--no-cgroup', '--format', 'json', '--', 'sh', '-c', 'echo "$1"', 'sh', '--prometheus']);
  assert.is(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).command, ['sh', '-c', 'echo "$1"', 'sh', '--prometheus']);
  assert.match(result.stderr, '--prometheus');
});

test('measure: a missing command exits 2 and says so', () => {
  const result = oomguard(['measure', '--no-cgroup', '--', 'no-such-command-oomguard']);
  assert.is(result.status, 2);
  assert.match(result.stderr, 'oomguard measure: command not found: no-such-command-oomguard');
});

test('verify without the right to create a cgroup exits 2 and names what is missing', () => {
  if (!withCgroup('the unprivileged case is checked against a real cgroup')) return;
  if (!haveCapability(process.getuid?.() === 0, 'not root: cannot switch to nobody to check the unprivileged message')) return;
  if (!haveTool('setpriv', 'runs oomguard as nobody')) return;
  const result = oomguard(['verify', '--limit', '256Mi', '--runtime', 'node', '--', 'true'], { prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, /^oomguard verify: cannot run the command under a memory limit: .*cgroup v1: cannot create a group in \S+ \(our memory group\): it is not writable by this user; run as root or in a container with a writable memory cgroup/);
});

test('verify --format json --chart: V8 hits its generated ceiling under a real 256Mi limit, as PID 1 (139)', () => {
  if (!withCgroup('verify needs a real memory cgroup')) return;
  const chart = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-chart-')), 'verify.svg');
  const result = oomguard(['verify', '--format', 'json', '--limit', '256Mi', '--runtime', 'node', '--chart', chart, '--', 'node', HOLD_JS, '300']);
  assert.is(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(
    [report.outcome, report.exitCode, report.signal, report.limitBytes, report.runtime, report.oomKills, report.cgroupVersion],
    ['runtime-oom', 139, 'SIGSEGV', 256 * MIB, 'node', 0, cgroup.ok ? cgroup.parent.version : 0],
  );
  // PID 1 of its own namespace, as in a container: V8's abort() is not delivered to PID 1 and it ends in SIGSEGV.
  assert.equal([report.pidNamespace, report.killedProcesses, report.childKilled], [true, 0, false]);
  assert.equal(report.flags, [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=153' }]);
  assert.match(report.evidence, /heap limit|JavaScript heap out of memory/);
  assert.ok(report.peakBytes > 100 * MIB && report.peakBytes < 256 * MIB, `stopped below the limit: ${report.peakBytes}`);
  const svg = fs.readFileSync(chart, 'utf8');
  for (const text of ['limit 256Mi', '90% 230Mi', '75% 192Mi', 'cgroup usage', 'process tree RSS', 'runtime-oom']) assert.ok(svg.includes(text), `chart shows ${text}`);
  fs.rmSync(path.dirname(chart), { recursive: true, force: true });
  assert.equal(leftoverGroups(), [], 'the cgroup was removed');
});

test('verify --no-flags: the kernel kills Node.js at the limit (137), text report', () => {
  if (!withCgroup('verify needs a real memory cgroup')) return;
  const result = oomguard(['verify', '--limit', '256Mi', '--no-flags', '--', 'node', HOLD_JS, '300']);
  assert.is(result.status, 1, result.stderr);
  assert.match(result.stdout, /^oomguard verify: oom-killed: node \S+hold\.js 300\n/);
  assert.match(result.stdout, '  exit        137 after ');
  assert.match(result.stdout, ': exit 137 (SIGKILL) and the cgroup counted 1 OOM kill\n');
  assert.match(result.stdout, '  flags       none (--no-flags)\n');
  assert.equal(leftoverGroups(), []);
});

test('measure in a cgroup: cgroup peak and RSS, recommended limit for Python, chart with the 75%/90% lines', () => {
  if (!withCgroup('measure reads a cgroup peak')) return;
  const chart = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-chart-')), 'measure.svg');
  const result = oomguard(['measure', '--format', 'json', '--runtime', 'python', '--chart', chart, '--', 'python3', HOLD_PY, '60']);
  assert.is(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.is(report.source, cgroup.ok && cgroup.parent.version === 2 ? 'cgroup-v2' : 'cgroup-v1');
  assert.ok(report.cgroupPeakBytes > 60 * MIB && report.cgroupPeakBytes < 200 * MIB, `cgroup peak covers the 60 MiB held: ${report.cgroupPeakBytes}`);
  assert.is(report.peakBytes, report.cgroupPeakBytes);
  const limit = recommend(report.peakBytes, 'python').limitBytes;
  assert.is(report.recommendation.limitBytes, limit);
  assert.equal(report.flags, [{ name: 'MALLOC_ARENA_MAX', value: '2' }]);
  const svg = fs.readFileSync(chart, 'utf8');
  for (const text of [`recommended limit ${limit / MIB}Mi`, `90% ${Math.round((limit * 0.9) / MIB)}Mi`, `75% ${Math.round((limit * 0.75) / MIB)}Mi`, 'peak ']) assert.ok(svg.includes(text), `chart shows ${text}`);
  fs.rmSync(path.dirname(chart), { recursive: true, force: true });
  assert.equal(leftoverGroups(), []);
});

test('measure: Ctrl-C stops the command and reports what was measured so far', async () => {
  const child = spawn(process.execPath, [CLI, 'measure', '--format', 'json', '--', 'node', HOLD_JS, '40', '30000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.kill('SIGINT');
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.is(status, 0, stderr);
  assert.ok(Date.now() - started < 10_000, 'stopped long before the 30 s hold');
  const report = JSON.parse(stdout);
  assert.is(report.interrupted, true);
  assert.ok(report.peakBytes > 40 * MIB, `measured the 40 MiB held before Ctrl-C: ${report.peakBytes}`);
  assert.equal(leftoverGroups(), []);
});

test.run();
