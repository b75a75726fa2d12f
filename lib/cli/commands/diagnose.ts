/**
 * `oomguard diagnose [FILE|-] [--format human|json]`: read `kubectl get pod -o json` (a Pod or a List)
 * or `docker inspect` output and explain every terminated or restarting container.
 * Exit codes: 0 nothing wrong (or only completions), 1 at least one error or warning explained,
 * 2 bad usage or unreadable input.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { diagnose, formatHuman, readSubjects } from '../../diagnose';
import { resolveSizing } from '../../config/sizing';
import { parseCommandArgs, UsageError } from '../usage';

const HELP = `Usage: oomguard diagnose [FILE|-] [--format human|json]

Explain terminated and restarting containers: the exit code, OOMKilled versus a bare 137, restarts,
the memory limit, the detected runtime and the next step (heap flag, sizing formula).

  FILE            kubectl get pod [NAME] -o json (a Pod or a List), or docker inspect output; - or
                  nothing for standard input. YAML (kubectl get pod -o yaml) works too.
  --format F      human (default) or json
  -c, --config F  configuration file for sizing (default: .oomguard.yaml found upward)

Examples:
  kubectl get pod -n shop api-7d4b9c8f6d-x2x7k -o json | oomguard diagnose
  kubectl get pods -n shop -o json | oomguard diagnose - --format json
  docker inspect web | oomguard diagnose

Exit codes: 0 nothing to worry about, 1 a container failed or was killed, 2 bad usage or input.
`;

/** Inputs bigger than this are not kubectl output for a sane number of pods; refuse rather than hang. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function readInput(file: string): string {
  const data = readFileSync(file === '-' ? 0 : file);
  if (data.length > MAX_INPUT_BYTES) throw new Error(`is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
  if (data.includes(0)) throw new Error('is binary, not JSON or YAML');
  return data.toString('utf8');
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    // kubectl -o yaml, or JSON with a stray comment: js-yaml reads both, and reports the line.
    try {
      return load(text);
    } catch (yamlError) {
      const trimmed = text.trimStart();
      const error = trimmed.startsWith('{') || trimmed.startsWith('[') ? jsonError : yamlError;
      throw new Error(error instanceof Error ? error.message.split('\n')[0] : String(error));
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'human' }, config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.format !== 'human' && values.format !== 'json') throw new UsageError(`--format must be human or json, got ${values.format}`);
  if (positionals.length > 1) throw new UsageError(`takes one input (a file or -), got ${positionals.length}: pipe kubectl get pods -o json for several pods`);
  const file = positionals[0] ?? '-';
  const name = file === '-' ? 'standard input' : file;
  let document: unknown;
  try {
    document = parse(readInput(file));
  } catch (error) {
    process.stderr.write(`oomguard diagnose: ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const read = readSubjects(document);
  if (!read.ok) {
    process.stderr.write(`oomguard diagnose: ${name}: ${read.message}\n`);
    return 2;
  }
  const report = diagnose(read.subjects, { sizing: resolveSizing(process.cwd(), { config: values.config }) });
  if (values.format === 'json') process.stdout.write(`${JSON.stringify({ input: name, ...report }, null, 2)}\n`);
  else process.stdout.write(formatHuman(report));
  return report.summary.errors + report.summary.warnings > 0 ? 1 : 0;
}
