/**
 * diagnose and the kills Docker and Kubernetes hide (issue 13.9), and input that is not what kubectl or
 * docker write (12.6, 12.15). The kernel log lines here are the kernel's own format as this machine's
 * dmesg printed it (cgroup v1, Linux 6.x); the same matching runs on real Docker containers and their real
 * dmesg in test/diagnose-docker.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cgroupIdentity, diagnose, formatHuman, parseKernelLog, readSubjects, type Subject } from '../lib/diagnose';

const MI = 1024 * 1024;
const ROOT = path.join(__dirname, '..');
const UID = '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b';
const UID_ = UID.replace(/-/g, '_');
const CID = 'a'.repeat(60) + '1234';
const OTHER_CID = 'b'.repeat(60) + '5678';
const PREVIOUS_CID = 'c'.repeat(60) + '9abc';

function oomLines(memcg: string, pid: number, task: string, anonKb: number, stamp = '[  408.162634] '): string[] {
  return [
    `${stamp}${task} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
    `${stamp}oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=${memcg},task_memcg=${memcg},task=${task},pid=${pid},uid=0`,
    `${stamp}Memory cgroup out of memory: Killed process ${pid} (${task}) total-vm:1188964kB, anon-rss:${anonKb}kB, file-rss:32928kB, shmem-rss:0kB, UID:0 pgtables:840kB oom_score_adj:0`,
  ];
}

function pod(statuses: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'worker-5f7d8-abcde', namespace: 'jobs', uid: UID },
    spec: { containers: statuses.map((s) => ({ name: s.name, image: 'node:20', command: ['node', 'main.js'], resources: { limits: { memory: '256Mi' }, requests: { memory: '256Mi' } } })) },
    status: { phase: 'Running', containerStatuses: statuses },
    ...extra,
  };
}

function subjects(document: unknown): Subject[] {
  const read = readSubjects(document);
  if (!read.ok) throw new Error(read.message);
  return read.subjects;
}

test('parseKernelLog: dmesg lines joined by pid, RSS in bytes, seconds since boot', () => {
  const memcg = `/kubepods/burstable/pod${UID}/${CID}`;
  const log = parseKernelLog([
    '[  400.000001] eth0: link up',
    ...oomLines(memcg, 10302, 'node', 203264),
    '[  408.200000] oom_reaper: reaped process 10302 (node), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
  ].join('\n'));
  assert.is(log.lines, 5);
  assert.equal(log.kills, [{
    line: 3, pid: 10302, process: 'node', uid: 0, taskMemcg: memcg, oomMemcg: memcg, constraint: 'CONSTRAINT_MEMCG', globalOom: false,
    totalVmBytes: 1188964 * 1024, anonRssBytes: 203264 * 1024, fileRssBytes: 32928 * 1024, shmemRssBytes: 0, rssBytes: (203264 + 32928) * 1024,
    time: { raw: '408.162634', secondsSinceBoot: 408.162634 },
  }]);
});

test('parseKernelLog: dmesg -T, journalctl -k (short and short-iso), a node-wide OOM and a pre-4.19 kernel', () => {
  const memcg = `/docker/${CID}`;
  const human = parseKernelLog(oomLines(memcg, 1, 'java', 1000, '[Tue Dec  1 11:12:23 2026] ').join('\n')).kills[0];
  assert.equal(human.time, { raw: 'Tue Dec  1 11:12:23 2026', iso: '2026-12-01T11:12:23.000Z' });
  const journal = parseKernelLog(oomLines(memcg, 2, 'java', 1000, 'Dec 01 11:12:23 node-7 kernel: ').join('\n')).kills[0];
  assert.equal([journal.pid, journal.time, journal.taskMemcg], [2, { raw: 'Dec 01 11:12:23' }, memcg]);
  const iso = parseKernelLog(oomLines(memcg, 3, 'java', 1000, '2026-12-01T11:12:23+0000 node-7 kernel: ').join('\n')).kills[0];
  assert.equal(iso.time, { raw: '2026-12-01T11:12:23+0000', iso: '2026-12-01T11:12:23.000Z' });
  const global = parseKernelLog([
    `[ 9.5] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=${memcg},task=java,pid=77,uid=1000`,
    '[ 9.5] Out of memory: Killed process 77 (java) total-vm:2048kB, anon-rss:1024kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:8kB oom_score_adj:0',
  ].join('\n')).kills[0];
  assert.equal([global.globalOom, global.oomMemcg, global.taskMemcg, global.uid], [true, undefined, memcg, 1000]);
  const old = parseKernelLog([
    `[  12.0] Task in /kubepods/pod${UID}/${CID} killed as a result of limit of /kubepods/pod${UID}`,
    '[  12.0] Memory cgroup out of memory: Kill process 4242 (python3) score 1000 or sacrifice child',
    '[  12.0] Killed process 4242 (python3) total-vm:500000kB, anon-rss:250000kB, file-rss:1000kB, shmem-rss:0kB',
  ].join('\n')).kills[0];
  assert.equal([old.pid, old.process, old.taskMemcg, old.oomMemcg, old.rssBytes], [4242, 'python3', `/kubepods/pod${UID}/${CID}`, `/kubepods/pod${UID}`, 251000 * 1024]);
});

test('cgroupIdentity: pod UID and container ID in every driver\'s layout', () => {
  const cases: [string, { podUid?: string; containerId?: string }][] = [
    [`/kubepods/burstable/pod${UID}/${CID}`, { podUid: UID, containerId: CID }],
    [`/kubepods/pod${UID}/${CID}`, { podUid: UID, containerId: CID }],
    [`/kubepods/besteffort/pod${UID}`, { podUid: UID }],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${CID}.scope`, { podUid: UID, containerId: CID }],
    [`/kubepods.slice/kubepods-pod${UID_}.slice/crio-${CID}.scope`, { podUid: UID, containerId: CID }],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${CID}.scope`, { podUid: UID, containerId: CID }],
    [`/kubepods.slice/kubepods-pod${UID_}.slice/crio-conmon-${CID}.scope`, { podUid: UID }],
    [`/docker/${CID}`, { containerId: CID }],
    [`/system.slice/docker-${CID}.scope`, { containerId: CID }],
    ['/user.slice/user-1000.slice/session-3.scope', {}],
    [`/process_api/5fe6eb968d67c590d30d634e0d8c1a93/oomguard-6075-10`, {}],
  ];
  for (const [memcg, expected] of cases) assert.equal(cgroupIdentity(memcg), expected, memcg);
});

test('a kill in a running container that never restarted: child-oom-killed, with process, RSS and time; other cgroups are not attributed', () => {
  const log = parseKernelLog([
    ...oomLines(`/kubepods/burstable/pod${UID}/${CID}`, 5001, 'node', 180000),
    // The same process name in another pod's container, and in a cgroup outside Kubernetes: the node is shared.
    ...oomLines(`/kubepods/burstable/pod11111111-2222-3333-4444-555555555555/${OTHER_CID}`, 5002, 'node', 190000, '[  500.1] '),
    ...oomLines('/process_api/5fe6eb968d67c590d30d634e0d8c1a93/oomguard-6075-10', 5003, 'node', 200000, '[  501.2] '),
  ].join('\n'));
  const input = pod([{ name: 'worker', restartCount: 0, containerID: `containerd://${CID}`, state: { running: { startedAt: '2026-12-01T10:00:00Z' } } }]);
  const report = diagnose(subjects(input), { kernelLog: log });
  assert.is(report.diagnoses.length, 1);
  const [d] = report.diagnoses;
  assert.equal([d.container, d.verdict, d.severity, d.state], ['worker', 'child-oom-killed', 'error', 'running']);
  assert.match(d.title, 'node (pid 5001)');
  assert.equal(d.kernelKills?.map((k) => [k.pid, k.process, k.rssBytes, k.run, k.time?.secondsSinceBoot]), [[5001, 'node', (180000 + 32928) * 1024, 'current', 408.162634]]);
  assert.match(d.explanation, 'neither Kubernetes nor Docker shows the kill');
  assert.equal([report.kernelLog?.kills, report.kernelLog?.matched, report.kernelLog?.elsewhere, report.kernelLog?.podOnly.length], [3, 1, 2, 0]);
  const text = formatHuman(report);
  assert.match(text, 'kernel OOM kill (the current run, kernel log line 2): node (pid 5001) with 208Mi resident');
  assert.match(text, 'kernel log: 9 lines, 3 OOM kills: 1 matched to a container here, 0 to a pod only, 2 in other cgroups (not attributed).');
});

test('the kill of an earlier run and of the pod\'s own cgroup: matched by ID to the previous run, or to the pod only', () => {
  const log = parseKernelLog([
    ...oomLines(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${PREVIOUS_CID}.scope`, 61, 'java', 250000),
    ...oomLines(`/kubepods/burstable/pod${UID}/${'d'.repeat(64)}`, 62, 'sh', 100, '[  600.0] '),
  ].join('\n'));
  const input = pod([{
    name: 'worker', restartCount: 1, containerID: `containerd://${CID}`, state: { running: {} },
    lastState: { terminated: { exitCode: 137, reason: 'Error', containerID: `containerd://${PREVIOUS_CID}`, finishedAt: '2026-12-01T09:59:00Z' } },
  }]);
  const report = diagnose(subjects(input), { kernelLog: log });
  const [d] = report.diagnoses;
  // A bare 137 (reason Error) becomes a kernel OOM kill, because the log names the container of that run.
  assert.equal([d.verdict, d.termination?.which, d.kernelKills?.map((k) => [k.pid, k.run])], ['oom-killed', 'previous', [[61, 'ended']]]);
  assert.match(d.title, 'exit 137: the kernel log shows the OOM killer killed java (pid 61) in this container');
  assert.equal(report.kernelLog?.podOnly.map((k) => [k.pid, k.pod.name]), [[62, 'worker-5f7d8-abcde']]);
});

test('docker: OOMKilled true with exit 0 or 1 is a child killed while PID 1 lived on', () => {
  const inspect = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'diagnose', 'docker-inspect.json'), 'utf8'))[0];
  for (const exitCode of [0, 1]) {
    const [d] = diagnose(subjects([{ ...inspect, State: { ...inspect.State, ExitCode: exitCode, OOMKilled: true } }])).diagnoses;
    assert.equal([d.verdict, d.severity, d.exit?.code], ['child-oom-killed', 'error', exitCode]);
    assert.match(d.title, `OOMKilled with exit code ${exitCode}: the kernel killed a child process while the main process lived on`);
    assert.ok(d.nextSteps.some((step) => step.includes('every process in the container')), d.nextSteps.join('\n'));
  }
});

test('exit 139 of Node.js: a heap OOM when the log shows V8\'s message, a segfault (with the hint) when no log is given', () => {
  const input = pod([{ name: 'worker', restartCount: 3, containerID: `containerd://${CID}`, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 139, reason: 'Error' } } }]);
  const v8 = '<--- Last few GCs --->\nFATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7c0b0 node::Abort() [node]\n';
  const [heap] = diagnose(subjects(input), { logs: [{ text: v8 }] }).diagnoses;
  assert.equal([heap.verdict, heap.exit?.code], ['runtime-oom', 139]);
  assert.match(heap.logEvidence ?? '', 'JavaScript heap out of memory');
  assert.match(heap.explanation, 'PID 1 ends with 139 (SIGSEGV), not 134');
  const [segv] = diagnose(subjects(input)).diagnoses;
  assert.equal(segv.verdict, 'segfault');
  assert.match(segv.explanation, 'pass it with --logs');
  const [other] = diagnose(subjects(input), { logs: [{ container: 'sidecar', text: v8 }] }).diagnoses;
  assert.equal(other.verdict, 'segfault', 'a log named for another container does not apply');
});

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'oomguard.js'), 'diagnose', ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 60_000, maxBuffer: 1 << 26 });
  assert.is(result.error, undefined, 'diagnose must not hang');
  assert.not.match(result.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${result.stderr}`);
  return result;
}

test('CLI: exit codes as strings and missing fields are input errors with a line, never "completed successfully"', () => {
  const inspect = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'diagnose', 'docker-inspect.json'), 'utf8'))[0];
  const quoted = JSON.stringify([{ ...inspect, State: { ...inspect.State, ExitCode: '137', OOMKilled: false } }], null, 2);
  const a = cli(['-'], quoted);
  assert.is(a.status, 2, a.stdout);
  const line = quoted.split('\n').findIndex((l) => l.includes('"ExitCode"')) + 1;
  assert.match(a.stderr, `oomguard diagnose: standard input:${line}: [0].State.ExitCode: expected an integer, got the string "137" (quoted: kubectl and docker write a number)`);
  assert.not.match(a.stdout, 'completed successfully');
  const { ExitCode: _dropped, ...noExit } = inspect.State;
  const b = cli(['-', '--format', 'json'], JSON.stringify([{ ...inspect, State: noExit }]));
  assert.is(b.status, 2);
  assert.match(b.stderr, '[0].State.ExitCode: expected an integer, got nothing (the field is missing)');
  assert.not.match(b.stdout, 'completed successfully');
  const yaml = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: p}', 'spec: {containers: [{name: c, image: x}]}', 'status:', '  containerStatuses:', '  - name: c', '    restartCount: "2"', '    lastState:', '      terminated: {reason: Completed}', ''].join('\n');
  const c = cli(['-'], yaml);
  assert.is(c.status, 2);
  assert.match(c.stderr, 'standard input:8: status.containerStatuses[0].restartCount: expected an integer, got the string "2"');
  assert.match(c.stderr, 'standard input:10: status.containerStatuses[0].lastState.terminated.exitCode: expected an integer, got nothing');
  for (const [input, message] of [
    ['null', 'expected kubectl get pod -o json'],
    ['{"kind":"Pod","spec":{"containers":"x"}}', 'spec.containers: expected a list of containers, got the string "x"'],
    ['[{"State":{"ExitCode":1,"OOMKilled":"yes"},"Config":{}}]', '[0].State.OOMKilled: expected true or false, got the string "yes"'],
  ]) {
    const bad = cli(['-'], input);
    assert.is(bad.status, 2, input);
    assert.match(bad.stderr, message, input);
  }
});

test('a log without newlines, megabytes long, is searched in linear time', () => {
  const started = Date.now();
  const input = pod([{ name: 'worker', restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 139 } } }]);
  const [d] = diagnose(subjects(input), { logs: [{ text: `${'x'.repeat(4 << 20)} FATAL ERROR: Reached heap limit` }] }).diagnoses;
  assert.is(d.verdict, 'runtime-oom');
  assert.ok((d.logEvidence ?? '').length < 500, 'the evidence is the match, not the whole line');
  const [none] = diagnose(subjects(input), { logs: [{ text: 'y'.repeat(4 << 20) }] }).diagnoses;
  assert.is(none.verdict, 'segfault');
  assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
});

test('CLI: input is bounded: a device, a FIFO and a folder are refused; more than 64 MiB on stdin stops', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-diagnose-'));
  try {
    const fifo = path.join(dir, 'pods.json');
    spawnSync('mkfifo', [fifo]);
    for (const [file, message] of [['/dev/zero', 'is a character device, not a regular file'], [fifo, 'is a FIFO (named pipe), not a regular file'], [dir, 'is a folder']]) {
      const started = Date.now();
      const result = cli([file]);
      assert.is(result.status, 2, file);
      assert.match(result.stderr, `oomguard diagnose: ${file}: ${message}`);
      assert.ok(Date.now() - started < 10_000, `${file} refused at once`);
    }
    const kernel = cli([path.join(ROOT, 'test', 'fixtures', 'diagnose', 'completed-0.json'), '--kernel-log', '/dev/zero']);
    assert.is(kernel.status, 2);
    assert.match(kernel.stderr, 'oomguard diagnose: /dev/zero: is a character device, not a regular file');
    const big = spawnSync('sh', ['-c', `head -c 80000000 /dev/zero | "${process.execPath}" --max-old-space-size=300 "${path.join(ROOT, 'bin', 'oomguard.js')}" diagnose -`], { encoding: 'utf8', timeout: 60_000 });
    assert.is(big.status, 2, big.stderr);
    assert.match(big.stderr, /oomguard diagnose: standard input: .*64 MiB/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: kernel log lines mixed into the pod JSON are found; --kernel-log and --logs files; an unnamed log for two ended containers is refused', () => {
  const running = pod([{ name: 'worker', restartCount: 0, containerID: `containerd://${CID}`, state: { running: {} } }]);
  const mixed = `${JSON.stringify(running, null, 2)}\n${oomLines(`/kubepods/burstable/pod${UID}/${CID}`, 5001, 'node', 180000).join('\n')}\n`;
  const result = cli(['-', '--format', 'json'], mixed);
  assert.is(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal([report.diagnoses[0].verdict, report.diagnoses[0].kernelKills[0].pid, report.kernelLog.matched], ['child-oom-killed', 5001, 1]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-diagnose-'));
  try {
    const two = pod([
      { name: 'a', restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 139 } } },
      { name: 'b', restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 139 } } },
    ]);
    fs.writeFileSync(path.join(dir, 'pod.json'), JSON.stringify(two));
    fs.writeFileSync(path.join(dir, 'a.log'), 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    const ambiguous = cli([path.join(dir, 'pod.json'), '--logs', path.join(dir, 'a.log')]);
    assert.is(ambiguous.status, 2);
    assert.match(ambiguous.stderr, 'the input holds 2 that ended (a, b): use --logs NAME=FILE');
    const named = cli([path.join(dir, 'pod.json'), '--logs', `a=${path.join(dir, 'a.log')}`, '--format', 'json']);
    assert.is(named.status, 1, named.stderr);
    assert.equal(JSON.parse(named.stdout).diagnoses.map((d: { container: string; verdict: string }) => `${d.container}:${d.verdict}`), ['a:runtime-oom', 'b:segfault']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
