/**
 * `verify` behaves like a container, and `verify`/`measure` stop what they started: real processes under
 * a real memory cgroup (cgroup v1 here) through the real CLI (bin/oomguard.js over dist/, so build first).
 * - the command is PID 1 of its own PID namespace (issue 13.7);
 * - a child OOM-killed while its parent lives on and exits 0 or 1 is `oom-killed` (13.8);
 * - SIGTERM/SIGINT are forwarded, and everything is SIGKILLed after the grace period; a background child
 *   holding stdout open does not keep the run alive (12.14);
 * - `--chart` is checked before the command runs, and a chart that cannot be written afterwards costs one
 *   error line, never the report (12.5).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { findCgroupParent } from '../lib/lab/cgroup';
import { pidNamespaceAvailable } from '../lib/lab/namespace';
import { runMeasured } from '../lib/lab/run';
import { haveCapability } from './helpers/tools';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'oomguard.js');
const HOLD_JS = path.join(ROOT, 'test', 'workloads', 'hold.js');
const cgroup = findCgroupParent();
const namespace = pidNamespaceAvailable();

function oomguard(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.is(result.error, undefined, 'the CLI must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${result.stderr}`);
  return result;
}

/**
 * Start the CLI, send `signal` after `afterMs` (or once `readyText` appears in its output, so a slow start
 * on a busy machine cannot race the signal), and wait for it to end.
 */
async function signalled(args: string[], signal: NodeJS.Signals, afterMs: number, readyText?: string) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  for (let i = 0; readyText !== undefined && i < 300 && !`${stdout}${stderr}`.includes(readyText); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const sent = Date.now();
  child.kill(signal);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr, afterSignalMs: Date.now() - sent };
}

function ready(what: string): boolean {
  return haveCapability(cgroup.ok, `no writable memory cgroup (${cgroup.ok ? '' : cgroup.problem}): ${what}`)
    && haveCapability(namespace.ok, `no PID namespace (${namespace.ok ? '' : namespace.problem}): ${what}`);
}

function leftoverGroups(): string[] {
  return cgroup.ok ? fs.readdirSync(cgroup.parent.dir).filter((name) => name.startsWith('oomguard-')) : [];
}

/** A child that allocates 300 MiB of Buffers (outside V8's heap flag) until the kernel kills it. */
const GREEDY_CHILD = `node -e 'const a=[];for(let i=0;i<300;i++)a.push(Buffer.alloc(1<<20,1));setTimeout(()=>{},1000)'`;

test('verify runs the command as PID 1 of its own PID namespace; --no-pid-namespace does not', () => {
  if (!ready('PID 1 mode needs a PID namespace and a cgroup')) return;
  const inside = oomguard(['verify', '--limit', '64Mi', '--no-flags', '--format', 'json', '--', 'sh', '-c', 'echo "pid=$$"; ls /proc | grep -c "^[0-9]"']);
  assert.is(inside.status, 0, inside.stderr);
  // In JSON mode the command's stdout goes to stderr: PID 1, and /proc shows only its own namespace.
  assert.match(inside.stderr, /^pid=1\n[1-3]\n/);
  assert.is(JSON.parse(inside.stdout).pidNamespace, true);
  const outside = oomguard(['verify', '--limit', '64Mi', '--no-flags', '--no-pid-namespace', '--format', 'json', '--', 'sh', '-c', 'echo "pid=$$"']);
  assert.is(outside.status, 0, outside.stderr);
  assert.not.match(outside.stderr, /^pid=1\n/);
  assert.is(JSON.parse(outside.stdout).pidNamespace, false);
});

test('Node.js hitting --max-old-space-size: 139 as PID 1 (as in a container), 134 as an ordinary child; both runtime-oom', () => {
  if (!ready('the PID 1 heap-OOM exit needs a PID namespace and a cgroup')) return;
  const asPid1 = JSON.parse(oomguard(['verify', '--limit', '256Mi', '--runtime', 'node', '--format', 'json', '--', 'node', HOLD_JS, '300']).stdout);
  assert.equal([asPid1.outcome, asPid1.exitCode, asPid1.pidNamespace], ['runtime-oom', 139, true]);
  const asChild = JSON.parse(oomguard(['verify', '--limit', '256Mi', '--runtime', 'node', '--no-pid-namespace', '--format', 'json', '--', 'node', HOLD_JS, '300']).stdout);
  assert.equal([asChild.outcome, asChild.exitCode, asChild.pidNamespace], ['runtime-oom', 134, false]);
});

test('unshare\'s report of a SIGKILLed PID 1, written in pieces, is read as SIGKILL (137) and kept out of the output', async () => {
  if (!ready('the PID namespace wrapper is checked for real')) return;
  // glibc's err() writes "unshare: ", the message and ": Invalid argument\n" in separate write(2) calls;
  // here the command plays unshare's part on the same pipe, split with a pause, to make the split certain.
  const run = await runMeasured({
    command: ['sh', '-c', 'printf "before\\nunshare: sigproc" >&2; sleep 0.2; printf "mask unblock failed: Invalid argument\\n" >&2; exit 1'],
    pidNamespace: true, stdout: 'capture', echoStderr: false,
  });
  assert.equal([run.exitCode, run.signal], [null, 'SIGKILL']);
  assert.match(run.output, 'before');
  assert.not.match(run.output, 'sigproc');
});

test('a shell parent surviving its OOM-killed child and exiting 0 is oom-killed, and the text says a child was killed', () => {
  if (!ready('the child kill needs a real memory limit')) return;
  const text = oomguard(['verify', '--limit', '128Mi', '--no-flags', '--', 'sh', '-c', `${GREEDY_CHILD}; echo "child exited $?"; exit 0`]);
  assert.is(text.status, 1, `not ok: ${text.stdout}${text.stderr}`);
  assert.match(text.stdout, 'child exited 137');
  assert.match(text.stdout, /^oomguard verify: oom-killed: /m);
  assert.match(text.stdout, 'the kernel OOM killer killed a child process at the limit while the command lived on and exited 0');
  assert.match(text.stdout, '  exit        0 after ');
  const json = oomguard(['verify', '--limit', '128Mi', '--no-flags', '--format', 'json', '--', 'sh', '-c', `${GREEDY_CHILD}; exit 1`]);
  assert.is(json.status, 1);
  const report = JSON.parse(json.stdout);
  assert.equal([report.outcome, report.exitCode, report.killedProcesses, report.oomKills, report.childKilled], ['oom-killed', 1, 1, 1, true]);
  assert.equal(leftoverGroups(), []);
});

test('a Node.js parent whose worker child is OOM-killed and which exits 0 is oom-killed', () => {
  if (!ready('the child kill needs a real memory limit')) return;
  const parent = `const { spawnSync } = require('node:child_process');
const r = spawnSync('node', ['-e', 'const a=[];for(let i=0;i<300;i++)a.push(Buffer.alloc(1<<20,1))'], { stdio: 'inherit' });
console.log('worker ended by ' + r.signal); process.exit(0);`;
  const result = oomguard(['verify', '--limit', '128Mi', '--no-flags', '--format', 'json', '--', 'node', '-e', parent]);
  assert.match(result.stderr, 'worker ended by SIGKILL');
  const report = JSON.parse(result.stdout);
  assert.equal([report.outcome, report.exitCode, report.killedProcesses, report.childKilled], ['oom-killed', 0, 1, true]);
  assert.ok(report.peakBytes >= 120 * MIB, `the group was charged up to the limit: ${report.peakBytes}`);
});

test('SIGTERM is forwarded to PID 1: a handler runs and the command ends on its own', async () => {
  if (!ready('signal forwarding is checked under verify')) return;
  const handler = 'process.on("SIGTERM",()=>{console.log("got SIGTERM");process.exit(0)});console.log("ready");setInterval(()=>{},1000)';
  const run = await signalled(['verify', '--limit', '128Mi', '--no-flags', '--format', 'json', '--', 'node', '-e', handler], 'SIGTERM', 200, 'ready');
  assert.match(run.stderr, 'got SIGTERM');
  const report = JSON.parse(run.stdout);
  assert.equal([report.outcome, report.exitCode, report.interrupted], ['ok', 0, true]);
  assert.ok(run.afterSignalMs < 3000, `ended soon after the signal: ${run.afterSignalMs} ms`);
});

test('a command that ignores SIGTERM (and SIGINT) is SIGKILLed after the grace period, not waited for', async () => {
  if (!ready('the grace period is checked under verify')) return;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const run = await signalled(['verify', '--limit', '64Mi', '--no-flags', '--grace-period', '1', '--format', 'json', '--', 'sh', '-c', 'trap "" TERM INT; echo ready; sleep 30; echo not-reached'], signal, 200, 'ready');
    const report = JSON.parse(run.stdout);
    assert.equal([report.exitCode, report.interrupted], [137, true], signal);
    assert.ok(report.notes.some((note: string) => note.includes('did not stop within the grace period')), report.notes.join('\n'));
    assert.ok(run.afterSignalMs >= 900 && run.afterSignalMs < 4000, `${signal}: killed after the 1 s grace period: ${run.afterSignalMs} ms`);
    assert.not.match(run.stderr, 'not-reached');
  }
  // measure without a cgroup kills the process tree the same way.
  const measured = await signalled(['measure', '--no-cgroup', '--grace-period', '1', '--format', 'json', '--', 'sh', '-c', 'trap "" TERM; echo ready; sleep 30'], 'SIGTERM', 200, 'ready');
  assert.ok(measured.afterSignalMs >= 900, `measure waited the grace period: ${measured.afterSignalMs} ms`);
  assert.ok(measured.afterSignalMs < 4000, `measure: ${measured.afterSignalMs} ms`);
  assert.is(JSON.parse(measured.stdout).interrupted, true);
  assert.equal(leftoverGroups(), []);
});

test('a background child that only holds stdout open does not keep verify or measure waiting', () => {
  if (!ready('the background child is checked under verify')) return;
  for (const extra of [[], ['--no-pid-namespace']]) {
    const started = Date.now();
    const result = oomguard(['verify', '--limit', '64Mi', '--no-flags', ...extra, '--', 'sh', '-c', 'sleep 20 & echo started']);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, /^started\n/);
    assert.ok(Date.now() - started < 5000, `verify ${extra.join(' ')} returned in ${Date.now() - started} ms`);
  }
  const started = Date.now();
  // Without a cgroup nothing kills the sleep afterwards: it ends on its own, 8 s later.
  const measured = oomguard(['measure', '--no-cgroup', '--', 'sh', '-c', 'sleep 8 & echo started']);
  assert.is(measured.status, 0, measured.stderr);
  assert.ok(Date.now() - started < 6000, `measure returned in ${Date.now() - started} ms, not after the 8 s sleep`);
  assert.equal(leftoverGroups(), []);
});

test('--chart is checked before the command runs: a directory, a missing folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-chart-'));
  try {
    const marker = path.join(dir, 'ran');
    for (const [args, message] of [
      [['verify', '--limit', '64Mi', '--no-flags', '--chart', dir], `oomguard verify: --chart: ${dir} is a directory`],
      [['measure', '--no-cgroup', '--chart', path.join(dir, 'missing', 'x.svg')], `oomguard measure: --chart: the folder ${path.join(dir, 'missing')} does not exist`],
    ] as const) {
      const result = oomguard([...args, '--', 'touch', marker]);
      assert.is(result.status, 2, result.stderr);
      assert.ok(result.stderr.startsWith(message), result.stderr);
      assert.not.ok(fs.existsSync(marker), 'the command never ran');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a chart that cannot be written after the run: the report is printed, then one error line, exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-chart-'));
  const folder = path.join(dir, 'charts');
  fs.mkdirSync(folder);
  try {
    // The command removes the chart's folder while it runs, as a cleanup job might during a long test.
    const result = oomguard(['measure', '--no-cgroup', '--format', 'json', '--chart', path.join(folder, 'm.svg'), '--', 'rmdir', folder]);
    assert.is(result.status, 2, result.stderr);
    assert.is(JSON.parse(result.stdout).exitCode, 0, 'the full report is on stdout');
    const lines = result.stderr.trim().split('\n');
    assert.is(lines[lines.length - 1], `oomguard measure: cannot write the chart to ${path.join(folder, 'm.svg')}: ENOENT`);
    assert.equal(lines.filter((line) => line.startsWith('oomguard measure:')).length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
