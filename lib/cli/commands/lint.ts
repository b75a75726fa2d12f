/**
 * `oomguard lint [PATH ...]`: files, folders and `-` (stdin), one file at a time: read, parse, check,
 * report, release. Exit 0 with no error-level finding, 1 with one, 2 on bad usage or input that
 * could not be read or parsed (every other file is still linted and reported).
 */
import { loadConfig } from '../../config/load';
import { collectFiles, displayPath, ignoredNotice, readManifest, STDIN } from '../files';
import { lintFile, type FileOutcome } from '../lint-files';
import { lintText } from '../../engine/lint-text';
import { helmSources } from '../helm-source';
import { renderKustomization } from '../kustomize';
import { RULES_BY_ID } from '../../rules';
import type { SeveritySetting } from '../../rules/types';
import { composeOptions, lintEither, type ComposeOptions } from '../compose-files';
import { createLinter } from '../../engine/linter';
import { createFormatter, FORMATS, type FormatName, type Summary } from '../formatters';
import type { InputError } from '../../engine/lint-text';
import { MANIFEST_COMMAND_OPTIONS, UsageError, parseCommandArgs, useColor } from '../usage';

const HELP = `Usage: oomguard lint [options] [PATH ...]

Check Kubernetes manifests (YAML or JSON, multi-document, Lists) and Docker Compose files for memory
settings that end in exit code 137. PATH is a file, a folder (searched for *.yaml, *.yml, *.json) or
- for standard input; the default is the current folder. compose.yaml, compose.yml,
docker-compose.yml, docker-compose.yaml and YAML files with a top-level services: mapping are read
as Compose files (docs/compose.md). A Helm chart's folder is skipped with a note (pipe
\`helm template\` output to \`oomguard lint -\`: findings name the template in its # Source:).

Options:
  -f, --format <stylish|json|sarif|github|junit>  output format (default: stylish)
  -c, --config <file>                  configuration file (default: .oomguard.yaml found upward)
      --rule <id>=<off|info|warning|error>  a rule's severity, over the config file (repeatable)
  -q, --quiet                          report errors only
      --compose <file>                 lint this file as a Compose file (repeatable)
      --compose-env-file <file>        variables for Compose interpolation, like docker compose
                                       --env-file (default: the .env beside each Compose file;
                                       the shell's variables win)
      --max-warnings <n>               exit 1 when there are more than n warnings
      --stdin-filename <name>          the file name to report standard input (-) as
      --kustomize                      lint what \`kubectl kustomize\` renders for each folder
                                       holding a kustomization.yaml, instead of its files
      --color / --no-color             force colours on or off (default: on for a terminal)
  -h, --help                           this help

Exit codes: 0 no error-level finding, 1 error-level findings, 2 bad usage or unreadable input.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...MANIFEST_COMMAND_OPTIONS,
      'max-warnings': { type: 'string' },
      rule: { type: 'string', multiple: true },
      quiet: { type: 'boolean', short: 'q' },
      'stdin-filename': { type: 'string' },
      kustomize: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as FormatName;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format "${values.format}" (use ${FORMATS.join(', ')})`);
  const maxWarnings = values['max-warnings'] === undefined ? undefined : Number(values['max-warnings']);
  if (maxWarnings !== undefined && !(Number.isInteger(maxWarnings) && maxWarnings >= 0)) throw new UsageError('--max-warnings takes a whole number');

  // `--rule id=severity`, as ESLint's --rule and kube-linter's --include/--exclude: over the config file.
  const ruleOverrides: Record<string, SeveritySetting> = {};
  for (const setting of values.rule ?? []) {
    const match = /^([^=]+)=(off|info|warning|error)$/.exec(setting.trim());
    if (!match) throw new UsageError(`--rule takes <rule-id>=<off|info|warning|error>, got "${setting}"`);
    if (!RULES_BY_ID.has(match[1])) throw new UsageError(`--rule ${setting}: no rule has the id "${match[1]}" (see \`oomguard rules\`)`);
    ruleOverrides[match[1]] = match[2] as SeveritySetting;
  }
  const quiet = values.quiet === true;
  const stdinName = values['stdin-filename'];
  if (stdinName !== undefined && !positionals.includes(STDIN)) throw new UsageError('--stdin-filename names standard input: give - as a PATH too');

  const cwd = process.cwd();
  const config = loadConfig(cwd, values.config);
  const composeFiles = (values.compose as string[] | undefined) ?? [];
  const given = [...positionals, ...composeFiles];
  const { files, problems, notes, kustomizations, ignoredNamed } = collectFiles(given.length > 0 ? given : ['.'], { ignore: config.ignore, root: config.root, cwd, kustomize: values.kustomize === true });
  for (const ignored of ignoredNamed ?? []) process.stderr.write(ignoredNotice('lint', ignored, config.file));
  const compose = composeOptions(composeFiles, values['compose-env-file'] as string | undefined, cwd);

  const color = useColor(values, process.stdout);
  // Output goes into one reused 64 KiB byte buffer (a Linux pipe's default capacity, pipe(7)), flushed
  // when full: one write per file would dominate a
  // 20,000-file run, and keeping the strings themselves until a flush let them outlive two young-
  // generation collections, so V8 copied them into the old generation (bench: ~14 MB promoted and
  // ~60 ms more collection over 20,000 documents, against ~4 MB with the bytes copied out at once).
  const buffer = Buffer.allocUnsafe(1 << 16);
  let used = 0;
  const flush = () => {
    // A copy: process.stdout may still hold the bytes when the buffer is reused (a pipe or a TTY).
    if (used > 0) process.stdout.write(Buffer.from(buffer.subarray(0, used)));
    used = 0;
  };
  const out = (chunk: string) => {
    // At most 3 bytes per UTF-16 unit: only a chunk that may not fit is measured exactly.
    if (used + chunk.length * 3 > buffer.length) {
      const bytes = Buffer.byteLength(chunk);
      if (used + bytes > buffer.length) flush();
      if (bytes > buffer.length) {
        process.stdout.write(chunk);
        return;
      }
    }
    used += buffer.write(chunk, used);
  };
  const formatter = createFormatter(format, { out, color });
  const inputErrors: InputError[] = problems.map((problem) => ({ ...problem }));
  const counts = { files: 0, documents: 0, workloads: 0, containers: 0, errorCount: 0, warningCount: 0, infoCount: 0, fixableCount: 0 };

  const linter = createLinter({ severities: { ...config.severities, ...ruleOverrides }, sizing: config.sizing });
  // What was skipped (a Helm chart) is said once, before the findings.
  if (!quiet) for (const note of notes) formatter.file({ file: note.file, findings: [], errors: [], notes: [note], documents: 0, workloads: 0, containers: 0 });
  let hiddenWarnings = 0;
  const outcomes = function* (): Generator<FileOutcome> {
    for (const file of files) {
      if (file === STDIN) yield* lintStdin(stdinName === undefined ? displayPath(file, cwd) : stdinName, linter, compose);
      else yield lintFile(file, displayPath(file, cwd), linter, compose);
    }
    for (const folder of kustomizations) yield renderKustomization(folder, displayPath(folder, cwd), linter);
  };
  for (const outcome of outcomes()) {
    counts.files++;
    if ('unreadable' in outcome) {
      inputErrors.push(outcome.unreadable);
      continue;
    }
    let { report } = outcome;
    if (quiet) {
      hiddenWarnings += report.findings.filter((finding) => finding.severity === 'warning').length;
      report = { ...report, findings: report.findings.filter((finding) => finding.severity === 'error'), notes: [] };
    }
    inputErrors.push(...report.errors);
    counts.documents += report.documents;
    counts.workloads += report.workloads;
    counts.containers += report.containers;
    for (const finding of report.findings) {
      if (finding.severity === 'error') counts.errorCount++;
      else if (finding.severity === 'warning') counts.warningCount++;
      else counts.infoCount++;
      if (finding.fix) counts.fixableCount++;
    }
    // Parse errors are reported once, in the summary's errors, not also under the file.
    formatter.file({ ...report, errors: [] });
  }
  const summary: Summary = { ...counts, inputErrors };
  formatter.end(summary);
  flush();
  // As ESLint: warnings hidden by --quiet still count against --max-warnings, and exceeding it is said.
  const warnings = counts.warningCount + hiddenWarnings;
  const tooManyWarnings = maxWarnings !== undefined && warnings > maxWarnings;
  if (tooManyWarnings) process.stderr.write(`oomguard lint: ${warnings} warning${warnings === 1 ? '' : 's'}, more than --max-warnings ${maxWarnings}: exit 1\n`);
  if (inputErrors.length > 0) return 2;
  if (counts.errorCount > 0) return 1;
  if (tooManyWarnings) return 1;
  return 0;
}

/**
 * Standard input, named by --stdin-filename when given; `helm template` output (documents headed by
 * `# Source: <template>`) is reported per template, each line counted within its rendered template.
 */
function lintStdin(name: string, linter: ReturnType<typeof createLinter>, compose: ComposeOptions): FileOutcome[] {
  const read = readManifest(STDIN);
  if (!read.ok) return [{ unreadable: { file: name, message: read.message, ...(read.line ? { line: read.line } : {}) } }];
  // A Compose file on standard input (--compose -, or its services: shape) goes through the Compose adapter.
  const report = lintEither(read.text, STDIN, name, linter, compose).report;
  const sources = helmSources(read.text);
  if (!sources) return [{ report }];
  const place = <T extends { file: string; line?: number }>(item: T): T => {
    const at = item.line === undefined ? undefined : sources.locate(item.line);
    return at ? { ...item, file: at.file, line: at.line } : item;
  };
  // One report per template, so every output format groups the findings under their template.
  // Rendered templates are no files `oomguard fix` could edit: their findings offer no fix.
  const findings = report.findings.map(({ fix: _fix, ...finding }) => place(finding));
  const errors = report.errors.map(place);
  const notes = report.notes.map(place);
  const files = [...new Set([...findings, ...errors, ...notes].map((item) => item.file))];
  if (files.length === 0) return [{ report }];
  return files.map((file, index) => ({
    report: {
      file,
      findings: findings.filter((item) => item.file === file),
      errors: errors.filter((item) => item.file === file),
      notes: notes.filter((item) => item.file === file),
      documents: index === 0 ? report.documents : 0,
      workloads: index === 0 ? report.workloads : 0,
      containers: index === 0 ? report.containers : 0,
    },
  }));
}
