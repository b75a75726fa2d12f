/**
 * Memory cgroups for the runtime lab: find where this process may create one (cgroup v2 or v1), create
 * a child group with or without a limit, read what the kernel accounted, and remove it.
 *
 * Kernel interfaces (Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/memory.rst):
 * - v2: `memory.max` (limit), `memory.swap.max` (0: no swap to hide behind), `memory.current`,
 *   `memory.peak` (Linux 5.19+), `memory.events` (`oom_kill N`), `cgroup.procs`, `cgroup.kill` (5.14+).
 *   A child gets the memory controller only when the parent lists `memory` in `cgroup.subtree_control`,
 *   and a non-root group with processes of its own cannot enable it ("no internal processes" rule).
 * - v1: `memory.limit_in_bytes`, `memory.memsw.limit_in_bytes` (when swap accounting is on),
 *   `memory.usage_in_bytes`, `memory.max_usage_in_bytes`, `memory.oom_control` (`oom_kill N`, Linux 4.13+),
 *   `cgroup.procs`.
 * Our own group comes from `/proc/self/cgroup` (`N:memory:/path` for v1, `0::/path` for v2) joined to
 * the hierarchy's mount point from `/proc/self/mountinfo` (minus the mount's own root, for bind mounts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type CgroupVersion = 1 | 2;

/** Where child memory cgroups can be made. */
export interface CgroupParent {
  readonly version: CgroupVersion;
  /** Absolute directory in which the child group is created. */
  readonly dir: string;
}

export type ParentLookup = { readonly ok: true; readonly parent: CgroupParent; readonly notes: readonly string[] } | { readonly ok: false; readonly problem: string };

/** Injectable inputs so the discovery runs against a directory laid out like cgroupfs in tests. */
export interface CgroupEnvironment {
  /** Text of /proc/self/cgroup. @default read from /proc */
  readonly procSelfCgroup?: string;
  /** Text of /proc/self/mountinfo. @default read from /proc */
  readonly mountinfo?: string;
  /** Whether the effective user may write a path. @default fs.accessSync(W_OK) */
  readonly writable?: (file: string) => boolean;
}

interface Mount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

/** Parse /proc/self/mountinfo (proc(5)): fields before ` - ` then fstype, source, super options. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions = ''] = right.split(' ');
    if (fields.length < 5) continue;
    mounts.push({ root: unescapeMount(fields[3]), mountPoint: unescapeMount(fields[4]), fsType, superOptions: superOptions.split(',') });
  }
  return mounts;
}

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Our group in each hierarchy from /proc/self/cgroup: `{ v2: '/a/b', v1: { memory: '/x' } }`. */
export function parseProcCgroup(text: string): { v2?: string; v1: Record<string, string> } {
  const result: { v2?: string; v1: Record<string, string> } = { v1: {} };
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === '0' && match[2] === '') result.v2 = match[3];
    else for (const controller of match[2].split(',')) if (controller) result.v1[controller] = match[3];
  }
  return result;
}

/** The directory of a group path inside a mount, allowing for a mount whose root is itself a subgroup. */
function groupDir(mount: Mount, groupPath: string): string {
  const root = mount.root === '/' ? '' : mount.root;
  let relative = groupPath;
  if (root && (groupPath === root || groupPath.startsWith(`${root}/`))) relative = groupPath.slice(root.length);
  // A group outside a bind-mounted subtree shows as `/..`-style paths or is simply not visible: use the mount.
  if (relative.startsWith('/..')) relative = '/';
  return path.join(mount.mountPoint, relative);
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function defaultWritable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function words(file: string): string[] {
  return readOr(file, '').split(/\s+/).filter(Boolean);
}

/**
 * Find a memory cgroup under which this process may create children: cgroup v2 when its memory
 * controller is available to us, otherwise cgroup v1's memory hierarchy. The failure names exactly
 * what is missing, for the "exit 2 and say why" contract of `oomguard verify`.
 */
export function findCgroupParent(environment: CgroupEnvironment = {}): ParentLookup {
  if (process.platform !== 'linux' && environment.procSelfCgroup === undefined) {
    return { ok: false, problem: `memory cgroups exist only on Linux; this is ${process.platform}` };
  }
  const procText = environment.procSelfCgroup ?? readOr('/proc/self/cgroup', '');
  const mountText = environment.mountinfo ?? readOr('/proc/self/mountinfo', '');
  const writable = environment.writable ?? defaultWritable;
  if (!procText) return { ok: false, problem: '/proc/self/cgroup is not readable, so this process\'s cgroup is unknown' };
  const groups = parseProcCgroup(procText);
  const mounts = parseMountinfo(mountText);
  const problems: string[] = [];

  const v2Mount = mounts.find((mount) => mount.fsType === 'cgroup2');
  if (groups.v2 !== undefined && v2Mount) {
    const found = v2Parent(groupDir(v2Mount, groups.v2), writable);
    if (found.ok) return found;
    problems.push(found.problem);
  }

  const v1Mount = mounts.find((mount) => mount.fsType === 'cgroup' && mount.superOptions.includes('memory'));
  if (groups.v1.memory !== undefined && v1Mount) {
    const dir = groupDir(v1Mount, groups.v1.memory);
    if (!fs.existsSync(path.join(dir, 'memory.limit_in_bytes'))) {
      problems.push(`cgroup v1: ${dir} (our memory group) has no memory.limit_in_bytes; is the memory hierarchy mounted there?`);
    } else if (!writable(dir)) {
      problems.push(`cgroup v1: cannot create a group in ${dir} (our memory group): it is not writable by this user; run as root or in a container with a writable memory cgroup`);
    } else {
      return { ok: true, parent: { version: 1, dir }, notes: [] };
    }
  } else if (!v2Mount) {
    problems.push('no cgroup hierarchy with the memory controller is mounted (neither a cgroup2 mount nor a cgroup v1 memory mount in /proc/self/mountinfo)');
  }
  return { ok: false, problem: problems.join('; ') || 'no memory cgroup found for this process' };
}

function v2Parent(ownDir: string, writable: (file: string) => boolean): ParentLookup {
  const controllers = words(path.join(ownDir, 'cgroup.controllers'));
  if (!controllers.includes('memory')) {
    return { ok: false, problem: `cgroup v2: the memory controller is not available in ${ownDir} (cgroup.controllers: ${controllers.join(' ') || 'empty'})` };
  }
  if (!writable(ownDir)) {
    return { ok: false, problem: `cgroup v2: cannot create a group in ${ownDir} (our group): it is not writable by this user; run as root, or under \`systemd-run --user --scope -p Delegate=yes\`` };
  }
  const notes: string[] = [];
  const subtree = path.join(ownDir, 'cgroup.subtree_control');
  if (!words(subtree).includes('memory')) {
    try {
      fs.writeFileSync(subtree, '+memory');
      notes.push(`enabled the memory controller for children of ${ownDir} (cgroup.subtree_control)`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const why = code === 'EBUSY'
        ? 'the group has processes of its own (cgroup v2 "no internal processes" rule)'
        : `writing "+memory" to ${subtree} failed with ${code}`;
      return { ok: false, problem: `cgroup v2: children of ${ownDir} cannot get the memory controller: memory is missing from cgroup.subtree_control and ${why}; start oomguard in a leaf group of its own, e.g. \`systemd-run --scope -p Delegate=yes oomguard ...\`` };
    }
  }
  return { ok: true, parent: { version: 2, dir: ownDir }, notes };
}

/** Options for the filesystem operations, so tests can drive a directory laid out like cgroupfs. */
export interface CgroupFsOptions {
  /** Remove the group directory. cgroupfs takes `rmdir` with the interface files still listed. @default fs.rmdirSync */
  readonly removeDir?: (dir: string) => void;
}

/**
 * A memory cgroup a command runs in, however it was made: a child group oomguard created itself
 * (MemoryCgroup) or a transient systemd scope (SystemdScope). The sampler and the classifier only read.
 */
export interface MemoryGroup {
  readonly version: CgroupVersion;
  /** The group's directory; empty until known (a systemd scope exists only once the command runs). */
  readonly dir: string;
  /** The program and arguments that start `command` inside the group. */
  wrap(command: readonly string[]): { readonly file: string; readonly args: readonly string[] };
  /** Told the started process's pid. */
  attach?(pid: number): void;
  pids(): number[];
  usageBytes(): number | undefined;
  peakBytes(): number | undefined;
  oomKills(): number | undefined;
  /** Kill what is left and remove the group. */
  destroy(): Promise<void>;
}

/** Exit code of the join wrapper when the pid cannot be written to cgroup.procs. */
export const JOIN_FAILED = 125;
/**
 * The join wrapper: `sh` writes its own pid to `cgroup.procs`, then `exec`s the command, so the command
 * allocates nothing outside the group (moving it after spawn would leave its start-up unaccounted).
 */
const JOIN_SCRIPT = `echo $$ > "$1" || exit ${JOIN_FAILED}; shift; exec "$@"`;

let sequence = 0;

/** A child memory cgroup this process created and must remove. */
export class MemoryCgroup implements MemoryGroup {
  private readonly removeDir: (dir: string) => void;
  private removed = false;

  private constructor(readonly version: CgroupVersion, readonly dir: string, options: CgroupFsOptions) {
    this.removeDir = options.removeDir ?? ((dir) => fs.rmdirSync(dir));
  }

  /**
   * Create `oomguard-<pid>-<n>` under the parent, with a memory limit (and no swap) when `limitBytes`
   * is given. Throws an Error naming the file and errno when the kernel refuses.
   */
  static create(parent: CgroupParent, limitBytes?: number, options: CgroupFsOptions = {}): MemoryCgroup {
    const dir = path.join(parent.dir, `oomguard-${process.pid}-${++sequence}`);
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      throw new Error(`cannot create the memory cgroup ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const group = new MemoryCgroup(parent.version, dir, options);
    if (limitBytes !== undefined) {
      try {
        group.setLimit(limitBytes);
      } catch (error) {
        group.removeSync();
        throw error;
      }
    }
    return group;
  }

  /** The file a process writes its pid to, to join the group. */
  get procsFile(): string {
    return path.join(this.dir, 'cgroup.procs');
  }

  wrap(command: readonly string[]): { file: string; args: string[] } {
    return { file: '/bin/sh', args: ['-c', JOIN_SCRIPT, 'oomguard', this.procsFile, ...command] };
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private write(name: string, value: string): void {
    try {
      fs.writeFileSync(this.file(name), value);
    } catch (error) {
      throw new Error(`cannot write ${value} to ${this.file(name)}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }

  private readNumber(name: string): number | undefined {
    const text = readOr(this.file(name), '').trim();
    if (text === '' || text === 'max') return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }

  private setLimit(bytes: number): void {
    if (this.version === 2) {
      this.write('memory.max', String(bytes));
      // Without swap the limit is the whole story, as in a Kubernetes node (swap off by default).
      if (fs.existsSync(this.file('memory.swap.max'))) this.write('memory.swap.max', '0');
    } else {
      this.write('memory.limit_in_bytes', String(bytes));
      // memory+swap may not be lower than memory, so it is written after the memory limit.
      if (fs.existsSync(this.file('memory.memsw.limit_in_bytes'))) this.write('memory.memsw.limit_in_bytes', String(bytes));
    }
  }

  /** The limit the kernel enforces, or undefined for none. */
  limitBytes(): number | undefined {
    const value = this.readNumber(this.version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
    // v1 spells "no limit" as a huge page-aligned number close to 2^63.
    return value !== undefined && value < 2 ** 62 ? value : undefined;
  }

  /** Memory charged to the group now (anonymous memory, page cache, kernel memory). */
  usageBytes(): number | undefined {
    return this.readNumber(this.version === 2 ? 'memory.current' : 'memory.usage_in_bytes');
  }

  /** The kernel's own high-water mark, when it keeps one (v1 always, v2 from Linux 5.19). */
  peakBytes(): number | undefined {
    return this.readNumber(this.version === 2 ? 'memory.peak' : 'memory.max_usage_in_bytes');
  }

  /** How many processes the kernel OOM killer killed in this group, when the kernel counts them. */
  oomKills(): number | undefined {
    const text = readOr(this.file(this.version === 2 ? 'memory.events' : 'memory.oom_control'), '');
    const match = /^oom_kill (\d+)$/m.exec(text);
    return match ? Number(match[1]) : undefined;
  }

  /** Process ids in the group. */
  pids(): number[] {
    return readOr(this.procsFile, '').split('\n').filter(Boolean).map(Number).filter(Number.isInteger);
  }

  /**
   * Kill whatever is left in the group and remove it. A group can only be removed once empty; the
   * kernel needs a moment to reap killed processes, hence the retries.
   */
  async destroy(): Promise<void> {
    if (this.removed) return;
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = this.pids();
      if (pids.length > 0) {
        if (this.version === 2 && fs.existsSync(this.file('cgroup.kill'))) {
          try {
            fs.writeFileSync(this.file('cgroup.kill'), '1');
          } catch {
            /* fall through to kill(2) */
          }
        }
        for (const pid of pids) {
          try {
            if (pid === process.pid) continue;
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      try {
        this.removeDir(this.dir);
        this.removed = true;
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          this.removed = true;
          return;
        }
        if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw new Error(`cannot remove the memory cgroup ${this.dir}: ${code ?? error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + attempt * 10));
    }
    throw new Error(`cannot remove the memory cgroup ${this.dir}: it still holds processes ${this.pids().join(', ')}`);
  }

  /** Best-effort synchronous removal for a group that never held a process. */
  private removeSync(): void {
    try {
      this.removeDir(this.dir);
      this.removed = true;
    } catch {
      /* reported by the caller's own error */
    }
  }
}
