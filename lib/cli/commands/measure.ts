/**
 * `oomguard measure [options] -- CMD ...`: run a command, report its peak memory as the kernel accounts a
 * container and the limit and flags to give it. `--prometheus URL` reads a running workload's peak from
 * Prometheus instead (measure-prometheus.ts).
 */
import * as fs from 'node:fs';
import { describeBytes, parseQuantity } from '../../core/quantity';
import { isRuntimeId, RUNTIME_IDS } from '../../runtimes';
import { DEFAULT_SIZING, type SizingConfig } from '../../sizing/formula';
import { resolveSizing, sizingWithFlags } from '../../config/sizing';
import { renderMemoryChart } from '../../lab/chart';
import { chartPathProblem, writeChartFile } from '../../lab/chart-file';
import { measure } from '../../lab/measure';
import { measureChart, measureJson, measureText, splitCommand } from '../../lab/report';
import { parseCommandArgs, UsageError } from '../usage';
import { measureImage } from './image';

const HELP = `Usage: oomguard measure [options] -- CMD [ARG ...]
       oomguard measure --image IMAGE [options] [-- CMD [ARG ...]]

Runs CMD and reports its peak memory the way the kernel accounts a container: the peak usage of a
fresh memory cgroup (when this user may create one) and the process tree's RSS high-water mark from
/proc, then the recommended limit (= request) and the runtime flags for it. Ctrl-C stops the command
and reports what was measured so far. With --image, the image runs under docker run (no memory limit,
its entrypoint as PID 1, CMD as its command) and the peak is its container cgroup's peak usage.

Options:
  --runtime R        ${RUNTIME_IDS.join('|')}: use its overhead and print its flags
  --format F         text (default) or json
  --chart FILE.svg   draw memory over time with the peak, the recommended limit and its 75%/90% lines
  --interval MS      sampling period in milliseconds (default 100)
  --grace-period S   seconds a forwarded Ctrl-C/SIGTERM is given before SIGKILL (default 10, as docker stop)
  --factor N         headroom factor over the peak, 1 to 10 (default: .oomguard.yaml, else ${DEFAULT_SIZING.factor})
  --overhead Q       runtime overhead as a quantity, e.g. 300Mi (default: .oomguard.yaml, else the runtime's)
  -c, --config FILE  configuration file for sizing (default: .oomguard.yaml found upward)
  --legacy-jvm       the JVM has no container support (Java 8 before 8u191, Java 9): flags use -Xmx
  --no-cgroup        do not create a cgroup; read the process tree's RSS only
  --image IMAGE      run this image under docker and measure its container's cgroup
  --docker-arg ARG   one more docker run argument, repeatable (--docker-arg=--init)
  --docker BIN       the container client (default: OOMGUARD_DOCKER, else docker; DOCKER_HOST is honoured)
  --prometheus URL   measure a running workload from Prometheus instead (see --prometheus --help)

Exit codes: 0 measured (the command exited 0 or was stopped with Ctrl-C), 1 the command failed
(the measurement is still printed), 2 bad usage or the command could not be started.
`;

export async function run(argv: string[]): Promise<number> {
  // Only oomguard's own options count: a measured command may take a --prometheus flag of its own.
  const { options: optionArgs, command } = splitCommand(argv);
  if (optionArgs.some((arg) => arg === '--prometheus' || arg.startsWith('--prometheus='))) return require('./measure-prometheus').run(argv);
  const { values, positionals } = parseCommandArgs({
    args: optionArgs,
    allowPositionals: true,
    options: {
      runtime: { type: 'string' },
      format: { type: 'string', default: 'text' },
      chart: { type: 'string' },
      interval: { type: 'string', default: '100' },
      'grace-period': { type: 'string', default: '10' },
      factor: { type: 'string' },
      overhead: { type: 'string' },
      config: { type: 'string', short: 'c' },
      'legacy-jvm': { type: 'boolean', default: false },
      'no-cgroup': { type: 'boolean', default: false },
      image: { type: 'string' },
      'docker-arg': { type: 'string', multiple: true },
      docker: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const commandLine = command.length > 0 ? command : positionals;
  if (commandLine.length === 0 && values.image === undefined) throw new UsageError(`no command to measure: put it after --, e.g. oomguard measure --runtime node -- node server.js\n\n${HELP}`);
  if (values.runtime !== undefined && !isRuntimeId(values.runtime)) throw new UsageError(`--runtime must be one of ${RUNTIME_IDS.join(', ')}, got "${values.runtime}"`);
  const runtime = values.runtime as (typeof RUNTIME_IDS)[number] | undefined;
  const { json, intervalMs, graceMs } = labOptions(values);
  const sizing = resolveSizing(process.cwd(), { config: values.config, factor: values.factor, overhead: values.overhead, runtime });

  if (values.image !== undefined) {
    return measureImage({
      image: values.image, command: commandLine, dockerArgs: values['docker-arg'] ?? [], docker: values.docker, runtime, legacyJvm: values['legacy-jvm'],
      sizing, json, intervalMs, graceMs,
    });
  }

  const progress = !json && process.stderr.isTTY ? progressLine() : undefined;
  const result = await measure({
    command: commandLine,
    runtime,
    legacyJvm: values['legacy-jvm'],
    sizing,
    cgroup: values['no-cgroup'] ? 'never' : 'auto',
    intervalMs,
    // In JSON mode stdout carries only the report: the command's own output goes to stderr.
    stdout: json ? 'stderr' : 'stdout',
    stdin: true,
    handleSignals: true,
    graceMs,
    onSample: progress?.update,
  });
  progress?.clear();
  if (result.startError) {
    process.stderr.write(`oomguard measure: ${result.startError}\n`);
    return 2;
  }
  process.stdout.write(json ? `${JSON.stringify(measureJson(result, commandLine), null, 2)}\n` : measureText(result, commandLine));
  // The report is out first: a chart that cannot be written costs one error line, never the measurement.
  // The chart module loads Vega only when called.
  if (values.chart !== undefined) {
    try {
      writeChartFile(values.chart, await renderMemoryChart(measureChart(result, commandLine)));
    } catch (error) {
      process.stderr.write(`oomguard measure: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  return result.exitCode === 0 || result.interrupted ? 0 : 1;
}

/** --factor and --overhead over the defaults (no config file): kept for callers; commands use resolveSizing. */
export function sizingFrom(factor: string | undefined, overhead: string | undefined, runtime: string | undefined): SizingConfig {
  try {
    return sizingWithFlags(DEFAULT_SIZING, { factor, overhead, runtime });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A one-line status on a terminal's stderr, redrawn at most twice a second. */
function progressLine(): { update: (sample: { ms: number; cgroupBytes?: number; rssBytes: number }, run: { rssPeakBytes: number; cgroupPeakBytes?: number }) => void; clear: () => void } {
  let last = 0;
  return {
    update(sample, run) {
      if (sample.ms - last < 500) return;
      last = sample.ms;
      const now = sample.cgroupBytes ?? sample.rssBytes;
      const peak = run.cgroupPeakBytes ?? run.rssPeakBytes;
      process.stderr.write(`\r\x1b[Kmeasuring ${(sample.ms / 1000).toFixed(0)} s: now ${describeBytes(now)}, peak ${describeBytes(peak)} (Ctrl-C stops and reports)`);
    },
    clear() {
      if (last > 0) process.stderr.write('\r\x1b[K');
    },
  };
}

/** --grace-period in seconds (fractions allowed), as milliseconds. */
/**
 * The options measure and verify share, checked once: --format, --interval, --grace-period, and a
 * --chart path (checked before the command runs, so a long run is never lost to a bad path) or an
 * --image (which has no chart: the container is sampled for its peak only).
 */
export function labOptions(values: { format?: string; interval?: string; 'grace-period'?: string; chart?: string; image?: string }): { json: boolean; intervalMs: number; graceMs: number } {
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, got "${values.format}"`);
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new UsageError(`--interval must be a whole number of milliseconds, at least 10, got "${values.interval}"`);
  const graceMs = gracePeriodMs(values['grace-period'] ?? '');
  if (values.chart !== undefined) {
    const problem = chartPathProblem(values.chart);
    if (problem) throw new UsageError(`--chart: ${problem}`);
  }
  if (values.image !== undefined) {
    if (values.image === '' || values.image.startsWith('-')) throw new UsageError(`--image needs an image name, got "${values.image}"`);
    if (values.chart !== undefined) throw new UsageError('--chart is not available with --image: the container is sampled for its peak only');
  }
  return { json: values.format === 'json', intervalMs, graceMs };
}

export function gracePeriodMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) throw new UsageError(`--grace-period must be a number of seconds from 0 to 3600, got "${text}"`);
  return Math.round(seconds * 1000);
}
