import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad usage: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  /** Whether to point at the command's help (an option it does not know). */
  showHelpHint = false;
}

/** Edit distance, for "did you mean" (options are few and short). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * Node's parseArgs messages, in plain words: `unknown option --frobnicate (did you mean --format?)`
 * rather than "Unknown option '--frobnicate'. To specify a positional argument starting with a '-',
 * place it at the end of the command after '--', as in '-- \"--frobnicate\"".
 */
export function plainParseError(error: unknown, options: ParseArgsConfig['options'] = {}): string {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(message ?? '')?.[1] ?? '';
  const names = Object.keys(options);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = quoted.replace(/^-+/, '').split('=')[0];
    const close = names.filter((name) => distance(name, given) <= Math.max(1, Math.floor(name.length / 3))).sort((a, b) => distance(a, given) - distance(b, given));
    return `unknown option ${quoted}${close.length ? ` (did you mean --${close[0]}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([\w-]+)/.exec(quoted)?.[1];
    const option = long ? options[long] : undefined;
    if (option?.type === 'boolean') return `option --${long} takes no value`;
    const name = long ? `--${long}` : quoted;
    // parseArgs refuses `--peak-rss -5Mi` as ambiguous: the value looks like an option.
    const ambiguous = /ambiguous/i.test(message ?? '');
    return `option ${name} needs a value${ambiguous ? ` (for a value that starts with '-', write ${name}=VALUE)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${quoted}: this command takes none`;
  return message ?? String(error);
}

/** `util.parseArgs` with errors turned into UsageError and `--help` handled by the caller. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const usage = new UsageError(plainParseError(error, config.options));
    usage.showHelpHint = true;
    throw usage;
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
