import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose, exitMeaning, formatHuman, readSubjects, type Diagnosis } from '../lib/diagnose';

const FIXTURES = join(__dirname, 'fixtures', 'diagnose');
const MI = 1024 * 1024;

function run(name: string): Diagnosis[] {
  const read = readSubjects(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')));
  if (!read.ok) throw new Error(read.message);
  return [...diagnose(read.subjects).diagnoses];
}

test('exit codes: signals above 128, the documented meanings', () => {
  assert.equal(exitMeaning(137).label, 'exit code 137 = SIGKILL (128 + 9)');
  assert.equal(exitMeaning(139).signal, { number: 11, name: 'SIGSEGV' });
  assert.equal(exitMeaning(143).label, 'exit code 143 = SIGTERM (128 + 15)');
  assert.equal(exitMeaning(1).label, 'exit code 1');
  for (const code of [0, 1, 125, 126, 127, 137, 139, 143]) assert.ok(exitMeaning(code).meaning.length > 20, `meaning for ${code}`);
  assert.match(exitMeaning(127).meaning, /not found/);
  assert.match(exitMeaning(126).meaning, /could not be executed/);
  assert.match(exitMeaning(125).meaning, /container runtime could not run/);
  assert.match(exitMeaning(42).meaning, /application-specific/);
});

test('JVM OOMKilled: limit, runtime, missing heap flag, the formula with the limit as the lower bound', () => {
  const [d] = run('jvm-oomkilled.json');
  assert.equal(d.verdict, 'oom-killed');
  assert.equal(d.severity, 'error');
  assert.equal(d.title, 'OOMKilled: the kernel killed the container at its memory limit 512Mi');
  assert.equal(d.pod, { name: 'api-7d4b9c8f6d-x2x7k', namespace: 'shop' });
  assert.equal([d.restartCount, d.waitingReason, d.termination?.which, d.termination?.exitCode], [5, 'CrashLoopBackOff', 'previous', 137]);
  assert.equal([d.limitBytes, d.requestBytes], [512 * MI, 256 * MI]);
  assert.equal(d.runtime, { id: 'jvm', title: 'JVM', reason: 'command runs java' });
  assert.equal(d.findings.map((f) => f.ruleId), ['memory-request-not-equal-limit', 'jvm-heap-unset']);
  assert.equal(d.flags, [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseContainerSupport -XX:MaxRAMPercentage=60.5 -XX:MinRAMPercentage=60.5 -XX:+ExitOnOutOfMemoryError' }]);
  assert.equal(d.sizing, { basis: 'limit-as-lower-bound', limitBytes: 971 * MI, explanation: 'peak 512Mi × 1.5 + 203Mi JVM overhead (Serial GC) = 971Mi' });
  assert.equal(d.nextSteps.length, 3);
  assert.match(d.nextSteps[1], /^jvm-heap-unset: .*JAVA_TOOL_OPTIONS="-XX:\+UseContainerSupport -XX:MaxRAMPercentage=60.5/);
  assert.ok(d.nextSteps[2].includes('oomguard measure --prometheus <url> --namespace shop --workload api --container api'), d.nextSteps[2]);
  assert.ok(d.nextSteps[2].endsWith('so at least 971Mi (peak 512Mi × 1.5 + 203Mi JVM overhead (Serial GC) = 971Mi).'), d.nextSteps[2]);
  assert.match(d.explanation, /It has restarted 5 times and is in CrashLoopBackOff/);
});

test('bare 137 (reason Error): SIGKILL from outside or a child OOM kill, check the kernel log', () => {
  const [d] = run('node-bare-137.json');
  assert.equal([d.verdict, d.severity], ['sigkill', 'error']);
  assert.match(d.title, /^exit 137 without OOMKilled/);
  assert.match(d.explanation, /did not record OOMKilled \(reason Error\)/);
  assert.match(d.explanation, /child process/);
  assert.match(d.explanation, /journalctl -k/);
  assert.equal(d.runtime?.id, 'node');
  assert.equal(d.findings, [], 'NODE_OPTIONS sets --max-old-space-size=896 within 1Gi - 100Mi');
  assert.equal(d.sizing, undefined);
  assert.match(d.nextSteps[0], /kernel log .* Liveness probe failed/);
});

test('139 segfault, 143 SIGTERM, 126 and 127: no memory advice, the log to read', () => {
  const [segv] = run('go-segfault-139.json');
  assert.equal([segv.verdict, segv.exit?.signal?.name, segv.runtime?.id, segv.restartCount], ['segfault', 'SIGSEGV', 'go', 7]);
  assert.match(segv.explanation, /not a memory limit/);
  assert.equal(segv.nextSteps, ['Read the log of the run that ended: kubectl logs -n data ingest-0 -c ingest --previous.']);
  assert.equal(segv.pod, { name: 'ingest-0', namespace: 'data' });

  const [term] = run('sigterm-143.json');
  assert.equal([term.verdict, term.severity, term.restartCount], ['sigterm', 'warning', 3]);
  assert.match(term.explanation, /Liveness probe failed/);

  const [notFound, notExecutable] = run('exec-126-127.json');
  assert.equal([notFound.container, notFound.verdict, notFound.termination?.which], ['runner', 'command-not-found', 'previous']);
  assert.equal([notExecutable.container, notExecutable.verdict, notExecutable.termination?.which], ['script', 'not-executable', 'current']);
  assert.equal(notExecutable.nextSteps, ['Read the log of the run that ended: kubectl logs -n ops tools-8d9e0f1a2b-u7i8o -c script.']);
});

test('exit 1 in Python, exit 2 in Go with a declared peak: the formula from the annotation', () => {
  const [py] = run('python-error-1.json');
  assert.equal([py.verdict, py.runtime?.id, py.exit?.code], ['app-error', 'python', 1]);
  assert.match(py.explanation, /MemoryError/);
  const diagnoses = run('list.json');
  assert.equal(diagnoses.map((d) => `${d.pod.name}/${d.container}:${d.verdict}`), [
    'orders-0a1b2c3d4e-k4l5m/orders:app-error',
    'api-7d4b9c8f6d-x2x7k/api:oom-killed',
  ], 'the healthy pod is not explained');
  const go = diagnoses[0];
  assert.equal(go.runtime, { id: 'go', title: 'Go', reason: 'annotation oomguard.io/runtime' });
  assert.equal(go.sizing, { basis: 'declared-peak', limitBytes: 410 * MI, explanation: 'peak 240Mi × 1.5 + 50Mi Go overhead = 410Mi' });
  assert.equal(go.findings.map((f) => f.ruleId), ['memory-limit-below-peak', 'go-memlimit-unset']);
  assert.ok(go.nextSteps.includes('Set the memory limit and request to 410Mi (peak 240Mi × 1.5 + 50Mi Go overhead = 410Mi, from oomguard.io/peak-rss).'), go.nextSteps.join('\n'));
});

test('runtime OOMs: Node.js 134 and a JVM with ExitOnOutOfMemoryError exiting 3', () => {
  const [node, jvm] = run('runtime-oom.json');
  assert.equal([node.container, node.verdict, node.exit?.signal?.name], ['report', 'runtime-oom', 'SIGABRT']);
  assert.equal([jvm.container, jvm.verdict, jvm.exit?.code], ['pdf', 'runtime-oom', 3]);
  assert.match(jvm.explanation, /-XX:\+ExitOnOutOfMemoryError/);
  assert.match(jvm.nextSteps[0], /ceil_Mi\(peak × 1.5 \+ [\d.]+Mi JVM overhead\)/);
});

test('completed containers are info, and a Job pod with nothing wrong exits 0', () => {
  const diagnoses = run('completed-0.json');
  assert.equal(diagnoses.map((d) => [d.container, d.role, d.verdict, d.severity]), [
    ['wait-db', 'init', 'completed', 'info'],
    ['migrate', 'app', 'completed', 'info'],
  ]);
});

test('eviction under memory pressure names the request, not the limit', () => {
  const [d] = run('evicted.json');
  assert.equal([d.verdict, d.container, d.limitBytes, d.requestBytes], ['evicted', 'cache', 1024 * MI, 256 * MI]);
  assert.match(d.explanation, /Container cache was using 912Mi, request is 256Mi, has larger consumption of memory\. Under node memory pressure/);
  assert.equal(d.findings.map((f) => f.ruleId), ['memory-request-not-equal-limit']);
});

test('docker inspect: State.OOMKilled, HostConfig.Memory, a container that could not start', () => {
  const [web, broken] = run('docker-inspect.json');
  assert.equal([web.source, web.container, web.verdict, web.limitBytes, web.requestBytes], ['docker', 'web', 'oom-killed', 256 * MI, undefined]);
  assert.equal(web.runtime?.id, 'node');
  assert.equal(web.findings.map((f) => f.ruleId), ['node-heap-unset']);
  assert.ok(web.nextSteps[1].includes('oomguard measure --runtime node --'), web.nextSteps[1]);
  assert.equal(web.sizing?.limitBytes, 484 * MI);
  assert.equal([broken.verdict, broken.exit?.code, broken.limitBytes], ['start-failed', 125, undefined]);
  assert.match(broken.explanation, /OCI runtime create failed/);
});

test('bad input gets a clear message', () => {
  assert.equal(readSubjects({ apiVersion: 'apps/v1', kind: 'Deployment' }), { ok: false, message: 'expected a Pod, a List of Pods or docker inspect output, got kind Deployment: run kubectl get pod <name> -o json', path: ['kind'] });
  assert.equal(readSubjects('hello').ok, false);
  assert.equal(readSubjects([{ foo: 1 }]), { ok: false, message: '[0] is neither a docker inspect container nor a Pod' });
  assert.equal(readSubjects({ apiVersion: 'v1', kind: 'List', items: [] }), { ok: true, subjects: [] });
});

test('human output names pod, container, numbers and numbered next steps', () => {
  const read = readSubjects(JSON.parse(readFileSync(join(FIXTURES, 'jvm-oomkilled.json'), 'utf8')));
  assert.ok(read.ok);
  const text = formatHuman(diagnose(read.ok ? read.subjects : []));
  const lines = text.split('\n');
  assert.equal(lines[0], '✖ shop/api-7d4b9c8f6d-x2x7k container api: OOMKilled: the kernel killed the container at its memory limit 512Mi');
  assert.equal(lines[1], '    exit code 137 = SIGKILL (128 + 9), reason OOMKilled, finished 2024-05-02T09:14:03Z, previous run');
  assert.equal(lines[2], '    restarts 5, now waiting (CrashLoopBackOff)');
  assert.equal(lines[3], '    limit 512Mi, request 256Mi; runtime JVM (command runs java)');
  assert.ok(lines.includes('    Next:'));
  assert.ok(lines.some((l) => l.startsWith('    2. jvm-heap-unset:')));
  assert.equal(lines[lines.length - 2], '1 container in 1 pod: 1 explained (1 error, 0 warnings).');
});

test('the CLI: human and json output, stdin, exit codes 0/1/2', () => {
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '-e', `require('./lib/cli/main').main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`, 'diagnose', ...args], {
      cwd: join(__dirname, '..'), encoding: 'utf8', input,
    });
  const json = cli([join(FIXTURES, 'list.json'), '--format', 'json']);
  assert.equal(json.status, 1, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.summary, { pods: 3, containers: 3, explained: 2, errors: 2, warnings: 0 });
  assert.equal(report.diagnoses[1].sizing.limitBytes, 971 * MI);
  const stdin = cli(['-'], readFileSync(join(FIXTURES, 'completed-0.json'), 'utf8'));
  assert.equal(stdin.status, 0, stdin.stderr);
  assert.match(stdin.stdout, /2 containers in 1 pod: 2 explained \(0 errors, 0 warnings\)\./);
  const broken = cli(['-'], '{"kind": "Pod", ');
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /^oomguard diagnose: standard input:1: /);
  const usage = cli(['--format', 'xml']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--format must be human or json, got xml/);
});

test.run();
