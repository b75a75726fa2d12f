/**
 * What a container's exit code means. Codes above 128 are "killed by signal N" (128 + N), the shell
 * convention container runtimes follow (bash(1) "EXIT STATUS"; Docker's `docker run` reference,
 * "Exit Status", for 125, 126 and 127). Pure.
 */

/** Linux signal numbers (signal(7), x86-64 and arm64). */
export const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

export interface ExitMeaning {
  readonly code: number;
  /** The signal that ended the process, for codes 129-159. */
  readonly signal?: { readonly number: number; readonly name: string };
  /** `exit code 137 = SIGKILL (128 + 9)` */
  readonly label: string;
  /** One sentence, independent of runtime and reason. */
  readonly meaning: string;
}

const MEANINGS: Readonly<Record<number, string>> = {
  0: 'the main process exited successfully',
  1: 'the main process exited with a general error (an uncaught exception or a runtime error)',
  2: 'the main process exited with code 2 (a Go panic or fatal error, or a shell usage error)',
  125: 'the container runtime could not run the container at all (an invalid option or configuration, before the command started)',
  126: 'the command was found but could not be executed (not executable, a script without a valid interpreter line, or a binary for another CPU architecture)',
  127: 'the command was not found (a wrong command or entrypoint, or a binary missing from the image or the PATH)',
  134: 'the process aborted itself (SIGABRT), as V8 does when Node.js reaches its heap limit',
  137: 'the process was killed with SIGKILL, which cannot be caught: by the kernel\'s OOM killer or by something outside the process',
  139: 'the process crashed with a segmentation fault (SIGSEGV): an invalid memory access in native code, not a memory limit',
  143: 'the process was stopped with SIGTERM and did not handle it: a deletion, rollout, scale-down, eviction or failed liveness probe',
};

export function exitMeaning(code: number): ExitMeaning {
  const signalNumber = code > 128 && code < 160 ? code - 128 : undefined;
  const signal = signalNumber !== undefined ? { number: signalNumber, name: SIGNALS[signalNumber] ?? `signal ${signalNumber}` } : undefined;
  const label = signal ? `exit code ${code} = ${signal.name} (128 + ${signal.number})` : `exit code ${code}`;
  const meaning =
    MEANINGS[code] ??
    (signal ? `the process was killed by ${signal.name}` : code < 0 || code > 255 ? 'not a process exit status (the container runtime reports its own failure)' : 'the main process exited with an application-specific error code');
  return { code, ...(signal ? { signal } : {}), label, meaning };
}
