/**
 * Lint one file: read it, parse it, check it. The CLI calls this file by file, so each file is
 * released before the next is read and memory does not grow with the fleet.
 *
 * Worker threads were tried (bench/run.ts, 200 files on 2 cores): no faster, since parsing is bound
 * by allocation and the workers' collectors compete; so there are none.
 */
import type { Linter } from '../engine/linter';
import type { FileReport, InputError } from '../engine/lint-text';
import { lintEither, type ComposeOptions } from './compose-files';
import { readManifest } from './files';

export type FileOutcome = { readonly report: FileReport } | { readonly unreadable: InputError };

export function lintFile(file: string, name: string, linter: Linter, compose: ComposeOptions = {}): FileOutcome {
  const read = readManifest(file);
  if (!read.ok) return { unreadable: { file: name, message: read.message, ...(read.line ? { line: read.line } : {}) } };
  // Compose files (by name, --compose, or shape) go through the Compose adapter, the rest as manifests.
  return { report: lintEither(read.text, file, name, linter, compose).report };
}

