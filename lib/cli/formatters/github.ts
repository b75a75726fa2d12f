/**
 * `--format github`: GitHub Actions workflow commands (`::error file=F,line=L,title=T::message`), so
 * findings appear as annotations on the pull request's diff.
 */
import type { Formatter, FormatterOptions } from './types';

/** Escaping rules of workflow commands: data escapes %, CR, LF; properties also `:` and `,`. */
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
const LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;

export function createGithubFormatter({ out }: FormatterOptions): Formatter {
  return {
    file(report) {
      // One `out` per finding, copied into the CLI's buffer at once: no string of a whole file's findings.
      for (const finding of report.findings) {
        out(`::${LEVEL[finding.severity]} file=${escapeProperty(finding.file)},line=${finding.line},title=${escapeProperty(`oomguard ${finding.ruleId}`)}::${escapeData(finding.message)}\n`);
      }
    },
    end(summary) {
      for (const error of summary.inputErrors) {
        out(`::error file=${escapeProperty(error.file)}${error.line ? `,line=${error.line}` : ''},title=oomguard::${escapeData(error.message)}\n`);
      }
    },
  };
}
