/**
 * Explain every terminated or restarting container: what the exit code means, OOMKilled versus a bare
 * 137, the restarts, the limit and runtime, and the concrete next step (the rules' findings with their
 * flags, and the sizing formula). Pure: parsed input in, diagnoses out.
 */
import { describeBytes, formatQuantity } from '../core/quantity';
import type { Container, Workload } from '../core/workload';
import { peakOf, runtimeOf } from '../engine/context';
import { createLinter, type Finding } from '../engine/linter';
import { PROFILES, type RuntimeId } from '../runtimes';
import { readJvmOptions } from '../runtimes/jvm';
import { DEFAULT_SIZING, overheadFor, recommend, settingsAt, type SizingConfig } from '../sizing/formula';
import { findRuntimeOom } from '../lab/classify';
import { exitMeaning, type ExitMeaning } from './exit-codes';
import { bareContainerId, cgroupIdentity, type KernelLog, type KernelOomKill } from './kernel-log';
import type { ContainerStatus, Subject, Termination } from './sources';

export type Verdict =
  | 'oom-killed' | 'sigkill' | 'runtime-oom' | 'app-error' | 'segfault' | 'sigterm' | 'completed'
  | 'command-not-found' | 'not-executable' | 'start-failed' | 'signal' | 'evicted' | 'restarting'
  /** The kernel OOM-killed a process inside the container while its PID 1 lived on. */
  | 'child-oom-killed';

/** A kernel OOM kill matched to a container by its cgroup path. */
export interface MatchedKill extends KernelOomKill {
  /** Which run of the container it hit: the one explained (`ended`), the current one, or another. */
  readonly run: 'ended' | 'current' | 'other';
}

export type DiagnosisSeverity = 'error' | 'warning' | 'info';

export interface Diagnosis {
  readonly source: 'kubernetes' | 'docker';
  readonly pod: { readonly name: string; readonly namespace?: string };
  readonly container: string;
  readonly role: Container['role'];
  readonly image: string;
  readonly verdict: Verdict;
  readonly severity: DiagnosisSeverity;
  /** One line: `OOMKilled: the kernel killed the container at its memory limit 512Mi`. */
  readonly title: string;
  /** Why, in sentences that stand alone. */
  readonly explanation: string;
  readonly state: ContainerStatus['state'];
  readonly waitingReason?: string;
  readonly restartCount: number;
  /** The end explained: the current state when terminated, else the previous run. */
  readonly termination?: Termination & { readonly which: 'current' | 'previous' };
  readonly exit?: ExitMeaning;
  readonly limitBytes?: number;
  readonly requestBytes?: number;
  readonly runtime?: { readonly id: RuntimeId; readonly title: string; readonly reason: string };
  /** Memory findings of the rules for this container (heap flags, limits, requests). */
  readonly findings: readonly { readonly ruleId: string; readonly severity: string; readonly message: string }[];
  /** The settings oomguard would give the runtime for the current limit. */
  readonly flags?: readonly { readonly name: string; readonly value: string }[];
  /** The sizing formula applied to what is known: the declared peak, or the limit as a lower bound of the peak. */
  readonly sizing?: { readonly basis: 'declared-peak' | 'limit-as-lower-bound'; readonly limitBytes: number; readonly explanation: string };
  /** OOM kills the kernel log shows in this container's cgroup. */
  readonly kernelKills?: readonly MatchedKill[];
  /** The runtime's out-of-memory line found in the container's log (`--logs`). */
  readonly logEvidence?: string;
  readonly nextSteps: readonly string[];
}

/** A container's log (`kubectl logs --previous`, `docker logs`). */
export interface ContainerLog {
  /** The container it belongs to; absent when the input explains one container only. */
  readonly container?: string;
  readonly text: string;
}

export interface DiagnoseOptions {
  readonly sizing?: SizingConfig;
  /** Kernel log text, parsed (parseKernelLog): its OOM kills are matched to containers by cgroup path. */
  readonly kernelLog?: KernelLog;
  readonly logs?: readonly ContainerLog[];
}

/** The rules that speak to memory: limits, requests, peaks and every runtime's heap setting. */
const MEMORY_RULE = /^(memory-|invalid-memory-quantity$|jvm-|node-heap-|go-memlimit-)/;

function podLabel(subject: Subject): string {
  return subject.pod.namespace ? `${subject.pod.namespace}/${subject.pod.name}` : subject.pod.name;
}

/** How to select this pod's workload for `oomguard measure --prometheus`. */
function measureCommand(subject: Subject, container: string, runtime?: RuntimeId): string {
  if (subject.source === 'docker') return `oomguard measure --runtime ${runtime ?? '<runtime>'} -- <the container's command>`;
  const owner = subject.pod.owner ?? { kind: 'Pod', name: subject.pod.name };
  const kind = owner.kind === 'Deployment' ? '' : ` --kind ${owner.kind}`;
  const ns = subject.pod.namespace ? ` --namespace ${subject.pod.namespace}` : '';
  return `oomguard measure --prometheus <url>${ns} --workload ${owner.name}${kind} --container ${container}`;
}

/** One kill as a sentence: `node (pid 10302) with 230Mi resident (anon 199Mi) at 408.2 s after boot`. */
export function describeKill(kill: KernelOomKill): string {
  const rss = kill.rssBytes !== undefined
    ? ` with ${describeBytes(kill.rssBytes)} resident${kill.anonRssBytes !== undefined ? ` (anon ${describeBytes(kill.anonRssBytes)})` : ''}`
    : '';
  const when = kill.time
    ? kill.time.iso ?? (kill.time.secondsSinceBoot !== undefined ? `${kill.time.secondsSinceBoot.toFixed(1)} s after boot` : kill.time.raw)
    : undefined;
  return `${kill.process} (pid ${kill.pid})${rss}${when ? ` at ${when}` : ''}${kill.globalOom ? ', by the node-wide OOM killer (the node ran out of memory)' : ''}`;
}

function killList(kills: readonly MatchedKill[]): string {
  const shown = kills.slice(0, 3).map(describeKill).join('; ');
  return kills.length > 3 ? `${shown} and ${kills.length - 3} more` : shown;
}

interface Evidence {
  /** Kills of the run that ended (or, without an end, of the current run). */
  readonly kills: readonly MatchedKill[];
  readonly logLine?: string;
}

function explain(
  subject: Subject, container: Container, status: ContainerStatus, end: Termination | undefined, runtime: RuntimeId | undefined,
  limitBytes: number | undefined, evidence: Evidence,
): { verdict: Verdict; severity: DiagnosisSeverity; title: string; explanation: string } {
  const where = `container "${container.name}" of ${subject.source === 'docker' ? 'Docker container' : 'pod'} ${podLabel(subject)}`;
  const limit = limitBytes !== undefined ? formatQuantity(limitBytes) : undefined;
  const killed = evidence.kills;
  const kernelSays = killed.length > 0 ? ` The kernel log shows the kill${killed.length === 1 ? '' : 's'}: ${killList(killed)}.` : '';
  if (!end && killed.length > 0) {
    return {
      verdict: 'child-oom-killed', severity: 'error',
      title: `the kernel OOM-killed ${killed.length === 1 ? `${killed[0].process} (pid ${killed[0].pid})` : `${killed.length} processes`} inside the container while it kept running`,
      explanation:
        `${where} is ${status.state} and its status records no exit, but the kernel's OOM killer killed ${killed.length === 1 ? 'a process' : `${killed.length} processes`} in its cgroup: ${killList(killed)}. ` +
        'Its main process (PID 1) lived on, so neither Kubernetes nor Docker shows the kill: a worker, a child or a helper process died at the memory limit' +
        `${limit ? ` ${limit}` : ''}.`,
    };
  }
  if (!end) {
    return {
      verdict: 'restarting', severity: 'warning', title: `restarting: ${status.restartCount} restarts, no exit recorded`,
      explanation: `${where} restarted ${status.restartCount} times but the input holds no previous exit code; run kubectl get pod -o json again after the next restart.`,
    };
  }
  const code = end.exitCode;
  const service = subject.pod.restartPolicy === undefined || subject.pod.restartPolicy === 'Always';
  const exit = exitMeaning(code);
  if (end.reason === 'OOMKilled' && code !== 137) {
    // PID 1 did not die of SIGKILL, yet the runtime saw an OOM event in the container's cgroup: the kernel
    // killed another process in it (a child, a worker), and PID 1 exited on its own with this code.
    return {
      verdict: 'child-oom-killed', severity: 'error',
      title: `OOMKilled with ${exit.label}: the kernel killed a child process while the main process lived on`,
      explanation:
        `${where} ended with ${exit.label} and reason OOMKilled. A main process killed by the OOM killer ends with 137 (SIGKILL); ` +
        `this one exited on its own, so the kernel's OOM killer killed another process inside the container (a child or worker) at ` +
        (limit ? `the limit ${limit}` : 'what the node had left') + ', and the main process (PID 1) lived on and exited afterwards.' +
        (kernelSays || ' The kernel log on the node names the killed process (journalctl -k | grep -i "killed process"; pass it with --kernel-log).'),
    };
  }
  if (end.reason === 'OOMKilled') {
    return {
      verdict: 'oom-killed', severity: 'error',
      title: `OOMKilled: the kernel killed the container at its memory limit${limit ? ` ${limit}` : ''}`,
      explanation:
        `${where} ended with ${exit.label} and reason OOMKilled: the kernel's OOM killer ended it because its memory reached ` +
        (limit ? `the container limit ${limit}` : 'what the node had left (it has no memory limit)') +
        `. The runtime never got to fail on its own terms (a heap OutOfMemoryError you could read in the log).${kernelSays}`,
    };
  }
  if (code === 137 && killed.length > 0) {
    return {
      verdict: 'oom-killed', severity: 'error',
      title: `exit 137: the kernel log shows the OOM killer killed ${killed[0].process} (pid ${killed[0].pid}) in this container`,
      explanation:
        `${where} ended with ${exit.label}; its status does not say OOMKilled, but the kernel log matches an OOM kill to the container's cgroup: ${killList(killed)}. ` +
        'The main process was killed, or it passed on the 137 of a killed child.',
    };
  }
  if (evidence.logLine && code !== 0) {
    const pid1 = code === 139 && /heap/i.test(evidence.logLine)
      ? ' Node.js running as PID 1 ends with 139 (SIGSEGV), not 134, when V8 reaches its heap limit: as PID 1 the SIGABRT of V8\'s abort() is not delivered, and the process crashes after it. It is not a native crash.'
      : '';
    return {
      verdict: 'runtime-oom', severity: 'error', title: `the runtime ran out of its own heap (${exit.label}; the log shows its out-of-memory error)`,
      explanation: `${where} ended with ${exit.label}, and its log shows the runtime's own out-of-memory error: "${evidence.logLine}".${pid1} The heap ceiling did its job (no kernel kill); the heap is too small for the load, or the process leaks.`,
    };
  }
  if (code === 137) {
    return {
      verdict: 'sigkill', severity: 'error', title: 'exit 137 without OOMKilled: killed by SIGKILL from outside, or a child process was OOM-killed',
      explanation:
        `${where} ended with ${exit.label}, but the runtime did not record OOMKilled (reason ${end.reason ?? 'none'}). Either the kernel's OOM killer killed a child process ` +
        'and the main process (a shell or supervisor) passed its 137 on, or something outside sent SIGKILL: the kubelet when the termination grace period ran out ' +
        '(after a failed liveness probe, a deletion or an eviction), a docker kill, or the node\'s own OOM killer. ' +
        'The kernel log on the node says which: journalctl -k | grep -i -e "memory cgroup out of memory" -e "killed process" (or dmesg -T), or give it to oomguard diagnose with --kernel-log.',
    };
  }
  if (code === 0) {
    const normal = !service || container.role === 'init';
    return {
      verdict: 'completed', severity: normal ? 'info' : 'warning',
      title: normal ? 'completed successfully (exit code 0)' : 'exited 0 in a pod that restarts it: the main process should not end',
      explanation: normal
        ? `${where} ran to completion with exit code 0.`
        : `${where} exited with code 0, and with restartPolicy Always Kubernetes restarts it whatever the code. A service's main process must stay in the foreground; one that daemonizes or has nothing to do ends like this.`,
    };
  }
  if (code === 125 || end.reason === 'ContainerCannotRun' || end.reason === 'StartError') {
    return { verdict: 'start-failed', severity: 'error', title: `the container could not start (${exit.label}${end.reason ? `, ${end.reason}` : ''})`, explanation: `${where}: ${exit.code === 125 ? exit.meaning : 'the container runtime could not start the process'}${end.message ? `: ${end.message}` : ''}.` };
  }
  if (code === 126) return { verdict: 'not-executable', severity: 'error', title: 'the command is not executable (exit code 126)', explanation: `${where}: ${exit.meaning}.${end.message ? ` The runtime said: ${end.message}.` : ''}` };
  if (code === 127) return { verdict: 'command-not-found', severity: 'error', title: 'the command was not found (exit code 127)', explanation: `${where}: ${exit.meaning}. Check command/args against the image (docker run --entrypoint sh <image> -c 'command -v <binary>').` };
  if (code === 139) {
    const nodeHint = runtime === 'node'
      ? ' For Node.js, first read the log of that run (kubectl logs --previous, or docker logs) and pass it with --logs: Node.js as PID 1 ends a V8 heap out-of-memory with 139 too, not 134.'
      : '';
    return { verdict: 'segfault', severity: 'error', title: 'segmentation fault (exit code 139 = SIGSEGV)', explanation: `${where}: ${exit.meaning}. Look at native libraries, JNI or native add-ons, and an image built for another CPU; a larger limit does not help.${nodeHint}` };
  }
  if (code === 143) {
    return {
      verdict: 'sigterm', severity: status.restartCount > 0 && service ? 'warning' : 'info', title: 'stopped by SIGTERM (exit code 143)',
      explanation: `${where}: ${exit.meaning}. Expected during a rollout or a scale-down; restarts with 143 usually follow a failed liveness probe (kubectl describe pod shows "Liveness probe failed" and "Killing").`,
    };
  }
  // The runtimes' own out-of-memory exits: the flags worked, the heap is too small for the load.
  const jvmExitsOnOom = runtime === 'jvm' && readJvmOptions(container).tokens.some((t) => t.token === '-XX:+ExitOnOutOfMemoryError');
  if ((runtime === 'jvm' && code === 3 && jvmExitsOnOom) || (runtime === 'node' && code === 134)) {
    const what = runtime === 'jvm' ? 'the JVM exits with code 3 on its first OutOfMemoryError (-XX:+ExitOnOutOfMemoryError)' : 'V8 aborts with code 134 when Node.js reaches --max-old-space-size ("Reached heap limit")';
    return {
      verdict: 'runtime-oom', severity: 'error', title: `the runtime ran out of its own heap (${exit.label})`,
      explanation: `${where} ended with ${exit.label}: ${what}. The heap ceiling did its job (no kernel kill); the heap is too small for the load, or the process leaks.`,
    };
  }
  if (exit.signal) {
    return { verdict: 'signal', severity: 'error', title: `killed by ${exit.signal.name} (${exit.label})`, explanation: `${where}: ${exit.meaning}.` };
  }
  const hint =
    runtime === 'jvm' && code === 1 ? ' If the log ends in java.lang.OutOfMemoryError, the heap ceiling worked and the heap is too small; otherwise it is an application error.'
    : runtime === 'go' && code === 2 ? ' "fatal error: runtime: out of memory" in the log means Go could not stay under GOMEMLIMIT and the limit; a panic is an application error.'
    : runtime === 'python' && code === 1 ? ' A MemoryError traceback means an allocation failed under the limit; otherwise it is an application error.'
    : '';
  return {
    verdict: 'app-error', severity: 'error', title: `the application failed (${exit.label})`,
    explanation: `${where}: ${exit.meaning}.${hint}`,
  };
}

/** The container's memory limit and request in bytes; Kubernetes defaults a missing request to the limit. */
function memoryOf(subject: Subject, container: Container): { limitBytes?: number; requestBytes?: number } {
  const limit = container.limits.memory?.parsed;
  const limitBytes = limit?.ok && limit.bytes > 0 ? limit.bytes : undefined;
  const request = container.requests.memory?.parsed;
  const requestBytes = request?.ok && request.bytes > 0 ? request.bytes : subject.source === 'kubernetes' ? limitBytes : undefined;
  return { ...(limitBytes !== undefined ? { limitBytes } : {}), ...(requestBytes !== undefined ? { requestBytes } : {}) };
}

const MEMORY_VERDICTS = new Set<Verdict>(['oom-killed', 'sigkill', 'runtime-oom', 'evicted', 'child-oom-killed']);

/** The kills of one container: the run that ended, the current run, others (a Docker container keeps its ID across restarts). */
function killsFor(subject: Subject, status: ContainerStatus, end: Termination | undefined, current: boolean, kills: readonly { kill: KernelOomKill; containerId: string }[]): MatchedKill[] {
  const endedId = subject.source === 'docker' ? status.containerId : current ? status.containerId : end?.containerId;
  const endedBare = endedId ? bareContainerId(endedId) : undefined;
  const currentBare = status.containerId ? bareContainerId(status.containerId) : undefined;
  const ids = new Set([endedBare, currentBare].filter((id): id is string => id !== undefined));
  return kills
    .filter((entry) => ids.has(entry.containerId))
    .map((entry) => ({ ...entry.kill, run: entry.containerId === endedBare && end ? 'ended' as const : entry.containerId === currentBare ? 'current' as const : 'other' as const }));
}

function diagnoseContainer(
  subject: Subject, workload: Workload, container: Container, status: ContainerStatus, findings: Finding[], sizing: SizingConfig,
  context: { kills: readonly { kill: KernelOomKill; containerId: string }[]; log?: string; kernelLogGiven?: boolean },
): Diagnosis | undefined {
  const previous = status.lastTerminated;
  const current = status.terminated;
  const restarting = status.restartCount > 0 || previous !== undefined || status.waitingReason === 'CrashLoopBackOff';
  const end = current ?? previous;
  const kernelKills = killsFor(subject, status, end, current !== undefined, context.kills);
  if (!current && !restarting && kernelKills.length === 0) return undefined;
  const detection = runtimeOf(workload, container);
  const runtime = detection?.runtime;
  const { limitBytes, requestBytes } = memoryOf(subject, container);
  const logLine = context.log !== undefined ? findRuntimeOom(context.log)?.line : undefined;
  // Without an exit, the kills of the current run are the story; with one, those of the run that ended.
  const relevant = kernelKills.filter((kill) => (end ? kill.run === 'ended' : kill.run === 'current'));
  const base = explain(subject, container, status, end, runtime, limitBytes, { kills: relevant, ...(logLine ? { logLine } : {}) });
  const killsKnown = context.kernelLogGiven === true;
  const own = findings
    .filter((f) => f.container === container.name && MEMORY_RULE.test(f.ruleId))
    .filter((f) => subject.source === 'kubernetes' || f.ruleId !== 'memory-request-not-equal-limit')
    .map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message }));
  const overhead = overheadFor(runtime, sizing, limitBytes);
  const atLimit = runtime && limitBytes !== undefined ? settingsAt(limitBytes, runtime, sizing, { legacy: detection?.legacyJvm === true }) : undefined;
  const flags = atLimit && !atLimit.budget.tooSmall ? atLimit.settings.map((f) => ({ name: f.name, value: f.value })) : undefined;

  const declared = peakOf(workload, container);
  let sizingStep: Diagnosis['sizing'];
  const nextSteps: string[] = [];
  const memoryRelated = MEMORY_VERDICTS.has(base.verdict) || (base.verdict === 'app-error' && (runtime === 'jvm' || runtime === 'python')) || (base.verdict === 'app-error' && runtime === 'go' && end?.exitCode === 2);
  if (memoryRelated) {
    for (const finding of own) nextSteps.push(`${finding.ruleId}: ${finding.message}`);
    if (declared) {
      const rec = recommend(declared.bytes, runtime, sizing);
      sizingStep = { basis: 'declared-peak', limitBytes: rec.limitBytes, explanation: rec.explanation };
      if (limitBytes === undefined || rec.limitBytes > limitBytes) {
        nextSteps.push(`Set the memory limit and request to ${formatQuantity(rec.limitBytes)} (${rec.explanation}, from ${declared.annotation}).`);
      } else {
        nextSteps.push(`The declared peak (${declared.annotation}: ${describeBytes(declared.bytes)}) fits the limit ${formatQuantity(limitBytes)}, so it is out of date: measure it again with ${measureCommand(subject, container.name, runtime)}.`);
      }
    } else if ((base.verdict === 'oom-killed' || base.verdict === 'child-oom-killed') && limitBytes !== undefined) {
      const rec = recommend(limitBytes, runtime, sizing);
      sizingStep = { basis: 'limit-as-lower-bound', limitBytes: rec.limitBytes, explanation: rec.explanation };
      nextSteps.push(
        `Measure the real peak (${measureCommand(subject, container.name, runtime)}) and set limit = request = ceil_Mi(peak × ${sizing.factor} + ${describeBytes(overhead)} ${runtime ? PROFILES[runtime].title : 'unknown-runtime'} overhead); ` +
        `the peak reached the limit ${formatQuantity(limitBytes)}, so at least ${formatQuantity(rec.limitBytes)} (${rec.explanation}).`,
      );
    } else if (base.verdict === 'oom-killed' || base.verdict === 'runtime-oom' || base.verdict === 'child-oom-killed') {
      nextSteps.push(`Measure the peak (${measureCommand(subject, container.name, runtime)}) and set limit = request = ceil_Mi(peak × ${sizing.factor} + ${describeBytes(overhead)} ${runtime ? PROFILES[runtime].title : 'unknown-runtime'} overhead).`);
    }
    if (runtime === 'python' && base.verdict === 'oom-killed' && !container.env.some((e) => e.name === 'MALLOC_ARENA_MAX')) {
      nextSteps.push('Python has no heap flag: set MALLOC_ARENA_MAX=2 so glibc does not grow an arena per thread, and size the limit from the peak.');
    }
    if (base.verdict === 'child-oom-killed') {
      nextSteps.push('Size the limit for every process in the container, not only the main one: the killed child\'s memory counts against the same cgroup (oomguard verify runs the whole process tree under one limit and reports such kills).');
    }
    if (base.verdict === 'sigkill') {
      nextSteps.push(`On the node, check the kernel log for an OOM kill inside this container (journalctl -k > kernel.log, then oomguard diagnose --kernel-log kernel.log matches it by cgroup path)${killsKnown ? '; the kernel log given shows none in this container,' : ''}; if there is none, read the pod's events (kubectl describe pod) for Liveness probe failed, Killing or Evicted.`);
    }
    if (base.verdict === 'runtime-oom') {
      nextSteps.push('Capture a heap profile under load (JVM: -XX:+HeapDumpOnOutOfMemoryError; Node.js: --heapsnapshot-near-heap-limit=1) to tell a leak from a heap that is simply too small.');
    }
  }
  if (base.severity !== 'info' && !MEMORY_VERDICTS.has(base.verdict) && subject.source === 'kubernetes' && (status.restartCount > 0 || current)) {
    const flag = current ? '' : ' --previous';
    nextSteps.push(`Read the log of the run that ended: kubectl logs ${subject.pod.namespace ? `-n ${subject.pod.namespace} ` : ''}${subject.pod.name} -c ${container.name}${flag}.`);
  } else if (base.severity !== 'info' && !MEMORY_VERDICTS.has(base.verdict) && subject.source === 'docker') {
    nextSteps.push(`Read its log: docker logs ${subject.pod.name}.`);
  }

  const restarts = status.restartCount > 0
    ? ` It has restarted ${status.restartCount} time${status.restartCount === 1 ? '' : 's'}${status.waitingReason === 'CrashLoopBackOff' ? ' and is in CrashLoopBackOff (the kubelet waits up to 5 minutes between restarts)' : ''}.`
    : '';
  return {
    ...identify(subject, container),
    verdict: base.verdict,
    severity: base.severity,
    title: base.title,
    explanation: base.explanation + restarts,
    state: status.state,
    ...(status.waitingReason ? { waitingReason: status.waitingReason } : {}),
    restartCount: status.restartCount,
    ...(end ? { termination: { ...end, which: current ? 'current' as const : 'previous' as const } } : {}),
    ...(end ? { exit: exitMeaning(end.exitCode) } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(requestBytes !== undefined ? { requestBytes } : {}),
    ...(detection ? { runtime: { id: detection.runtime, title: PROFILES[detection.runtime].title, reason: detection.reason } } : {}),
    findings: own,
    ...(flags ? { flags } : {}),
    ...(sizingStep ? { sizing: sizingStep } : {}),
    ...(kernelKills.length > 0 ? { kernelKills } : {}),
    ...(logLine ? { logEvidence: logLine } : {}),
    nextSteps,
  };
}

/** The fields naming what a diagnosis is about. */
function identify(subject: Subject, container: Container) {
  return {
    source: subject.source,
    pod: { name: subject.pod.name, ...(subject.pod.namespace ? { namespace: subject.pod.namespace } : {}) },
    container: container.name,
    role: container.role,
    image: container.image,
  };
}

/** The kubelet's memory-pressure eviction, which is about the request, not the limit. */
function diagnoseEviction(subject: Subject, findings: Finding[]): Diagnosis | undefined {
  if (subject.pod.reason !== 'Evicted') return undefined;
  const memory = /memory/i.test(subject.pod.message ?? '');
  const named = /Container (\S+) was using/.exec(subject.pod.message ?? '')?.[1];
  const container = subject.workload.containers.find((c) => c.name === named) ?? subject.workload.containers.find((c) => c.role === 'app');
  if (!container) return undefined;
  const own = findings.filter((f) => f.container === container.name && MEMORY_RULE.test(f.ruleId)).map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message }));
  const status = subject.statuses.get(container.name);
  return {
    ...identify(subject, container),
    verdict: 'evicted',
    severity: 'error',
    title: memory ? 'evicted by the kubelet: the node ran low on memory' : 'evicted by the kubelet',
    explanation:
      `Pod ${podLabel(subject)} was evicted: ${(subject.pod.message ?? 'no message').trim().replace(/\.$/, '')}. ` +
      (memory ? 'Under node memory pressure the kubelet evicts pods that use more than their memory request first; a container whose request equals its limit is evicted last.' : ''),
    state: status?.state ?? 'unknown',
    restartCount: status?.restartCount ?? 0,
    ...memoryOf(subject, container),
    findings: own,
    nextSteps: [
      ...own.map((f) => `${f.ruleId}: ${f.message}`),
      ...(memory ? ['Set each container\'s memory request equal to its limit, sized from the measured peak (oomguard lint reports memory-request-not-equal-limit).'] : []),
    ],
  };
}

export interface DiagnoseReport {
  readonly diagnoses: readonly Diagnosis[];
  /** What the kernel log held, when one was given: kills matched to a container of the input, to a pod only, or elsewhere. */
  readonly kernelLog?: {
    readonly lines: number;
    readonly kills: number;
    /** Kills matched to a container of the input (listed in its diagnosis). */
    readonly matched: number;
    /** Kills in a pod of the input whose container ID is not in its status (an older run, or the pod's own cgroup). */
    readonly podOnly: readonly (KernelOomKill & { readonly pod: { readonly name: string; readonly namespace?: string } })[];
    /** Kills in cgroups of other pods and containers (the node is shared): counted, never attributed. */
    readonly elsewhere: number;
  };
  /** Containers looked at, and how many are fine (running, never restarted). */
  readonly summary: { readonly pods: number; readonly containers: number; readonly explained: number; readonly errors: number; readonly warnings: number };
}

/** The containers an input explains with an exit: where a log without a container name could belong. */
export function endedContainers(subjects: readonly Subject[]): string[] {
  const names: string[] = [];
  for (const subject of subjects) {
    for (const status of subject.statuses.values()) if (status.terminated || status.lastTerminated) names.push(status.name);
  }
  return names;
}

/** Each kill with a cgroup path, keyed by the container ID and pod UID the path names. */
function identifyKills(log: KernelLog | undefined) {
  return (log?.kills ?? []).map((kill) => ({ kill, ...(kill.taskMemcg ? cgroupIdentity(kill.taskMemcg) : {}) }));
}

export function diagnose(subjects: readonly Subject[], options: DiagnoseOptions = {}): DiagnoseReport {
  const sizing = options.sizing ?? DEFAULT_SIZING;
  const linter = createLinter({ sizing });
  const diagnoses: Diagnosis[] = [];
  const identified = identifyKills(options.kernelLog);
  const byContainer = identified.filter((entry) => entry.containerId !== undefined) as { kill: KernelOomKill; containerId: string; podUid?: string }[];
  const logFor = (name: string): string | undefined => options.logs?.find((log) => log.container === name || log.container === undefined)?.text;
  let containers = 0;
  for (const subject of subjects) {
    const findings = linter.lintWorkload(subject.workload);
    const eviction = diagnoseEviction(subject, findings);
    if (eviction) diagnoses.push(eviction);
    for (const container of subject.workload.containers) {
      containers += 1;
      const status = subject.statuses.get(container.name);
      if (!status || (eviction && eviction.container === container.name)) continue;
      const log = logFor(container.name);
      const diagnosis = diagnoseContainer(subject, subject.workload, container, status, findings, sizing, { kills: byContainer, kernelLogGiven: options.kernelLog !== undefined, ...(log !== undefined ? { log } : {}) });
      if (diagnosis) diagnoses.push(diagnosis);
    }
  }
  let kernelLog: DiagnoseReport['kernelLog'];
  if (options.kernelLog) {
    const matchedKills = new Set(diagnoses.flatMap((d) => d.kernelKills ?? []).map((kill) => kill.line));
    const podOnly: NonNullable<DiagnoseReport['kernelLog']>['podOnly'][number][] = [];
    let elsewhere = 0;
    for (const entry of identified) {
      if (matchedKills.has(entry.kill.line)) continue;
      const pod = entry.podUid ? subjects.find((subject) => subject.pod.uid === entry.podUid) : undefined;
      if (pod) podOnly.push({ ...entry.kill, pod: { name: pod.pod.name, ...(pod.pod.namespace ? { namespace: pod.pod.namespace } : {}) } });
      else elsewhere += 1;
    }
    kernelLog = { lines: options.kernelLog.lines, kills: identified.length, matched: matchedKills.size, podOnly, elsewhere };
  }
  return {
    diagnoses,
    ...(kernelLog ? { kernelLog } : {}),
    summary: {
      pods: subjects.length,
      containers,
      explained: diagnoses.length,
      errors: diagnoses.filter((d) => d.severity === 'error').length,
      warnings: diagnoses.filter((d) => d.severity === 'warning').length,
    },
  };
}
