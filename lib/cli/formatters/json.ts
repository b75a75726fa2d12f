/**
 * `--format json`: one JSON object, `{"findings": [...], "errors": [...], "summary": {...}}`, whose
 * findings are written as each file is linted so a fleet's output never sits in memory whole.
 */
import { formatJsonPath } from '../../core/workload';
import { type Formatter, type FormatterOptions, type LocatedFinding } from './types';

export function toJson(finding: LocatedFinding) {
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    file: finding.file,
    line: finding.line,
    resource: finding.resource,
    container: finding.container ?? null,
    document: finding.document,
    path: formatJsonPath(finding.path),
    fixable: finding.fix !== undefined,
  };
}

export function createJsonFormatter({ out }: FormatterOptions): Formatter {
  let first = true;
  // Notes (documents skipped as not Kubernetes, empty files) are few; they follow the findings.
  const notes: unknown[] = [];
  out('{"findings":[');
  return {
    file(report) {
      notes.push(...report.notes);
      if (report.findings.length === 0) return;
      let chunk = '';
      for (const finding of report.findings) {
        chunk += (first ? '\n' : ',\n') + JSON.stringify(toJson(finding));
        first = false;
      }
      out(chunk);
    },
    end(summary) {
      const { inputErrors, ...counts } = summary;
      out(`${first ? '' : '\n'}],\n"errors":${JSON.stringify(inputErrors)},\n"notes":${JSON.stringify(notes)},\n"summary":${JSON.stringify(counts)}}\n`);
    },
  };
}
