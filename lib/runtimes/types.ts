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

export interface RuntimeProfile {
  readonly id: RuntimeId;
  readonly title: string;
  /**
   * Memory the runtime uses outside the figure its own ceiling controls (JVM non-heap, V8 outside the
   * old space, Go memory GOMEMLIMIT does not see, the interpreter and malloc arenas), in bytes.
   * Sized at the upper end of the documented range; `source` says where the range comes from.
   */
  readonly overhead: { readonly bytes: number; readonly rangeMiB: readonly [number, number]; readonly source: string };
  /** Recognise the runtime from env, command line and image. Annotations are read by the caller. */
  detect(container: Container): Detection | undefined;
  /**
   * The runtime's own ceiling for a container limit: the settings oomguard generates so the runtime
   * fails on its own terms before the kernel kills it. `legacy` asks for `-Xmx` instead of a percentage.
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
}
