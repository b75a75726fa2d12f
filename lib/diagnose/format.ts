/** Human output for `oomguard diagnose`. Pure: a report in, text out. */
import { formatQuantity } from '../core/quantity';
import type { DiagnoseReport, Diagnosis } from './diagnose';

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
  const { pods, containers, explained, errors, warnings } = report.summary;
  const noun = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push(
    explained === 0
      ? `${noun(containers, 'container')} in ${noun(pods, 'pod')}: none terminated or restarting.`
      : `${noun(containers, 'container')} in ${noun(pods, 'pod')}: ${explained} explained (${noun(errors, 'error')}, ${noun(warnings, 'warning')}).`,
  );
  return `${out.join('\n')}\n`;
}
