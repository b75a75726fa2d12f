/**
 * `verify --image` and `measure --image` (issue 17.3) against a REAL private dockerd (test/helpers/docker.ts):
 * the skeleton image made with `docker import`, the host's /usr and /etc bind-mounted read-only through
 * --docker-arg, the CLI (bin/oomguard.js over dist/, so build first) pointed at the daemon with DOCKER_HOST
 * and at the client with OOMGUARD_DOCKER. About 20 s; needs root and docker.io.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUFFER_HOG, dockerdAvailable, HEAP_HOG, startDockerd, type Dockerd } from './helpers/docker';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'oomguard.js');
const MI = 1024 * 1024;
const ready = dockerdAvailable('verify --image runs a real container');

let docker: Dockerd | undefined;

test.before(async () => {
  if (ready) docker = await startDockerd();
});

test.after(async () => {
  await docker?.stop();
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: docker?.host ?? '', OOMGUARD_DOCKER: docker?.client ?? '', ...extra };
  delete result.DOCKER_CONTEXT;
  return result;
}

/** The image's working root: host /usr and /etc, no network, as --docker-arg values. */
function imageArgs(): string[] {
  if (!docker) return [];
  return ['--image', docker.image, '--docker-arg=-v=/usr:/usr:ro', '--docker-arg=-v=/etc:/etc:ro', '--docker-arg=--network=none'];
}

function oomguard(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: env(extra) });
  assert.is(result.error, undefined, 'the CLI must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${result.stderr}`);
  return result;
}

function containersLeft(): string[] {
  return docker?.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean) ?? [];
}

test('Node.js as PID 1 holding Buffers past the limit, --no-flags: oom-killed, 137, State.OOMKilled', () => {
  if (!docker) return;
  const result = oomguard(['verify', ...imageArgs(), '--limit', '200Mi', '--no-flags', '--format', 'json', '--', 'node', '-e', BUFFER_HOG(400)]);
  assert.is(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.outcome, report.exitCode, report.oomKilled, report.childKilled, report.limitBytes, report.image], ['oom-killed', 137, true, false, 200 * MI, docker.image]);
  assert.ok(report.killedProcesses >= 1, JSON.stringify(report));
  assert.match(report.containerId, /^[0-9a-f]{64}$/);
  assert.equal(report.flags, []);
  assert.equal(containersLeft(), [], 'the container was removed');
});

test('the same heap filler with the generated NODE_OPTIONS: runtime-oom, 139 (V8\'s heap message, Node.js as PID 1)', () => {
  if (!docker) return;
  const result = oomguard(['verify', ...imageArgs(), '--limit', '200Mi', '--runtime', 'node', '--format', 'json', '--', 'node', '-e', HEAP_HOG]);
  assert.is(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.outcome, report.exitCode, report.oomKilled, report.killedProcesses], ['runtime-oom', 139, false, 0], JSON.stringify(report));
  assert.match(report.evidence, /heap limit|JavaScript heap out of memory/);
  assert.ok(report.flags.some((flag: { name: string; value: string }) => flag.name === 'NODE_OPTIONS' && /--max-old-space-size=\d+/.test(flag.value)), JSON.stringify(report.flags));
  // The log went to stderr in JSON mode: V8's message is there.
  assert.match(result.stderr, /JavaScript heap out of memory/);
});

test('a shell PID 1 whose node child is OOM-killed and which exits 0: oom-killed, childKilled, exit 0', () => {
  if (!docker) return;
  const script = `node -e '${BUFFER_HOG(400)}'; echo "child exited $?"; exit 0`;
  const result = oomguard(['verify', ...imageArgs(), '--limit', '200Mi', '--no-flags', '--format', 'json', '--', 'sh', '-c', script]);
  assert.is(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.outcome, report.exitCode, report.childKilled, report.killedProcesses], ['oom-killed', 0, true, 1], JSON.stringify(report));
  assert.match(result.stderr, 'child exited 137');
  assert.ok(report.peakBytes > 150 * MI && report.peakBytes <= 200 * MI, `peak near the limit: ${report.peakBytes}`);
});

const FITTING = `const a=[];for(let i=0;i<60;i++)a.push(Buffer.alloc(1<<20,1));setTimeout(()=>console.log("held "+a.length),1500)`;

test('a fitting workload with the generated flags: ok, exit 0, peak above its 60 MiB and below the limit; text report', () => {
  if (!docker) return;
  const result = oomguard(['verify', ...imageArgs(), '--limit', '200Mi', '--runtime', 'node', '--format', 'json', '--', 'node', '-e', FITTING]);
  assert.is(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.outcome, report.exitCode, report.killedProcesses, report.childKilled], ['ok', 0, 0, false]);
  assert.ok(report.peakBytes >= 60 * MI && report.peakBytes < 200 * MI, `plausible peak: ${report.peakBytes}`);
  assert.match(result.stderr, 'held 60');
  const text = oomguard(['verify', ...imageArgs(), '--limit', '200Mi', '--no-flags', '--', 'sh', '-c', 'echo hi']);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /^hi\noomguard verify: ok: image /);
  assert.match(text.stdout, '  flags       none (--no-flags)');
  assert.equal(containersLeft(), []);
});

test('measure --image reports the container cgroup\'s peak and a recommendation', () => {
  if (!docker) return;
  const result = oomguard(['measure', ...imageArgs(), '--runtime', 'node', '--format', 'json', '--', 'node', '-e', FITTING]);
  assert.is(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.source, report.exitCode, report.image], ['cgroup-v1', 0, docker.image]);
  assert.ok(report.peakBytes >= 60 * MI && report.peakBytes < 400 * MI, `plausible peak: ${report.peakBytes}`);
  assert.ok(report.recommendation.limitBytes > report.peakBytes, JSON.stringify(report.recommendation));
  assert.ok(report.flags.some((flag: { name: string }) => flag.name === 'NODE_OPTIONS'));
  assert.equal(containersLeft(), []);
});

test('SIGTERM stops and removes the container', async () => {
  if (!docker) return;
  const child = spawn(process.execPath, [CLI, 'verify', ...imageArgs(), '--limit', '64Mi', '--no-flags', '--grace-period', '1', '--format', 'json', '--', 'sh', '-c', 'sleep 30'], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  for (let i = 0; i < 100 && containersLeft().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(containersLeft().length, 1, 'the container started');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sent = Date.now();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('close', resolve));
  assert.ok(Date.now() - sent < 8000, `ended soon after the signal: ${Date.now() - sent} ms`);
  const report = JSON.parse(stdout);
  assert.equal([report.interrupted, report.outcome], [true, 'failed']);
  assert.equal(containersLeft(), [], 'the container was removed');
});

test('an image that cannot be run: docker\'s error line, exit 2, nothing left behind; --docker-arg=--rm and a second --memory are refused', () => {
  if (!docker) return;
  const missing = oomguard(['verify', '--image', 'oomguard-missing:none', '--limit', '64Mi', '--no-flags']);
  assert.is(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^oomguard verify: docker run oomguard-missing:none failed: .*[Ee]rror/);
  assert.equal(containersLeft(), []);
  for (const arg of ['--docker-arg=--rm', '--docker-arg=--memory=1g']) {
    const refused = oomguard(['measure', ...imageArgs(), arg, '--', 'true']);
    assert.is(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, `${arg.slice('--docker-arg='.length)} is not allowed`);
  }
  assert.equal(containersLeft(), []);
});

test('no docker client, or no daemon: one clear line, exit 2', () => {
  // Needs no daemon: a client that does not exist, and a socket nobody listens on.
  const missing = spawnSync(process.execPath, [CLI, 'verify', '--image', 'x', '--limit', '64Mi', '--no-flags'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OOMGUARD_DOCKER: '/nonexistent/docker' } });
  assert.is(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^oomguard verify: the container client "\/nonexistent\/docker" was not found/);
  if (!ready) return;
  const unreachable = spawnSync(process.execPath, [CLI, 'measure', '--image', 'x'], { cwd: ROOT, encoding: 'utf8', env: { ...env(), DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
  assert.is(unreachable.status, 2, unreachable.stderr);
  assert.match(unreachable.stderr, /^oomguard measure: the Docker daemon at DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock is not reachable: /);
  assert.is(unreachable.stderr.trim().split('\n').length, 1);
});

test.run();
