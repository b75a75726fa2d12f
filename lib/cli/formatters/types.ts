import type { FileReport, InputError, LocatedFinding } from '../../engine/lint-text';

export interface Summary {
  readonly files: number;
  readonly documents: number;
  readonly workloads: number;
  readonly containers: number;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly infoCount: number;
  readonly fixableCount: number;
  /** Input that could not be read or parsed, and problems found before reading. */
  readonly inputErrors: readonly InputError[];
}

/**
 * Formatters receive one file at a time (so findings stream out while the next file is read) and
 * the summary at the end. They write through `out`; only the CLI touches process streams.
 */
export interface Formatter {
  file(report: FileReport): void;
  end(summary: Summary): void;
}

export interface FormatterOptions {
  readonly out: (chunk: string) => void;
  readonly color: boolean;
}

export type { FileReport, InputError, LocatedFinding };

export function resourceText(finding: LocatedFinding): string {
  const { kind, name, namespace } = finding.resource;
  return `${kind}/${namespace ? `${namespace}/` : ''}${name}`;
}
