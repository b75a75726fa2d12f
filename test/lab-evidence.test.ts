/**
 * Evidence: real JVM, Node.js, Go and Python processes under real kernel memory limits on this machine
 * (cgroup v1 here). Each scenario of test/workloads/scenarios.ts must end the way oomguard's defaults
 * promise; docs/evidence.md records the same runs (scripts/evidence.ts). Needs root and a writable memory
 * cgroup, and java/javac, go, node, python3: a laptop without them skips loudly, CI=true fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { findCgroupParent } from '../lib/lab/cgroup';
import { recommend } from '../lib/sizing/formula';
import { buildWorkloads, nodeDefaultHeap, removeWorkloads, runScenario, SCENARIOS, type Workloads } from './workloads/scenarios';
import { haveCapability, haveTool } from './helpers/tools';

const cgroup = findCgroupParent();
const ready =
  haveCapability(cgroup.ok, `no writable memory cgroup (${cgroup.ok ? '' : cgroup.problem}): the runtime evidence needs root and a writable memory cgroup`) &&
  ['java', 'javac', 'go', 'node', 'python3'].every((tool) => haveTool(tool, 'the runtime evidence runs every runtime under a real limit'));

let workloads: Workloads | undefined;
test.before(() => {
  if (ready) workloads = buildWorkloads();
});
test.after(() => {
  if (workloads) removeWorkloads(workloads);
});

for (const scenario of SCENARIOS) {
  test(`${scenario.id} (${scenario.claim}): ${scenario.title} -> ${scenario.expect}`, async () => {
    if (!ready || !workloads) return;
    const result = await runScenario(scenario, workloads);
    const where = `${scenario.id}: ${result.command.join(' ')} under ${result.limitBytes / MIB}Mi with ${JSON.stringify(result.flags)} ended ${result.outcome} (exit ${result.exitCode}, peak ${(result.peakBytes / MIB).toFixed(1)}Mi): ${result.evidence}`;
    assert.is(result.outcome, scenario.expect, where);
    assert.is(result.flags.length > 0, scenario.flags, where);
    if (scenario.expect === 'oom-killed') {
      assert.is(result.exitCode, 137, where);
      // The kernel charged the group up to its limit before it killed.
      assert.ok(result.peakBytes >= result.limitBytes - 4 * MIB, where);
    }
    if (scenario.expect === 'runtime-oom') {
      assert.ok(result.peakBytes < result.limitBytes, `the runtime stopped below the limit: ${where}`);
      assert.match(result.evidence, scenario.runtime === 'jvm' ? /java\.lang\.OutOfMemoryError/ : /heap limit|JavaScript heap out of memory/, where);
    }
    if (scenario.limit === 'recommended') {
      assert.ok(result.measuredPeakBytes !== undefined && result.measuredPeakBytes > 50 * MIB, `the measured peak covers the ~100 MiB held: ${where}`);
      assert.is(result.limitBytes, recommend(result.measuredPeakBytes as number, scenario.runtime).limitBytes, where);
    }
  });
}

test('Node.js 20 on its own: the cgroup is seen, but the default heap has a ~259 MiB floor, above a 256Mi limit', async () => {
  if (!ready) return;
  const small = await nodeDefaultHeap(256 * MIB);
  assert.is(small.constrainedBytes, 256 * MIB, 'process.constrainedMemory() reports the cgroup limit');
  assert.ok(small.heapLimitBytes > small.limitBytes, `default heap ${small.heapLimitBytes} exceeds the 256Mi limit: the kernel kills before V8 collects`);
  const large = await nodeDefaultHeap(4096 * MIB);
  assert.ok(large.heapLimitBytes <= large.limitBytes * 0.6, `default heap ${large.heapLimitBytes} is about half of a 4Gi limit`);
});

test.run();
