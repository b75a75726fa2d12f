/**
 * Run a command as PID 1 of a PID namespace of its own, as a container runtime does, so the lab sees
 * what the cluster sees. It matters: PID 1 gets no default action for a signal it has no handler for
 * (pid_namespaces(7), "the init process"), so V8's abort() on its heap limit does not end Node.js with
 * SIGABRT (134) but falls through to a SIGSEGV (139), exactly as in Docker and Kubernetes; and a SIGTERM
 * a PID 1 does not handle is ignored until the grace period ends in SIGKILL.
 *
 *   unshare --pid --fork --mount-proc --kill-child -- CMD ...          (util-linux unshare(1))
 *
 * `--fork` makes the command the namespace's first process (unshare itself stays in ours and waits,
 * passing on the child's exit status or signal); `--mount-proc` gives it a /proc of its namespace, as a
 * container has; `--kill-child` SIGKILLs the namespace if unshare itself dies. Creating a PID namespace
 * needs CAP_SYS_ADMIN: where it fails, the command runs as an ordinary child and the result says so.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { processTree } from './proc';

export const UNSHARE_ARGS = ['--pid', '--fork', '--mount-proc', '--kill-child'] as const;

/** The command line that starts `command` as PID 1 of a new PID namespace. */
export function inPidNamespace(command: readonly string[], unshare = 'unshare'): string[] {
  return [unshare, ...UNSHARE_ARGS, '--', ...command];
}

let probed: { ok: true } | { ok: false; problem: string } | undefined;

/**
 * Whether this process may make a PID namespace: one real `unshare ... true` (a few milliseconds),
 * remembered for the life of the process.
 */
export function pidNamespaceAvailable(unshare = 'unshare'): { ok: true } | { ok: false; problem: string } {
  if (probed) return probed;
  if (process.platform !== 'linux') return (probed = { ok: false, problem: `PID namespaces exist only on Linux; this is ${process.platform}` });
  const result = spawnSync(unshare, [...UNSHARE_ARGS, '--', 'true'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return (probed = { ok: false, problem: code === 'ENOENT' ? 'unshare (util-linux) is not installed' : `unshare could not run: ${result.error.message}` });
  }
  if (result.status !== 0) return (probed = { ok: false, problem: `unshare --pid failed: ${(result.stderr ?? '').trim() || `exit ${result.status}`}` });
  return (probed = { ok: true });
}

/**
 * The host pid of the namespace's PID 1: the one child of the waiting unshare. The kernel lists a
 * task's children in /proc/<pid>/task/<pid>/children (CONFIG_PROC_CHILDREN); otherwise /proc is scanned.
 */
export function namespaceInit(unsharePid: number, procRoot = '/proc'): number | undefined {
  try {
    const listed = fs.readFileSync(`${procRoot}/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    if (listed.length > 0) return listed[0];
  } catch {
    /* fall back to the scan */
  }
  const tree = processTree(unsharePid, procRoot);
  return tree.length > 1 ? tree[1] : undefined;
}
