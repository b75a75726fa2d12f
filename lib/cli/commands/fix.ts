/**
 * `oomguard fix [PATH ...]`: apply the rules' deterministic fixes in place, keeping every byte that
 * is not part of a fixed field; report what it could not fix. `--dry-run` prints a unified diff and
 * writes nothing. Exit 0 when no error-level finding remains, 1 when one does, 2 on bad usage or on
 * input that could not be read, parsed or written (every other file is still fixed and reported).
 */
import { loadConfig } from '../../config/load';
import type { InputError } from '../../engine/lint-text';
import { createLinter } from '../../engine/linter';
import { unifiedDiff } from '../../fix/diff';
import { fixText, type FixResult } from '../../fix/fixer';
import { fromLf, toLf } from '../../fix/text-form';
import { readForUpdate, writeFileAtomic, WriteError, type Snapshot } from '../../fix/write';
import { readBounded } from '../bounded-read';
import { collectFiles, decodeManifest, displayPath, ignoredNotice, STDIN } from '../files';
import { chooseLint, composeOptions } from '../compose-files';
import { toJson } from '../formatters/json';
import { resourceText } from '../formatters/types';
import { MANIFEST_COMMAND_OPTIONS, UsageError, parseCommandArgs, useColor } from '../usage';

const HELP = `Usage: oomguard fix [options] PATH ...

Repair what the rules can repair, in place: memory request = limit; the runtime heap flag for the
existing limit (JVM, Node.js, Go), merged into the options already there; -XX:-UseContainerSupport
turned on; a limit below a declared peak (oomguard.io/peak-rss) raised to the recommended size.
A limit is never invented without a declared peak. Comments, key order, quoting, anchors and
document separators are kept byte for byte; only the fixed fields change. PATH is a file, a folder
(searched for *.yaml, *.yml, *.json), . for the current folder, or - (read standard input, write
the result to standard output). At least one PATH is required, as with prettier --write.

A file is replaced atomically (a temporary file beside it, every byte written and synced, then
renamed over it) and only if it is still exactly what was read; a BOM, CRLF or CR line endings,
owner, group and mode are kept, a symlink is written through to its target. A read-only file or
one with several hard links is refused and left as it is (exit 2). Compose files are fixed in
their own form: mem_limit or deploy.resources, Docker units, the map or list form of environment
(docs/compose.md).

Options:
  -n, --dry-run               print a unified diff of the changes; write nothing
  -f, --format <stylish|json> report format (default: stylish)
  -c, --config <file>         configuration file (default: .oomguard.yaml found upward)
      --compose <file>        fix this file as a Compose file (repeatable)
      --compose-env-file <file>
                              variables for Compose interpolation, like docker compose
                              --env-file (default: .env beside the file)
      --color / --no-color    force colours on or off (default: on for a terminal)
  -h, --help                  this help

Exit codes: 0 no error-level finding remains, 1 error-level findings remain, 2 bad usage or input
that could not be read, parsed or written.
`;

interface FileOutcome {
  readonly name: string;
  readonly result?: FixResult;
  readonly errors: readonly InputError[];
  readonly written: boolean;
  /** The fixes were made in memory but the file could not be written: nothing of them is on disk. */
  readonly writeFailed?: boolean;
}

/** Where the report goes, file by file, as each file is done: nothing of a file is kept after it. */
interface ReportWriter {
  file(outcome: FileOutcome, diff: string | undefined): void;
  end(): void;
}

function stylishWriter(write: (text: string) => void, dryRun: boolean, color: boolean): ReportWriter {
  const pc = require('picocolors').createColors(color) as typeof import('picocolors');
  const severityText = { error: pc.red('error'), warning: pc.yellow('warning'), info: pc.blue('info') };
  const fixedWord = dryRun ? 'would fix' : 'fixed';
  let blocks = 0;
  let fixed = 0;
  let changedFiles = 0;
  let notWritten = 0;
  let unreadable = 0;
  const remaining = { error: 0, warning: 0, info: 0 };
  return {
    file({ name, result, errors, writeFailed }) {
      if (errors.length > 0) unreadable++;
      const rows: string[] = [];
      for (const error of errors) rows.push(`  ${String(error.line ?? '-').padStart(4)}  ${pc.red('error')}     ${error.message}`);
      if (result) {
        if (result.changed && !writeFailed) changedFiles++;
        if (!writeFailed) fixed += result.applied.length;
        else notWritten += result.applied.length;
        for (const applied of result.applied) {
          const where = `${applied.resource.kind}/${applied.resource.namespace ? `${applied.resource.namespace}/` : ''}${applied.resource.name}${applied.container !== undefined ? ` container "${applied.container}"` : ''}`;
          // A fix of a file that could not be written is not a fix: say so, never "fixed".
          const word = writeFailed ? pc.red('not written'.padEnd(9)) : pc.green(fixedWord.padEnd(9));
          rows.push(`  ${String(applied.line).padStart(4)}  ${word} ${applied.description} ${pc.dim(`(${where})`)}  ${pc.dim(applied.ruleId)}`);
        }
        for (const { finding, reason } of result.unfixed) {
          remaining[finding.severity]++;
          rows.push(`  ${String(finding.line).padStart(4)}  ${severityText[finding.severity]}${' '.repeat(10 - finding.severity.length)}${finding.message} ${pc.dim(`(${resourceText(finding)})`)}  ${pc.dim(finding.ruleId)}`);
          rows.push(pc.dim(`        ${' '.repeat(10)}not fixed: ${reason}`));
        }
      }
      if (rows.length > 0) write(`${blocks++ > 0 ? '\n' : ''}${pc.underline(name)}\n${rows.join('\n')}\n`);
    },
    end() {
      const left = remaining.error + remaining.warning + remaining.info;
      const head = `${dryRun ? 'would fix' : 'fixed'} ${fixed} problem${fixed === 1 ? '' : 's'} in ${changedFiles} file${changedFiles === 1 ? '' : 's'}`;
      const unwritten = notWritten ? `${notWritten} fix${notWritten === 1 ? '' : 'es'} not written` : '';
      const tail = left === 0 ? unwritten || 'none remain' : `${left} remain (${remaining.error} error${remaining.error === 1 ? '' : 's'}, ${remaining.warning} warning${remaining.warning === 1 ? '' : 's'}${remaining.info ? `, ${remaining.info} info` : ''})${unwritten ? `, ${unwritten}` : ''}`;
      const problems = unreadable ? `; ${unreadable} input${unreadable === 1 ? '' : 's'} could not be read, parsed or written` : '';
      const summary = `${left === 0 && !unreadable ? '✔' : '✖'} ${head}; ${tail}${problems}`;
      const paint = remaining.error || unreadable ? pc.red : left ? pc.yellow : pc.green;
      write(`${blocks ? '\n' : ''}${paint(pc.bold(summary))}\n`);
    },
  };
}

type Input = { readonly ok: true; readonly text: string; readonly bom: boolean; readonly snapshot?: Snapshot } | { readonly ok: false; readonly message: string; readonly line?: number };

/**
 * Read a file once, bounded, and decode it; for a file to write, remember what was read (its hash,
 * taken now) so the write can check nothing changed since. The bytes themselves are not kept: held
 * through a file's passes they outlive young-generation collections, and a 20,000-document dry run
 * peaked with ~20 MB of read buffers waiting for a full collection.
 */
function readInput(file: string, dryRun: boolean): Input {
  const raw = file === STDIN ? readBounded(STDIN) : readForUpdate(file);
  if (!raw.ok) return raw;
  const read = decodeManifest(raw.bytes);
  if (!read.ok) return read;
  const snapshot = !dryRun && 'snapshot' in raw ? raw.snapshot : undefined;
  if (snapshot !== undefined) void snapshot.sha256;
  return { ok: true, text: read.text, bom: raw.bytes[0] === 0xef && raw.bytes[1] === 0xbb && raw.bytes[2] === 0xbf, ...(snapshot ? { snapshot } : {}) };
}

/** `value` as JSON.stringify(..., null, 2) writes it `depth` levels down. */
function indented(value: unknown, depth: number): string {
  // JSON.stringify itself indents a value nested `depth` arrays down: its text is then cut out of
  // theirs, rather than a second pass of a regular expression over a file's report (diffs included).
  let nested: unknown = value;
  let head = 0;
  let tail = 0;
  for (let level = 0; level < depth; level++) {
    nested = [nested];
    head += 2 * level + 2; // `  ` × level, `[`, a line feed
    tail += 2 * level + 2; // a line feed, `  ` × level, `]`
  }
  const text = JSON.stringify(nested, null, 2);
  return text.slice(head + 2 * depth, text.length - tail);
}

/**
 * The JSON report, written file by file: the bytes of
 * `JSON.stringify({dryRun, files, errors, summary}, null, 2)` without holding `files`.
 */
function jsonWriter(write: (text: string) => void, dryRun: boolean): ReportWriter {
  const errors: InputError[] = [];
  const summary = { files: 0, changedFiles: 0, fixed: 0, errorCount: 0, warningCount: 0, infoCount: 0 };
  write(`{\n  "dryRun": ${dryRun},\n  "files": [`);
  return {
    file({ name, result, errors: fileErrors, written, writeFailed }, diff) {
      const file = {
        file: name,
        changed: (result?.changed ?? false) && !writeFailed,
        written,
        ...(diff !== undefined ? { diff } : {}),
        applied: writeFailed ? [] : result?.applied ?? [],
        // Fixes computed for a file that could not be written: none of them is on disk.
        ...(writeFailed ? { notWritten: result?.applied ?? [] } : {}),
        // The same fields as `lint --format json`, plus why it was not fixed.
        remaining: (result?.unfixed ?? []).map(({ finding, reason }) => ({ ...toJson(finding), reason })),
        errors: fileErrors,
      };
      write(`${summary.files++ > 0 ? ',' : ''}\n    ${indented(file, 2)}`);
      errors.push(...fileErrors);
      if (file.changed) summary.changedFiles++;
      summary.fixed += file.applied.length;
      for (const finding of file.remaining) {
        if (finding.severity === 'error') summary.errorCount++;
        else if (finding.severity === 'warning') summary.warningCount++;
        else if (finding.severity === 'info') summary.infoCount++;
      }
    },
    end() {
      write(`${summary.files > 0 ? '\n  ' : ''}],\n  "errors": ${indented(errors, 1)},\n  "summary": ${indented(summary, 1)}\n}\n`);
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { ...MANIFEST_COMMAND_OPTIONS, 'dry-run': { type: 'boolean', short: 'n' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as string;
  if (format !== 'stylish' && format !== 'json') throw new UsageError(`unknown format "${format}" (use stylish, json)`);
  const dryRun = values['dry-run'] === true;
  const cwd = process.cwd();
  const config = loadConfig(cwd, values.config);
  const linter = createLinter({ severities: config.severities, sizing: config.sizing });
  // Like prettier --write: no path is a usage error, never a silent rewrite of the whole working tree.
  const composeFiles = (values.compose as string[] | undefined) ?? [];
  if (positionals.length === 0 && composeFiles.length === 0) throw new UsageError('give the files or folders to fix (. for the current folder, - for standard input)');
  const { files, problems, ignoredNamed } = collectFiles([...positionals, ...composeFiles], { ignore: config.ignore, root: config.root, cwd });
  for (const ignored of ignoredNamed ?? []) process.stderr.write(ignoredNotice('fix', ignored, config.file));
  const compose = composeOptions(composeFiles, values['compose-env-file'] as string | undefined, cwd);
  // The diff (dry run) or the fixed standard input owns stdout; the report then goes to stderr.
  // With --format json the diffs go inside the JSON instead.
  const usesStdout = (dryRun && format === 'stylish') || files.includes(STDIN);
  const reportStream = usesStdout ? process.stderr : process.stdout;
  const color = useColor(values, reportStream);
  const write = (text: string) => void reportStream.write(text);
  const report = format === 'json' ? jsonWriter(write, dryRun) : stylishWriter(write, dryRun, color);
  // Each file is reported as soon as it is done and then let go: a fleet's texts and diffs are never
  // held together (issue #18: 349 MiB at 20,000 documents before).
  let inputErrors = false;
  let errorsRemain = false;
  const done = (outcome: FileOutcome, diff?: string) => {
    if (outcome.errors.length > 0) inputErrors = true;
    if (outcome.result?.unfixed.some(({ finding }) => finding.severity === 'error')) errorsRemain = true;
    report.file(outcome, diff);
  };
  for (const problem of problems) done({ name: problem.file, errors: [{ ...problem }], written: false });

  for (const file of files) {
    const name = displayPath(file, cwd);
    const read = readInput(file, dryRun);
    if (!read.ok) {
      done({ name, errors: [{ file: name, message: read.message, ...(read.line ? { line: read.line } : {}) }], written: false });
      continue;
    }
    const { snapshot, bom } = read;
    // Fixed as LF text; the BOM and the line endings are put back as they were (lib/fix/text-form.ts).
    const { lf, form } = toLf(read.text);
    // The same reader lint uses: Compose files are re-linted through the Compose adapter each pass.
    const fixedLf = fixText(lf, name, linter, { lint: chooseLint(lf, file, compose) });
    const original = (bom ? '\uFEFF' : '') + read.text;
    const result: FixResult = { ...fixedLf, input: original, output: fixedLf.changed ? fromLf(lf, fixedLf.output, { ...form, bom }) : original };
    if (result.errors.length > 0) {
      // A file that does not parse is never written.
      done({ name, result, errors: result.errors, written: false });
      continue;
    }
    if (dryRun) {
      const diff = result.changed ? unifiedDiff(name, result.input, result.output, result.documents) : undefined;
      if (diff !== undefined && format === 'stylish') process.stdout.write(diff);
      done({ name, result, errors: [], written: false }, diff);
    } else if (file === STDIN) {
      process.stdout.write(result.output);
      done({ name, result, errors: [], written: false });
    } else if (result.changed) {
      try {
        writeFileAtomic(file, result.output, snapshot);
        done({ name, result, errors: [], written: true });
      } catch (error) {
        const reason = error instanceof WriteError ? error.message : (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        if (error instanceof WriteError && error.written) {
          done({ name, result, errors: [{ file: name, message: `fixed file ${reason}` }], written: true });
        } else {
          done({ name, result, errors: [{ file: name, message: `cannot write the fixed file: ${reason}; the file is left unchanged` }], written: false, writeFailed: true });
        }
      }
    } else {
      done({ name, result, errors: [], written: false });
    }
  }
  report.end();
  if (inputErrors) return 2;
  return errorsRemain ? 1 : 0;
}
