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
