/**
 * Which files a command reads: named files, folders searched recursively for `*.yaml`, `*.yml` and
 * `*.json`, and `-` for standard input; minus the configured ignore globs. Reading refuses binary and
 * oversized files with a clear message instead of feeding them to the parser.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { UsageError } from './usage';
import { chartNote, chartRootOf, HELM_CHART_FILE, isQuietFile, kustomizationIn, kustomizeHint } from './repo-layout';

export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;
/** Folders never searched: VCS data and dependencies. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules', '.hg', '.svn']);
/** Larger files are refused: no Kubernetes manifest file comes near it, and parsing it would hold the memory. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export const STDIN = '-';

export interface FileProblem {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

export interface CollectedFiles {
  readonly files: readonly string[];
  readonly problems: readonly FileProblem[];
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
  if (options.ignore && options.ignore.length > 0) {
    const picomatch = require('picomatch') as typeof import('picomatch');
    const matcher = picomatch(options.ignore as string[], { dot: true });
    ignored = (path) => {
      const rel = relative(root, path).split(sep).join('/');
      return !rel.startsWith('..') && matcher(rel);
    };
  }
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
    if (ignored(path) || isQuietFile(path, root)) continue;
    // A chart's file named explicitly (pre-commit names each staged file): one note per chart.
    const chart = chartRootOf(path, root, chartCache);
    if (chart) skipChart(chart);
    else files.push(path); // a file named explicitly is read whatever its extension
  }
  return { files, problems, notes, kustomizations };
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string; readonly line?: number };

/** Whether bytes look like a binary file: a NUL byte in the first 8 KiB (the heuristic git and grep use). */
function looksBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8192).includes(0);
}

export function decodeManifest(buffer: Buffer): ReadResult {
  if (buffer.length > MAX_FILE_BYTES) return { ok: false, message: `file is ${buffer.length} bytes, over the ${MAX_FILE_BYTES}-byte limit for a manifest` };
  if (looksBinary(buffer)) return { ok: false, message: 'binary file (contains NUL bytes), not a manifest' };
  // isUtf8 is a native check; decoding with a fatal TextDecoder costs a second copy of every file.
  if (!isUtf8(buffer)) return { ok: false, message: 'not valid UTF-8 text' };
  const text = buffer.toString('utf8');
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

export function readManifest(file: string): ReadResult {
  try {
    if (file === STDIN) return decodeManifest(readFileSync(0));
    const stats = statSync(file);
    // A FIFO or device named *.yaml would block the read forever: refuse anything but a regular file.
    if (!stats.isFile()) return { ok: false, message: 'not a regular file' };
    const size = stats.size;
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
