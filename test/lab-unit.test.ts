/**
 * The runtime lab's pure parts and its /proc reader: outcome classification, the flags injected for a
 * limit, command splitting, process-tree discovery and RSS from /proc, and the Vega-Lite chart.
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { memoryChartSpec, renderMemoryChart } from '../lib/lab/chart';
import { classifyExit, findRuntimeOom, statusCode } from '../lib/lab/classify';
import { parentOf, processTree, readProcessMemory, RssTracker } from '../lib/lab/proc';
import { commandText, limitRules, splitCommand } from '../lib/lab/report';
import { disablesContainerSupport, injectedSettings } from '../lib/lab/verify';

const V8_OOM = [
  '<--- Last few GCs --->',
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
  ' 1: 0xb8d0a3 node::Abort() [node]',
].join('\n');

test('exit 0 with no OOM kill counted is ok', () => {
  assert.equal(classifyExit({ exitCode: 0, signal: null, output: '', oomKills: 0 }), { outcome: 'ok', exitCode: 0, evidence: 'exited 0', killedProcesses: 0 });
});

test('any OOM kill the cgroup counted is oom-killed, whatever the exit: a child killed while the command lived on', () => {
  for (const exitCode of [0, 1]) {
    const result = classifyExit({ exitCode, signal: null, output: '', oomKills: 2 });
    assert.equal([result.outcome, result.exitCode, result.killedProcesses, result.childKilled], ['oom-killed', exitCode, 2, true], `exit ${exitCode}`);
    assert.match(result.evidence, `exited ${exitCode}, but the cgroup counted 2 OOM kills`);
  }
  // A runtime's message does not hide a kill either.
  assert.is(classifyExit({ exitCode: 1, signal: null, output: 'java.lang.OutOfMemoryError: Java heap space', oomKills: 1 }).outcome, 'oom-killed');
});

test('V8\'s heap messages are one family: matched on "JavaScript heap out of memory" or "heap limit" after FATAL ERROR, with any exit (139 as PID 1)', () => {
  const family = [
    'FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory',
    'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    'FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory',
    'FATAL ERROR: MarkCompactCollector: young object promotion failed Allocation failed - JavaScript heap out of memory',
  ];
  for (const line of family) {
    const result = classifyExit({ exitCode: null, signal: 'SIGSEGV', output: `<--- Last few GCs --->\n${line}\n 1: 0xb8d0a3 node::Abort() [node]`, oomKills: 0 });
    assert.equal([result.outcome, result.exitCode, result.runtime, result.evidence], ['runtime-oom', 139, 'node', line], line);
  }
  assert.is(findRuntimeOom('the cache is near its heap limit, evicting'), undefined, 'an application sentence is not V8\'s');
  assert.is(classifyExit({ exitCode: null, signal: 'SIGSEGV', output: 'Segmentation fault', oomKills: 0 }).outcome, 'failed');
});

test('SIGKILL with the cgroup OOM counter up is oom-killed, 137', () => {
  const result = classifyExit({ exitCode: null, signal: 'SIGKILL', output: '', oomKills: 1 });
  assert.equal(result, { outcome: 'oom-killed', exitCode: 137, evidence: 'exit 137 (SIGKILL) and the cgroup counted 1 OOM kill', killedProcesses: 1, childKilled: false });
});

test('SIGKILL without an OOM kill counted is failed: something else killed it', () => {
  const result = classifyExit({ exitCode: null, signal: 'SIGKILL', output: '', oomKills: 0 });
  assert.is(result.outcome, 'failed');
  assert.is(result.exitCode, 137);
});

test('137 on a kernel without an OOM counter is taken for the OOM killer, and says so', () => {
  const result = classifyExit({ exitCode: 137, signal: null, output: '', oomKills: undefined });
  assert.is(result.outcome, 'oom-killed');
  assert.match(result.evidence, 'keeps no OOM-kill counter');
});

test('V8 heap limit: SIGABRT (134) with the fatal error is runtime-oom', () => {
  const result = classifyExit({ exitCode: null, signal: 'SIGABRT', output: V8_OOM, oomKills: 0 });
  assert.equal([result.outcome, result.exitCode, result.runtime], ['runtime-oom', 134, 'node']);
  assert.match(result.evidence, 'JavaScript heap out of memory');
});

test('each runtime\'s own out-of-memory message is recognised', () => {
  const cases: [string, string, string][] = [
    ['Terminating due to java.lang.OutOfMemoryError: Java heap space', 'jvm', 'java.lang.OutOfMemoryError: Java heap space'],
    ['Exception in thread "main" java.lang.OutOfMemoryError: Metaspace\n\tat Foo', 'jvm', 'java.lang.OutOfMemoryError: Metaspace'],
    ['fatal error: runtime: out of memory\n\nruntime stack:', 'go', 'fatal error: runtime: out of memory'],
    ['Traceback (most recent call last):\n  File "x.py", line 1\nMemoryError', 'python', 'MemoryError'],
    ['Unhandled exception. System.OutOfMemoryException: Array dimensions exceeded', 'dotnet', 'System.OutOfMemoryException: Array dimensions exceeded'],
    ['x.rb:1: failed to allocate memory (NoMemoryError)', 'ruby', 'failed to allocate memory (NoMemoryError)'],
  ];
  for (const [output, runtime, line] of cases) assert.equal(findRuntimeOom(output), { runtime, line }, output);
  assert.is(findRuntimeOom('Error: ENOENT: no such file\nNoMemoryErrors are rare'), undefined);
  assert.equal(classifyExit({ exitCode: 3, signal: null, output: cases[0][0], oomKills: 0 }).outcome, 'runtime-oom');
  assert.equal(classifyExit({ exitCode: 1, signal: null, output: 'Error: boom', oomKills: 0 }), { outcome: 'failed', exitCode: 1, evidence: 'exited 1', killedProcesses: 0 });
});

test('statusCode spells a signal as 128 + its number, as Kubernetes does', () => {
  assert.is(statusCode(null, 'SIGKILL'), 137);
  assert.is(statusCode(null, 'SIGABRT'), 134);
  assert.is(statusCode(null, 'SIGTERM'), 143);
  assert.is(statusCode(3, null), 3);
});

test('injected flags are the runtime profile\'s flags for the limit, merged into existing options', () => {
  assert.equal(injectedSettings('node', 256 * MIB), [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=153' }]);
  assert.equal(injectedSettings('go', 192 * MIB), [{ name: 'GOMEMLIMIT', value: '142MiB' }]);
  assert.equal(injectedSettings('python', 262 * MIB), [{ name: 'MALLOC_ARENA_MAX', value: '2' }]);
  assert.equal(injectedSettings('jvm', 640 * MIB, { legacyJvm: true }), [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx438m -XX:+ExitOnOutOfMemoryError' }]);
  assert.equal(injectedSettings('jvm', 640 * MIB), [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseContainerSupport -XX:MaxRAMPercentage=68.4 -XX:MinRAMPercentage=68.4 -XX:+ExitOnOutOfMemoryError' }]);
  // An existing heap flag is replaced, other options stay.
  assert.equal(injectedSettings('node', 256 * MIB, { env: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=4096' } }), [
    { name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=153' },
  ]);
  assert.ok(disablesContainerSupport(['java', '-XX:-UseContainerSupport', '-jar', 'app.jar']));
  assert.not.ok(disablesContainerSupport(['java', '-jar', 'app.jar']));
});

test('the command comes after --; options before it', () => {
  assert.equal(splitCommand(['--runtime', 'node', '--', 'node', '--max-old-space-size=1', 'x.js']), {
    options: ['--runtime', 'node'],
    command: ['node', '--max-old-space-size=1', 'x.js'],
  });
  assert.equal(splitCommand(['--runtime', 'node']), { options: ['--runtime', 'node'], command: [] });
  assert.is(commandText(['node', 'a b.js', "it's"]), `node 'a b.js' 'it'\\''s'`);
});

test('parentOf reads the ppid after the last ")" of /proc/<pid>/stat', () => {
  assert.is(parentOf('4242 (a) (b) c) S 17 4242 4242 0 -1'), 17);
  assert.is(parentOf('1 (systemd) S 0 1 1 0 -1'), 0);
  assert.is(parentOf('garbage'), undefined);
});

test('processTree finds a child and its grandchild; RSS is read from /proc', async () => {
  const child = spawn('sh', ['-c', 'sleep 5 & wait'], { stdio: 'ignore' });
  try {
    let tree: number[] = [];
    for (let attempt = 0; attempt < 50 && tree.length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      tree = processTree(child.pid as number);
    }
    assert.is(tree[0], child.pid);
    assert.is(tree.length, 2, `sh and its sleep: ${tree.join(',')}`);
    const self = readProcessMemory(process.pid);
    assert.ok(self && self.rssBytes > 10 * MIB && self.hwmBytes >= self.rssBytes, 'this node process has more than 10 MiB resident');
    const tracker = new RssTracker();
    const sum = tracker.sample([process.pid, 999999999]);
    assert.is(sum, tracker.peakSumBytes);
    assert.ok(tracker.peakBytes >= sum);
  } finally {
    child.kill('SIGKILL');
  }
});

test('chart: one line per series, a labelled rule per threshold, 75% and 90% of the limit', async () => {
  assert.equal(limitRules(400 * MIB, 'limit').map((rule) => [rule.label, rule.bytes / MIB]), [['limit', 400], ['90%', 360], ['75%', 300]]);
  const input = {
    title: 'node hold.js',
    series: [
      { name: 'no flags', points: [{ ms: 0, bytes: 10 * MIB }, { ms: 500, bytes: 256 * MIB }] },
      { name: 'with flags', points: [{ ms: 0, bytes: 10 * MIB }, { ms: 500, bytes: 163 * MIB }] },
    ],
    rules: limitRules(256 * MIB, 'limit'),
  };
  const spec = memoryChartSpec(input) as { layer: { data: { values: unknown[] } }[] };
  assert.is(spec.layer.length, 3);
  assert.equal(spec.layer[1].data.values, [
    { label: 'limit 256Mi', mib: 256, color: '#d62728' },
    { label: '90% 230Mi', mib: 230.4, color: '#ff7f0e' },
    { label: '75% 192Mi', mib: 192, color: '#bcbd22' },
  ]);
  const svg = await renderMemoryChart(input);
  assert.match(svg, /^<svg/);
  for (const text of ['limit 256Mi', '90% 230Mi', '75% 192Mi', 'no flags', 'with flags', 'memory (MiB)']) assert.ok(svg.includes(text), `the SVG shows "${text}"`);
});

test.run();
