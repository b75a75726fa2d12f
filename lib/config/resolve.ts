/**
 * Turn a validated configuration object into engine options. Pure: the loader (load.ts) does the
 * reading and the schema validation.
 */
import { parseQuantity } from '../core/quantity';
import { RULES_BY_ID } from '../rules';
import type { SeveritySetting } from '../rules/types';
import { applySizing, DEFAULT_SIZING, type SizingConfig } from '../sizing/formula';

export interface ConfigFile {
  readonly rules?: Readonly<Record<string, SeveritySetting>>;
  readonly sizing?: { readonly factor?: number; readonly overheads?: Readonly<Record<string, string>> };
  readonly ignore?: readonly string[];
}

export interface ResolvedConfig {
  readonly severities: Readonly<Record<string, SeveritySetting>>;
  readonly sizing: SizingConfig;
  readonly ignore: readonly string[];
  /** Folder the ignore globs are relative to. */
  readonly root: string;
  /** The file it came from, when any. */
  readonly file?: string;
}

/** A configuration file that cannot be used: the CLI reports it like bad usage (exit 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function resolveConfig(config: ConfigFile, file: string | undefined, root: string): ResolvedConfig {
  const problems: string[] = [];
  for (const id of Object.keys(config.rules ?? {})) {
    if (!RULES_BY_ID.has(id)) problems.push(`/rules/${id}: no rule has this id (see \`oomguard rules\`)`);
  }
  // The same validation as every other surface's sizing (lib/sizing/formula.ts applySizing).
  const applied = applySizing(DEFAULT_SIZING, config.sizing ?? {}, (key) => `/sizing/${key}`, (value) => {
    const parsed = parseQuantity(value);
    return parsed.ok ? { ok: true, bytes: parsed.bytes } : parsed;
  });
  problems.push(...applied.problems);
  (config.ignore ?? []).forEach((pattern, index) => {
    const problem = globProblem(pattern);
    if (problem) problems.push(`/ignore/${index}: "${pattern}" ${problem}`);
  });
  if (problems.length > 0) throw new ConfigError(file ?? '<config>', problems);
  return {
    severities: config.rules ?? {},
    sizing: applied.sizing,
    ignore: config.ignore ?? [],
    root,
    ...(file ? { file } : {}),
  };
}

/**
 * Why an ignore glob can never do what it says, or undefined when it is usable. picomatch itself
 * treats an unbalanced `[`, `{` or `(` as literal text, so a typo would silently ignore nothing;
 * with `strictBrackets` it says so. A pattern whose regular expression can match nothing (`x/[z-a]`,
 * a trailing backslash) and an absolute one (paths are matched relative to the config's folder)
 * are refused too.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern.startsWith('/')) return 'is absolute; ignore patterns are relative to the configuration file\'s folder';
  const picomatch = require('picomatch') as typeof import('picomatch');
  let source: string;
  try {
    source = picomatch.makeRe(pattern, { dot: true, strictBrackets: true }).source;
  } catch (error) {
    return `is not a valid glob: ${(error as Error).message}`;
  }
  if (source === '$^') return 'is not a valid glob: it can match no path';
  return undefined;
}
