/**
 * A memory limit through systemd, for machines where that is how cgroups are delegated (cgroup v2 with
 * systemd as PID 1, where a user's own group is not writable but systemd will make a scope for them):
 *
 *   systemd-run [--user] --scope --quiet --unit=oomguard-<pid>-<n>.scope -p MemoryMax=<bytes>
 *               -p MemorySwapMax=0 -- CMD ...
 *
 * systemd-run(1) `--scope` runs the command itself, in a transient scope unit; `MemoryMax=` and
 * `MemorySwapMax=` are systemd.resource-control(5)'s cgroup v2 `memory.max` and `memory.swap.max`. The
 * scope's cgroup is found from the command's /proc/<pid>/cgroup once it runs. A scope is removed when it
 * empties, so the OOM kill is also read from the unit's `Result` (`oom-kill`), kept after the unit fails
 * until `reset-failed`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMountinfo, parseProcCgroup, type MemoryGroup } from './cgroup';

export interface SystemdEnvironment {
  /** Where systemd says it is PID 1 (sd_booted(3)). @default /run/systemd/system */
  readonly bootedMarker?: string;
  readonly procRoot?: string;
  readonly mountinfo?: string;
  /** Runs systemctl/systemd-run; returns stdout and status. @default spawnSync */
  readonly exec?: (file: string, args: readonly string[]) => { status: number | null; stdout: string };
  readonly uid?: number;
}

function defaultExec(file: string, args: readonly string[]): { status: number | null; stdout: string } {
  const result = spawnSync(file, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.error ? null : result.status, stdout: result.stdout ?? '' };
}

/** Whether systemd can make a memory-limited scope here; the problem says why not. */
export function systemdScopeAvailable(environment: SystemdEnvironment = {}): { ok: true } | { ok: false; problem: string } {
  const marker = environment.bootedMarker ?? '/run/systemd/system';
  if (!fs.existsSync(marker)) return { ok: false, problem: `systemd is not running as PID 1 (${marker} is missing), so systemd-run cannot make a scope` };
  const exec = environment.exec ?? defaultExec;
  if (exec('systemd-run', ['--version']).status !== 0) return { ok: false, problem: 'systemd-run is not installed' };
  return { ok: true };
}

let sequence = 0;

export class SystemdScope implements MemoryGroup {
  readonly version = 2 as const;
  readonly unit: string;
  private resolvedDir = '';
  private pid: number | undefined;
  private lastOomKills: number | undefined;
  private readonly exec: NonNullable<SystemdEnvironment['exec']>;
  private readonly user: boolean;

  constructor(readonly limitBytes: number | undefined, private readonly environment: SystemdEnvironment = {}) {
    this.unit = `oomguard-${process.pid}-${++sequence}.scope`;
    this.exec = environment.exec ?? defaultExec;
    // A user's scopes live under their own systemd instance (user@.service), which is what delegates.
    this.user = (environment.uid ?? process.getuid?.() ?? 0) !== 0;
  }

  get dir(): string {
    return this.resolve();
  }

  private systemctl(...args: string[]): { status: number | null; stdout: string } {
    return this.exec('systemctl', [...(this.user ? ['--user'] : []), ...args]);
  }

  wrap(command: readonly string[]): { file: string; args: string[] } {
    const properties = this.limitBytes !== undefined
      ? ['-p', `MemoryMax=${this.limitBytes}`, '-p', 'MemorySwapMax=0']
      : ['-p', 'MemoryAccounting=yes'];
    return { file: 'systemd-run', args: [...(this.user ? ['--user'] : []), '--scope', '--quiet', `--unit=${this.unit}`, ...properties, '--', ...command] };
  }

  attach(pid: number): void {
    this.pid = pid;
  }

  /** The scope's cgroup directory, from the command's /proc/<pid>/cgroup once systemd moved it there. */
  private resolve(): string {
    if (this.resolvedDir || this.pid === undefined) return this.resolvedDir;
    const procRoot = this.environment.procRoot ?? '/proc';
    let text: string;
    try {
      text = fs.readFileSync(`${procRoot}/${this.pid}/cgroup`, 'utf8');
    } catch {
      return '';
    }
    const group = parseProcCgroup(text).v2;
    if (!group || !group.endsWith(`/${this.unit}`)) return '';
    const mountinfo = this.environment.mountinfo ?? fs.readFileSync(`${procRoot}/self/mountinfo`, 'utf8');
    const mount = parseMountinfo(mountinfo).find((entry) => entry.fsType === 'cgroup2');
    if (!mount) return '';
    const root = mount.root === '/' ? '' : mount.root;
    this.resolvedDir = path.join(mount.mountPoint, root && group.startsWith(root) ? group.slice(root.length) : group);
    return this.resolvedDir;
  }

  private read(name: string): string | undefined {
    const dir = this.resolve();
    if (!dir) return undefined;
    try {
      return fs.readFileSync(path.join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  private number(name: string): number | undefined {
    const text = this.read(name)?.trim();
    if (!text || text === 'max') return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }

  pids(): number[] {
    const text = this.read('cgroup.procs');
    if (text === undefined) return this.pid !== undefined ? [this.pid] : [];
    return text.split('\n').filter(Boolean).map(Number);
  }

  usageBytes(): number | undefined {
    return this.number('memory.current');
  }

  peakBytes(): number | undefined {
    return this.number('memory.peak');
  }

  /**
   * From memory.events while the scope exists; once it is gone, from the unit's Result, which systemd
   * sets to `oom-kill` when the kernel OOM killer struck inside it.
   */
  oomKills(): number | undefined {
    const events = this.read('memory.events');
    const match = events ? /^oom_kill (\d+)$/m.exec(events) : null;
    if (match) {
      this.lastOomKills = Number(match[1]);
      return this.lastOomKills;
    }
    const result = this.systemctl('show', '--property=Result', '--value', this.unit);
    if (result.status === 0 && result.stdout.trim() === 'oom-kill') return Math.max(1, this.lastOomKills ?? 0);
    if (result.status === 0 && result.stdout.trim() === 'success') return this.lastOomKills ?? 0;
    return this.lastOomKills;
  }

  async destroy(): Promise<void> {
    // Stopping a scope kills what is left in it; reset-failed unloads a scope that ended in failure.
    this.systemctl('stop', this.unit);
    this.systemctl('reset-failed', this.unit);
  }
}
