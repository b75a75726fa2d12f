import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad usage: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** `util.parseArgs` with errors turned into UsageError and `--help` handled by the caller. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The options every command that reads manifests takes (`lint`, `fix`), besides its own. */
export const MANIFEST_COMMAND_OPTIONS = {
  format: { type: 'string', short: 'f', default: 'stylish' },
  config: { type: 'string', short: 'c' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  compose: { type: 'string', multiple: true },
  // Not `--env-file` (docker compose's name): Node.js 20 takes `--env-file` anywhere on its command
  // line, even after the script, and exits 9 when the file is missing (seen with 20.20.2).
  'compose-env-file': { type: 'string' },
} as const;

/** `--color` / `--no-color` when given, else colour on a terminal unless NO_COLOR is set (no-color.org). */
export function useColor(values: { readonly color?: boolean; readonly 'no-color'?: boolean }, stream: { readonly isTTY?: boolean }): boolean {
  if (values['no-color']) return false;
  return values.color ?? (stream.isTTY === true && !process.env.NO_COLOR);
}
