/**
 * `oomguard init [FILE]`: write a commented `.oomguard.yaml` to start from, as `eslint --init` and
 * `kube-linter` starter configs do: every rule with its default severity (commented out, so the file
 * changes nothing until edited), the sizing settings with their defaults, and an ignore example. It
 * never overwrites an existing file without `--force`; the write is atomic.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatQuantity } from '../../core/quantity';
import { RULES } from '../../rules';
import { DEFAULT_SIZING } from '../../sizing/formula';
import { displayPath } from '../files';
import { UsageError, parseCommandArgs } from '../usage';

const HELP = `Usage: oomguard init [options] [FILE]

Write a commented configuration file (default: .oomguard.yaml in the current folder) listing every
rule with its default severity, the sizing factor and runtime overheads, and an ignore example.
Everything is commented out: the file changes nothing until you edit it.

Options:
      --force     overwrite FILE if it exists
  -h, --help      this help
`;

/** The starter configuration: valid against schemas/config.schema.json as written and once uncommented. */
export function starterConfig(): string {
  const width = Math.max(...RULES.map((rule) => rule.meta.id.length)) + 1;
  const lines = [
    '# oomguard configuration: https://github.com/oomguard/oomguard#configuration',
    '# Validated against schemas/config.schema.json of the oomguard package. Uncomment what you change.',
    '',
    '# Severity per rule: error (exit 1), warning, info or "off". The values shown are the defaults;',
    '# a rule that is "off" by default is opt-in. `oomguard rules` lists them with their documentation.',
    '# rules:',
    ...RULES.map((rule) => `#   ${`${rule.meta.id}:`.padEnd(width)} ${rule.meta.defaultSeverity === 'off' ? '"off"' : rule.meta.defaultSeverity}${' '.repeat(Math.max(1, 8 - rule.meta.defaultSeverity.length))}# ${rule.meta.summary}`),
    '',
    '# Sizing: recommended limit = round up to whole Mi of (peak x factor + runtime overhead).',
    '# sizing:',
    `#   factor: ${DEFAULT_SIZING.factor}`,
    '#   overheads:                       # Kubernetes quantities; a configured value replaces the default',
    ...Object.entries(DEFAULT_SIZING.overheads).map(([runtime, bytes]) => `#     ${`${runtime}:`.padEnd(9)} ${typeof bytes === 'number' ? formatQuantity(bytes) : '100Mi'}`),
    '',
    '# Files not to lint: globs relative to this file\'s folder (Helm charts are skipped on their own).',
    '# ignore:',
    '#   - "generated/**"',
    '',
  ];
  // Section keys are commented out with their entries: `rules:` with only comments under it is null,
  // which the schema rightly refuses. Uncomment a key together with the entries you keep.
  return lines.join('\n');
}

/**
 * Write every byte or nothing: into a temporary file beside the target, flushed, then moved into place
 * (a hard link when not overwriting, which fails rather than replace a file created meanwhile).
 */
function writeNew(file: string, text: string, overwrite: boolean): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (overwrite) renameSync(temp, file);
    else linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${displayPath(file)} exists: not overwritten (use --force)`);
    throw new UsageError(`cannot write ${displayPath(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('takes at most one FILE');
  const file = resolve(positionals[0] ?? '.oomguard.yaml');
  if (existsSync(file) && !values.force) throw new UsageError(`${displayPath(file)} exists: not overwritten (use --force)`);
  writeNew(file, starterConfig(), values.force === true);
  process.stdout.write(`wrote ${displayPath(file)}: every setting is commented out; uncomment what you change\n`);
  return 0;
}
