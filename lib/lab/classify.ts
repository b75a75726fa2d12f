/**
 * How a process run under a memory limit ended. Pure: the exit status, the output's tail and the
 * cgroup's OOM-kill counter in, an outcome and the line that proves it out.
 */

export type Outcome = 'ok' | 'runtime-oom' | 'oom-killed' | 'failed';

/** The messages each runtime prints when it hits its own ceiling (or malloc fails). */
export const RUNTIME_OOM_PATTERNS: readonly { readonly runtime: string; readonly pattern: RegExp }[] = [
  // HotSpot and OpenJ9: "Exception in thread "main" java.lang.OutOfMemoryError: Java heap space",
  // "Terminating due to java.lang.OutOfMemoryError" with -XX:+ExitOnOutOfMemoryError.
  { runtime: 'jvm', pattern: /java\.lang\.OutOfMemoryError[^\n]*/ },
  // V8: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory".
  { runtime: 'node', pattern: /[^\n]*(?:JavaScript heap out of memory|Reached heap limit)[^\n]*/ },
  // Go runtime: "fatal error: runtime: out of memory" (mmap failed).
  { runtime: 'go', pattern: /fatal error: runtime: out of memory[^\n]*/ },
  // CPython: "MemoryError" as the last line of a traceback.
  { runtime: 'python', pattern: /^(?:[\w.]+\.)?MemoryError\b[^\n]*/m },
  { runtime: 'dotnet', pattern: /System\.OutOfMemoryException[^\n]*/ },
  { runtime: 'ruby', pattern: /(?:\bNoMemoryError\b|failed to allocate memory)[^\n]*/ },
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
}

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** 128 + signal number, the shell's and Kubernetes' spelling of "killed by a signal". */
export function statusCode(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  return 128 + (signal ? SIGNALS[signal] ?? 0 : 0);
}

/** The runtime's own out-of-memory message in some output, if any. */
export function findRuntimeOom(output: string): { runtime: string; line: string } | undefined {
  for (const { runtime, pattern } of RUNTIME_OOM_PATTERNS) {
    const match = pattern.exec(output);
    if (match) return { runtime, line: match[0].trim() };
  }
  return undefined;
}

/**
 * Classify an exit. Order matters: a zero exit is ok whatever happened inside; a SIGKILL (137) with the
 * cgroup's OOM counter up is the kernel's kill, even if the runtime had started printing its own error;
 * then the runtime's own message; anything else failed. When the kernel keeps no counter, 137 alone
 * counts as the kernel's kill, and the evidence says so.
 */
export function classifyExit(facts: ExitFacts): Classification {
  const exitCode = statusCode(facts.exitCode, facts.signal);
  if (exitCode === 0) return { outcome: 'ok', exitCode, evidence: 'exited 0' };
  const killed = exitCode === 137;
  if (killed && facts.oomKills !== undefined && facts.oomKills > 0) {
    return { outcome: 'oom-killed', exitCode, evidence: `exit 137 (SIGKILL) and the cgroup counted ${facts.oomKills} OOM kill${facts.oomKills === 1 ? '' : 's'}` };
  }
  if (killed && facts.oomKills === undefined) {
    return { outcome: 'oom-killed', exitCode, evidence: 'exit 137 (SIGKILL); this kernel keeps no OOM-kill counter for the cgroup, so the kill is assumed to be the OOM killer' };
  }
  const runtimeOom = findRuntimeOom(facts.output);
  if (runtimeOom) return { outcome: 'runtime-oom', exitCode, evidence: runtimeOom.line, runtime: runtimeOom.runtime };
  if (killed) return { outcome: 'failed', exitCode, evidence: 'exit 137 (SIGKILL) but the cgroup counted no OOM kill: something else killed it' };
  return { outcome: 'failed', exitCode, evidence: facts.signal ? `killed by ${facts.signal}` : `exited ${exitCode}` };
}
