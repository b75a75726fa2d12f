/**
 * `verify --image IMAGE` and `measure --image IMAGE`: the image run by the container client
 * (lib/lab/container.ts), reported with verify's classifier and measure's recommendation.
 */
import { describeBytes, formatQuantity } from '../../core/quantity';
import type { EnvEntry } from '../../generate/container';
import type { RuntimeId } from '../../runtimes';
import { recommend, type SizingConfig } from '../../sizing/formula';
import { DockerUnavailableError, dockerBinary, imageEnv, runImage, type ImageRunResult } from '../../lab/container';
import { commandText } from '../../lab/report';
import { disablesContainerSupport, injectedSettings } from '../../lab/verify';
import { UsageError } from '../usage';

export interface ImageCommandOptions {
  readonly image: string;
  readonly command: readonly string[];
  readonly dockerArgs: readonly string[];
  readonly docker?: string;
  readonly runtime?: RuntimeId;
  readonly legacyJvm: boolean;
  readonly sizing: SizingConfig;
  readonly json: boolean;
  readonly intervalMs: number;
  readonly graceMs: number;
}

function what(options: ImageCommandOptions): string {
  return options.command.length > 0 ? `${options.image} ${commandText(options.command)}` : options.image;
}

async function runOrExplain(name: string, run: () => Promise<ImageRunResult>): Promise<ImageRunResult | number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DockerUnavailableError) {
      process.stderr.write(`oomguard ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** docker run arguments that would take the container away before it is waited for and inspected. */
const REFUSED_DOCKER_ARGS = /^(?:--rm|-d|--detach|-i|-t|-it|-ti|--interactive|--tty)(?:=.*)?$/;

export function checkDockerArgs(args: readonly string[]): void {
  const refused = args.find((arg) => REFUSED_DOCKER_ARGS.test(arg));
  if (refused) throw new UsageError(`--docker-arg ${refused} is not allowed: oomguard runs the container detached, waits for it, inspects it and then removes it`);
  const memory = args.find((arg) => /^(?:--memory|-m|--memory-swap)(?:=|$)/.test(arg));
  if (memory) throw new UsageError(`--docker-arg ${memory} is not allowed: the limit is --limit (set as --memory and --memory-swap)`);
}

export async function verifyImage(options: ImageCommandOptions & { limitBytes: number; flags: boolean }): Promise<number> {
  checkDockerArgs(options.dockerArgs);
  const docker = dockerBinary(options.docker);
  const notes: string[] = [];
  let flags: EnvEntry[] = [];
  if (options.flags && options.runtime) {
    let legacyJvm = options.legacyJvm;
    if (options.runtime === 'jvm' && !legacyJvm && disablesContainerSupport(options.command)) {
      legacyJvm = true;
      notes.push('the command line has -XX:-UseContainerSupport, so the JVM gets -Xmx');
    }
    // The image's own NODE_OPTIONS/JAVA_TOOL_OPTIONS keep their other options, as fix merges them.
    flags = injectedSettings(options.runtime, options.limitBytes, { sizing: options.sizing, legacyJvm, env: imageEnv(docker, options.image) });
  }
  const result = await runOrExplain('verify', () => runImage({
    image: options.image, command: options.command, dockerArgs: options.dockerArgs, docker, limitBytes: options.limitBytes, env: flags,
    intervalMs: options.intervalMs, graceMs: options.graceMs, handleSignals: true, echo: options.json ? 'stderr' : 'stdout',
  }));
  if (typeof result === 'number') return result;
  const c = result.classification;
  const peakBytes = result.peakBytes ?? 0;
  const allNotes = [...notes, ...result.notes];
  if (options.json) {
    const report = {
      image: options.image,
      containerId: result.containerId,
      command: options.command,
      outcome: c.outcome,
      exitCode: c.exitCode,
      peakBytes: result.peakBytes ?? null,
      limitBytes: options.limitBytes,
      runtime: options.runtime ?? null,
      flags,
      oomKilled: result.oomKilled,
      oomKills: result.oomKills,
      killedProcesses: result.oomKills,
      childKilled: c.childKilled === true,
      evidence: c.evidence,
      cgroupVersion: result.cgroup?.version ?? null,
      durationMs: result.durationMs,
      interrupted: result.interrupted,
      notes: allNotes,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const lines = [
      `oomguard verify: ${c.outcome}: image ${what(options)}`,
      `  outcome     ${c.outcome}${c.childKilled ? `: the kernel OOM killer killed ${result.oomKills === 1 ? 'a child process' : `${result.oomKills} processes`} while PID 1 lived on and exited ${c.exitCode}` : ''}`,
      `  exit        ${c.exitCode} after ${(result.durationMs / 1000).toFixed(1)} s: ${c.evidence}`,
      `  docker      State.OOMKilled ${result.oomKilled}, container ${result.containerId.slice(0, 12)} (removed)`,
      `  memory      ${result.peakBytes !== undefined ? `peak ${describeBytes(peakBytes)} of limit ${formatQuantity(options.limitBytes)} (${Math.round((peakBytes / options.limitBytes) * 100)}%)` : `limit ${formatQuantity(options.limitBytes)}, no peak figure`}`,
    ];
    if (flags.length === 0) lines.push(`  flags       none${options.flags ? '' : ' (--no-flags)'}`);
    for (const flag of flags) lines.push(`  flag        -e ${flag.name}=${flag.value}`);
    for (const note of allNotes) lines.push(`  note: ${note}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return c.outcome === 'ok' ? 0 : 1;
}

export async function measureImage(options: ImageCommandOptions): Promise<number> {
  checkDockerArgs(options.dockerArgs);
  const docker = dockerBinary(options.docker);
  const result = await runOrExplain('measure', () => runImage({
    image: options.image, command: options.command, dockerArgs: options.dockerArgs, docker,
    intervalMs: options.intervalMs, graceMs: options.graceMs, handleSignals: true, echo: options.json ? 'stderr' : 'stdout',
  }));
  if (typeof result === 'number') return result;
  const recommendation = result.peakBytes ? recommend(result.peakBytes, options.runtime, options.sizing) : undefined;
  const flags = recommendation && options.runtime ? injectedSettings(options.runtime, recommendation.limitBytes, { sizing: options.sizing, legacyJvm: options.legacyJvm }) : [];
  const notes = [...result.notes];
  if (!recommendation) notes.push('nothing was measured: the container\'s cgroup could not be read');
  if (options.json) {
    const report = {
      image: options.image,
      containerId: result.containerId,
      command: options.command,
      source: result.cgroup ? `cgroup-v${result.cgroup.version}` : null,
      peakBytes: result.peakBytes ?? null,
      cgroupPeakBytes: result.peakBytes ?? null,
      runtime: recommendation?.runtime ?? null,
      recommendation: recommendation
        ? { limitBytes: recommendation.limitBytes, limit: formatQuantity(recommendation.limitBytes), requestBytes: recommendation.limitBytes, factor: recommendation.factor, overheadBytes: recommendation.overheadBytes, explanation: recommendation.explanation }
        : null,
      flags,
      exitCode: result.exitCode,
      oomKilled: result.oomKilled,
      interrupted: result.interrupted,
      durationMs: result.durationMs,
      notes,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const lines = [`oomguard measure: image ${what(options)}`, `  container            exited ${result.exitCode} after ${(result.durationMs / 1000).toFixed(1)} s (removed)`];
    if (result.peakBytes !== undefined) lines.push(`  peak cgroup usage    ${describeBytes(result.peakBytes)}   (the container's memory cgroup: what the kernel compares with --memory)`);
    if (recommendation) {
      lines.push(`  recommended limit    ${formatQuantity(recommendation.limitBytes)} (docker run --memory = --memory-swap; request = limit): ${recommendation.explanation}`);
      for (const flag of flags) lines.push(`  flag                 -e ${flag.name}=${flag.value}`);
    }
    for (const note of notes) lines.push(`  note: ${note}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result.exitCode === 0 || result.interrupted ? 0 : 1;
}
