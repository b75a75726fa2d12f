/**
 * The evidence behind memory-volume-unbounded, measured with real parts: a real tmpfs (what
 * `emptyDir: {medium: Memory}` is) and a real memory cgroup (`oomguard verify`). A process whose own
 * RSS is a few MiB is OOM-killed (137) for the files it writes to a tmpfs without a size limit, because
 * tmpfs pages are charged to the writer's memory cgroup; with the tmpfs bounded below the cgroup limit
 * (a `sizeLimit`) the same write fails with ENOSPC instead, and the process lives to report it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findCgroupParent } from '../lib/lab/cgroup';
import { haveCapability } from './helpers/tools';

const CLI = join(__dirname, '..', 'bin', 'oomguard.js');
const MIB = 1024 * 1024;

/** Run `dd` writing 100 MiB into a tmpfs mounted with `options`, under a 64 MiB memory limit. */
function fillTmpfs(options: string[]): { outcome: string; exitCode: number; rssPeakBytes: number; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-memvol-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', ...options, 'tmpfs', dir], { encoding: 'utf8' });
  assert.is(mounted.status, 0, mounted.stderr);
  try {
    const result = spawnSync(process.execPath, [CLI, 'verify', '--limit', '64Mi', '--no-flags', '--format', 'json', '--', 'dd', 'if=/dev/zero', `of=${join(dir, 'fill')}`, 'bs=1M', 'count=100'], { encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(result.stdout);
    return { ...report, stderr: result.stderr };
  } finally {
    rmSync(join(dir, 'fill'), { force: true });
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tmpfs pages count against the memory limit: unbounded, the writer is OOM-killed; bounded below the limit, it gets ENOSPC', () => {
  const cgroup = findCgroupParent();
  if (!haveCapability(process.getuid?.() === 0, 'mounting a tmpfs needs root')) return;
  if (!haveCapability(cgroup.ok, 'no writable memory cgroup: the tmpfs evidence needs one')) return;
  const unbounded = fillTmpfs([]);
  assert.is(unbounded.outcome, 'oom-killed', JSON.stringify(unbounded));
  assert.is(unbounded.exitCode, 137);
  assert.ok(unbounded.rssPeakBytes < 16 * MIB, `dd itself stays small (${unbounded.rssPeakBytes} bytes): the files were charged`);
  const bounded = fillTmpfs(['-o', 'size=32m']);
  assert.is(bounded.outcome, 'failed', JSON.stringify(bounded));
  assert.is(bounded.exitCode, 1, 'dd reports "No space left on device" and exits 1');
});

test.run();
