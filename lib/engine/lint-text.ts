/**
 * Lint one file's text: parse once, extract workloads, run the rules, and place every finding on a
 * line. Pure (text in, report out) so the CLI, the pre-commit hook, the fixer and the cdk8s plugin
 * share it.
 */
import { extractWorkloads, isKubernetesObject, type JsonPath } from '../core/workload';
import type { ManifestDocument } from '../manifests/documents';
import { streamManifests } from '../manifests/stream';
import type { Linter, PlacedFinding, Placement } from './linter';

export type LocatedFinding = PlacedFinding;

export interface InputError {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

/** Something worth saying that is not a finding: a document skipped as not Kubernetes, an empty file. */
export interface Note {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

export interface FileReport {
  readonly file: string;
  readonly findings: readonly LocatedFinding[];
  readonly errors: readonly InputError[];
  readonly notes: readonly Note[];
  readonly documents: number;
  readonly workloads: number;
  readonly containers: number;
}

export function lintText(text: string, file: string, linter: Linter): FileReport {
  // Each document is done with (findings placed, notes written) before the next is parsed
  // (lib/manifests/stream.ts), so a 50 MB dump costs what its largest document costs.
  let findings: LocatedFinding[] = [];
  let notes: Note[] = [];
  let workloads = 0;
  let containers = 0;
  let documents = 0;
  // One placement per document (not per workload): a List's items share their document's.
  const placementOf = (document: ManifestDocument): Placement => ({ file, document: document.index, lineOf: (at) => document.lineOf(at) });
  const lint = (value: unknown, path: JsonPath, placement: Placement) => {
    for (const workload of extractWorkloads(value, path)) {
      workloads++;
      containers += workload.containers.length;
      const placed = linter.lintWorkload(workload, placement);
      for (let index = 0; index < placed.length; index++) findings.push(placed[index]);
    }
  };
  const parsed = streamManifests(text, file, {
    document(document) {
      if (document.value === null || document.value === undefined) return;
      documents++;
      if (!isKubernetesObject(document.value)) {
        notes.push({ file, line: document.line, message: 'not a Kubernetes object (no apiVersion and kind): skipped' });
        return;
      }
      lint(document.value, [], placementOf(document));
    },
    items(document, items, first) {
      const placement = placementOf(document);
      for (let item = 0; item < items.length; item++) lint(items[item], ['items', first + item], placement);
    },
    restart() {
      findings = [];
      notes = [];
      workloads = containers = documents = 0;
    },
  });
  if (!parsed.ok) {
    const { message, line } = parsed.problem;
    return { file, findings: [], errors: [{ file, message: `cannot parse: ${message}`, ...(line ? { line } : {}) }], notes: [], documents: 0, workloads: 0, containers: 0 };
  }
  // A repeated key is an error (Kubernetes refuses the object), yet the documents are linted with
  // the value Kubernetes would otherwise see, so that one pass reports everything.
  const errors: InputError[] = parsed.problems.map(({ message, line }) => ({ file, message: `${message}: Kubernetes refuses this; linted with the last value`, ...(line ? { line } : {}) }));
  findings.sort((a, b) => a.document - b.document || a.line - b.line);
  if (documents === 0) notes.push({ file, message: 'no documents: empty file' });
  return { file, findings, errors, notes, documents, workloads, containers };
}
