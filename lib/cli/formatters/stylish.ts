/**
 * `--format stylish` (default): findings grouped by file, `line  severity  message  rule-id`, coloured
 * on a terminal (picocolors honours NO_COLOR and FORCE_COLOR), and a one-line total.
 */
import { resourceText, type Formatter, type FormatterOptions } from './types';

export function createStylishFormatter({ out, color }: FormatterOptions): Formatter {
  const pc = require('picocolors').createColors(color) as typeof import('picocolors');
  const severityText = { error: pc.red('error'), warning: pc.yellow('warning'), info: pc.blue('info') };
  return {
    file(report) {
      if (report.findings.length === 0 && report.errors.length === 0 && report.notes.length === 0) return;
      // One `out` per row, copied into the CLI's buffer at once: no string of a whole file's rows.
      out(pc.underline(report.file));
      for (const error of report.errors) out(`\n  ${String(error.line ?? '-').padStart(4)}  ${pc.red('error')}    ${error.message}`);
      for (const finding of report.findings) {
        const severity = severityText[finding.severity] + ' '.repeat(8 - finding.severity.length);
        out(`\n  ${String(finding.line).padStart(4)}  ${severity} ${finding.message} ${pc.dim(`(${resourceText(finding)})`)}  ${pc.dim(finding.ruleId)}`);
      }
      for (const note of report.notes) out(`\n${pc.dim(`  ${String(note.line ?? '-').padStart(4)}  note     ${note.message}`)}`);
      out('\n\n');
    },
    end(summary) {
      // An input error carries its line when it has one (a parse error, a bad byte), like a finding.
      for (const error of summary.inputErrors) out(`${pc.underline(error.file)}\n  ${String(error.line ?? '-').padStart(4)}  ${pc.red('error')}    ${error.message}\n\n`);
      const problems = summary.errorCount + summary.warningCount + summary.infoCount;
      const unreadable = summary.inputErrors.length;
      if (problems === 0 && unreadable === 0) {
        out(pc.green(`✔ no problems in ${summary.workloads} workload${summary.workloads === 1 ? '' : 's'} (${summary.containers} containers, ${summary.files} file${summary.files === 1 ? '' : 's'})\n`));
        return;
      }
      const parts = [`${summary.errorCount} error${summary.errorCount === 1 ? '' : 's'}`, `${summary.warningCount} warning${summary.warningCount === 1 ? '' : 's'}`];
      if (summary.infoCount) parts.push(`${summary.infoCount} info`);
      const line = `✖ ${problems} problem${problems === 1 ? '' : 's'} (${parts.join(', ')}) in ${summary.workloads} workloads` +
        (unreadable ? `; ${unreadable} input${unreadable === 1 ? '' : 's'} could not be read` : '');
      out(`${(summary.errorCount || unreadable ? pc.red : pc.yellow)(pc.bold(line))}\n`);
      if (summary.fixableCount) out(pc.dim(`  ${summary.fixableCount} can be fixed with \`oomguard fix\` on the same paths\n`));
    },
  };
}
