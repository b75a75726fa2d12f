/**
 * Which files a command reads: named files, folders searched recursively for `*.yaml`, `*.yml` and
 * `*.json`, and `-` for standard input; minus the configured ignore globs. Reading refuses binary and
 * oversized files with a clear message instead of feeding them to the parser.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { MAX_INPUT_BYTES, STDIN, readBounded } from './bounded-read';
import { describeUndecodable } from '../manifests/encoding';
import { UsageError } from './usage';
import { chartNote, chartRootOf, HELM_CHART_FILE, isQuietFile, kustomizationIn, kustomizeHint } from './repo-layout';

export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;
/** Folders never searched: VCS data and dependencies. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules', '.hg', '.svn']);
/** Larger files are refused: no Kubernetes manifest file comes near it, and parsing it would hold the memory. */
export const MAX_FILE_BYTES = MAX_INPUT_BYTES;

export { STDIN };

export interface FileProblem {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

export interface CollectedFiles {
  readonly files: readonly string[];
  readonly problems: readonly FileProblem[];
  /** Files named on the command line that an ignore glob left out, with the glob (said on stderr, as ESLint warns). */
  readonly ignoredNamed?: readonly { readonly file: string; readonly pattern: string }[];
  /** What was skipped and why, worth one line each: a Helm chart (lib/cli/repo-layout.ts). */
  readonly notes: readonly FileProblem[];
  /** Folders holding a kustomization.yaml, to render (only with `kustomize`). */
  readonly kustomizations: readonly string[];
}

export interface CollectOptions {
  /** Glob patterns, matched against paths relative to `root`. */
  readonly ignore?: readonly string[];
  readonly root?: string;
  readonly cwd?: string;
  /** Render folders holding a kustomization.yaml instead of reading their files. @default false */
  readonly kustomize?: boolean;
}

/** Display name: relative to the working directory when inside it, with forward slashes. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  if (file === STDIN) return '<stdin>';
  const rel = relative(cwd, file);
  return (rel && !rel.startsWith('..') ? rel : file).split(sep).join('/');
}

export function collectFiles(paths: readonly string[], options: CollectOptions = {}): CollectedFiles {
  // A second `-` would read an already exhausted stream and report it as an empty file.
  if (paths.filter((path) => path === STDIN).length > 1) throw new UsageError('standard input (-) can be given once');
  const cwd = options.cwd ?? process.cwd();
  const root = options.root ?? cwd;
  let ignored: (path: string) => boolean = () => false;
  let patternFor: (path: string) => string | undefined = () => undefined;
  if (options.ignore && options.ignore.length > 0) {
    const picomatch = require('picomatch') as typeof import('picomatch');
    const patterns = options.ignore;
    const matcher = picomatch(patterns as string[], { dot: true });
    const relativeTo = (path: string) => relative(root, path).split(sep).join('/');
    ignored = (path) => {
      const rel = relativeTo(path);
      return !rel.startsWith('..') && matcher(rel);
    };
    patternFor = (path) => patterns.find((pattern) => picomatch(pattern, { dot: true })(relativeTo(path)));
  }
  const ignoredNamed: { file: string; pattern: string }[] = [];
  const files: string[] = [];
  const problems: FileProblem[] = [];
  const notes: FileProblem[] = [];
  const kustomizations: string[] = [];
  const charts = new Set<string>();
  const chartCache = new Map<string, boolean>();
  const skipChart = (chart: string) => {
    if (charts.has(chart)) return;
    charts.add(chart);
    const display = displayPath(chart, cwd);
    notes.push({ file: display, message: chartNote(chart, display) });
  };
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      problems.push({ file: displayPath(folder, cwd), message: `cannot read folder: ${(error as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.some((entry) => entry.name === HELM_CHART_FILE && entry.isFile())) return skipChart(folder);
    if (kustomizationIn(entries.map((entry) => entry.name))) {
      if (options.kustomize) {
        kustomizations.push(folder);
        return;
      }
      notes.push({ file: displayPath(folder, cwd), message: kustomizeHint() });
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name) && !ignored(path)) walk(path);
      } else if (MANIFEST_EXTENSIONS.test(entry.name) && !ignored(path) && !isQuietFile(path, root)) {
        files.push(path);
      }
    }
  };
  for (const given of paths) {
    // resolve(cwd, '') is the working directory: an empty argument (an unset shell variable) must not lint or fix all of it.
    if (given === '') throw new UsageError('an empty path ("") names no file; use . for the current folder');
    if (given === STDIN) {
      files.push(STDIN);
      continue;
    }
    const path = resolve(cwd, given);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      problems.push({ file: given, message: 'no such file or folder' });
      continue;
    }
    if (stats.isDirectory()) {
      walk(path);
      continue;
    }
    if (ignored(path)) {
      ignoredNamed.push({ file: given, pattern: patternFor(path) ?? options.ignore!.join(', ') });
      continue;
    }
    if (isQuietFile(path, root)) continue;
    // A chart's file named explicitly (pre-commit names each staged file): one note per chart.
    const chart = chartRootOf(path, root, chartCache);
    if (chart) skipChart(chart);
    else files.push(path); // a file named explicitly is read whatever its extension
  }
  return ignoredNamed.length > 0 ? { files, problems, notes, kustomizations, ignoredNamed } : { files, problems, notes, kustomizations };
}

/** The stderr line for a named file an ignore glob left out. */
export function ignoredNotice(command: string, ignored: { readonly file: string; readonly pattern: string }, configFile: string | undefined): string {
  const where = configFile ? ` in ${displayPath(configFile)}` : '';
  return `oomguard ${command}: ${ignored.file} is not ${command === 'fix' ? 'fixed' : 'linted'}: it matches the ignore pattern "${ignored.pattern}"${where}\n`;
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string; readonly line?: number };

export function decodeManifest(buffer: Buffer): ReadResult {
  if (buffer.length > MAX_FILE_BYTES) return { ok: false, message: `file is ${buffer.length} bytes, over the ${MAX_FILE_BYTES}-byte limit for a manifest` };
  // isUtf8 is a native check; decoding with a fatal TextDecoder costs a second copy of every file.
  // Only a file that fails it (or has a NUL in its first 8 KiB: a binary file) is looked at byte by
  // byte, to say what it is (UTF-16, binary, not UTF-8) and where the first bad byte is.
  if (!isUtf8(buffer) || buffer.subarray(0, 8192).includes(0)) {
    const problem = describeUndecodable(buffer);
    if (problem) return { ok: false, message: problem.message, ...(problem.line ? { line: problem.line } : {}) };
  }
  const text = buffer.toString('utf8');
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

export function readManifest(file: string): ReadResult {
  try {
    if (file === STDIN) {
      // Bounded: `lint - < /dev/zero` stops at the limit instead of growing without end.
      const read = readBounded(STDIN);
      return read.ok ? decodeManifest(read.bytes) : read;
    }
    const stats = statSync(file);
    // A FIFO or device named *.yaml would block the read forever: refuse anything but a regular file.
    if (!stats.isFile()) return { ok: false, message: 'not a regular file' };
    const size = stats.size;
    // A size of 0 is also what procfs and sysfs report for files that are not empty (/proc/self/pagemap
    // reads on for gigabytes): those are read through the bounded reader, which stops at the limit.
    if (size === 0) {
      const read = readBounded(file);
      return read.ok ? decodeManifest(read.bytes) : read;
    }
    if (size > MAX_FILE_BYTES) return { ok: false, message: `file is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit for a manifest` };
    // The common case in one native call (read and decode, as a plain parse would). Only a file that
    // decodes with a NUL or a replacement character is read again as bytes to say exactly what is wrong.
    const text = readFileSync(file, 'utf8');
    if (text.includes('\uFFFD') || text.slice(0, 8192).includes('\0')) return decodeManifest(readFileSync(file));
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}
