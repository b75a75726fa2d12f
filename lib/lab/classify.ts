/**
 * How a process run under a memory limit ended. Pure: the exit status, the output's tail and the
 * cgroup's OOM-kill counter in, an outcome and the line that proves it out.
 */

export type Outcome = 'ok' | 'runtime-oom' | 'oom-killed' | 'failed';

/**
 * The messages each runtime prints when it hits its own ceiling (or malloc fails). No pattern starts
 * with a wildcard: the match is found by its literal, then widened to the rest of its line (or the whole
 * line), so a long log without a match costs one pass, never a pass per character (a leading `[^\n]*`
 * made a 64 KiB line without newline cost 4.5 s, and 256 KiB three minutes).
 */
export const RUNTIME_OOM_PATTERNS: readonly { readonly runtime: string; readonly pattern: RegExp; readonly wholeLine?: boolean }[] = [
  // HotSpot and OpenJ9: "Exception in thread "main" java.lang.OutOfMemoryError: Java heap space",
  // "Terminating due to java.lang.OutOfMemoryError" with -XX:+ExitOnOutOfMemoryError.
  { runtime: 'jvm', pattern: /java\.lang\.OutOfMemoryError/ },
  // V8's fatal heap errors come in a family whose first words change between versions and GC paths:
  // "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
  // "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
  // "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory". What they share
  // is "JavaScript heap out of memory", or "heap limit" after V8's "FATAL ERROR:" on the same line.
  { runtime: 'node', pattern: /JavaScript heap out of memory|FATAL ERROR:[^\n]*?heap limit/, wholeLine: true },
  // Go runtime: "fatal error: runtime: out of memory" (mmap failed).
  { runtime: 'go', pattern: /fatal error: runtime: out of memory/ },
  // CPython: "MemoryError" as the last line of a traceback.
  { runtime: 'python', pattern: /^(?:[\w.]+\.)?MemoryError\b/m },
  { runtime: 'dotnet', pattern: /System\.OutOfMemoryException/ },
  { runtime: 'ruby', pattern: /\bNoMemoryError\b|failed to allocate memory/ },
];

export interface ExitFacts {
  /** Exit code, or null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last part of what the process wrote to stderr and stdout. */
  readonly output: string;
  /** OOM kills the cgroup counted during the run; undefined when the kernel keeps no counter. */
  readonly oomKills: number | undefined;
}

export interface Classification {
  readonly outcome: Outcome;
  /** The exit status as Kubernetes reports it: the code, or 128 + signal number. */
  readonly exitCode: number;
  /** Why: the matched line, or the counter and status. */
  readonly evidence: string;
  /** The runtime whose out-of-memory message matched. */
  readonly runtime?: string;
  /** Processes the kernel OOM-killed in the group (the cgroup's counter), when it counts them. */
  readonly killedProcesses?: number;
  /**
   * The kernel killed a process of the group while the command itself lived on (it did not end with
   * SIGKILL): a child, which the exit status alone hides.
   */
  readonly childKilled?: boolean;
}

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** 128 + signal number, the shell's and Kubernetes' spelling of "killed by a signal". */
export function statusCode(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  return 128 + (signal ? SIGNALS[signal] ?? 0 : 0);
}

/** The runtime's own out-of-memory message in some output, if any: the matched line (or its rest from the match). */
export function findRuntimeOom(output: string): { runtime: string; line: string } | undefined {
  for (const { runtime, pattern, wholeLine } of RUNTIME_OOM_PATTERNS) {
    const match = pattern.exec(output);
    if (!match) continue;
    const start = wholeLine ? output.lastIndexOf('\n', match.index) + 1 : match.index;
    const newline = output.indexOf('\n', match.index);
    const end = newline < 0 ? output.length : newline;
    // A line is evidence, not a dump: a very long one is cut to 100 characters before the match and 300 after.
    const from = Math.max(start, match.index - 100);
    const to = Math.min(end, match.index + 300);
    const line = `${from > start ? '…' : ''}${output.slice(from, to).trim()}${to < end ? '…' : ''}`;
    return { runtime, line: line.trim() };
  }
  return undefined;
}

/**
 * Classify an exit. Order matters: any OOM kill the cgroup counted is `oom-killed`, whatever the exit
 * status: a SIGKILL (137) is the command's own kill, even if the runtime had started printing its own
 * error; any other status means a child was killed while the command lived on (a shell or supervisor
 * that exits 0 or 1 after its worker was killed), which a container runtime reports as `OOMKilled` with
 * that status. Then a zero exit is ok; then the runtime's own message (after any status: Node.js as
 * PID 1 ends with 139, not 134, after V8's heap message); anything else failed. When the kernel keeps
 * no counter, 137 alone counts as the kernel's kill, and the evidence says so.
 */
export function classifyExit(facts: ExitFacts): Classification {
  const exitCode = statusCode(facts.exitCode, facts.signal);
  const killed = exitCode === 137;
  const kills = facts.oomKills;
  const counted = kills !== undefined ? { killedProcesses: kills } : {};
  if (kills !== undefined && kills > 0) {
    const processes = `${kills} OOM kill${kills === 1 ? '' : 's'}`;
    if (killed) return { outcome: 'oom-killed', exitCode, evidence: `exit 137 (SIGKILL) and the cgroup counted ${processes}`, ...counted, childKilled: false };
    return {
      outcome: 'oom-killed', exitCode, ...counted, childKilled: true,
      evidence: `exited ${exitCode}, but the cgroup counted ${processes}: the kernel killed a child process while the command lived on`,
    };
  }
  if (exitCode === 0) return { outcome: 'ok', exitCode, evidence: 'exited 0', ...counted };
  if (killed && kills === undefined) {
    return { outcome: 'oom-killed', exitCode, evidence: 'exit 137 (SIGKILL); this kernel keeps no OOM-kill counter for the cgroup, so the kill is assumed to be the OOM killer' };
  }
  const runtimeOom = findRuntimeOom(facts.output);
  if (runtimeOom) return { outcome: 'runtime-oom', exitCode, evidence: runtimeOom.line, runtime: runtimeOom.runtime, ...counted };
  if (killed) return { outcome: 'failed', exitCode, evidence: 'exit 137 (SIGKILL) but the cgroup counted no OOM kill: something else killed it', ...counted };
  return { outcome: 'failed', exitCode, evidence: facts.signal ? `killed by ${facts.signal}` : `exited ${exitCode}`, ...counted };
}
