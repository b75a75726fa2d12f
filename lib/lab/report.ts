/**
 * What `oomguard measure` and `oomguard verify` print: one text formatter and one JSON shape each
 * (the JSON field names are fixed by PRODUCT.md: outcome, exitCode, peakBytes, limitBytes), and the
 * memory chart of a run.
 */
import { ALERT_DEFAULTS } from '../alerts/rules';
import { describeBytes, formatQuantity } from '../core/quantity';
import type { ChartInput, ChartRule } from './chart';
import type { Outcome } from './classify';
import type { MeasureResult } from './measure';
import type { Sample } from './run';
import type { VerifyResult } from './verify';

/** Split `[options..., '--', command...]`; without `--` the command is empty. */
export function splitCommand(argv: readonly string[]): { options: string[]; command: string[] } {
  const at = argv.indexOf('--');
  if (at < 0) return { options: [...argv], command: [] };
  return { options: argv.slice(0, at), command: argv.slice(at + 1) };
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandText(command: readonly string[]): string {
  return command.map(shellWord).join(' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const SOURCE_TEXT = { 'cgroup-v1': 'cgroup v1 peak usage', 'cgroup-v2': 'cgroup v2 peak usage', proc: 'process tree RSS from /proc' } as const;

export function measureText(result: MeasureResult, command: readonly string[]): string {
  const lines = [`oomguard measure: ${commandText(command)}`];
  const how = result.interrupted ? `stopped by Ctrl-C after ${seconds(result.durationMs)}` : `exited ${result.exitCode} after ${seconds(result.durationMs)}`;
  lines.push(`  command              ${how}, ${result.samples.length} samples`);
  if (result.cgroupPeakBytes !== undefined) {
    lines.push(`  peak cgroup usage    ${describeBytes(result.cgroupPeakBytes)}   (${SOURCE_TEXT[result.source]}: what the kernel compares with a container limit)`);
  }
  lines.push(`  peak RSS             ${describeBytes(result.rssPeakBytes)}   (process tree, /proc VmRSS/VmHWM)`);
  if (result.recommendation) {
    const limit = formatQuantity(result.recommendation.limitBytes);
    lines.push(`  recommended limit    ${limit} (request = limit): ${result.recommendation.explanation}`);
    for (const flag of result.flags) lines.push(`  flag                 ${flag.name}=${flag.value}`);
    if (!result.recommendation.runtime) lines.push('  (pass --runtime jvm|node|go|python|dotnet|ruby for that runtime\'s overhead and flags)');
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export function measureJson(result: MeasureResult, command: readonly string[]): Record<string, unknown> {
  const recommendation = result.recommendation;
  return {
    command,
    source: result.source,
    peakBytes: result.peakBytes,
    ...(result.cgroupPeakBytes !== undefined ? { cgroupPeakBytes: result.cgroupPeakBytes } : {}),
    rssPeakBytes: result.rssPeakBytes,
    runtime: recommendation?.runtime ?? null,
    recommendation: recommendation
      ? {
          limitBytes: recommendation.limitBytes,
          limit: formatQuantity(recommendation.limitBytes),
          requestBytes: recommendation.limitBytes,
          factor: recommendation.factor,
          overheadBytes: recommendation.overheadBytes,
          explanation: recommendation.explanation,
        }
      : null,
    flags: result.flags,
    exitCode: result.exitCode,
    signal: result.signal,
    interrupted: result.interrupted,
    durationMs: result.durationMs,
    sampleCount: result.samples.length,
    cgroup: result.cgroup ?? null,
    notes: result.notes,
  };
}

const OUTCOME_TEXT: Readonly<Record<Outcome, string>> = {
  ok: 'ran to completion under the limit',
  'runtime-oom': 'the runtime hit its own ceiling and failed with its own out-of-memory error (readable in the log) before the kernel\'s limit',
  'oom-killed': 'the kernel OOM killer killed it at the limit (exit 137): the runtime did not know its limit',
  failed: 'it failed for a reason other than memory',
};

function childKilledText(result: VerifyResult): string {
  const n = result.oomKills ?? 1;
  return `the kernel OOM killer killed ${n === 1 ? 'a child process' : `${n} child processes`} at the limit while the command lived on and exited ${result.exitCode}: a container runtime reports this as OOMKilled, and the exit code alone hides it`;
}

export function verifyText(result: VerifyResult, command: readonly string[]): string {
  const limit = formatQuantity(result.limitBytes);
  const lines = [
    `oomguard verify: ${result.outcome}: ${commandText(command)}`,
    `  outcome     ${result.outcome}: ${result.childKilled ? childKilledText(result) : OUTCOME_TEXT[result.outcome]}`,
    `  exit        ${result.exitCode} after ${seconds(result.durationMs)}: ${result.evidence}`,
    `  memory      peak ${describeBytes(result.peakBytes)} of limit ${limit} (${Math.round((result.peakBytes / result.limitBytes) * 100)}%, cgroup v${result.cgroup.version}${result.cgroup.via === 'systemd-run' ? ' via systemd-run' : ''}); peak RSS ${describeBytes(result.rssPeakBytes)}`,
  ];
  if (result.flags.length === 0) lines.push('  flags       none (--no-flags)');
  for (const flag of result.flags) lines.push(`  flag        ${flag.name}=${flag.value}`);
  lines.push(`  process     ${result.pidNamespace ? 'PID 1 of its own PID namespace, as in a container' : 'an ordinary child (no PID namespace)'}`);
  if (result.interrupted) lines.push('  note: stopped by a signal (Ctrl-C or SIGTERM), forwarded to the command');
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export function verifyJson(result: VerifyResult, command: readonly string[]): Record<string, unknown> {
  return {
    command,
    outcome: result.outcome,
    exitCode: result.exitCode,
    signal: result.signal,
    peakBytes: result.peakBytes,
    limitBytes: result.limitBytes,
    rssPeakBytes: result.rssPeakBytes,
    runtime: result.runtime ?? null,
    flags: result.flags,
    oomKills: result.oomKills ?? null,
    // The same count under the name the outcome speaks of: processes the kernel killed in the group.
    killedProcesses: result.oomKills ?? null,
    childKilled: result.childKilled === true,
    pidNamespace: result.pidNamespace,
    evidence: result.evidence,
    cgroupVersion: result.cgroup.version,
    cgroupVia: result.cgroup.via,
    durationMs: result.durationMs,
    interrupted: result.interrupted,
    notes: result.notes,
  };
}

/**
 * The limit and its 90% and 75% lines: the critical and warning thresholds of oomguard's generated
 * memory alerts (ALERT_DEFAULTS in lib/alerts/rules.ts), drawn so a curve living above them stands out.
 */
export function limitRules(limitBytes: number, limitLabel: string): ChartRule[] {
  const { criticalRatio, warningRatio } = ALERT_DEFAULTS;
  return [
    { label: limitLabel, bytes: limitBytes, color: '#d62728' },
    { label: `${Math.round(criticalRatio * 100)}%`, bytes: limitBytes * criticalRatio, color: '#ff7f0e' },
    { label: `${Math.round(warningRatio * 100)}%`, bytes: limitBytes * warningRatio, color: '#bcbd22' },
  ];
}

/** The two curves of a run: cgroup usage (when there was a cgroup) and the process tree's RSS. */
export function runSeries(samples: readonly Sample[], prefix = ''): ChartInput['series'] {
  const series: { name: string; points: { ms: number; bytes: number }[] }[] = [];
  const cgroup = samples.filter((sample) => sample.cgroupBytes !== undefined);
  if (cgroup.length > 0) series.push({ name: `${prefix}cgroup usage`, points: cgroup.map((sample) => ({ ms: sample.ms, bytes: sample.cgroupBytes as number })) });
  series.push({ name: `${prefix}process tree RSS`, points: samples.map((sample) => ({ ms: sample.ms, bytes: sample.rssBytes })) });
  return series;
}

export function measureChart(result: MeasureResult, command: readonly string[]): ChartInput {
  const rules: ChartRule[] = [{ label: 'peak', bytes: result.peakBytes, color: '#1f77b4' }];
  if (result.recommendation) rules.push(...limitRules(result.recommendation.limitBytes, 'recommended limit'));
  return {
    title: `Memory of ${commandText(command).slice(0, 80)}`,
    subtitle: result.recommendation?.explanation ?? `peak ${describeBytes(result.peakBytes)}`,
    series: runSeries(result.samples),
    rules,
  };
}

export function verifyChart(result: VerifyResult, command: readonly string[]): ChartInput {
  return {
    title: `${result.outcome}: ${commandText(command).slice(0, 80)}`,
    subtitle: result.flags.length > 0 ? result.flags.map((flag) => `${flag.name}=${flag.value}`).join(' ') : 'no flags',
    series: runSeries(result.samples),
    rules: [{ label: 'peak', bytes: result.peakBytes, color: '#1f77b4' }, ...limitRules(result.limitBytes, 'limit')],
  };
}
