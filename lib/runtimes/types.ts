/**
 * What a runtime profile knows: how to recognise the runtime in a container, how much memory it
 * needs beyond what a profiler reports as its peak, and how to tell it its own ceiling.
 */
import type { Container, JsonPath } from '../core/workload';

export const RUNTIME_IDS = ['jvm', 'node', 'go', 'python', 'dotnet', 'ruby'] as const;
export type RuntimeId = (typeof RUNTIME_IDS)[number];

export function isRuntimeId(value: unknown): value is RuntimeId {
  return typeof value === 'string' && (RUNTIME_IDS as readonly string[]).includes(value);
}

/** Why a container was taken for a runtime, for messages (`image eclipse-temurin:17`). */
export interface Detection {
  readonly runtime: RuntimeId;
  readonly reason: string;
  /** Set for the JVM when the image is a Java 8 before 8u191 or Java 9: no container support. */
  readonly legacyJvm?: boolean;
}

/** An environment variable the runtime reads, set to the value oomguard wants. */
export interface EnvSetting {
  readonly name: string;
  readonly value: string;
}

/**
 * Memory outside the runtime's own ceiling as a linear function of that ceiling:
 * `fixedBytes + perHeapByte × heap`. A constant overhead has `perHeapByte` 0.
 */
export interface LinearOverhead {
  readonly fixedBytes: number;
  readonly perHeapByte: number;
  /** What the figure is, for explanations: `G1 GC`, `configured`. */
  readonly label: string;
}

/** What a runtime sees of its container: the memory limit and processors (undefined when unknown). */
export interface MachineShape {
  readonly memoryBytes: number | undefined;
  /** Processors: `ceil` of the CPU limit. @default unknown, a node's (at least 2) */
  readonly cpus?: number;
  /** A collector chosen by option (`-XX:+UseG1GC` gives `g1`), which the runtime then uses whatever the shape. */
  readonly collector?: string;
}

export interface RuntimeProfile {
  readonly id: RuntimeId;
  readonly title: string;
  /** Whether it starts slowly enough to need a startup probe before liveness checks begin. */
  readonly slowStart: boolean;
  /**
   * The smallest ceiling worth setting (and one the runtime accepts): below it the container limit is
   * too small for the runtime, and oomguard says so instead of writing a flag. Undefined: no ceiling flag.
   */
  readonly minHeapBytes: number | undefined;
  /** The overhead as the runtime's model has it for a container shape (a constant for most runtimes). */
  overheadModel(machine: MachineShape): LinearOverhead;
  /**
   * The settings that give the runtime a ceiling of at most `heapBytes` in a container limited to
   * `limitBytes` (never below `minHeapBytes`). `legacy` asks for `-Xmx` instead of a percentage.
   */
  settings(limitBytes: number, heapBytes: number, options?: { legacy?: boolean }): readonly EnvSetting[];
  /**
   * Memory the runtime uses outside the figure its own ceiling controls (JVM non-heap, V8 outside the
   * old space, Go memory GOMEMLIMIT does not see, the interpreter and malloc arenas), in bytes.
   * Sized at the upper end of the documented range; `source` says where the range comes from.
   */
  readonly overhead: { readonly bytes: number; readonly rangeMiB: readonly [number, number]; readonly source: string };
  /** Recognise the runtime from env, command line and image. Annotations are read by the caller. */
  detect(container: Container): Detection | undefined;
  /**
   * The runtime's own ceiling for a container limit and a constant overhead: `settings(limit, limit -
   * overhead)`. Kept for callers that size with a constant; the sizing model calls `settings`.
   */
  flags(limitBytes: number, overheadBytes: number, options?: { legacy?: boolean }): readonly EnvSetting[];
  /**
   * Whether a token already in one of the generated variables is replaced by the generated settings
   * (an old `-Xmx` when oomguard sets the heap), so merging never duplicates or contradicts a flag.
   */
  supersedes(token: string): boolean;
}

/** A single option token and where it was read from, so a rule can point at it and a fix can rewrite it. */
export interface OptionToken {
  readonly token: string;
  /** Human name of the source: `env JAVA_TOOL_OPTIONS`, `args[2]`, `command[0]`. */
  readonly source: string;
  /** Path of the string holding the token (an env var's `value`, or one command/args element). */
  readonly path: JsonPath;
  /** The whole string at `path`, so a fix can replace one token in it. */
  readonly text: string;
  /** Set when the token came from a `$(VAR)` expansion and is not a word of `text`: no in-place fix. */
  readonly expanded?: boolean;
}
