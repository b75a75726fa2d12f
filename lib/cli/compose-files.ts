/**
 * The Compose side of reading files: which files are Compose files (their name, `--compose`, or a
 * `services:` shape in a YAML file that holds no Kubernetes object), and the host the pure adapter
 * reads through: variables from the shell over `--compose-env-file` or the `.env` beside the file (as
 * `docker compose config` reads them), and the files `extends.file` names (bounded like any input).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isComposeFileName, looksLikeCompose } from '../compose/detect';
import type { ComposeHost } from '../compose/resolve';
import { isKubernetesObject } from '../core/workload';
import { lintText, type FileReport } from '../engine/lint-text';
import type { Linter } from '../engine/linter';
import { parseManifests } from '../manifests/documents';
import { displayPath, readManifest, STDIN } from './files';

export interface ComposeOptions {
  /** Files given with `--compose` (absolute paths, or `-`): Compose whatever their name or shape. */
  readonly forced?: ReadonlySet<string>;
  /** `--compose-env-file`: replaces the `.env` beside each Compose file. */
  readonly envFile?: string;
  readonly cwd?: string;
  /** The shell's variables (default: process.env); they win over the env file, as in docker compose. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export interface HostProblem {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

// The Compose adapter is loaded only when a Compose file is met: linting manifests (the pre-commit
// case) reads no more modules than before.
const parseEnvFile = (...args: Parameters<typeof import('../compose/env-file').parseEnvFile>) => (require('../compose/env-file') as typeof import('../compose/env-file')).parseEnvFile(...args);
const parseLenient = (text: string) => (require('../compose/lenient-yaml') as typeof import('../compose/lenient-yaml')).parseLenient(text);
const lintComposeText = (...args: Parameters<typeof import('../compose/lint').lintComposeText>) => (require('../compose/lint') as typeof import('../compose/lint')).lintComposeText(...args);

/** The variables and file access for one Compose file; problems reading the env file are returned. */
export function composeHost(file: string, options: ComposeOptions = {}): { host: ComposeHost; problems: HostProblem[] } {
  const cwd = options.cwd ?? process.cwd();
  const shell = new Map<string, string>();
  for (const [key, value] of Object.entries(options.environment ?? process.env)) if (value !== undefined) shell.set(key, value);
  const problems: HostProblem[] = [];
  const variables = new Map<string, string>();
  const envPath = options.envFile !== undefined ? resolve(cwd, options.envFile) : resolve(file === STDIN ? cwd : dirname(file), '.env');
  if (options.envFile !== undefined || existsSync(envPath)) {
    const read = readManifest(envPath);
    if (!read.ok) problems.push({ file: displayPath(envPath, cwd), message: `cannot read the env file: ${read.message}` });
    else {
      const parsed = parseEnvFile(read.text, shell);
      for (const problem of parsed.problems) problems.push({ file: displayPath(envPath, cwd), line: problem.line, message: problem.message });
      for (const [key, value] of parsed.variables) variables.set(key, value);
    }
  }
  for (const [key, value] of shell) variables.set(key, value);
  let reads = 0;
  const host: ComposeHost = {
    variables,
    origin: file === STDIN ? resolve(cwd, 'stdin') : resolve(cwd, file),
    readFile(path, from) {
      // A chain of extends across files is short; a hundred reads is a loop or hostile input.
      if (++reads > 100) return { ok: false, message: 'more than 100 files read through extends' };
      const target = resolve(from === STDIN || from === '<stdin>' ? cwd : dirname(resolve(cwd, from)), path);
      const read = readManifest(target);
      return read.ok ? { ok: true, text: read.text, file: target } : { ok: false, message: read.message };
    },
    parse(text) {
      let parsed = parseManifests(text);
      if (!parsed.ok) parsed = parseLenient(text);
      if (!parsed.ok) return { ok: false, message: parsed.problem.message, ...(parsed.problem.line ? { line: parsed.problem.line } : {}) };
      const first = parsed.documents.find((document) => document.value !== null && document.value !== undefined);
      return { ok: true, value: first?.value };
    },
  };
  return { host, problems };
}

/** A top-level `services` key somewhere (block, flow or JSON): without one, a file is never Compose and is not parsed twice. */
const SERVICES_KEY = /(?:^|[{,])\s*["']?services["']?\s*:/m;

/** SERVICES_KEY's test, after a search for the word itself (a search for a string runs far faster than the expression over a file without it). */
function hasServicesKey(text: string): boolean {
  return text.indexOf('services') >= 0 && SERVICES_KEY.test(text);
}

/** Whether the text is linted as Compose: by name or `--compose`, else by shape when it holds no Kubernetes workload. */
function composeByShape(text: string, report: FileReport): boolean {
  // Cheapest first: a file with a Kubernetes workload (the common case) is never looked at again.
  if (report.workloads > 0 || !hasServicesKey(text)) return false;
  if (report.errors.length > 0) {
    // A file the manifests reader refuses may still be a Compose file another reader accepts.
    const lenient = parseLenient(text);
    return lenient.ok && lenient.documents.some((document) => looksLikeCompose(document.value));
  }
  if (report.documents === 0) return false;
  const parsed = parseManifests(text);
  return parsed.ok && parsed.documents.some((document) => looksLikeCompose(document.value));
}

/** The lint function for a file, decided without linting it (for `fix`, which lints it next). */
export function chooseLint(text: string, file: string, options: ComposeOptions = {}): LintFunction {
  const compose = options.forced?.has(file) === true || isComposeFileName(file) || (hasServicesKey(text) && shapeOf(text));
  return compose ? composeLint(file, options) : lintText;
}

function shapeOf(text: string): boolean {
  let parsed = parseManifests(text);
  if (!parsed.ok) parsed = parseLenient(text);
  return parsed.ok && !parsed.documents.some((document) => isKubernetesObject(document.value)) && parsed.documents.some((document) => looksLikeCompose(document.value));
}

function composeLint(file: string, options: ComposeOptions): LintFunction {
  const { host, problems } = composeHost(file, options);
  return (source, displayName, withLinter) => {
    const report = lintComposeText(source, displayName, withLinter, host);
    if (problems.length === 0) return report;
    return { ...report, errors: [...problems.map((problem) => ({ ...problem })), ...report.errors] };
  };
}

export type LintFunction = (text: string, name: string, linter: Linter) => FileReport;

/**
 * Lint one file's text as a manifest or as Compose, and return the lint function used (so `fix`
 * re-lints its passes the same way).
 */
export function lintEither(text: string, file: string, name: string, linter: Linter, options: ComposeOptions = {}): { report: FileReport; lint: LintFunction } {
  const forced = options.forced?.has(file) === true;
  if (!forced && !isComposeFileName(file)) {
    const report = lintText(text, name, linter);
    if (!composeByShape(text, report)) return { report, lint: lintText };
  }
  const lint = composeLint(file, options);
  return { report: lint(text, name, linter), lint };
}

/** The Compose options of `lint` and `fix` from `--compose` and `--compose-env-file`. */
export function composeOptions(composeFiles: readonly string[], envFile: string | undefined, cwd: string): ComposeOptions {
  return {
    forced: new Set(composeFiles.map((file) => (file === STDIN ? STDIN : resolve(cwd, file)))),
    ...(envFile !== undefined ? { envFile } : {}),
    cwd,
  };
}
