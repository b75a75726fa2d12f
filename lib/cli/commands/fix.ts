/**
 * `oomguard fix [PATH ...]`: apply the rules' deterministic fixes in place, keeping every byte that
 * is not part of a fixed field; report what it could not fix. `--dry-run` prints a unified diff and
 * writes nothing. Exit 0 when no error-level finding remains, 1 when one does, 2 on bad usage or on
 * input that could not be read, parsed or written (every other file is still fixed and reported).
 */
import { loadConfig } from '../../config/load';
import type { InputError } from '../../engine/lint-text';
import { createLinter } from '../../engine/linter';
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

function unifiedDiff(name: string, before: string, after: string): string {
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: 3 })
    .replace(/^=+\n/, '');
}

function stylishReport(outcomes: readonly FileOutcome[], dryRun: boolean, color: boolean): string {
  const pc = require('picocolors').createColors(color) as typeof import('picocolors');
  const severityText = { error: pc.red('error'), warning: pc.yellow('warning'), info: pc.blue('info') };
  const fixedWord = dryRun ? 'would fix' : 'fixed';
  const blocks: string[] = [];
  let fixed = 0;
  let changedFiles = 0;
  let notWritten = 0;
  const remaining = { error: 0, warning: 0, info: 0 };
  for (const { name, result, errors, writeFailed } of outcomes) {
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
    if (rows.length > 0) blocks.push(`${pc.underline(name)}\n${rows.join('\n')}\n`);
  }
  const unreadable = outcomes.filter((outcome) => outcome.errors.length > 0).length;
  const left = remaining.error + remaining.warning + remaining.info;
  const head = `${dryRun ? 'would fix' : 'fixed'} ${fixed} problem${fixed === 1 ? '' : 's'} in ${changedFiles} file${changedFiles === 1 ? '' : 's'}`;
  const unwritten = notWritten ? `${notWritten} fix${notWritten === 1 ? '' : 'es'} not written` : '';
  const tail = left === 0 ? unwritten || 'none remain' : `${left} remain (${remaining.error} error${remaining.error === 1 ? '' : 's'}, ${remaining.warning} warning${remaining.warning === 1 ? '' : 's'}${remaining.info ? `, ${remaining.info} info` : ''})${unwritten ? `, ${unwritten}` : ''}`;
  const problems = unreadable ? `; ${unreadable} input${unreadable === 1 ? '' : 's'} could not be read, parsed or written` : '';
  const summary = `${left === 0 && !unreadable ? '✔' : '✖'} ${head}; ${tail}${problems}`;
  const paint = remaining.error || unreadable ? pc.red : left ? pc.yellow : pc.green;
  return `${blocks.join('\n')}${blocks.length ? '\n' : ''}${paint(pc.bold(summary))}\n`;
}

function jsonReport(outcomes: readonly FileOutcome[], dryRun: boolean, diffs: ReadonlyMap<string, string>): string {
  const files = outcomes.map(({ name, result, errors, written, writeFailed }) => ({
    file: name,
    changed: (result?.changed ?? false) && !writeFailed,
    written,
    ...(diffs.has(name) ? { diff: diffs.get(name) } : {}),
    applied: writeFailed ? [] : result?.applied ?? [],
    // Fixes computed for a file that could not be written: none of them is on disk.
    ...(writeFailed ? { notWritten: result?.applied ?? [] } : {}),
    // The same fields as `lint --format json`, plus why it was not fixed.
    remaining: (result?.unfixed ?? []).map(({ finding, reason }) => ({ ...toJson(finding), reason })),
    errors,
  }));
  const remaining = files.flatMap((file) => file.remaining);
  return `${JSON.stringify({
    dryRun,
    files,
    errors: files.flatMap((file) => file.errors),
    summary: {
      files: files.length,
      changedFiles: files.filter((file) => file.changed).length,
      fixed: files.reduce((sum, file) => sum + file.applied.length, 0),
      errorCount: remaining.filter((finding) => finding.severity === 'error').length,
      warningCount: remaining.filter((finding) => finding.severity === 'warning').length,
      infoCount: remaining.filter((finding) => finding.severity === 'info').length,
    },
  }, null, 2)}\n`;
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
  const outcomes: FileOutcome[] = problems.map((problem) => ({ name: problem.file, errors: [{ ...problem }], written: false }));
  // The diff (dry run) or the fixed standard input owns stdout; the report then goes to stderr.
  // With --format json the diffs go inside the JSON instead.
  const usesStdout = (dryRun && format === 'stylish') || files.includes(STDIN);
  const diffs: string[] = [];
  const diffByFile = new Map<string, string>();

  for (const file of files) {
    const name = displayPath(file, cwd);
    // Read once, bounded; for a file, remember what was read so the write can check nothing changed since.
    const raw = file === STDIN ? readBounded(STDIN) : readForUpdate(file);
    const snapshot: Snapshot | undefined = raw.ok && 'snapshot' in raw ? raw.snapshot : undefined;
    const read = raw.ok ? decodeManifest(raw.bytes) : raw;
    if (!raw.ok || !read.ok) {
      const failed = read as { message: string; line?: number };
      outcomes.push({ name, errors: [{ file: name, message: failed.message, ...(failed.line ? { line: failed.line } : {}) }], written: false });
      continue;
    }
    // Fixed as LF text; the BOM and the line endings are put back as they were (lib/fix/text-form.ts).
    const bom = raw.bytes[0] === 0xef && raw.bytes[1] === 0xbb && raw.bytes[2] === 0xbf;
    const { lf, form } = toLf(read.text);
    // The same reader lint uses: Compose files are re-linted through the Compose adapter each pass.
    const fixedLf = fixText(lf, name, linter, { lint: chooseLint(lf, file, compose) });
    const original = (bom ? '\uFEFF' : '') + read.text;
    const result: FixResult = { ...fixedLf, input: original, output: fixedLf.changed ? fromLf(lf, fixedLf.output, { ...form, bom }) : original };
    if (result.errors.length > 0) {
      // A file that does not parse is never written.
      outcomes.push({ name, result, errors: result.errors, written: false });
      continue;
    }
    if (dryRun) {
      if (result.changed) {
        const diff = unifiedDiff(name, result.input, result.output);
        diffByFile.set(name, diff);
        if (format === 'stylish') diffs.push(diff);
      }
      outcomes.push({ name, result, errors: [], written: false });
    } else if (file === STDIN) {
      diffs.push(result.output);
      outcomes.push({ name, result, errors: [], written: false });
    } else if (result.changed) {
      try {
        writeFileAtomic(file, result.output, snapshot);
        outcomes.push({ name, result, errors: [], written: true });
      } catch (error) {
        const reason = error instanceof WriteError ? error.message : (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        if (error instanceof WriteError && error.written) {
          outcomes.push({ name, result, errors: [{ file: name, message: `fixed file ${reason}` }], written: true });
        } else {
          outcomes.push({ name, result, errors: [{ file: name, message: `cannot write the fixed file: ${reason}; the file is left unchanged` }], written: false, writeFailed: true });
        }
      }
    } else {
      outcomes.push({ name, result, errors: [], written: false });
    }
  }

  if (diffs.length > 0) process.stdout.write(diffs.join(''));
  const color = useColor(values, usesStdout ? process.stderr : process.stdout);
  const report = format === 'json' ? jsonReport(outcomes, dryRun, diffByFile) : stylishReport(outcomes, dryRun, color);
  (usesStdout ? process.stderr : process.stdout).write(report);

  if (outcomes.some((outcome) => outcome.errors.length > 0)) return 2;
  const errorsRemain = outcomes.some((outcome) => outcome.result?.unfixed.some(({ finding }) => finding.severity === 'error'));
  return errorsRemain ? 1 : 0;
}
