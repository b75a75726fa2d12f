/**
 * Memory cgroup discovery and handling, cgroup v2 and v1.
 *
 * This machine mounts cgroup v1 for memory (a v2 hierarchy is mounted too, without the memory
 * controller), so the cgroup v2 code paths run against a temporary directory laid out like cgroupfs:
 * the same file names and formats (cgroup.controllers, cgroup.subtree_control, memory.max, memory.peak,
 * memory.events, cgroup.procs), with the test writing what the kernel would write. The v1 paths also run
 * against the real kernel where this process may create a memory cgroup.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { findCgroupParent, MemoryCgroup, parseMountinfo, parseProcCgroup } from '../lib/lab/cgroup';
import { SystemdScope, systemdScopeAvailable } from '../lib/lab/systemd';
import { CgroupUnavailableError, makeGroup, verify } from '../lib/lab/verify';
import { haveCapability } from './helpers/tools';

/** /proc/self/cgroup and mountinfo as this machine has them (hybrid: v1 memory, v2 without controllers). */
const HYBRID_CGROUP = '9:name=systemd:/\n4:memory:/process_api/d5aed6\n1:cpu:/\n0::/\n';
const HYBRID_MOUNTINFO = [
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw',
  '35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory',
  '36 30 0:32 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu',
].join('\n');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-cgroupfs-'));
}

/** A cgroup v2 hierarchy at `<tmp>/cgroup2` with our group at /app.slice/job, as the kernel lays it out. */
function fakeV2(options: { controllers?: string; subtree?: string | 'directory' } = {}) {
  const root = tempDir();
  const mount = path.join(root, 'cgroup2');
  const own = path.join(mount, 'app.slice', 'job');
  fs.mkdirSync(own, { recursive: true });
  fs.writeFileSync(path.join(mount, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  fs.writeFileSync(path.join(own, 'cgroup.controllers'), options.controllers ?? 'cpu io memory pids\n');
  if (options.subtree === 'directory') fs.mkdirSync(path.join(own, 'cgroup.subtree_control'));
  else fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), options.subtree ?? '');
  fs.writeFileSync(path.join(own, 'cgroup.procs'), '');
  const environment = {
    procSelfCgroup: '0::/app.slice/job\n',
    mountinfo: `29 23 0:26 / ${mount} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`,
    writable: () => true,
  };
  return { root, mount, own, environment };
}

const removeTree = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });

test('parseProcCgroup and parseMountinfo read the hybrid layout of this machine', () => {
  assert.equal(parseProcCgroup(HYBRID_CGROUP), { v2: '/', v1: { 'name=systemd': '/', memory: '/process_api/d5aed6', cpu: '/' } });
  const mounts = parseMountinfo(`${HYBRID_MOUNTINFO}\n40 30 0:40 / /mnt/with\\040space rw - cgroup2 cgroup2 rw`);
  assert.equal(mounts[2], { root: '/', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', superOptions: ['rw', 'memory'] });
  assert.is(mounts[4].mountPoint, '/mnt/with space');
});

test('cgroup v2 (temp dir laid out like cgroupfs): our group, memory enabled for children', () => {
  const fake = fakeV2({ subtree: 'memory pids\n' });
  try {
    const found = findCgroupParent(fake.environment);
    assert.equal(found, { ok: true, parent: { version: 2, dir: fake.own }, notes: [] });
  } finally {
    removeTree(fake.root);
  }
});

test('cgroup v2 (temp dir): memory missing from cgroup.subtree_control is enabled, and said so', () => {
  const fake = fakeV2();
  try {
    const found = findCgroupParent(fake.environment);
    assert.equal(found, { ok: true, parent: { version: 2, dir: fake.own }, notes: [`enabled the memory controller for children of ${fake.own} (cgroup.subtree_control)`] });
    assert.is(fs.readFileSync(path.join(fake.own, 'cgroup.subtree_control'), 'utf8'), '+memory');
  } finally {
    removeTree(fake.root);
  }
});

test('cgroup v2 (temp dir): each missing right is named', () => {
  const noMemory = fakeV2({ controllers: 'cpu pids\n' });
  const busy = fakeV2({ subtree: 'directory' });
  const readOnly = fakeV2();
  try {
    assert.equal(findCgroupParent(noMemory.environment), {
      ok: false,
      problem: `cgroup v2: the memory controller is not available in ${noMemory.own} (cgroup.controllers: cpu pids)`,
    });
    const refused = findCgroupParent(busy.environment);
    assert.is(refused.ok, false);
    assert.match((refused as { problem: string }).problem, `cgroup v2: children of ${busy.own} cannot get the memory controller: memory is missing from cgroup.subtree_control and writing "+memory" to ${busy.own}/cgroup.subtree_control failed with EISDIR`);
    const denied = findCgroupParent({ ...readOnly.environment, writable: () => false });
    assert.match((denied as { problem: string }).problem, `cgroup v2: cannot create a group in ${readOnly.own} (our group): it is not writable by this user`);
  } finally {
    for (const fake of [noMemory, busy, readOnly]) removeTree(fake.root);
  }
});

test('a cgroup mount whose root is a subgroup (bind mount in a container) maps the group path', () => {
  const fake = fakeV2({ subtree: 'memory' });
  try {
    const found = findCgroupParent({
      ...fake.environment,
      procSelfCgroup: '0::/kubepods/pod1/app.slice/job\n',
      mountinfo: `29 23 0:26 /kubepods/pod1 ${fake.mount} rw - cgroup2 cgroup2 rw\n`,
    });
    assert.equal(found, { ok: true, parent: { version: 2, dir: fake.own }, notes: [] });
  } finally {
    removeTree(fake.root);
  }
});

test('no memory hierarchy at all is named', () => {
  const found = findCgroupParent({ procSelfCgroup: '1:cpu:/\n', mountinfo: '36 30 0:32 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n', writable: () => true });
  assert.equal(found, { ok: false, problem: 'no cgroup hierarchy with the memory controller is mounted (neither a cgroup2 mount nor a cgroup v1 memory mount in /proc/self/mountinfo)' });
});

test('MemoryCgroup v2 (temp dir): memory.max written; memory.current, memory.peak, memory.events read', async () => {
  const fake = fakeV2({ subtree: 'memory' });
  try {
    const group = MemoryCgroup.create({ version: 2, dir: fake.own }, 256 * MIB, { removeDir: removeTree });
    assert.match(path.basename(group.dir), new RegExp(`^oomguard-${process.pid}-\\d+$`));
    assert.is(fs.readFileSync(path.join(group.dir, 'memory.max'), 'utf8'), String(256 * MIB));
    assert.is(group.limitBytes(), 256 * MIB);
    // What the kernel would show after a run that hit the limit once.
    fs.writeFileSync(path.join(group.dir, 'memory.current'), '1048576\n');
    fs.writeFileSync(path.join(group.dir, 'memory.peak'), '268435456\n');
    fs.writeFileSync(path.join(group.dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    fs.writeFileSync(group.procsFile, '');
    assert.is(group.usageBytes(), MIB);
    assert.is(group.peakBytes(), 256 * MIB);
    assert.is(group.oomKills(), 1);
    assert.equal(group.pids(), []);
    // Before Linux 5.19 there is no memory.peak: the caller falls back to the sampled maximum.
    fs.rmSync(path.join(group.dir, 'memory.peak'));
    assert.is(group.peakBytes(), undefined);
    fs.writeFileSync(path.join(group.dir, 'memory.max'), 'max\n');
    assert.is(group.limitBytes(), undefined);
    await group.destroy();
    assert.not.ok(fs.existsSync(group.dir));
  } finally {
    removeTree(fake.root);
  }
});

test('verify on cgroup v2 (temp dir): the process joins cgroup.procs, flags are injected, memory.events decides', async () => {
  const fake = fakeV2({ subtree: 'memory' });
  const seen: Record<string, string>[] = [];
  const snapshot = (dir: string) => {
    seen.push({ max: fs.readFileSync(path.join(dir, 'memory.max'), 'utf8'), procs: fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8') });
    removeTree(dir);
  };
  const out = path.join(fake.root, 'env.txt');
  try {
    const ok = await verify({
      command: ['sh', '-c', 'printf %s "$NODE_OPTIONS" > "$0"', out],
      limitBytes: 256 * MIB,
      runtime: 'node',
      parent: { version: 2, dir: fake.own },
      cgroupFs: { removeDir: snapshot },
      stdout: 'capture',
      echoStderr: false,
    });
    assert.is(ok.outcome, 'ok');
    assert.equal(ok.cgroup.version, 2);
    assert.is(fs.readFileSync(out, 'utf8'), '--max-old-space-size=153');
    assert.is(seen[0].max, String(256 * MIB));
    assert.match(seen[0].procs, /^\d+\n$/, 'the wrapper wrote its pid to cgroup.procs before exec');

    // The kernel's OOM kill, played by the command: count it in memory.events, then SIGKILL itself
    // (as an ordinary child: a PID 1 cannot SIGKILL itself from inside its namespace).
    const killed = await verify({
      pidNamespace: false,
      command: ['sh', '-c', `for d in ${fake.own}/oomguard-*; do printf 'oom 1\\noom_kill 1\\n' > "$d/memory.events"; done; kill -9 $$`],
      limitBytes: 64 * MIB,
      flags: false,
      parent: { version: 2, dir: fake.own },
      cgroupFs: { removeDir: snapshot },
      stdout: 'capture',
      echoStderr: false,
    });
    assert.equal([killed.outcome, killed.exitCode, killed.oomKills, killed.evidence], ['oom-killed', 137, 1, 'exit 137 (SIGKILL) and the cgroup counted 1 OOM kill']);
    assert.equal(fs.readdirSync(fake.own).filter((name) => name.startsWith('oomguard-')), [], 'every group was removed');
  } finally {
    removeTree(fake.root);
  }
});

test('systemd-run scope (temp dir and a recorded systemctl, no systemd here): argv, cgroup from /proc/<pid>/cgroup, Result=oom-kill', async () => {
  const root = tempDir();
  const calls: string[] = [];
  const exec = (file: string, args: readonly string[]) => {
    calls.push([file, ...args].join(' '));
    return { status: 0, stdout: args.includes('--property=Result') ? 'oom-kill\n' : '' };
  };
  try {
    assert.equal(systemdScopeAvailable({ bootedMarker: path.join(root, 'no-such-marker'), exec }), {
      ok: false,
      problem: `systemd is not running as PID 1 (${path.join(root, 'no-such-marker')} is missing), so systemd-run cannot make a scope`,
    });
    fs.writeFileSync(path.join(root, 'booted'), '');
    assert.equal(systemdScopeAvailable({ bootedMarker: path.join(root, 'booted'), exec }), { ok: true });

    const asRoot = new SystemdScope(256 * MIB, { uid: 0, exec });
    assert.equal(asRoot.wrap(['node', 'app.js']), {
      file: 'systemd-run',
      args: ['--scope', '--quiet', `--unit=${asRoot.unit}`, '-p', `MemoryMax=${256 * MIB}`, '-p', 'MemorySwapMax=0', '--', 'node', 'app.js'],
    });
    const procRoot = path.join(root, 'proc');
    const mount = path.join(root, 'cgroup2');
    const scope = new SystemdScope(256 * MIB, { uid: 1000, exec, procRoot, mountinfo: `29 23 0:26 / ${mount} rw - cgroup2 cgroup2 rw\n` });
    assert.equal(scope.wrap(['true']).args.slice(0, 3), ['--user', '--scope', '--quiet']);
    const group = `/user.slice/user-1000.slice/user@1000.service/app.slice/${scope.unit}`;
    fs.mkdirSync(path.join(procRoot, '4242'), { recursive: true });
    fs.writeFileSync(path.join(procRoot, '4242', 'cgroup'), '0::/user.slice/user-1000.slice/session-1.scope\n');
    scope.attach(4242);
    assert.is(scope.dir, '', 'not yet moved into the scope');
    assert.equal(scope.pids(), [4242]);
    fs.writeFileSync(path.join(procRoot, '4242', 'cgroup'), `0::${group}\n`);
    fs.mkdirSync(path.join(mount, group), { recursive: true });
    fs.writeFileSync(path.join(mount, group, 'memory.current'), '5242880\n');
    fs.writeFileSync(path.join(mount, group, 'memory.peak'), '268435456\n');
    fs.writeFileSync(path.join(mount, group, 'memory.events'), 'oom 0\noom_kill 0\n');
    fs.writeFileSync(path.join(mount, group, 'cgroup.procs'), '4242\n');
    assert.is(scope.dir, path.join(mount, group));
    assert.equal([scope.usageBytes(), scope.peakBytes(), scope.oomKills(), scope.pids()], [5 * MIB, 256 * MIB, 0, [4242]]);
    // The kernel killed the command; systemd removed the empty scope and recorded Result=oom-kill.
    removeTree(path.join(mount, group));
    assert.is(scope.oomKills(), 1);
    await scope.destroy();
    assert.equal(calls.slice(-3), [
      `systemctl --user show --property=Result --value ${scope.unit}`,
      `systemctl --user stop ${scope.unit}`,
      `systemctl --user reset-failed ${scope.unit}`,
    ]);

    // verify and measure fall back to a scope only when no cgroup of their own can be made.
    const noCgroup = { procSelfCgroup: '1:cpu:/\n', mountinfo: '', writable: () => true };
    const notes: string[] = [];
    assert.instance(makeGroup(64 * MIB, { cgroupEnvironment: noCgroup, systemd: { bootedMarker: path.join(root, 'booted'), exec } }, notes), SystemdScope);
    assert.match(notes[0], 'the command runs in a systemd scope instead');
    try {
      makeGroup(64 * MIB, { cgroupEnvironment: noCgroup, systemd: { bootedMarker: path.join(root, 'no-such-marker'), exec } }, []);
      assert.unreachable('no cgroup and no systemd must throw');
    } catch (error) {
      assert.instance(error, CgroupUnavailableError);
      assert.match((error as Error).message, /^no cgroup hierarchy with the memory controller is mounted .*; and systemd is not running as PID 1/);
    }
  } finally {
    removeTree(root);
  }
});

test('this machine: find the memory cgroup and make, limit and remove a real child (cgroup v1 here)', async () => {
  const found = findCgroupParent();
  if (!haveCapability(found.ok, `no writable memory cgroup (${found.ok ? '' : found.problem}): the real cgroup test needs root and a writable memory cgroup`)) return;
  if (!found.ok) return;
  const group = MemoryCgroup.create(found.parent, 64 * MIB);
  try {
    assert.ok(fs.existsSync(group.dir));
    assert.is(group.limitBytes(), 64 * MIB);
    assert.is(group.oomKills(), 0);
    assert.equal(group.pids(), []);
    assert.ok((group.peakBytes() ?? 0) >= 0);
  } finally {
    await group.destroy();
  }
  assert.not.ok(fs.existsSync(group.dir), `${group.dir} was removed`);
});

test.run();
