/**
 * Compose interpolation, as `docker compose config` resolves it (compose-spec "Interpolation";
 * compose-go template): `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}`
 * (unset), `${VAR:?error}` / `${VAR?error}` (required), `${VAR:+alt}` / `${VAR+alt}` (replacement
 * when set), defaults and alternatives themselves interpolated (`${A:-${B:-x}}`), and `$$` for a
 * literal `$`. Variables come from the caller (the shell environment over `--compose-env-file` or `.env`).
 * An unset variable without a default becomes the empty string, as Compose does after its warning;
 * the caller is told which ones, so it can report the value as unknown instead of guessing.
 * Pure: no I/O.
 */

export type Variables = ReadonlyMap<string, string>;

export interface Interpolated {
  readonly value: string;
  /** Variables read that were not set (and had no default covering them). */
  readonly unset: readonly string[];
  /** `${VAR?err}` / `${VAR:?err}` whose variable is missing: Compose refuses the file with this message. */
  readonly required: readonly string[];
  /** A malformed template (`${`, `${VAR`, `${1}`): Compose refuses the file with "invalid interpolation format". */
  readonly invalid?: string;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Nesting allowed inside defaults: compose files use two levels; a hundred is hostile input. */
const MAX_DEPTH = 32;

class TemplateError extends Error {}

interface State {
  readonly variables: Variables;
  readonly unset: Set<string>;
  readonly required: string[];
}

/** Index of the `}` closing the `${` whose content starts at `from`, counting nested `${`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === '$' && text[index + 1] === '$') {
      index++;
    } else if (char === '$' && text[index + 1] === '{') {
      depth++;
      index++;
    } else if (char === '}') {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function expand(text: string, state: State, depth: number): string {
  if (depth > MAX_DEPTH) throw new TemplateError(`nested more than ${MAX_DEPTH} levels deep`);
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 2;
      while (end < text.length && NAME_CHAR.test(text[end])) end++;
      out += lookup(text.slice(dollar + 1, end), state);
      index = end;
    } else if (next === '{') {
      const close = closingBrace(text, dollar + 2);
      if (close < 0) throw new TemplateError(`"${text.slice(dollar)}" has no closing brace`);
      out += braced(text.slice(dollar + 2, close), state, depth);
      index = close + 1;
    } else {
      // A `$` before anything else (`$1`, `$ `, a trailing `$`) stays as written, as in compose-go.
      out += '$';
      index = dollar + 1;
    }
  }
  return out;
}

function lookup(name: string, state: State): string {
  const value = state.variables.get(name);
  if (value === undefined) {
    state.unset.add(name);
    return '';
  }
  return value;
}

function braced(content: string, state: State, depth: number): string {
  let end = 0;
  while (end < content.length && NAME_CHAR.test(content[end])) end++;
  const name = content.slice(0, end);
  if (name.length === 0 || !NAME_START.test(name[0])) throw new TemplateError(`"\${${content}}" does not start with a variable name`);
  const rest = content.slice(end);
  if (rest.length === 0) return lookup(name, state);
  const value = state.variables.get(name);
  const colon = rest[0] === ':';
  const operator = colon ? rest[1] : rest[0];
  const argument = rest.slice(colon ? 2 : 1);
  // `:` makes an empty value count as missing.
  const missing = value === undefined || (colon && value === '');
  switch (operator) {
    case '-':
      return missing ? expand(argument, state, depth + 1) : value!;
    case '?':
      if (missing) {
        state.required.push(`required variable ${name} is missing a value${argument ? `: ${expand(argument, state, depth + 1)}` : ''}`);
        return '';
      }
      return value!;
    case '+':
      return missing ? '' : expand(argument, state, depth + 1);
    default:
      throw new TemplateError(`"\${${content}}" is not a Compose interpolation (use \${VAR}, \${VAR:-default}, \${VAR:?error} or \${VAR:+alternative})`);
  }
}

/** Interpolate one string value. */
export function interpolate(text: string, variables: Variables): Interpolated {
  if (!text.includes('$')) return { value: text, unset: [], required: [] };
  const state: State = { variables, unset: new Set(), required: [] };
  try {
    const value = expand(text, state, 0);
    return { value, unset: [...state.unset], required: state.required };
  } catch (error) {
    if (error instanceof TemplateError) return { value: text, unset: [], required: [], invalid: error.message };
    throw error;
  }
}
