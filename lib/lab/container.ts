/**
 * `verify --image` and `measure --image`: run an image under the container runtime's client (`docker`, or
 * anything that speaks its CLI: OOMGUARD_DOCKER / --docker, DOCKER_HOST honoured), with the limit as
 * `--memory`/`--memory-swap` (no swap) and the generated settings as `-e NAME=VALUE`, the image's entrypoint
 * as PID 1. The outcome comes from `docker inspect` (State.OOMKilled, State.ExitCode), the container's log
 * and its memory cgroup, sampled while it runs: runc removes the cgroup as soon as PID 1 exits (measured
 * here: /sys/fs/cgroup/memory/docker/<id> is gone when `docker wait` returns), so the OOM-kill counter and
 * the peak are read every interval during the run, and State.OOMKilled covers a kill in the last interval.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvEntry } from '../generate/container';
import { classifyExit, type Classification } from './classify';
import { parseProcCgroup, type CgroupVersion } from './cgroup';

/** The client is missing or the daemon does not answer: the message says which (CLI exit 2). */
export class DockerUnavailableError extends Error {}

export interface ImageRunOptions {
  readonly image: string;
  /** The container's command (after the entrypoint); empty for the image's own CMD. */
  readonly command: readonly string[];
  /** Extra `docker run` arguments (--docker-arg), before the image. */
  readonly dockerArgs?: readonly string[];
  /** `--memory L --memory-swap L`; absent for measure (no limit). */
  readonly limitBytes?: number;
  /** Settings injected with `-e NAME=VALUE`. */
  readonly env?: readonly EnvEntry[];
  /** The client binary. @default OOMGUARD_DOCKER, else `docker` */
  readonly docker?: string;
  readonly intervalMs?: number;
  /** Seconds `docker stop` gives the container after Ctrl-C/SIGTERM. */
  readonly graceMs?: number;
  readonly handleSignals?: boolean;
  /** Where the container's log is copied once it ended. */
  readonly echo?: 'stdout' | 'stderr' | 'none';
  /** The cgroup filesystem root. @default /sys/fs/cgroup */
  readonly cgroupRoot?: string;
}

export interface ImageRunResult {
  readonly containerId: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** The container cgroup's peak usage as last sampled; undefined when it could not be read. */
  readonly peakBytes?: number;
  /** The cgroup's OOM-kill counter as last sampled (at least 1 when Docker says OOMKilled). */
  readonly oomKills: number;
  readonly cgroup?: { readonly version: CgroupVersion; readonly path: string };
  readonly logs: string;
  readonly classification: Classification;
  readonly interrupted: boolean;
  readonly durationMs: number;
  readonly notes: readonly string[];
}

export function dockerBinary(flag?: string): string {
  return flag ?? (process.env.OOMGUARD_DOCKER || 'docker');
}

/** Check the client runs and the daemon answers; throws DockerUnavailableError naming what is wrong. */
export function checkDocker(docker: string): void {
  const result = spawnSync(docker, ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 20_000 });
  const where = process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : '';
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DockerUnavailableError(`the container client "${docker}" was not found (install docker, or name the client with --docker or OOMGUARD_DOCKER)`);
    throw new DockerUnavailableError(`"${docker} version" failed: ${code ?? result.error.message}`);
  }
  if (result.status !== 0) {
    const reason = firstLine(result.stderr || result.stdout) || `exit ${result.status}`;
    throw new DockerUnavailableError(`the Docker daemon${where} is not reachable: ${reason}`);
  }
}

function client(docker: string, args: readonly string[], timeoutMs = 60_000) {
  return spawnSync(docker, [...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 });
}

/** The line of a client's stderr that says what went wrong: its error line, not the "See 'docker run --help'." after it. */
function firstLine(text: string): string {
  const lines = text.trim().split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /error/i.test(line)) ?? lines[0] ?? '';
}

/** The container's memory cgroup folder, from its PID 1's /proc/<pid>/cgroup (any cgroup parent or driver). */
export function containerCgroup(pid: number, root = '/sys/fs/cgroup', procRoot = '/proc'): { version: CgroupVersion; path: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(procRoot, String(pid), 'cgroup'), 'utf8');
  } catch {
    return undefined;
  }
  const groups = parseProcCgroup(text);
  if (groups.v1.memory !== undefined) return { version: 1, path: path.join(root, 'memory', groups.v1.memory) };
  if (groups.v2 !== undefined) return { version: 2, path: path.join(root, groups.v2) };
  return undefined;
}

/** Peak usage and OOM kills of a memory cgroup now, or undefined once it is gone. */
export function readCgroupCounters(group: { version: CgroupVersion; path: string }): { peakBytes?: number; oomKills?: number } | undefined {
  try {
    const peakFile = group.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak';
    const eventsFile = group.version === 1 ? 'memory.oom_control' : 'memory.events';
    let peakBytes: number | undefined;
    try {
      peakBytes = Number(fs.readFileSync(path.join(group.path, peakFile), 'utf8').trim());
    } catch {
      // memory.peak is Linux 5.19+: no peak figure on older cgroup v2 kernels.
    }
    const events = fs.readFileSync(path.join(group.path, eventsFile), 'utf8');
    const match = /^oom_kill (\d+)$/m.exec(events);
    return { peakBytes: Number.isFinite(peakBytes) ? peakBytes : undefined, oomKills: match ? Number(match[1]) : undefined };
  } catch {
    return undefined;
  }
}

/** The image's own environment, so a NODE_OPTIONS or JAVA_TOOL_OPTIONS it sets keeps its other options. */
export function imageEnv(docker: string, image: string): Record<string, string> {
  const result = client(docker, ['image', 'inspect', '--format', '{{json .Config.Env}}', image], 20_000);
  const env: Record<string, string> = {};
  if (result.status !== 0) return env;
  try {
    const list = JSON.parse(result.stdout) as string[] | null;
    for (const item of list ?? []) {
      const at = item.indexOf('=');
      if (at > 0) env[item.slice(0, at)] = item.slice(at + 1);
    }
  } catch {
    // No environment to merge with.
  }
  return env;
}

/** Run the image to its end and classify it; the container is always removed. */
export async function runImage(options: ImageRunOptions): Promise<ImageRunResult> {
  const docker = dockerBinary(options.docker);
  checkDocker(docker);
  const notes: string[] = [];
  const args = ['run', '-d'];
  if (options.limitBytes !== undefined) args.push('--memory', String(options.limitBytes), '--memory-swap', String(options.limitBytes));
  for (const setting of options.env ?? []) args.push('-e', `${setting.name}=${setting.value}`);
  args.push(...(options.dockerArgs ?? []), '--', options.image, ...options.command);
  const started = Date.now();
  // The handlers are in place before the container exists: a signal during `docker run -d` stops it once its id is known.
  let interrupted = false;
  let containerId = '';
  const stopContainer = () => {
    const seconds = Math.max(0, Math.round((options.graceMs ?? 10_000) / 1000));
    spawn(docker, ['stop', '-t', String(seconds), containerId], { stdio: 'ignore' });
  };
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    if (containerId) stopContainer();
  };
  if (options.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const removeHandlers = () => {
    if (!options.handleSignals) return;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const created = client(docker, args);
  if (created.status !== 0) {
    removeHandlers();
    throw new DockerUnavailableError(`docker run ${options.image} failed: ${firstLine(created.stderr || created.stdout) || `exit ${created.status}`}`);
  }
  containerId = firstLine(created.stdout);
  if (interrupted) stopContainer();
  try {
    const pidText = client(docker, ['inspect', '--format', '{{.State.Pid}}', containerId], 20_000).stdout?.trim();
    const pid = Number(pidText);
    let group = pid > 0 ? containerCgroup(pid, options.cgroupRoot) : undefined;
    // A container that already ended has no PID: its group (cgroupfs driver, default parent) may still be there for a moment.
    if (!group) {
      const fallback = path.join(options.cgroupRoot ?? '/sys/fs/cgroup', 'memory', 'docker', containerId);
      if (fs.existsSync(fallback)) group = { version: 1, path: fallback };
    }
    let peakBytes: number | undefined;
    let oomKills: number | undefined;
    const sample = () => {
      if (!group) return;
      const counters = readCgroupCounters(group);
      if (!counters) return;
      if (counters.peakBytes !== undefined) peakBytes = Math.max(peakBytes ?? 0, counters.peakBytes);
      if (counters.oomKills !== undefined) oomKills = Math.max(oomKills ?? 0, counters.oomKills);
    };
    sample();
    const timer = setInterval(sample, options.intervalMs ?? 50);
    const waited = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(docker, ['wait', containerId], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', (error) => resolve({ status: null, stdout, stderr: String(error) }));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    clearInterval(timer);
    sample();
    if (waited.status !== 0) throw new DockerUnavailableError(`docker wait ${containerId} failed: ${firstLine(waited.stderr)}`);
    const inspected = client(docker, ['inspect', containerId], 20_000);
    if (inspected.status !== 0) throw new DockerUnavailableError(`docker inspect ${containerId} failed: ${firstLine(inspected.stderr)}`);
    const state = (JSON.parse(inspected.stdout) as { State: { ExitCode: number; OOMKilled: boolean } }[])[0].State;
    const logged = client(docker, ['logs', containerId]);
    const logs = `${logged.stdout ?? ''}${logged.stderr ?? ''}`;
    if (options.echo !== 'none' && logs) (options.echo === 'stderr' ? process.stderr : process.stdout).write(logs);
    const kills = Math.max(oomKills ?? 0, state.OOMKilled ? 1 : 0);
    // The kernel OOM-kills in a memory cgroup when a charge would take it past its limit, so a group
    // with a kill reached its limit. The samples can miss that moment: the group is gone once PID 1
    // exits, and a shell PID 1 whose child was killed may exit within one sampling interval of the
    // kill (a peak of 147 MiB was read for a 200 MiB limit so).
    if (kills > 0 && options.limitBytes !== undefined && group !== undefined) peakBytes = Math.max(peakBytes ?? 0, options.limitBytes);
    if (!group) notes.push('the container\'s memory cgroup could not be read (a remote daemon, or it ended at once): the OOM kills are Docker\'s State.OOMKilled only and there is no peak figure');
    else if (peakBytes === undefined) notes.push(`no peak figure: ${group.path} has no peak file`);
    // A SIGKILL docker stop sent after the grace period is no OOM kill: classified with the counter as read.
    const classification = classifyExit({ exitCode: state.ExitCode, signal: null, output: logs.slice(-65536), oomKills: kills });
    if (interrupted) notes.push('stopped by a signal (Ctrl-C or SIGTERM): the container was stopped with docker stop');
    return {
      containerId,
      exitCode: state.ExitCode,
      oomKilled: state.OOMKilled,
      ...(peakBytes !== undefined ? { peakBytes } : {}),
      oomKills: kills,
      ...(group ? { cgroup: group } : {}),
      logs,
      classification,
      interrupted,
      durationMs: Date.now() - started,
      notes,
    };
  } finally {
    removeHandlers();
    client(docker, ['rm', '-f', containerId], 30_000);
  }
}
