/**
 * The `.env` / `--env-file` format Compose reads for interpolation (compose-go dotenv): `KEY=VALUE`
 * lines, an optional `export ` prefix, `#` comments (whole lines, or after whitespace in an unquoted
 * value), single-quoted values taken literally, double-quoted values with `\n`, `\t`, `\"`, `\\`
 * escapes, and `${VAR}` references to earlier lines (or the given environment) expanded in unquoted
 * and double-quoted values. Pure: text in, variables out.
 */
import { interpolate, type Variables } from './interpolate';

export interface EnvFileProblem {
  readonly line: number;
  readonly message: string;
}

export interface EnvFile {
  readonly variables: ReadonlyMap<string, string>;
  readonly problems: readonly EnvFileProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function unescapeDouble(text: string): string {
  return text.replace(/\\([nrt"\\$])/g, (_, char: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$$' })[char] ?? char);
}

/** Parse an env file; `outer` variables (the shell's) are visible to `${VAR}` references in it. */
export function parseEnvFile(text: string, outer: Variables = new Map()): EnvFile {
  const variables = new Map<string, string>();
  const problems: EnvFileProblem[] = [];
  const visible = { get: (name: string) => variables.get(name) ?? outer.get(name) } as unknown as Variables;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    let line = lines[index].trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const equals = line.indexOf('=');
    if (equals < 0) {
      // A bare name: compose-go takes its value from the environment when set, else skips it.
      if (KEY.test(line)) {
        const value = outer.get(line);
        if (value !== undefined) variables.set(line, value);
        continue;
      }
      problems.push({ line: lineNumber, message: `"${line}" is not KEY=VALUE` });
      continue;
    }
    const key = line.slice(0, equals).trim();
    if (!KEY.test(key)) {
      problems.push({ line: lineNumber, message: `"${key}" is not a variable name` });
      continue;
    }
    let raw = line.slice(equals + 1).trimStart();
    let value: string;
    const quote = raw[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may run over several lines.
      let close = raw.indexOf(quote, 1);
      while (quote === '"' && close > 0 && raw[close - 1] === '\\') close = raw.indexOf(quote, close + 1);
      while (close < 0 && index + 1 < lines.length) {
        raw += `\n${lines[++index]}`;
        close = raw.indexOf(quote, 1);
      }
      if (close < 0) {
        problems.push({ line: lineNumber, message: `the ${quote === '"' ? 'double' : 'single'} quote is never closed` });
        continue;
      }
      const inner = raw.slice(1, close);
      value = quote === "'" ? inner : interpolate(unescapeDouble(inner), visible).value;
    } else {
      const comment = raw.search(/\s#/);
      raw = (comment >= 0 ? raw.slice(0, comment) : raw).trimEnd();
      value = interpolate(raw, visible).value;
    }
    variables.set(key, value);
  }
  return { variables, problems };
}
