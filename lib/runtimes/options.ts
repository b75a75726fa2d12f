/**
 * Reading runtime options out of a container: env variables whose value is a list of options, and a
 * command line (`command` + `args`, including `sh -c "..."` strings) that runs a given binary.
 */
import type { Container, JsonPath } from '../core/workload';
import type { OptionToken } from './types';

/** Split an options string the way a shell would split an unquoted variable (whitespace). */
export function splitOptions(text: string): string[] {
  return text.split(/\s+/).filter((token) => token.length > 0);
}

/**
 * Expand `$(VAR)` references the way the kubelet does in `command`, `args` and env values
 * ("Define Dependent Environment Variables", kubernetes.io; third_party/forked/golang/expansion):
 * `$(NAME)` becomes the variable's value when `lookup` knows it and stays as written otherwise, `$$`
 * becomes `$`. `unknown` is set when a reference names a variable whose value the manifest does not hold
 * (`valueFrom`, `envFrom`).
 */
export function expandKubernetes(text: string, lookup: (name: string) => string | null | undefined): { text: string; expanded: boolean; unknown: boolean } {
  if (!text.includes('$')) return { text, expanded: false, unknown: false };
  let out = '';
  let expanded = false;
  let unknown = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char !== '$' || at + 1 >= text.length) {
      out += char;
      continue;
    }
    const next = text[at + 1];
    if (next === '$') {
      out += '$';
      expanded = true;
      at++;
    } else if (next === '(') {
      const close = text.indexOf(')', at + 2);
      if (close < 0) {
        out += text.slice(at);
        break;
      }
      const name = text.slice(at + 2, close);
      const value = lookup(name);
      if (typeof value === 'string') {
        out += value;
        expanded = true;
      } else {
        if (value === null) unknown = true;
        out += text.slice(at, close + 1);
      }
      at = close;
    } else {
      out += char;
    }
  }
  return { text: out, expanded, unknown };
}

/**
 * What `$(NAME)` in a container's fields can resolve to: a literal env value (string), a variable the
 * manifest cannot show (`null`: `valueFrom`, or possibly an `envFrom` source), or nothing (undefined).
 * Env values may only use variables defined before them (`before`: the env index).
 */
export function envLookup(container: Container, before = Infinity): (name: string) => string | null | undefined {
  const fromSources = hasEnvFrom(container);
  return (name) => {
    let found: string | null | undefined;
    for (let index = 0; index < container.env.length && index < before; index++) {
      const variable = container.env[index];
      if (variable.name === name) found = variable.value === undefined ? null : variable.value;
    }
    return found === undefined && fromSources ? null : found;
  };
}

/** Whether the container takes env from `envFrom` (ConfigMaps, Secrets) whose keys oomguard cannot see. */
export function hasEnvFrom(container: Container): boolean {
  const envFrom = container.raw.envFrom;
  return Array.isArray(envFrom) && envFrom.length > 0;
}

/**
 * One option and where it came from. The path is built only when a finding or fix asks for it: most
 * options of a fleet never appear in one (bench/run.ts). Not a subclass of the workload model's
 * LazyPath: tried, and it cost 2.4% more instructions over a 2,000-document lint (valgrind).
 */
class Token implements OptionToken {
  private built: JsonPath | undefined;
  constructor(
    readonly token: string,
    readonly source: string,
    readonly text: string,
    private readonly owner: { readonly path: JsonPath },
    private readonly tail: readonly (string | number)[],
    readonly expanded = false,
  ) {}
  get path(): JsonPath {
    return (this.built ??= [...this.owner.path, ...this.tail]);
  }
}

const VALUE_TAIL = ['value'] as const;

/** An option variable the runtime reads whose value the manifest does not hold. */
export interface UnknownSource {
  readonly name: string;
  /** `valueFrom` (the variable itself), `envFrom` (a ConfigMap or Secret may set it), or `$(VAR)` in a value. */
  readonly how: 'valueFrom' | 'envFrom' | 'reference';
  readonly path: JsonPath;
}

/**
 * Tokens from the named env variables, in the order given, with `$(VAR)` references expanded. When a
 * name is set more than once the last entry wins, as in Kubernetes. Variables from `valueFrom` (or
 * possibly from `envFrom`) cannot be read: they are listed in `unknown`.
 */
export function envTokens(container: Container, names: readonly string[], unknown?: UnknownSource[]): OptionToken[] {
  const tokens: OptionToken[] = [];
  for (const name of names) {
    let index = -1;
    for (let at = container.env.length - 1; at >= 0; at--) {
      if (container.env[at].name === name) {
        index = at;
        break;
      }
    }
    if (index < 0) {
      if (unknown && hasEnvFrom(container)) unknown.push({ name, how: 'envFrom', path: [...container.path, 'envFrom'] });
      continue;
    }
    const variable = container.env[index];
    if (variable.value === undefined) {
      unknown?.push({ name, how: 'valueFrom', path: variable.path });
      continue;
    }
    const source = `env ${name}`;
    // No `$`: nothing to expand, and no lookup closure to build (most option values of a fleet).
    const expansion = variable.value.includes('$') ? expandKubernetes(variable.value, envLookup(container, index)) : { text: variable.value, expanded: false, unknown: false };
    if (expansion.unknown) unknown?.push({ name, how: 'reference', path: variable.path });
    for (const token of splitOptions(expansion.text)) {
      tokens.push(new Token(token, source, variable.value, variable, VALUE_TAIL, expansion.expanded && !isWord(variable.value, token)));
    }
  }
  return tokens;
}

function isWord(text: string, token: string): boolean {
  return replaceToken(text, token, '\u0000') !== text;
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/**
 * Tokens of a command line that runs `binary` (matched by basename against `pattern`), from the
 * container's `command` and `args`, `$(VAR)` references expanded from the container's env as the
 * kubelet does. Tokens before the binary (a shell, `exec`) are left out. Returns undefined when the
 * command line does not run that binary.
 */
export function commandLineTokens(container: Container, pattern: RegExp, unknown?: UnknownSource[]): OptionToken[] | undefined {
  // Most containers of a fleet run their image's entrypoint: no command line, nothing to build.
  if (container.command.length === 0 && container.args.length === 0) return undefined;
  const words: OptionToken[] = [];
  let lookup: ((name: string) => string | null | undefined) | undefined;
  for (const [field, list] of [['command', container.command], ['args', container.args]] as const) {
    list.forEach((text, index) => {
      const source = `${field}[${index}]`;
      const tail = [field, index];
      let expansion = { text, expanded: false, unknown: false };
      if (text.includes('$')) {
        expansion = expandKubernetes(text, (lookup ??= envLookup(container)));
        if (expansion.unknown) unknown?.push({ name: source, how: 'reference', path: [...container.path, field, index] });
      }
      for (const token of splitOptions(expansion.text)) words.push(new Token(token, source, text, container, tail, expansion.expanded && !isWord(text, token)));
    });
  }
  const start = words.findIndex((word) => pattern.test(basename(word.token.replace(/^["']/, ''))));
  return start < 0 ? undefined : words.slice(start + 1);
}

/** Whether the container's command line runs a binary matching `pattern` (no token objects built). */
export function runsBinary(container: Container, pattern: RegExp): boolean {
  for (const name of commandNames(container)) if (pattern.test(name)) return true;
  return false;
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * The basename of every word of the command line (a leading quote dropped), split once per container:
 * detection asks each of the six profiles whether the command runs its binary, one after another.
 * Only the last container is remembered, as readJvmOptions does.
 */
function commandNames(container: Container): readonly string[] {
  if (container === lastCommand.container) return lastCommand.names;
  let names = NO_NAMES;
  if (container.command.length > 0 || container.args.length > 0) {
    const words: string[] = [];
    for (const list of [container.command, container.args]) {
      for (const text of list) for (const token of splitOptions(text)) words.push(basename(token.replace(/^["']/, '')));
    }
    names = words;
  }
  lastCommand = { container, names };
  return names;
}

let lastCommand: { container?: Container; names: readonly string[] } = { names: NO_NAMES };

/** The image name without registry, tag or digest: `docker.io/library/openjdk:8u181` gives `openjdk`. */
export function imageName(image: string): ImageName {
  // Every profile asks for the same few images of a fleet: split each once.
  let known = imageNames.get(image);
  if (!known) {
    if (imageNames.size >= 4096) imageNames.clear();
    const withoutDigest = image.split('@')[0];
    const lastSlash = withoutDigest.lastIndexOf('/');
    const colon = withoutDigest.lastIndexOf(':');
    const hasTag = colon > lastSlash;
    const repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
    known = new ImageParts(repository, repository.slice(repository.lastIndexOf('/') + 1), hasTag ? withoutDigest.slice(colon + 1) : '');
    imageNames.set(image, known);
  }
  return known;
}

export interface ImageName {
  readonly repository: string;
  readonly name: string;
  readonly tag: string;
  /**
   * `test(this)`, computed once per image and test: detection asks each container's image the same
   * questions, and a fleet has few images and many containers. `test` must be a module-level function.
   */
  fact(test: (image: ImageName) => boolean): boolean;
}

class ImageParts implements ImageName {
  private facts: Map<(image: ImageName) => boolean, boolean> | undefined;
  constructor(readonly repository: string, readonly name: string, readonly tag: string) {}
  fact(test: (image: ImageName) => boolean): boolean {
    const facts = (this.facts ??= new Map());
    let known = facts.get(test);
    if (known === undefined) facts.set(test, (known = test(this)));
    return known;
  }
}

const imageNames = new Map<string, ImageName>();

/** Replace one whitespace-separated token in an options string, keeping the rest as it was. */
export function replaceToken(text: string, token: string, replacement: string): string {
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
    const end = at + token.length;
    const startsWord = at === 0 || /\s/.test(text[at - 1]);
    const endsWord = end === text.length || /\s/.test(text[end]);
    if (startsWord && endsWord) return text.slice(0, at) + replacement + text.slice(end);
  }
  return text;
}

/**
 * Merge generated options into an existing options string: tokens the generated ones supersede are
 * dropped, the rest keep their order, and the generated options follow.
 */
export function mergeOptions(existing: string | undefined, generated: string, supersedes: (token: string) => boolean): string {
  const kept = splitOptions(existing ?? '').filter((token) => !supersedes(token));
  // Nothing of the old value survives: the generated value is used exactly as written.
  return kept.length === 0 ? generated : [...kept, ...splitOptions(generated)].join(' ');
}
