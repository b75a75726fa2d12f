/**
 * The kernel's own record of OOM kills, read from kernel log text (`dmesg`, `dmesg -T`, `journalctl -k`,
 * syslog), and the cgroup path of each kill mapped to a pod UID and a container ID. Pure: text in, kills out.
 *
 * What the kernel prints for one kill (mm/oom_kill.c, Linux 4.19 and later):
 *   oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=...,mems_allowed=0,oom_memcg=/kubepods/burstable/pod<uid>,
 *            task_memcg=/kubepods/burstable/pod<uid>/<container id>,task=java,pid=4242,uid=1000
 *   Memory cgroup out of memory: Killed process 4242 (java) total-vm:4194304kB, anon-rss:524288kB, file-rss:1024kB, shmem-rss:0kB, UID:1000 ...
 * A node-wide OOM says `global_oom` instead of `oom_memcg=` and "Out of memory: Killed process". Before
 * 4.19 the cgroup came in its own line: "Task in <task memcg> killed as a result of limit of <oom memcg>".
 *
 * How cgroup paths name pods and containers (the kubelet's cgroup manager and the container runtimes):
 *   cgroupfs driver:  /kubepods[/burstable|/besteffort]/pod<uid>/<container id>       /docker/<container id>
 *   systemd driver:   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with _ for ->.slice/
 *                     cri-containerd-<id>.scope (or crio-<id>.scope, docker-<id>.scope)  /system.slice/docker-<id>.scope
 * The machine is shared: a kill is attributed only when its cgroup path names the container (or the pod),
 * never by process name or time.
 */

export interface KernelTime {
  /** The timestamp as the log wrote it: `408.162634`, `Tue Dec  1 11:12:23 2026`, `Dec 01 11:12:23`. */
  readonly raw: string;
  /** Seconds since boot (plain dmesg). */
  readonly secondsSinceBoot?: number;
  /** The wall-clock time, when the log gave a full date (dmesg -T, journalctl -o short-iso, dmesg --time-format iso). */
  readonly iso?: string;
}

export interface KernelOomKill {
  /** 1-based line of the kill in the kernel log text. */
  readonly line: number;
  readonly pid: number;
  /** The killed task's name (`comm`, at most 15 characters). */
  readonly process: string;
  readonly uid?: number;
  /** The cgroup of the killed task. */
  readonly taskMemcg?: string;
  /** The cgroup whose limit was hit (absent for a node-wide OOM). */
  readonly oomMemcg?: string;
  readonly constraint?: string;
  /** The node ran out of memory (`global_oom`), not a cgroup its limit. */
  readonly globalOom: boolean;
  readonly totalVmBytes?: number;
  readonly anonRssBytes?: number;
  readonly fileRssBytes?: number;
  readonly shmemRssBytes?: number;
  /** Resident memory at the kill: anon + file + shmem RSS. */
  readonly rssBytes?: number;
  readonly time?: KernelTime;
}

export interface KernelLog {
  readonly kills: readonly KernelOomKill[];
  /** Lines that were read. */
  readonly lines: number;
}

const KIB = 1024;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A kernel line as dmesg, dmesg -T, journalctl -k (short, short-iso, short-precise) or syslog print it. */
const DMESG_RELATIVE = /^\[\s*(\d+\.\d+)\]\s?/;
const DMESG_HUMAN = /^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}))\]\s?/;
const ISO_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+(?:\S+\s+kernel:\s*)?/;
const SYSLOG_PREFIX = /^((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?)\s+\S+\s+kernel:\s*/;

/**
 * The kernel formats a log record into at most 1024 bytes (printk's LOG_LINE_MAX, kernel/printk), and
 * journalctl and syslog add a prefix: a longer line is not a kernel line and is not searched.
 */
const MAX_KERNEL_LINE = 4096;

/** Whether a line is kernel log text (for input that mixes a pod's JSON with dmesg output). */
export function isKernelLogLine(line: string): boolean {
  if (line.length > MAX_KERNEL_LINE) return false;
  return DMESG_RELATIVE.test(line) || DMESG_HUMAN.test(line) || SYSLOG_PREFIX.test(line) || (ISO_PREFIX.test(line) && /\skernel:\s/.test(line))
    || /^\s*(?:oom-kill:constraint=|Memory cgroup out of memory: Kill|Out of memory: Kill)/.test(line);
}

function isoFrom(text: string): string | undefined {
  const normalized = text.replace(',', '.').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const time = Date.parse(normalized);
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/** The timestamp at the start of a line and the rest of it. */
function splitTime(line: string): { time?: KernelTime; rest: string } {
  let rest = line;
  let time: KernelTime | undefined;
  // journalctl/syslog first: their message may itself start with dmesg's [seconds].
  const syslog = SYSLOG_PREFIX.exec(rest);
  const iso = !syslog ? ISO_PREFIX.exec(rest) : null;
  if (syslog) {
    time = { raw: syslog[1] };
    rest = rest.slice(syslog[0].length);
  } else if (iso) {
    const at = isoFrom(iso[1]);
    time = { raw: iso[1], ...(at ? { iso: at } : {}) };
    rest = rest.slice(iso[0].length);
  }
  const relative = DMESG_RELATIVE.exec(rest);
  const human = !relative ? DMESG_HUMAN.exec(rest) : null;
  if (relative) {
    time = { ...(time ?? { raw: relative[1] }), secondsSinceBoot: Number(relative[1]) };
    rest = rest.slice(relative[0].length);
  } else if (human) {
    // dmesg -T prints local time without a zone: kept as written, and as ISO read in UTC.
    const [, raw, month, day, clock, year] = human;
    const at = isoFrom(`${year}-${String(MONTHS.indexOf(month) + 1).padStart(2, '0')}-${day.padStart(2, '0')}T${clock}Z`);
    time = { raw, ...(at ? { iso: at } : {}) };
    rest = rest.slice(human[0].length);
  }
  return { ...(time ? { time } : {}), rest };
}

/** `key=value,key=value` of an oom-kill line (values hold no commas; `global_oom` has no value). */
function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) map.set(part.trim(), '');
    else map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return map;
}

const OOM_KILL = /oom-kill:(\S+)/;
const KILLED = /(?:Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): Killed process (\d+) \((.*?)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB, shmem-rss:(\d+)kB(?:, UID:(\d+))?/;
/** Older kernels name the killed task with its own line, and "Killed process" without the reason. */
const KILLED_OLD = /^Killed process (\d+) \((.*?)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB(?:, shmem-rss:(\d+)kB)?/;
const TASK_IN = /Task in (\S+) killed as a result of limit of (\S+)/;

interface Pending {
  line: number;
  pid: number;
  fields: Map<string, string>;
  time?: KernelTime;
}

/**
 * Every OOM kill in kernel log text: each `oom-kill:` line joined with the "Killed process" line of the
 * same pid that follows it. A "Killed process" line without its `oom-kill:` line (a log cut short, an
 * old kernel) is still a kill, with the cgroup from a "Task in" line when there is one.
 */
export function parseKernelLog(text: string): KernelLog {
  const lines = text.split(/\r?\n/);
  const kills: KernelOomKill[] = [];
  let pending: Pending | undefined;
  let taskIn: { task: string; oom: string } | undefined;
  lines.forEach((raw, index) => {
    if (raw.length > MAX_KERNEL_LINE) return;
    const { time, rest } = splitTime(raw);
    const oomKill = OOM_KILL.exec(rest);
    if (oomKill) {
      const map = fields(oomKill[1]);
      const pid = Number(map.get('pid'));
      if (Number.isInteger(pid)) pending = { line: index + 1, pid, fields: map, ...(time ? { time } : {}) };
      return;
    }
    const task = TASK_IN.exec(rest);
    if (task) {
      taskIn = { task: task[1].replace(/,$/, ''), oom: task[2].replace(/,$/, '') };
      return;
    }
    const modernMatch = KILLED.exec(rest);
    const killed = modernMatch ?? KILLED_OLD.exec(rest);
    if (!killed) return;
    const modern = modernMatch !== null;
    const pid = Number(killed[1]);
    const [totalVm, anon, file, shmem] = [killed[3], killed[4], killed[5], killed[6]].map((value) => (value === undefined ? undefined : Number(value) * KIB));
    const joined = pending && pending.pid === pid ? pending : undefined;
    const map = joined?.fields;
    const uidText = map?.get('uid') ?? (modern ? killed[7] : undefined);
    const taskMemcg = map?.get('task_memcg') ?? taskIn?.task;
    const oomMemcg = map?.get('oom_memcg') ?? taskIn?.oom;
    const at = joined?.time ?? time;
    kills.push({
      line: joined?.line ?? index + 1,
      pid,
      process: map?.get('task') ?? killed[2],
      ...(uidText !== undefined && uidText !== '' ? { uid: Number(uidText) } : {}),
      ...(taskMemcg ? { taskMemcg } : {}),
      ...(oomMemcg && !map?.has('global_oom') ? { oomMemcg } : {}),
      ...(map?.get('constraint') ? { constraint: map.get('constraint') } : {}),
      globalOom: map ? map.has('global_oom') || map.get('constraint') === 'CONSTRAINT_NONE' : /Out of memory:/.test(rest) && !/Memory cgroup/.test(rest),
      ...(totalVm !== undefined ? { totalVmBytes: totalVm } : {}),
      ...(anon !== undefined ? { anonRssBytes: anon } : {}),
      ...(file !== undefined ? { fileRssBytes: file } : {}),
      ...(shmem !== undefined ? { shmemRssBytes: shmem } : {}),
      ...(anon !== undefined && file !== undefined ? { rssBytes: anon + file + (shmem ?? 0) } : {}),
      ...(at ? { time: at } : {}),
    });
    pending = undefined;
    taskIn = undefined;
  });
  return { kills, lines: lines.length };
}

/** The pod UID and container ID a cgroup path names, for each runtime's and driver's layout. */
export function cgroupIdentity(memcg: string): { podUid?: string; containerId?: string } {
  let podUid: string | undefined;
  let containerId: string | undefined;
  for (const segment of memcg.split('/')) {
    const cgroupfsPod = /^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(segment);
    // The systemd driver escapes "-" in the UID as "_" in the slice name.
    const systemdPod = /^kubepods(?:-[a-z]+)?-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12})\.slice$/.exec(segment);
    if (cgroupfsPod) podUid = cgroupfsPod[1];
    else if (systemdPod) podUid = systemdPod[1].replace(/_/g, '-');
    // conmon (cri-o's monitor, crio-conmon-<id>.scope) is not the container.
    const scope = /^(?:docker|cri-containerd|crio|containerd|libpod)-([0-9a-f]{64})\.scope$/.exec(segment);
    const bare = /^([0-9a-f]{64})$/.exec(segment);
    if (scope) containerId = scope[1];
    else if (bare) containerId = bare[1];
  }
  return { ...(podUid ? { podUid } : {}), ...(containerId ? { containerId } : {}) };
}

/** A container ID as Kubernetes writes it (`containerd://<id>`, `docker://<id>`, `cri-o://<id>`) or Docker does (`<id>`). */
export function bareContainerId(id: string): string {
  const at = id.indexOf('://');
  return (at >= 0 ? id.slice(at + 3) : id).toLowerCase();
}
