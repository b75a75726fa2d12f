/**
 * `oomguard diagnose [FILE|-] [--logs [CONTAINER=]FILE] [--kernel-log FILE|-] [--format human|json]`:
 * read `kubectl get pod -o json|yaml` (a Pod or a List) or `docker inspect` output, optionally the
 * container's log and the node's kernel log, and explain every terminated, restarting or OOM-hit container.
 * Exit codes: 0 nothing wrong (or only completions), 1 at least one error or warning explained,
 * 2 bad usage or input that cannot be read or is not what kubectl/docker write.
 */
import * as fs from 'node:fs';
import { readBounded, MAX_INPUT_BYTES } from '../bounded-read';
import { isUtf8 } from 'node:buffer';
import { diagnose, endedContainers, formatHuman, isKernelLogLine, parseKernelLog, readSubjects, type ContainerLog, type KernelLog, type Subject } from '../../diagnose';
import { parseManifests } from '../../manifests/documents';
import { resolveSizing } from '../../config/sizing';
import { parseCommandArgs, UsageError } from '../usage';

const HELP = `Usage: oomguard diagnose [FILE|-] [--logs [CONTAINER=]FILE] [--kernel-log FILE|-] [--format human|json]

Explain terminated, restarting and OOM-hit containers: the exit code, OOMKilled versus a bare 137, a
child killed while PID 1 lived on, restarts, the memory limit, the detected runtime and the next step
(heap flag, sizing formula).

  FILE               kubectl get pod [NAME] -o json (a Pod or a List), or docker inspect output; - or
                     nothing for standard input. YAML (kubectl get pod -o yaml) works too. Kernel log
                     lines (dmesg, journalctl -k) mixed into it are found and read as --kernel-log.
  --logs [C=]FILE    the container's log (kubectl logs --previous, docker logs): a runtime's own
                     out-of-memory error there (V8's heap limit, java.lang.OutOfMemoryError) explains
                     the exit, e.g. Node.js as PID 1 ending with 139. Name the container C when the
                     input holds more than one that ended. Repeatable.
  --kernel-log FILE  kernel log text (dmesg, dmesg -T, journalctl -k) from the node: each OOM kill whose
                     cgroup path names a pod UID or container ID of the input is reported with the
                     process, its RSS and when, also kills that never changed the container's status.
                     Kills in other cgroups are counted, never attributed.
  --format F         human (default) or json
  -c, --config F     configuration file for sizing (default: .oomguard.yaml found upward)

Examples:
  kubectl get pod -n shop api-7d4b9c8f6d-x2x7k -o json | oomguard diagnose
  kubectl get pods -n shop -o json | oomguard diagnose - --format json
  docker logs web > web.log 2>&1; dmesg | oomguard diagnose web.json --kernel-log - --logs web.log
  oomguard diagnose pod.json --logs api=previous.log --kernel-log node-dmesg.txt

Every input is a regular file or standard input, at most 64 MiB.
Exit codes: 0 nothing to worry about, 1 a container failed or was killed, 2 bad usage or input.
`;

export { MAX_INPUT_BYTES };

/**
 * Read one input: standard input (`-`) or a regular file, at most `limit` bytes, through the CLI's one
 * bounded reader (lib/cli/bounded-read.ts): a FIFO or device is refused at open, never read.
 */
export async function readBoundedInput(file: string, limit = MAX_INPUT_BYTES): Promise<Buffer> {
  const read = readBounded(file, limit);
  if (!read.ok) throw new Error(read.message);
  return read.bytes;
}

function decode(data: Buffer): string {
  if (data.subarray(0, 8192).includes(0)) throw new Error('is binary (contains NUL bytes), not JSON, YAML or log text');
  if (!isUtf8(data)) throw new Error('is not valid UTF-8 text');
  const text = data.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Split kernel log lines out of the document text, leaving blank lines so the document keeps its line numbers. */
export function separateKernelLines(text: string): { document: string; kernel: string } {
  const lines = text.split('\n');
  const kernel: string[] = [];
  const document = lines.map((line) => {
    if (!isKernelLogLine(line)) return line;
    kernel.push(line);
    return '';
  });
  return { document: document.join('\n'), kernel: kernel.join('\n') };
}

interface InputError {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

function errorText(error: InputError): string {
  return `oomguard diagnose: ${error.file}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message}`;
}

/** `C=FILE` or `FILE`: a file that exists is a file, whatever it holds; otherwise the part before `=` names the container. */
function parseLogOption(value: string): { container?: string; file: string } {
  const eq = value.indexOf('=');
  if (eq > 0 && !fs.existsSync(value) && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value.slice(0, eq))) {
    return { container: value.slice(0, eq), file: value.slice(eq + 1) };
  }
  return { file: value };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'human' },
      logs: { type: 'string', multiple: true },
      'kernel-log': { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.format !== 'human' && values.format !== 'json') throw new UsageError(`--format must be human or json, got ${values.format}`);
  if (positionals.length > 1) throw new UsageError(`takes one input (a file or -), got ${positionals.length}: pipe kubectl get pods -o json for several pods`);
  const file = positionals[0] ?? '-';
  const logOptions = (values.logs ?? []).map(parseLogOption);
  const kernelFile = values['kernel-log'];
  const stdinUsers = [file, kernelFile, ...logOptions.map((log) => log.file)].filter((name) => name === '-').length;
  if (stdinUsers > 1) throw new UsageError('standard input (-) can be read once: give the other inputs as files');
  const nameOf = (name: string) => (name === '-' ? 'standard input' : name);

  const read = async (name: string): Promise<string | InputError> => {
    try {
      return decode(await readBoundedInput(name));
    } catch (error) {
      return { file: nameOf(name), message: error instanceof Error ? error.message : String(error) };
    }
  };

  const input = await read(file);
  if (typeof input !== 'string') {
    process.stderr.write(`${errorText(input)}\n`);
    return 2;
  }
  let kernelText: string | undefined;
  let documentText = input;
  if (kernelFile !== undefined) {
    const kernel = await read(kernelFile);
    if (typeof kernel !== 'string') {
      process.stderr.write(`${errorText(kernel)}\n`);
      return 2;
    }
    kernelText = kernel;
  } else {
    const separated = separateKernelLines(input);
    if (separated.kernel !== '') {
      kernelText = separated.kernel;
      documentText = separated.document;
    }
  }
  const logs: ContainerLog[] = [];
  for (const option of logOptions) {
    const text = await read(option.file);
    if (typeof text !== 'string') {
      process.stderr.write(`${errorText(text)}\n`);
      return 2;
    }
    logs.push({ ...(option.container ? { container: option.container } : {}), text });
  }

  const name = nameOf(file);
  const errors: InputError[] = [];
  const subjects: Subject[] = [];
  if (documentText.trim() === '') {
    errors.push({ file: name, message: 'is empty: expected kubectl get pod -o json (a Pod or a List) or docker inspect output' });
  } else {
    const parsed = parseManifests(documentText, name);
    if (!parsed.ok) {
      errors.push({ file: name, ...(parsed.problem.line !== undefined ? { line: parsed.problem.line } : {}), message: parsed.problem.message.split('\n')[0] });
    } else {
      for (const document of parsed.documents) {
        // An empty document between `---` separators is nothing; a whole input of `null` is not a pod.
        if ((document.value === null || document.value === undefined) && parsed.documents.length > 1) continue;
        const result = readSubjects(document.value);
        for (const problem of result.problems ?? []) errors.push({ file: name, line: document.lineOf(problem.path), message: problem.message });
        if (result.ok) subjects.push(...result.subjects);
        else if (!result.problems?.length) errors.push({ file: name, line: result.path ? document.lineOf(result.path) : document.line, message: result.message });
      }
    }
  }
  if (subjects.length === 0 && errors.length > 0) {
    for (const error of errors) process.stderr.write(`${errorText(error)}\n`);
    return 2;
  }
  const unnamed = logs.filter((log) => log.container === undefined);
  if (unnamed.length > 0) {
    const ended = endedContainers(subjects);
    if (unnamed.length > 1 || ended.length > 1) {
      throw new UsageError(`--logs FILE without a container name applies to one container, and the input holds ${ended.length} that ended (${ended.join(', ')}): use --logs NAME=FILE`);
    }
  }
  const kernelLog: KernelLog | undefined = kernelText !== undefined ? parseKernelLog(kernelText) : undefined;
  const report = diagnose(subjects, { ...(kernelLog ? { kernelLog } : {}), logs, sizing: resolveSizing(process.cwd(), { config: values.config }) });
  if (values.format === 'json') {
    const json = { input: name, ...report, ...(errors.length > 0 ? { errors } : {}) };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(formatHuman(report));
  }
  // A field that is not what kubectl or docker write is an input error: never "nothing wrong".
  for (const error of errors) process.stderr.write(`${errorText(error)}\n`);
  if (errors.length > 0) return 2;
  return report.summary.errors + report.summary.warnings > 0 ? 1 : 0;
}
