/**
 * The lab proof that tmpfs counts (issue 13.11): an `emptyDir` with `medium: Memory` is a tmpfs, and the
 * pages written there are shared memory charged to the writer's memory cgroup (cgroup-v1/memory.rst,
 * "shmem/tmpfs pages are accounted"; cgroup-v2.rst `memory.stat` "shmem"). They cannot be reclaimed
 * without swap, so a cache or scratch folder there gets the container killed while every heap flag is
 * right. Shared by test/lab-tmpfs.test.ts (which asserts the outcomes) and scripts/evidence.ts (which
 * writes the evidence section). Needs root: it mounts a real tmpfs and makes real memory cgroups.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MIB } from '../../lib/core/quantity';
import type { Outcome } from '../../lib/lab/classify';
import { verify, type VerifyResult } from '../../lib/lab/verify';

export interface TmpfsScenario {
  readonly id: string;
  readonly title: string;
  readonly limitBytes: number;
  /** Where the command writes: the tmpfs, or a folder on disk (page cache, which the kernel can reclaim). */
  readonly target: 'tmpfs' | 'disk';
  readonly command: (dir: string) => string[];
  /** verify injects the runtime's generated flags (a heap flag that is right, and does not help). */
  readonly runtime?: 'node';
  readonly expect: Outcome;
}

/** Node.js writing 8 MiB files into `dir` until it has written MIB, each kept (a cache). */
const NODE_CACHE = (mib: number) =>
  `const fs=require('fs');const b=Buffer.alloc(8<<20,1);for(let i=0;i<${mib / 8};i++)fs.writeFileSync(process.argv[1]+'/cache-'+i,b);console.log('wrote ${mib} MiB')`;

export const TMPFS_SCENARIOS: readonly TmpfsScenario[] = [
  {
    id: 'tmpfs-node', title: 'Node.js with the generated --max-old-space-size writes a 256 MiB cache to a tmpfs', limitBytes: 192 * MIB, target: 'tmpfs', runtime: 'node',
    command: (dir) => ['node', '-e', NODE_CACHE(256), dir], expect: 'oom-killed',
  },
  {
    id: 'disk-node', title: 'the same cache written to a folder on disk (page cache, reclaimable)', limitBytes: 192 * MIB, target: 'disk', runtime: 'node',
    command: (dir) => ['node', '-e', NODE_CACHE(256), dir], expect: 'ok',
  },
  {
    id: 'tmpfs-dd', title: 'dd writes 128 MiB to a tmpfs: a process with almost no memory of its own', limitBytes: 64 * MIB, target: 'tmpfs',
    command: (dir) => ['dd', 'if=/dev/zero', `of=${dir}/scratch`, 'bs=1M', 'count=128'], expect: 'oom-killed',
  },
];

export interface TmpfsResult {
  readonly scenario: TmpfsScenario;
  readonly result: VerifyResult;
  /** Bytes the files held in the target folder after the run. */
  readonly writtenBytes: number;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const name of fs.readdirSync(dir)) total += fs.statSync(path.join(dir, name)).size;
  return total;
}

/**
 * Run a scenario with `oomguard verify`'s own code under its limit, writing to a freshly mounted tmpfs
 * (size 1 GiB: the tmpfs's own size never stops it, only the cgroup does) or to a folder on disk.
 */
export async function runTmpfsScenario(scenario: TmpfsScenario): Promise<TmpfsResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oomguard-${scenario.target}-`));
  let mounted = false;
  try {
    if (scenario.target === 'tmpfs') {
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1g,mode=0755', 'tmpfs', dir], { encoding: 'utf8' });
      if (mount.status !== 0) throw new Error(`mount -t tmpfs failed: ${mount.stderr.trim()}`);
      mounted = true;
    }
    const result = await verify({
      command: scenario.command(dir),
      limitBytes: scenario.limitBytes,
      ...(scenario.runtime ? { runtime: scenario.runtime } : { flags: false }),
      stdout: 'capture',
      echoStderr: false,
    });
    return { scenario, result, writtenBytes: folderBytes(dir) };
  } finally {
    if (mounted) spawnSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
