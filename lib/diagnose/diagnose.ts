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
import { exitMeaning, type ExitMeaning } from './exit-codes';
import type { ContainerStatus, Subject, Termination } from './sources';

export type Verdict =
  | 'oom-killed' | 'sigkill' | 'runtime-oom' | 'app-error' | 'segfault' | 'sigterm' | 'completed'
  | 'command-not-found' | 'not-executable' | 'start-failed' | 'signal' | 'evicted' | 'restarting';

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
  readonly nextSteps: readonly string[];
}

export interface DiagnoseOptions {
  readonly sizing?: SizingConfig;
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

function explain(
  subject: Subject, container: Container, status: ContainerStatus, end: Termination | undefined, runtime: RuntimeId | undefined,
  limitBytes: number | undefined,
): { verdict: Verdict; severity: DiagnosisSeverity; title: string; explanation: string } {
  const where = `container "${container.name}" of ${subject.source === 'docker' ? 'Docker container' : 'pod'} ${podLabel(subject)}`;
  const limit = limitBytes !== undefined ? formatQuantity(limitBytes) : undefined;
  if (!end) {
    return {
      verdict: 'restarting', severity: 'warning', title: `restarting: ${status.restartCount} restarts, no exit recorded`,
      explanation: `${where} restarted ${status.restartCount} times but the input holds no previous exit code; run kubectl get pod -o json again after the next restart.`,
    };
  }
  const code = end.exitCode;
  const service = subject.pod.restartPolicy === undefined || subject.pod.restartPolicy === 'Always';
  const exit = exitMeaning(code);
  if (end.reason === 'OOMKilled') {
    return {
      verdict: 'oom-killed', severity: 'error',
      title: `OOMKilled: the kernel killed the container at its memory limit${limit ? ` ${limit}` : ''}`,
      explanation:
        `${where} ended with ${exit.label} and reason OOMKilled: the kernel's OOM killer ended it because its memory reached ` +
        (limit ? `the container limit ${limit}` : 'what the node had left (it has no memory limit)') +
        `. The runtime never got to fail on its own terms (a heap OutOfMemoryError you could read in the log).`,
    };
  }
  if (code === 137) {
    return {
      verdict: 'sigkill', severity: 'error', title: 'exit 137 without OOMKilled: killed by SIGKILL from outside, or a child process was OOM-killed',
      explanation:
        `${where} ended with ${exit.label}, but the runtime did not record OOMKilled (reason ${end.reason ?? 'none'}). Either the kernel's OOM killer killed a child process ` +
        'and the main process (a shell or supervisor) passed its 137 on, or something outside sent SIGKILL: the kubelet when the termination grace period ran out ' +
        '(after a failed liveness probe, a deletion or an eviction), a docker kill, or the node\'s own OOM killer. ' +
        'The kernel log on the node says which: journalctl -k | grep -i -e "memory cgroup out of memory" -e "killed process" (or dmesg -T).',
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
  if (code === 139) return { verdict: 'segfault', severity: 'error', title: 'segmentation fault (exit code 139 = SIGSEGV)', explanation: `${where}: ${exit.meaning}. Look at native libraries, JNI or native add-ons, and an image built for another CPU; a larger limit does not help.` };
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

const MEMORY_VERDICTS = new Set<Verdict>(['oom-killed', 'sigkill', 'runtime-oom', 'evicted']);

function diagnoseContainer(subject: Subject, workload: Workload, container: Container, status: ContainerStatus, findings: Finding[], sizing: SizingConfig): Diagnosis | undefined {
  const previous = status.lastTerminated;
  const current = status.terminated;
  const restarting = status.restartCount > 0 || previous !== undefined || status.waitingReason === 'CrashLoopBackOff';
  if (!current && !restarting) return undefined;
  const end = current ?? previous;
  const detection = runtimeOf(workload, container);
  const runtime = detection?.runtime;
  const { limitBytes, requestBytes } = memoryOf(subject, container);
  const base = explain(subject, container, status, end, runtime, limitBytes);
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
    } else if (base.verdict === 'oom-killed' && limitBytes !== undefined) {
      const rec = recommend(limitBytes, runtime, sizing);
      sizingStep = { basis: 'limit-as-lower-bound', limitBytes: rec.limitBytes, explanation: rec.explanation };
      nextSteps.push(
        `Measure the real peak (${measureCommand(subject, container.name, runtime)}) and set limit = request = ceil_Mi(peak × ${sizing.factor} + ${describeBytes(overhead)} ${runtime ? PROFILES[runtime].title : 'unknown-runtime'} overhead); ` +
        `the peak reached the limit ${formatQuantity(limitBytes)}, so at least ${formatQuantity(rec.limitBytes)} (${rec.explanation}).`,
      );
    } else if (base.verdict === 'oom-killed' || base.verdict === 'runtime-oom') {
      nextSteps.push(`Measure the peak (${measureCommand(subject, container.name, runtime)}) and set limit = request = ceil_Mi(peak × ${sizing.factor} + ${describeBytes(overhead)} ${runtime ? PROFILES[runtime].title : 'unknown-runtime'} overhead).`);
    }
    if (runtime === 'python' && base.verdict === 'oom-killed' && !container.env.some((e) => e.name === 'MALLOC_ARENA_MAX')) {
      nextSteps.push('Python has no heap flag: set MALLOC_ARENA_MAX=2 so glibc does not grow an arena per thread, and size the limit from the peak.');
    }
    if (base.verdict === 'sigkill') {
      nextSteps.push('On the node, check the kernel log for an OOM kill inside this container (journalctl -k | grep -i "killed process"); if there is none, read the pod\'s events (kubectl describe pod) for Liveness probe failed, Killing or Evicted.');
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
  /** Containers looked at, and how many are fine (running, never restarted). */
  readonly summary: { readonly pods: number; readonly containers: number; readonly explained: number; readonly errors: number; readonly warnings: number };
}

export function diagnose(subjects: readonly Subject[], options: DiagnoseOptions = {}): DiagnoseReport {
  const sizing = options.sizing ?? DEFAULT_SIZING;
  const linter = createLinter({ sizing });
  const diagnoses: Diagnosis[] = [];
  let containers = 0;
  for (const subject of subjects) {
    const findings = linter.lintWorkload(subject.workload);
    const eviction = diagnoseEviction(subject, findings);
    if (eviction) diagnoses.push(eviction);
    for (const container of subject.workload.containers) {
      containers += 1;
      const status = subject.statuses.get(container.name);
      if (!status || (eviction && eviction.container === container.name)) continue;
      const diagnosis = diagnoseContainer(subject, subject.workload, container, status, findings, sizing);
      if (diagnosis) diagnoses.push(diagnosis);
    }
  }
  return {
    diagnoses,
    summary: {
      pods: subjects.length,
      containers,
      explained: diagnoses.length,
      errors: diagnoses.filter((d) => d.severity === 'error').length,
      warnings: diagnoses.filter((d) => d.severity === 'warning').length,
    },
  };
}
