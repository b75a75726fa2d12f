/**
 * `--format junit`: JUnit XML as CI systems read test reports (GitLab `artifacts:reports:junit`,
 * Jenkins, Azure Pipelines), laid out as ESLint's and kube-linter's junit output: one `<testsuite>`
 * per file, one failing `<testcase>` per finding (named by rule id, the message and line in the
 * failure), a passing testcase for a file with no findings, and input errors as `<error>`s.
 */
import { resourceText, type Formatter, type FormatterOptions, type InputError, type LocatedFinding } from './types';

const escape = (text: string) => text
  // XML 1.0 cannot carry most control characters, even escaped.
  .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function failure(finding: LocatedFinding): string {
  const where = `${finding.file}:${finding.line}`;
  return `    <testcase name="${escape(finding.ruleId)}" classname="${escape(`${finding.file}.${resourceText(finding)}`)}" file="${escape(finding.file)}" line="${finding.line}" time="0">\n` +
    `      <failure type="${finding.severity}" message="${escape(finding.message)}">${escape(`${finding.severity}: ${finding.message} (${resourceText(finding)}) at ${where} [${finding.ruleId}]`)}</failure>\n` +
    '    </testcase>\n';
}

function errorCase(error: InputError): string {
  return `    <testcase name="input" classname="${escape(error.file)}" file="${escape(error.file)}"${error.line ? ` line="${error.line}"` : ''} time="0">\n` +
    `      <error type="input" message="${escape(error.message)}">${escape(`${error.file}${error.line ? `:${error.line}` : ''}: ${error.message}`)}</error>\n` +
    '    </testcase>\n';
}

export function createJunitFormatter({ out }: FormatterOptions): Formatter {
  out('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="oomguard">\n');
  return {
    file(report) {
      const failures = report.findings.length;
      out(`  <testsuite name="${escape(report.file)}" tests="${Math.max(1, failures)}" failures="${failures}" errors="0" time="0">\n`);
      // One `out` per testcase, copied into the CLI's buffer at once: no string of a whole file's cases.
      if (failures === 0) out(`    <testcase name="oomguard" classname="${escape(report.file)}" file="${escape(report.file)}" time="0"/>\n`);
      else for (const finding of report.findings) out(failure(finding));
      out('  </testsuite>\n');
    },
    end(summary) {
      if (summary.inputErrors.length > 0) {
        out(`  <testsuite name="oomguard input" tests="${summary.inputErrors.length}" failures="0" errors="${summary.inputErrors.length}" time="0">\n${summary.inputErrors.map(errorCase).join('')}  </testsuite>\n`);
      }
      out('</testsuites>\n');
    },
  };
}
