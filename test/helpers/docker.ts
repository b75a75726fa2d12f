/**
 * A real Docker daemon for tests and the evidence script: Debian's docker.io `dockerd`, started as root
 * with its own socket, data root, exec root and pid file (so it disturbs no other daemon on the machine),
 * no iptables and no bridge, the cgroupfs driver (cgroup v1 here), and an image made with `docker import`
 * from a skeleton root (empty folders and the merged-/usr symlinks): no registry is reachable, so
 * containers bind-mount the host's /usr and /etc read-only and run the host's node, java, python3 and sh.
 *
 *   const docker = await startDockerd();          // undefined (and a loud skip) where it cannot run
 *   const run = docker.run(['--memory', '200m', '--memory-swap', '200m'], ['node', '-e', '...']);
 *   const [state] = docker.inspect(run.name);     // real `docker inspect` output
 *   await docker.stop();                          // containers removed, daemon stopped, mounts and files gone
 *
 * Reused by every test that needs a real container (diagnose on real inspect output, `verify --image`).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { haveCapability, haveTool } from './tools';

/**
 * The client: Debian's /usr/bin/docker speaks the daemon's own API version (1.41 for 20.10); a newer
 * client earlier on the PATH (here /usr/local/bin/docker, 28.x) negotiates down and works too, so it is
 * the fallback.
 */
export function dockerClient(): string | undefined {
  if (fs.existsSync('/usr/bin/docker')) return '/usr/bin/docker';
  const found = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export interface DockerRun {
  readonly name: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Dockerd {
  /** The daemon's private folder (socket, data root, exec root, pid file, log). */
  readonly dir: string;
  /** `unix://<dir>/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  readonly client: string;
  /** The imported skeleton image: run with `mounts` for a working root. */
  readonly image: string;
  /** The bind mounts that make the skeleton a working root: host /usr and /etc, read-only. */
  readonly mounts: readonly string[];
  /** Run the client against this daemon. */
  docker(args: readonly string[], options?: { input?: string; timeoutMs?: number }): SpawnSyncReturns<string>;
  /**
   * `docker run` (not detached, not removed) of `command` in the skeleton image with the host mounts and
   * `--network none`, plus `options` (e.g. `--memory 200m --memory-swap 200m`). Returns when it ends.
   */
  run(options: readonly string[], command: readonly string[], config?: { name?: string; detach?: boolean; timeoutMs?: number }): DockerRun;
  /** `docker inspect` of containers, parsed, and the raw text. */
  inspect(...names: string[]): { readonly json: Record<string, unknown>[]; readonly text: string };
  /** `docker logs` (stdout and stderr together, as a user pipes `docker logs c 2>&1`). */
  logs(name: string): string;
  stop(): Promise<void>;
}

let sequence = 0;

/** Whether a real dockerd can be started here: root, dockerd and a client. Skips loudly, fails under CI=true. */
export function dockerdAvailable(why: string): boolean {
  return haveCapability(process.getuid?.() === 0, `not root: ${why} needs a real dockerd, which runs as root`)
    && haveTool('dockerd', `${why} (apt-get install docker.io)`)
    && haveCapability(dockerClient() !== undefined, `no docker client: ${why}`);
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Mount points under `dir`, deepest first (overlay mounts, the exec root's netns and shm mounts). */
function mountsUnder(dir: string): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const points = text.split('\n').map((line) => line.split(' ')[4]).filter((point): point is string => typeof point === 'string' && (point === dir || point.startsWith(`${dir}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Start a private dockerd and import the skeleton image. Resolves once `docker version` answers
 * (about 2 s here); rejects with the daemon's log tail when it does not within `timeoutMs`.
 */
export async function startDockerd(options: { timeoutMs?: number } = {}): Promise<Dockerd> {
  const client = dockerClient();
  if (!client) throw new Error('no docker client');
  // A short path: a unix socket path must fit in 108 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oomguard-dockerd-'));
  const host = `unix://${dir}/docker.sock`;
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const daemon = spawn('dockerd', [
    '--iptables=false', '--bridge=none', '--exec-opt', 'native.cgroupdriver=cgroupfs',
    '--host', host, '--data-root', path.join(dir, 'root'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid'),
  ], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  daemon.unref();
  const env = { ...process.env, DOCKER_HOST: host };
  delete env.DOCKER_CONTEXT;
  const docker: Dockerd['docker'] = (args, opts = {}) =>
    spawnSync(client, [...args], { env, encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 1 << 26 });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const ids = docker(['ps', '-aq'], { timeoutMs: 15_000 }).stdout?.split('\n').filter(Boolean) ?? [];
    if (ids.length > 0) docker(['rm', '-f', ...ids], { timeoutMs: 30_000 });
    const pid = daemon.pid;
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 150 && alive(pid); i++) await wait(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let ready = false;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) break;
    if (fs.existsSync(path.join(dir, 'docker.sock')) && docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 5000 }).status === 0) {
      ready = true;
      break;
    }
    await wait(200);
  }
  if (!ready) {
    const tail = fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    await stop();
    throw new Error(`dockerd did not start within ${options.timeoutMs ?? 30_000} ms:\n${tail}`);
  }

  // The skeleton root: the folders a process expects, and Debian's merged-/usr links (bin, lib, lib64) into the bind-mounted /usr.
  const skeleton = path.join(dir, 'skeleton');
  for (const folder of ['usr', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'run', 'var/tmp', 'work']) fs.mkdirSync(path.join(skeleton, folder), { recursive: true });
  fs.chmodSync(path.join(skeleton, 'tmp'), 0o1777);
  // /sbin is a real folder, not the merged-/usr link: docker run --init bind-mounts its init at /sbin/docker-init.
  fs.mkdirSync(path.join(skeleton, 'sbin'));
  for (const [link, target] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) fs.symlinkSync(target, path.join(skeleton, link));
  const image = `oomguard-skeleton:${process.pid}-${++sequence}`;
  const tar = spawnSync('tar', ['-C', skeleton, '-cf', path.join(dir, 'skeleton.tar'), '.'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  const imported = docker(['import', path.join(dir, 'skeleton.tar'), image]);
  if (imported.status !== 0) {
    await stop();
    throw new Error(`docker import failed: ${imported.stderr}`);
  }
  const mounts = ['-v', '/usr:/usr:ro', '-v', '/etc:/etc:ro'];

  return {
    dir,
    host,
    client,
    image,
    mounts,
    docker,
    run(runOptions, command, config = {}) {
      const name = config.name ?? `oomguard-${process.pid}-${++sequence}`;
      const args = ['run', ...(config.detach ? ['-d'] : []), '--name', name, '--network', 'none', ...mounts, ...runOptions, image, ...command];
      const result = docker(args, { timeoutMs: config.timeoutMs ?? 60_000 });
      return { name, status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
    },
    inspect(...names) {
      const result = docker(['inspect', ...names]);
      if (result.status !== 0) throw new Error(`docker inspect failed: ${result.stderr}`);
      return { json: JSON.parse(result.stdout), text: result.stdout };
    },
    logs(name) {
      const result = docker(['logs', name]);
      return `${result.stdout ?? ''}${result.stderr ?? ''}`;
    },
    stop,
  };
}

/** Allocate MiB of Buffers (outside V8's heap, so no heap flag stops it) and hold them. */
export const BUFFER_HOG = (mib: number) => `const a=[];for(let i=0;i<${mib};i++)a.push(Buffer.alloc(1<<20,1));setTimeout(()=>{},2000)`;
/** Fill the V8 heap with arrays of small integers until V8 reaches its limit. */
export const HEAP_HOG = 'const a=[];for(;;){const c=new Array(131072);for(let j=0;j<c.length;j++)c[j]=j&0x3fff;a.push(c)}';

/** A container that ends (or lives on) the way a class of 137 confusion does, and what diagnose must say. */
export interface ContainerScenario {
  readonly id: string;
  readonly title: string;
  readonly options: readonly string[];
  readonly command: readonly string[];
  /** Left running: inspected while PID 1 lives, once the kernel log shows the kill. */
  readonly detach?: boolean;
  /** Whether `docker logs` is passed to diagnose (--logs). */
  readonly withLogs?: boolean;
  readonly expect: { readonly exitCode: number; readonly oomKilled: boolean; readonly running?: boolean; readonly verdict: string; readonly killedProcess?: string };
}

/** 200m with no swap: the limit the runs used (docker run --memory 200m --memory-swap 200m). */
export const LIMIT = ['--memory', '200m', '--memory-swap', '200m'] as const;

export const CONTAINER_SCENARIOS: readonly ContainerScenario[] = [
  {
    id: 'oom-killed', title: 'Node.js as PID 1 holding 400 MiB of Buffers', options: LIMIT, command: ['node', '-e', BUFFER_HOG(400)],
    expect: { exitCode: 137, oomKilled: true, verdict: 'oom-killed', killedProcess: 'node' },
  },
  {
    id: 'child-killed', title: 'a shell PID 1 whose node child is OOM-killed, then exits 0', options: LIMIT,
    command: ['sh', '-c', `node -e '${BUFFER_HOG(400)}'; echo "child exited $?"; exit 0`],
    expect: { exitCode: 0, oomKilled: true, verdict: 'child-oom-killed', killedProcess: 'node' },
  },
  {
    id: 'child-killed-running', title: 'a shell PID 1 whose node child is OOM-killed, and which keeps running', options: LIMIT, detach: true,
    command: ['sh', '-c', `node -e '${BUFFER_HOG(400)}'; echo "child exited $?"; exec sleep 600`],
    expect: { exitCode: 0, oomKilled: true, running: true, verdict: 'child-oom-killed', killedProcess: 'node' },
  },
  {
    id: 'node-heap', title: 'Node.js as PID 1 reaching --max-old-space-size=100, its log passed with --logs', options: LIMIT, withLogs: true,
    command: ['node', '--max-old-space-size=100', '-e', HEAP_HOG],
    expect: { exitCode: 139, oomKilled: false, verdict: 'runtime-oom' },
  },
  {
    id: 'node-heap-no-log', title: 'the same exit 139 without its log', options: LIMIT,
    command: ['node', '--max-old-space-size=100', '-e', HEAP_HOG],
    expect: { exitCode: 139, oomKilled: false, verdict: 'segfault' },
  },
];

export interface ContainerRun {
  readonly scenario: ContainerScenario;
  readonly name: string;
  readonly id: string;
  /** The `docker inspect` text as the daemon printed it. */
  readonly inspectText: string;
  readonly state: Record<string, unknown>;
  readonly logs: string;
  readonly durationMs: number;
}

/** The kernel log as `dmesg` prints it (relative timestamps). */
export function kernelLog(): string {
  const result = spawnSync('dmesg', [], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`dmesg failed: ${result.stderr}`);
  return result.stdout;
}

/** Run a scenario to its end (or, detached, until the kernel log shows a kill in its cgroup) and inspect it. */
export async function runContainerScenario(docker: Dockerd, scenario: ContainerScenario): Promise<ContainerRun> {
  const started = Date.now();
  const run = docker.run(scenario.options, scenario.command, { detach: scenario.detach });
  if (run.status !== 0 && scenario.detach) throw new Error(`docker run -d failed: ${run.stderr}`);
  if (scenario.detach) {
    const id = run.stdout.trim();
    for (let i = 0; i < 100 && !kernelLog().includes(`task_memcg=/docker/${id}`); i++) await wait(200);
  }
  const { json, text } = docker.inspect(run.name);
  const state = json[0].State as Record<string, unknown>;
  return { scenario, name: run.name, id: String(json[0].Id), inspectText: text, state, logs: docker.logs(run.name), durationMs: Date.now() - started };
}
