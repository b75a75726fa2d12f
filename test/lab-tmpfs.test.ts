/**
 * tmpfs counts (issue 13.11): what a process writes to a real tmpfs is charged to its real memory cgroup
 * and gets it killed at the limit, while the same bytes written to disk are page cache the kernel
 * reclaims. Runs oomguard's own verify (PID 1 in a PID namespace, a fresh cgroup v1 group here).
 * docs/evidence.md records the same runs (scripts/evidence.ts). Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { findCgroupParent } from '../lib/lab/cgroup';
import { haveCapability, haveTool } from './helpers/tools';
import { runTmpfsScenario, TMPFS_SCENARIOS } from './helpers/tmpfs';

const cgroup = findCgroupParent();
const ready = haveCapability(cgroup.ok && process.getuid?.() === 0, `not root or no writable memory cgroup (${cgroup.ok ? 'not root' : cgroup.problem}): the tmpfs proof mounts a tmpfs and limits a cgroup`)
  && haveTool('mount', 'mounts a real tmpfs');

for (const scenario of TMPFS_SCENARIOS) {
  test(`${scenario.id}: ${scenario.title} under ${scenario.limitBytes / MIB}Mi -> ${scenario.expect}`, async () => {
    if (!ready) return;
    const { result, writtenBytes } = await runTmpfsScenario(scenario);
    const where = `${scenario.id}: ${result.outcome} exit ${result.exitCode}, peak ${(result.peakBytes / MIB).toFixed(1)}Mi, wrote ${(writtenBytes / MIB).toFixed(0)} MiB: ${result.evidence}`;
    assert.is(result.outcome, scenario.expect, where);
    if (scenario.expect === 'oom-killed') {
      assert.is(result.exitCode, 137, where);
      assert.is(result.oomKills, 1, where);
      // The kernel charged the group up to its limit, and the files hold about what fitted under it.
      assert.ok(result.peakBytes >= scenario.limitBytes - 4 * MIB, where);
      assert.ok(writtenBytes < scenario.limitBytes, where);
    } else {
      assert.equal([result.exitCode, result.oomKills], [0, 0], where);
      assert.is(writtenBytes, 256 * MIB, where);
    }
    if (scenario.runtime === 'node') assert.equal(result.flags.map((flag) => flag.name), ['NODE_OPTIONS'], 'the heap flag was set, and does not help');
  });
}

test.run();
