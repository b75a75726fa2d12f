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
  ) {}
  get path(): JsonPath {
    return (this.built ??= [...this.owner.path, ...this.tail]);
  }
}

const VALUE_TAIL = ['value'] as const;

/** Tokens from the named env variables, in the order given. Variables from `valueFrom` cannot be read. */
export function envTokens(container: Container, names: readonly string[]): OptionToken[] {
  const tokens: OptionToken[] = [];
  for (const name of names) {
    for (const variable of container.env) {
      if (variable.name !== name || variable.value === undefined) continue;
      const source = `env ${name}`;
      for (const token of splitOptions(variable.value)) tokens.push(new Token(token, source, variable.value, variable, VALUE_TAIL));
    }
  }
  return tokens;
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/**
 * Tokens of a command line that runs `binary` (matched by basename against `pattern`), from the
 * container's `command` and `args`. Tokens before the binary (a shell, `exec`) are left out.
 * Returns undefined when the command line does not run that binary.
 */
export function commandLineTokens(container: Container, pattern: RegExp): OptionToken[] | undefined {
  const words: OptionToken[] = [];
  for (const [field, list] of [['command', container.command], ['args', container.args]] as const) {
    list.forEach((text, index) => {
      const source = `${field}[${index}]`;
      const tail = [field, index];
      for (const token of splitOptions(text)) words.push(new Token(token, source, text, container, tail));
    });
  }
  const start = words.findIndex((word) => pattern.test(basename(word.token.replace(/^["']/, ''))));
  return start < 0 ? undefined : words.slice(start + 1);
}

/** Whether the container's command line runs a binary matching `pattern` (no token objects built). */
export function runsBinary(container: Container, pattern: RegExp): boolean {
  for (const list of [container.command, container.args]) {
    for (const text of list) {
      for (const token of splitOptions(text)) if (pattern.test(basename(token.replace(/^["']/, '')))) return true;
    }
  }
  return false;
}

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
