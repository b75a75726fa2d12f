/** Human output for `oomguard diagnose`. Pure: a report in, text out. */
import { formatQuantity } from '../core/quantity';
import { describeKill, type DiagnoseReport, type Diagnosis } from './diagnose';

const MARK = { error: '✖', warning: '⚠', info: 'ℹ' } as const;

/** Wrap a paragraph at `width` columns with an indent (messages stay whole words). */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function facts(d: Diagnosis): string[] {
  const lines: string[] = [];
  if (d.termination && d.exit) {
    const parts = [d.exit.label];
    if (d.termination.reason) parts.push(`reason ${d.termination.reason}`);
    if (d.termination.finishedAt) parts.push(`finished ${d.termination.finishedAt}`);
    parts.push(d.termination.which === 'current' ? 'current state' : 'previous run');
    lines.push(parts.join(', '));
  }
  const now = d.waitingReason ? `${d.state} (${d.waitingReason})` : d.state;
  lines.push(`restarts ${d.restartCount}, now ${now}`);
  const memory = d.limitBytes !== undefined
    ? `limit ${formatQuantity(d.limitBytes)}${d.requestBytes !== undefined ? `, request ${formatQuantity(d.requestBytes)}` : ''}`
    : 'no memory limit';
  const runtime = d.runtime ? `runtime ${d.runtime.title} (${d.runtime.reason})` : 'runtime not detected';
  lines.push(`${memory}; ${runtime}`);
  for (const kill of d.kernelKills ?? []) {
    const run = kill.run === 'ended' ? 'the run that ended' : kill.run === 'current' ? 'the current run' : 'an earlier run';
    lines.push(`kernel OOM kill (${run}, kernel log line ${kill.line}): ${describeKill(kill)}`);
  }
  if (d.logEvidence) lines.push(`log: ${d.logEvidence}`);
  return lines;
}

export function formatHuman(report: DiagnoseReport): string {
  const out: string[] = [];
  for (const d of report.diagnoses) {
    const where = d.pod.namespace ? `${d.pod.namespace}/${d.pod.name}` : d.pod.name;
    out.push(`${MARK[d.severity]} ${where} container ${d.container}${d.role === 'app' ? '' : ` (${d.role})`}: ${d.title}`);
    for (const line of facts(d)) out.push(`    ${line}`);
    out.push(wrap(d.explanation, '    '));
    if (d.nextSteps.length > 0) {
      out.push('    Next:');
      d.nextSteps.forEach((step, index) => out.push(wrap(step, '       ').replace(/^ {7}/, `    ${index + 1}. `)));
    }
    out.push('');
  }
  if (report.kernelLog) {
    const k = report.kernelLog;
    for (const kill of k.podOnly) {
      const where = kill.pod.namespace ? `${kill.pod.namespace}/${kill.pod.name}` : kill.pod.name;
      out.push(`✖ ${where}: the kernel OOM-killed ${describeKill(kill)} in the pod's cgroup (${kill.taskMemcg}), in no container of its status (an earlier run)`, '');
    }
    out.push(`kernel log: ${k.lines} lines, ${k.kills} OOM kill${k.kills === 1 ? '' : 's'}: ${k.matched} matched to a container here, ${k.podOnly.length} to a pod only, ${k.elsewhere} in other cgroups (not attributed).`);
  }
  const { pods, containers, explained, errors, warnings } = report.summary;
  const noun = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push(
    explained === 0
      ? `${noun(containers, 'container')} in ${noun(pods, 'pod')}: none terminated or restarting.`
      : `${noun(containers, 'container')} in ${noun(pods, 'pod')}: ${explained} explained (${noun(errors, 'error')}, ${noun(warnings, 'warning')}).`,
  );
  return `${out.join('\n')}\n`;
}
