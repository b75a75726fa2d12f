/**
 * How Node.js and Go really read their options, checked against the real runtimes here (Node.js 20,
 * Go 1.19), and the facts model (and the rules) agreeing with what they do:
 * - V8's heap ceiling is --max-old-space-size plus a young generation sized from the container limit
 *   (measured in real memory cgroups);
 * - NODE_OPTIONS keeps single quotes (ignored flag), the space form and non-integer values stop node
 *   (exit 9), double quotes are removed, words after the script are the script's;
 * - Go reads GOMEMLIMIT untrimmed (" 900MiB" aborts at start-up), `off` and "" mean no limit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { factsOfSpec } from '../lib/facts';
import { findCgroupParent, MemoryCgroup } from '../lib/lab/cgroup';
import { createLinter } from '../lib/engine/linter';
import { haveCapability, haveTool } from './helpers/tools';

const HEAP_LIMIT = 'console.log(require("v8").getHeapStatistics().heap_size_limit)';

/** heap_size_limit of a node started with `options` in NODE_OPTIONS (and `args`), or its exit status. */
function nodeHeap(options: string, args: string[] = [], script = HEAP_LIMIT): { status: number | null; heapBytes?: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-node-'));
  try {
    const file = path.join(dir, 'server.js');
    fs.writeFileSync(file, script);
    const result = spawnSync(process.execPath, [...args.map((arg) => (arg === 'server.js' ? file : arg))], { env: { ...process.env, NODE_OPTIONS: options }, encoding: 'utf8' });
    return result.status === 0 ? { status: 0, heapBytes: Number(result.stdout.trim()) } : { status: result.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function nodeFactsOf(spec: { options?: string; command?: string[]; limitMiB?: number }) {
  const facts = factsOfSpec({
    image: 'node:20',
    ...(spec.options !== undefined ? { env: [{ name: 'NODE_OPTIONS', value: spec.options }] } : {}),
    ...(spec.command ? { command: spec.command } : {}),
    limitBytes: (spec.limitMiB ?? 512) * MIB,
    runtime: 'node',
  });
  return facts.node!;
}

test('Node.js: NODE_OPTIONS as node parses it, checked with the real node', () => {
  // Plain: 409 MiB old space.
  assert.is(nodeHeap('--max-old-space-size=409', ['server.js']).status, 0);
  assert.is(nodeFactsOf({ options: '--max-old-space-size=409' }).options.maxOldSpaceMiB?.mib, 409);
  // Single quotes are kept by Node.js: no option, silently ignored (the heap is V8's default).
  const quoted = nodeHeap("'--max-old-space-size=409'", ['server.js']);
  assert.is(quoted.status, 0);
  assert.ok(quoted.heapBytes! > 1000 * MIB, 'the flag was ignored: V8 kept its own (host-sized) ceiling');
  const quotedFacts = nodeFactsOf({ options: "'--max-old-space-size=409'" });
  assert.is(quotedFacts.options.maxOldSpaceMiB, undefined);
  assert.equal(quotedFacts.options.problems.map((problem) => problem.kind), ['quoted']);
  // Double quotes are removed by Node.js: the flag counts.
  const doubled = nodeHeap('"--max-old-space-size=409"', ['server.js']);
  assert.ok(doubled.heapBytes! < 500 * MIB);
  assert.is(nodeFactsOf({ options: '"--max-old-space-size=409"' }).options.maxOldSpaceMiB?.mib, 409);
  // The space form and non-integer values: node refuses to start, exit 9.
  for (const options of ['--max-old-space-size 4096', '--max-old-space-size=512m', '--max-old-space-size=512.5']) {
    assert.is(nodeHeap(options, ['server.js']).status, 9, options);
    assert.equal(nodeFactsOf({ options }).options.problems.map((problem) => problem.kind), [options.includes(' ') ? 'space' : 'value'], options);
  }
  // The command line wins over NODE_OPTIONS; words after the script are the script's arguments.
  const commandLine = nodeHeap('--max-old-space-size=300', ['--max-old-space-size=600', 'server.js', '--max-old-space-size=900']);
  assert.ok(commandLine.heapBytes! > 600 * MIB && commandLine.heapBytes! < 700 * MIB);
  const facts = nodeFactsOf({ options: '--max-old-space-size=300', command: ['node', '--max-old-space-size=600', 'server.js', '--max-old-space-size=900'] });
  assert.is(facts.options.maxOldSpaceMiB?.mib, 600);
  assert.equal(facts.options.scriptArgs.map((at) => at.token), ['--max-old-space-size=900']);
});

test('Node.js: the rules report what node ignores or refuses, and fix it', () => {
  const pod = (options: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
    spec: { containers: [{ name: 'web', image: 'node:20', env: [{ name: 'NODE_OPTIONS', value: options }], resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } } }] },
  });
  const ids = (options: string) => createLinter().lintDocument(pod(options)).filter((finding) => /^node-/.test(finding.ruleId)).map((finding) => `${finding.ruleId} ${finding.severity}`);
  assert.equal(ids("'--max-old-space-size=409'"), ['node-options-invalid error']);
  assert.equal(ids('--max-old-space-size 409'), ['node-options-invalid error']);
  assert.equal(ids('--max-old-space-size=409'), []);
  // 409 + the 3 MiB young generation = 412 MiB = 512Mi - 100Mi: one more MiB is over.
  assert.equal(ids('--max-old-space-size=410'), ['node-heap-exceeds-limit error']);
});

test('Node.js: heap_size_limit is the flag plus a young generation sized from the container limit', async () => {
  const parent = findCgroupParent();
  if (!haveCapability(parent.ok, `a writable memory cgroup is needed (${parent.ok ? '' : parent.problem})`) || !parent.ok) return;
  for (const limitMiB of [256, 512, 1024, 2048, 4096]) {
    for (const flag of [100, limitMiB - 100]) {
      const group = MemoryCgroup.create(parent.parent, limitMiB * MIB);
      try {
        const wrapped = group.wrap([process.execPath, `--max-old-space-size=${flag}`, '-e', HEAP_LIMIT]);
        const real = Number(execFileSync(wrapped.file, [...wrapped.args], { encoding: 'utf8' }).trim());
        const facts = nodeFactsOf({ command: ['node', `--max-old-space-size=${flag}`, 'server.js'], limitMiB });
        assert.is(facts.heapCeilingBytes, real, `${limitMiB}Mi limit, --max-old-space-size=${flag}: V8 says ${real / MIB} MiB`);
      } finally {
        await group.destroy();
      }
    }
  }
});

test('Go: GOMEMLIMIT is read untrimmed; "off" and "" mean no limit (real go 1.19)', () => {
  if (!haveTool('go', 'GOMEMLIMIT parsing is checked against the real Go runtime')) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-go-'));
  try {
    fs.writeFileSync(path.join(dir, 'main.go'), 'package main\nimport ("fmt"; "runtime/debug")\nfunc main() { fmt.Println(debug.SetMemoryLimit(-1)) }\n');
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module limit\ngo 1.19\n');
    execFileSync('go', ['build', '-o', path.join(dir, 'limit'), '.'], { cwd: dir, env: { ...process.env, GOCACHE: path.join(dir, 'cache'), GOFLAGS: '-mod=mod' } });
    const run = (value: string) => spawnSync(path.join(dir, 'limit'), { env: { ...process.env, GOMEMLIMIT: value }, encoding: 'utf8' });
    const lint = (value: string) => createLinter().lintDocument({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image: 'golang:1.19', env: [{ name: 'GOMEMLIMIT', value }], resources: { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } } }] },
    }).filter((finding) => finding.ruleId.startsWith('go-')).map((finding) => finding.ruleId);
    for (const value of [' 900MiB', '900MiB ', 'OFF', ' off']) {
      assert.is(run(value).status, 2, `go aborts on "${value}"`);
      assert.equal(lint(value), ['go-memlimit-invalid'], `"${value}"`);
    }
    assert.is(run('900MiB').stdout.trim(), String(900 * MIB));
    assert.equal(lint('900MiB'), []);
    const noLimit = String(2n ** 63n - 1n);
    assert.is(run('off').stdout.trim(), noLimit);
    assert.equal(lint('off'), ['go-memlimit-unset']);
    assert.is(run('').stdout.trim(), noLimit);
    assert.equal(lint(''), ['go-memlimit-unset']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
