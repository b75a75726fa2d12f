/**
 * diagnose on REAL `docker inspect` output and the REAL kernel log (issue 13.10): a private dockerd
 * (test/helpers/docker.ts) runs OOM-killed, child-killed and Node.js heap containers under
 * `--memory 200m --memory-swap 200m`; their inspect output, `docker logs` and this machine's dmesg go to
 * `oomguard diagnose` through the CLI. The machine is shared, so dmesg holds other people's kills too: the
 * assertions check that each container gets exactly its own kills. About 10 s; needs root and docker.io.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONTAINER_SCENARIOS, dockerdAvailable, kernelLog, runContainerScenario, startDockerd, type ContainerRun, type Dockerd } from './helpers/docker';

const ROOT = path.join(__dirname, '..');
const MI = 1024 * 1024;
const ready = dockerdAvailable('diagnose is tested on real docker inspect output');

let docker: Dockerd | undefined;
let dir = '';
const runs = new Map<string, ContainerRun>();
let dmesgFile = '';

test.before(async () => {
  if (!ready) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-diagnose-docker-'));
  docker = await startDockerd();
  for (const scenario of CONTAINER_SCENARIOS) runs.set(scenario.id, await runContainerScenario(docker, scenario));
  dmesgFile = path.join(dir, 'dmesg.txt');
  fs.writeFileSync(dmesgFile, kernelLog());
});

test.after(async () => {
  await docker?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function diagnoseRun(run: ContainerRun, extra: string[] = []) {
  const inspect = path.join(dir, `${run.scenario.id}.json`);
  fs.writeFileSync(inspect, run.inspectText);
  const args = [inspect, '--format', 'json', '--kernel-log', dmesgFile, ...extra];
  if (run.scenario.withLogs) {
    const log = path.join(dir, `${run.scenario.id}.log`);
    fs.writeFileSync(log, run.logs);
    args.push('--logs', log);
  }
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'oomguard.js'), 'diagnose', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.is(result.error, undefined);
  return { status: result.status, report: JSON.parse(result.stdout), stderr: result.stderr };
}

for (const scenario of CONTAINER_SCENARIOS) {
  test(`real container ${scenario.id} (${scenario.title}): docker says exit ${scenario.expect.exitCode}, OOMKilled ${scenario.expect.oomKilled}; diagnose says ${scenario.expect.verdict}`, () => {
    if (!ready) return;
    const run = runs.get(scenario.id);
    assert.ok(run, 'the container ran');
    if (!run) return;
    // What Docker itself recorded: the facts diagnose has to see through.
    assert.is(run.state.ExitCode, scenario.expect.exitCode, JSON.stringify(run.state));
    if (!scenario.expect.running) assert.is(run.state.OOMKilled, scenario.expect.oomKilled, JSON.stringify(run.state));
    assert.is(run.state.Running, scenario.expect.running === true);
    const { status, report, stderr } = diagnoseRun(run);
    assert.is(status, 1, stderr);
    assert.is(report.diagnoses.length, 1, JSON.stringify(report.diagnoses));
    const [d] = report.diagnoses;
    assert.equal([d.source, d.verdict, d.severity, d.limitBytes], ['docker', scenario.expect.verdict, 'error', 200 * MI]);
    const kills = d.kernelKills ?? [];
    if (scenario.expect.killedProcess) {
      // Exactly one kill in this container's cgroup, named and sized from the kernel's own line.
      assert.is(kills.length, 1, JSON.stringify(kills));
      assert.equal([kills[0].process, kills[0].taskMemcg], [scenario.expect.killedProcess, `/docker/${run.id}`]);
      assert.ok(kills[0].rssBytes > 150 * MI && kills[0].rssBytes <= 260 * MI, `RSS at the kill near the 200m limit: ${kills[0].rssBytes}`);
      assert.ok(typeof kills[0].time.secondsSinceBoot === 'number');
      assert.is(report.kernelLog.matched, 1);
    } else {
      assert.is(kills.length, 0, 'a heap OOM is no kernel kill');
    }
    if (scenario.expect.verdict === 'runtime-oom') {
      assert.match(d.logEvidence, /heap limit|JavaScript heap out of memory/);
      assert.match(d.explanation, 'PID 1 ends with 139 (SIGSEGV), not 134');
    }
    if (scenario.id === 'child-killed-running') assert.equal([d.state, d.termination], ['running', undefined], 'the kill never changed the container status');
  });
}

test('all the real containers in one docker inspect: each gets its own kills, none another\'s', () => {
  if (!ready || !docker) return;
  const all = docker.inspect(...[...runs.values()].map((run) => run.name));
  const inspect = path.join(dir, 'all.json');
  fs.writeFileSync(inspect, all.text);
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'oomguard.js'), 'diagnose', inspect, '--format', 'json', '--kernel-log', dmesgFile], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const report = JSON.parse(result.stdout);
  const byName = new Map(report.diagnoses.map((d: { container: string }) => [d.container, d]));
  for (const run of runs.values()) {
    const d = byName.get(run.name) as { kernelKills?: { taskMemcg: string }[] } | undefined;
    assert.ok(d, run.name);
    for (const kill of d?.kernelKills ?? []) assert.is(kill.taskMemcg, `/docker/${run.id}`, run.name);
  }
  assert.is(report.kernelLog.matched, 3);
  assert.is(report.kernelLog.kills, report.kernelLog.matched + report.kernelLog.elsewhere + report.kernelLog.podOnly.length);
});

test.run();
