/**
 * `recommend --manifests DIR [--write]`: find the manifest that declares each recommended workload
 * (kind, namespace, name, container), and record the measured peak there as
 * `oomguard.io/peak-rss[.<container>]`, so that `oomguard fix` sizes the limit and the heap flags
 * from it. The edits are the same one-line, comment-preserving insertions `measure --prometheus
 * --write` makes, written with `fix`'s atomic replacement; without `--write` they are shown as a diff.
 */
import { annotationFor, runtimeOf } from '../engine/context';
import { extractWorkloads, type Workload } from '../core/workload';
import { parseManifests } from '../manifests/documents';
import { parseAllDocuments } from 'yaml';
import { setAnnotation } from '../prometheus/annotate';
import { ANNOTATION } from '../rules/types';
import { isRuntimeId } from '../runtimes';
import { collectFiles, displayPath, readManifest } from '../cli/files';
import { unifiedDiff } from '../fix/diff';
import { writeFileAtomic } from '../fix/write';
import type { ManifestHint, Recommendation } from './report';

export interface Declared {
  readonly file: string;
  readonly line: number;
  readonly workload: Workload;
  /** Containers that can carry a limit (not ephemeral). */
  readonly containers: readonly string[];
}

export interface ManifestIndex {
  find(namespace: string, kind: string, name: string): Declared | undefined;
  hint(namespace: string, kind: string, name: string, container: string): ManifestHint | undefined;
  readonly problems: readonly { file: string; message: string; line?: number }[];
  readonly files: number;
}

export function indexManifests(dir: string): ManifestIndex {
  const { files, problems: found } = collectFiles([dir]);
  const problems = [...found];
  const byKey = new Map<string, Declared>();
  for (const file of files) {
    const read = readManifest(file);
    if (!read.ok) {
      problems.push({ file, message: read.message, ...(read.line !== undefined ? { line: read.line } : {}) });
      continue;
    }
    const parsed = parseManifests(read.text, file);
    if (!parsed.ok) {
      problems.push({ file, message: parsed.problem.message, ...(parsed.problem.line !== undefined ? { line: parsed.problem.line } : {}) });
      continue;
    }
    for (const document of parsed.documents) {
      for (const workload of extractWorkloads(document.value)) {
        const { kind, name, namespace } = workload.resource;
        const id = `${kind}\u0000${namespace ?? ''}\u0000${name}`;
        if (byKey.has(id)) continue; // the first declaration wins, as kubectl apply of the folder would end with one object
        byKey.set(id, { file, line: document.lineOf(workload.path), workload, containers: workload.containers.filter((c) => c.role !== 'ephemeral').map((c) => c.name) });
      }
    }
  }
  const find = (namespace: string, kind: string, name: string) => byKey.get(`${kind}\u0000${namespace}\u0000${name}`) ?? byKey.get(`${kind}\u0000\u0000${name}`);
  return {
    find,
    hint(namespace, kind, name, containerName) {
      const declared = find(namespace, kind, name);
      const container = declared?.workload.containers.find((c) => c.name === containerName);
      if (!declared || !container) return undefined;
      const annotation = annotationFor(declared.workload, container, ANNOTATION.runtime);
      if (annotation && isRuntimeId(annotation.annotation.value)) return { runtime: annotation.annotation.value, source: 'manifest annotation' };
      const detected = runtimeOf(declared.workload, container);
      return detected ? { runtime: detected.runtime, source: 'manifest' } : {};
    },
    problems,
    files: files.length,
  };
}

export interface PeakEdit {
  readonly file: string;
  readonly line: number;
  readonly namespace: string;
  readonly kind: string;
  readonly workload: string;
  readonly container: string;
  readonly key: string;
  readonly value: string;
}

export interface EditPlan {
  readonly edits: readonly PeakEdit[];
  /** Recommendations with no manifest (or no such container in it). */
  readonly unmatched: readonly { namespace: string; kind: string; workload: string; container: string }[];
  /** Leaks and unknowns: their peak is not a size to grow to. */
  readonly skipped: readonly { namespace: string; kind: string; workload: string; container: string; reason: string }[];
  /** File → new text, for the files that change. */
  readonly changed: ReadonlyMap<string, { before: string; after: string }>;
  readonly problems: readonly { file: string; message: string }[];
}

export function planPeakEdits(index: ManifestIndex, rows: readonly Recommendation[]): EditPlan {
  const edits: PeakEdit[] = [];
  const unmatched: EditPlan['unmatched'][number][] = [];
  const skipped: EditPlan['skipped'][number][] = [];
  const problems: { file: string; message: string }[] = [];
  for (const row of rows) {
    const where = { namespace: row.namespace, kind: row.kind, workload: row.workload, container: row.container };
    const declared = index.find(row.namespace, row.kind, row.workload);
    if (!declared || !declared.containers.includes(row.container)) {
      unmatched.push(where);
      continue;
    }
    if (row.verdict.kind === 'leak' || row.verdict.kind === 'unknown' || row.recommendedLimitBytes === undefined) {
      // Recording a leak's peak would make `fix` raise its limit: the one thing a leak must not get.
      skipped.push({ ...where, reason: row.verdict.kind === 'leak' ? 'leak: profile it instead of raising its limit' : 'no recommendation' });
      continue;
    }
    // One container: the plain annotation (what `measure --prometheus --write` writes); several: per container.
    const key = declared.containers.length === 1 ? ANNOTATION.peak : `${ANNOTATION.peak}.${row.container}`;
    edits.push({ file: declared.file, line: declared.line, ...where, key, value: row.peakAnnotation });
  }
  // In the manifest's order (workload by line, containers as declared), not the table's risk order.
  edits.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || containerIndex(index, a) - containerIndex(index, b));
  const changed = new Map<string, { before: string; after: string }>();
  const byFile = new Map<string, PeakEdit[]>();
  for (const edit of edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
  for (const [file, fileEdits] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const read = readManifest(file);
    if (!read.ok) {
      problems.push({ file, message: read.message });
      continue;
    }
    // Each edit re-reads only its own document: a generated all-in-one file of thousands of
    // workloads is parsed once for the document boundaries, not once per edit.
    const chunks = documentChunks(read.text);
    for (const edit of fileEdits) {
      const at = chunkOfLine(chunks, edit.line);
      const result = setAnnotation(chunks[at].text, { kind: edit.kind, name: edit.workload, namespace: edit.namespace }, edit.key, edit.value);
      if (!result.ok) {
        problems.push({ file, message: `${displayPath(file)}:${edit.line}: ${result.reason}` });
        continue;
      }
      chunks[at].text = result.text;
    }
    const text = chunks.map((chunk) => chunk.text).join('');
    if (text !== read.text) changed.set(file, { before: read.text, after: text });
  }
  return { edits, unmatched, skipped, changed, problems };
}

/** The file cut at the start of each document's first line: the pieces join back to the same text. */
function documentChunks(text: string): { firstLine: number; text: string }[] {
  const documents = parseAllDocuments(text);
  const starts = (Array.isArray(documents) ? documents : []).map((document) => {
    const offset = document.range[0];
    return offset > 0 ? text.lastIndexOf('\n', offset - 1) + 1 : 0;
  });
  starts[0] = 0;
  const cuts = [...new Set(starts)].sort((a, b) => a - b);
  let line = 1;
  let previous = 0;
  return cuts.map((start, index) => {
    for (let i = previous; i < start; i++) if (text.charCodeAt(i) === 10) line++;
    previous = start;
    return { firstLine: line, text: text.slice(start, cuts[index + 1] ?? text.length) };
  });
}

/** The chunk holding a 1-based line. */
function chunkOfLine(chunks: readonly { firstLine: number }[], line: number): number {
  let found = 0;
  for (let i = 0; i < chunks.length && chunks[i].firstLine <= line; i++) found = i;
  return found;
}

function containerIndex(index: ManifestIndex, edit: PeakEdit): number {
  return index.find(edit.namespace, edit.kind, edit.workload)?.containers.indexOf(edit.container) ?? 0;
}

/** A unified diff of every planned change, files in name order. */
export function planDiff(plan: EditPlan): string {
  let out = '';
  for (const [file, { before, after }] of plan.changed) out += unifiedDiff(displayPath(file), before, after);
  return out;
}

/** Write every changed file atomically; returns the files written. */
export function writePlan(plan: EditPlan): string[] {
  const written: string[] = [];
  for (const [file, { after }] of plan.changed) {
    writeFileAtomic(file, after);
    written.push(file);
  }
  return written;
}
