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

/**
 * A formatted path as a JSON string: its dotted segments are identifiers and its numbers digits, so
 * only a path with a bracketed key (`["oomguard.io/runtime"]`, quoted by formatJsonPath) needs escaping.
 */
function pathJson(path: string): string {
  return path.indexOf('"') < 0 && path.indexOf('\\') < 0 ? `"${path}"` : JSON.stringify(path);
}

export function createJsonFormatter({ out }: FormatterOptions): Formatter {
  let first = true;
  // Notes (documents skipped as not Kubernetes, empty files) are few; they follow the findings.
  const notes: unknown[] = [];
  // A file's findings share its name and, per workload, one resource: each is quoted once, not per
  // finding (the same text JSON.stringify(toJson(finding)) gives, built without the throwaway object).
  let file: string | undefined;
  let fileJson = '';
  let resource: LocatedFinding['resource'] | undefined;
  let resourceJson = '';
  let container: string | undefined;
  let containerJson = 'null';
  // The opening of a finding, up to its message, is one of a few: quoted once per rule and severity.
  const heads = new Map<string, Record<string, string>>();
  const headOf = (ruleId: string, severity: string) => {
    let bySeverity = heads.get(ruleId);
    if (bySeverity === undefined) heads.set(ruleId, (bySeverity = {}));
    return (bySeverity[severity] ??= `{"ruleId":${JSON.stringify(ruleId)},"severity":${JSON.stringify(severity)},"message":`);
  };
  out('{"findings":[');
  return {
    file(report) {
      notes.push(...report.notes);
      if (report.findings.length === 0) return;
      // One `out` per finding: `out` copies it into the CLI's byte buffer at once, so a 50 MB dump's
      // findings never become one string of their own (bench/run.ts, the 50 MB file).
      for (const finding of report.findings) {
        if (finding.file !== file) fileJson = JSON.stringify((file = finding.file));
        if (finding.resource !== resource) resourceJson = JSON.stringify((resource = finding.resource));
        if (finding.container !== container) containerJson = (container = finding.container) === undefined ? 'null' : JSON.stringify(container);
        out(
          `${first ? '\n' : ',\n'}${headOf(finding.ruleId, finding.severity)}` +
          `${JSON.stringify(finding.message)},"file":${fileJson},"line":${finding.line},"resource":${resourceJson},` +
          `"container":${containerJson},"document":${finding.document},` +
          `"path":${pathJson(formatJsonPath(finding.path))},"fixable":${finding.fix !== undefined}}`,
        );
        first = false;
      }
    },
    end(summary) {
      const { inputErrors, ...counts } = summary;
      out(`${first ? '' : '\n'}],\n"errors":${JSON.stringify(inputErrors)},\n"notes":${JSON.stringify(notes)},\n"summary":${JSON.stringify(counts)}}\n`);
    },
  };
}
