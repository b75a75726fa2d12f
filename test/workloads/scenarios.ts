/**
 * The evidence scenarios: real runtimes under real memory limits, shared by test/lab-evidence.test.ts
 * (which asserts the outcomes) and scripts/evidence.ts (which writes docs/evidence.md and its charts).
 *
 * The claims, per runtime (issue 6):
 *   a  without flags, a workload above the limit is killed by the kernel (137) where the runtime does not
 *      know its limit;
 *   b  with the generated flags the same workload fails with the runtime's own out-of-memory error;
 *   c  a workload whose measured peak was P runs to completion under the limit oomguard recommends for P.
 * Limits stay small (192-640 MiB) so the whole set runs in well under a minute.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MIB } from '../../lib/core/quantity';
import type { RuntimeId } from '../../lib/runtimes';
import { recommend } from '../../lib/sizing/formula';
import type { Outcome } from '../../lib/lab/classify';
import { measure } from '../../lib/lab/measure';
import type { Sample } from '../../lib/lab/run';
import { makeGroup, verify } from '../../lib/lab/verify';
import { runMeasured } from '../../lib/lab/run';
import type { CgroupParent } from '../../lib/lab/cgroup';

const HERE = __dirname;

/** The built workloads: one per runtime, each holding a chosen number of MiB. */
export interface Workloads {
  readonly dir: string;
  java(...args: string[]): string[];
  node(...args: string[]): string[];
  go(...args: string[]): string[];
  python(...args: string[]): string[];
}

/** Compile the Java and Go workloads into a fresh temporary directory (Go's cache too, so HOME does not matter). */
export function buildWorkloads(): Workloads {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-workloads-'));
  execFileSync('javac', ['-d', dir, path.join(HERE, 'Hold.java')], { stdio: 'pipe' });
  const goBinary = path.join(dir, 'hold');
  execFileSync('go', ['build', '-o', goBinary, path.join(HERE, 'hold.go')], {
    stdio: 'pipe',
    env: { ...process.env, GOCACHE: path.join(dir, 'gocache'), GOPATH: path.join(dir, 'gopath'), GOFLAGS: '', GO111MODULE: 'off' },
  });
  return {
    dir,
    java: (...args) => ['java', '-cp', dir, 'Hold', ...args],
    node: (...args) => ['node', path.join(HERE, 'hold.js'), ...args],
    go: (...args) => [goBinary, ...args],
    python: (...args) => ['python3', path.join(HERE, 'hold.py'), ...args],
  };
}

export function removeWorkloads(workloads: Workloads): void {
  fs.rmSync(workloads.dir, { recursive: true, force: true });
}

export type Claim = 'a' | 'b' | 'c' | 'note';

export interface Scenario {
  readonly id: string;
  readonly runtime: RuntimeId;
  readonly claim: Claim;
  /** One sentence for the docs table. */
  readonly title: string;
  readonly command: (workloads: Workloads) => string[];
  /** A fixed limit, or `recommended`: measure the command first, then use the limit oomguard recommends. */
  readonly limit: number | 'recommended';
  readonly flags: boolean;
  readonly expect: Outcome;
  /** Scenarios drawn together in a runtime's chart. */
  readonly chart?: string;
}

export const SCENARIOS: readonly Scenario[] = [
  // JVM. Java 17 knows a cgroup limit (container support, 25% heap by default); the JVM that does not is
  // the one with container support off: Java 8 before 8u191, or -XX:-UseContainerSupport, simulated here.
  // The JVM overhead default is 400 MiB, so the limit must be well above it for the heap to get a share.
  { id: 'jvm-a', runtime: 'jvm', claim: 'a', title: 'JVM without container support, no flags, holding 800 MiB', command: (w) => jvmLegacy(w, '800'), limit: 640 * MIB, flags: false, expect: 'oom-killed', chart: 'jvm' },
  { id: 'jvm-b', runtime: 'jvm', claim: 'b', title: 'same JVM and workload, generated flags (-Xmx, since container support is off)', command: (w) => jvmLegacy(w, '800'), limit: 640 * MIB, flags: true, expect: 'runtime-oom', chart: 'jvm' },
  { id: 'jvm-b17', runtime: 'jvm', claim: 'b', title: 'Java 17 with container support, generated flags (MaxRAMPercentage), holding 800 MiB', command: (w) => w.java('800'), limit: 640 * MIB, flags: true, expect: 'runtime-oom' },
  { id: 'jvm-c', runtime: 'jvm', claim: 'c', title: 'Java 17 holding 100 MiB, limit recommended from its measured peak', command: (w) => w.java('100'), limit: 'recommended', flags: true, expect: 'ok' },
  // Node.js: V8 sizes its heap from the machine, not the cgroup.
  { id: 'node-a', runtime: 'node', claim: 'a', title: 'Node.js 20, no flags, holding 300 MiB of V8 heap', command: (w) => w.node('300'), limit: 256 * MIB, flags: false, expect: 'oom-killed', chart: 'node' },
  { id: 'node-b', runtime: 'node', claim: 'b', title: 'same workload, generated --max-old-space-size', command: (w) => w.node('300'), limit: 256 * MIB, flags: true, expect: 'runtime-oom', chart: 'node' },
  { id: 'node-c', runtime: 'node', claim: 'c', title: 'Node.js 20 holding 100 MiB, limit recommended from its measured peak', command: (w) => w.node('100'), limit: 'recommended', flags: true, expect: 'ok' },
  // Go: GOMEMLIMIT is a soft limit. It makes the GC collect before the limit, so garbage on top of a live
  // set that fits no longer kills the process; it cannot turn a live set above the limit into a Go error.
  { id: 'go-a', runtime: 'go', claim: 'a', title: 'Go 1.19, no flags, 100 MiB live + 400 MiB churn (GOGC=100 lets the heap reach ~2x live)', command: (w) => w.go('100', '400'), limit: 192 * MIB, flags: false, expect: 'oom-killed', chart: 'go' },
  { id: 'go-b', runtime: 'go', claim: 'b', title: 'same workload, generated GOMEMLIMIT: the GC collects in time', command: (w) => w.go('100', '400'), limit: 192 * MIB, flags: true, expect: 'ok', chart: 'go' },
  { id: 'go-b-live', runtime: 'go', claim: 'note', title: 'Go, generated GOMEMLIMIT, 300 MiB live: a soft limit cannot stop a live set above the limit', command: (w) => w.go('300'), limit: 256 * MIB, flags: true, expect: 'oom-killed' },
  { id: 'go-c', runtime: 'go', claim: 'c', title: 'Go 1.19, 100 MiB live + 400 MiB churn, limit recommended from its measured peak', command: (w) => w.go('100', '400'), limit: 'recommended', flags: true, expect: 'ok' },
  // Python: no heap flag; the limit is the lever, MALLOC_ARENA_MAX=2 is injected.
  { id: 'python-c', runtime: 'python', claim: 'c', title: 'Python 3.11 holding 100 MiB, limit recommended from its measured peak', command: (w) => w.python('100'), limit: 'recommended', flags: true, expect: 'ok', chart: 'python' },
];

function jvmLegacy(w: Workloads, mib: string): string[] {
  const [java, ...rest] = w.java(mib);
  return [java, '-XX:-UseContainerSupport', ...rest];
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly command: readonly string[];
  /** The peak measured without a limit, for `recommended` scenarios. */
  readonly measuredPeakBytes?: number;
  readonly limitBytes: number;
  readonly flags: readonly { readonly name: string; readonly value: string }[];
  readonly outcome: Outcome;
  readonly exitCode: number;
  readonly peakBytes: number;
  readonly evidence: string;
  readonly samples: readonly Sample[];
  readonly durationMs: number;
}

/** Run one scenario for real: measure first when the limit is the recommended one, then verify. */
export async function runScenario(scenario: Scenario, workloads: Workloads, parent?: CgroupParent): Promise<ScenarioResult> {
  const command = scenario.command(workloads);
  const quiet = { stdout: 'capture' as const, echoStderr: false };
  let limitBytes: number;
  let measuredPeakBytes: number | undefined;
  if (scenario.limit === 'recommended') {
    const measured = await measure({ command, runtime: scenario.runtime, ...quiet, intervalMs: 50 });
    if (measured.exitCode !== 0) throw new Error(`${scenario.id}: measuring ${command.join(' ')} failed with exit ${measured.exitCode}`);
    measuredPeakBytes = measured.peakBytes;
    limitBytes = recommend(measured.peakBytes, scenario.runtime).limitBytes;
  } else {
    limitBytes = scenario.limit;
  }
  const result = await verify({ command, limitBytes, runtime: scenario.runtime, flags: scenario.flags, ...quiet, ...(parent ? { parent } : {}) });
  return {
    scenario,
    command,
    ...(measuredPeakBytes !== undefined ? { measuredPeakBytes } : {}),
    limitBytes,
    flags: result.flags,
    outcome: result.outcome,
    exitCode: result.exitCode,
    peakBytes: result.peakBytes,
    evidence: result.evidence,
    samples: result.samples,
    durationMs: result.durationMs,
  };
}

/**
 * What Node.js does on its own under a limit: its default V8 heap ceiling (`heap_size_limit`) and what
 * `process.constrainedMemory()` reports, read inside a real memory cgroup of that size.
 */
export async function nodeDefaultHeap(limitBytes: number): Promise<{ limitBytes: number; heapLimitBytes: number; constrainedBytes: number }> {
  const group = makeGroup(limitBytes, {}, []);
  try {
    const script = "const v8 = require('v8'); console.log(JSON.stringify({ heap: v8.getHeapStatistics().heap_size_limit, constrained: process.constrainedMemory() }))";
    const run = await runMeasured({ command: ['node', '-e', script], cgroup: group, stdout: 'capture', echoStderr: false });
    const match = /\{"heap":(\d+),"constrained":(\d+)\}/.exec(run.output);
    if (!match) throw new Error(`node did not report its heap limit: ${run.output}`);
    return { limitBytes, heapLimitBytes: Number(match[1]), constrainedBytes: Number(match[2]) };
  } finally {
    await group.destroy();
  }
}

/** The limits the Node.js default-heap table covers: small containers up to a large one. */
export const NODE_HEAP_LIMITS = [128 * MIB, 256 * MIB, 512 * MIB, 1024 * MIB, 4096 * MIB];
