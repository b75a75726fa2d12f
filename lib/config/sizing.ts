/**
 * The one sizing resolver every command uses (lint, fix, generate, measure, verify, diagnose, the cdk8s
 * plugin): defaults, then `.oomguard.yaml` (`--config FILE` or the nearest one upward), then the
 * command's own flags, each checked by the same validation (lib/sizing/formula.ts `applySizing`).
 */
import { parseQuantity } from '../core/quantity';
import { applySizing, type SizingConfig } from '../sizing/formula';
import { loadConfig } from './load';

/** Sizing flags as a command received them (strings from the command line). */
export interface SizingFlags {
  /** `--factor N`. */
  readonly factor?: string;
  /** `--overhead Q`: a constant overhead for `runtime` (or `unknown`). */
  readonly overhead?: string;
  readonly runtime?: string;
}

/** A sizing flag that cannot be used: the CLI reports it as bad usage (exit 2). */
export class SizingFlagError extends Error {
  override readonly name = 'SizingFlagError';
}

/** Parse an overhead given as a Kubernetes quantity (`300Mi`) or a number of bytes. */
export function parseOverhead(value: unknown): { ok: true; bytes: number } | { ok: false; reason: string } {
  const parsed = parseQuantity(value);
  if (!parsed.ok) return parsed;
  return { ok: true, bytes: parsed.bytes };
}

/** Flags over a base sizing; throws SizingFlagError naming the flag. */
export function sizingWithFlags(base: SizingConfig, flags: SizingFlags): SizingConfig {
  const factor = flags.factor === undefined ? undefined : flags.factor.trim() === '' ? NaN : Number(flags.factor);
  const { sizing, problems } = applySizing(base, {
    ...(factor !== undefined ? { factor: Number.isNaN(factor) ? flags.factor : factor } : {}),
    ...(flags.overhead !== undefined ? { overheads: { [flags.runtime ?? 'unknown']: flags.overhead } } : {}),
  }, (key) => (key === 'factor' ? '--factor' : '--overhead'), parseOverhead);
  if (problems.length > 0) throw new SizingFlagError(problems.join('; '));
  return sizing;
}

/** The sizing in force for a command run in `cwd`: defaults < `.oomguard.yaml` < flags. */
export function resolveSizing(cwd: string, options: { readonly config?: string } & SizingFlags = {}): SizingConfig {
  // A bad config file throws ConfigError (file, path, what was allowed), a bad flag SizingFlagError.
  return sizingWithFlags(loadConfig(cwd, options.config).sizing, options);
}
