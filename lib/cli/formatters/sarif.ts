/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it: rule metadata (id, name, short and
 * full description, help, default level) in `tool.driver.rules`, one result per finding with the rule
 * index, level, message and a physical location (repository-relative URI and start line), and input
 * errors as tool execution notifications. Streams results as files are linted.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../../rules';
import { packageRoot } from '../../config/package-root';
import { resourceText, type Formatter, type FormatterOptions } from './types';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;
const HELP_BASE = 'https://github.com/oomguard/oomguard/blob/main/docs/rules/';

/** The source root results are relative to: the git work tree holding the working directory, else the working directory. */
export function sourceRoot(cwd: string = process.cwd()): string {
  for (let folder = cwd; ; folder = dirname(folder)) {
    if (existsSync(join(folder, '.git'))) return folder;
    if (dirname(folder) === folder) return cwd;
  }
}

/**
 * An artifact location: relative to `%SRCROOT%` (with `uriBaseId`, as GitHub code scanning wants)
 * whenever the file is inside the source root, else an absolute `file:` URI; standard input has no URI base.
 */
export function artifactLocation(file: string, root: string, cwd: string = process.cwd()): { uri: string; uriBaseId?: string } {
  if (file === '<stdin>') return { uri: 'stdin' };
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const rel = relative(root, absolute);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  return { uri: pathToFileURL(absolute).href };
}

export function createSarifFormatter({ out }: FormatterOptions): Formatter {
  const root = sourceRoot();
  const version = require(`${packageRoot()}/package.json`).version as string;
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.meta.id, index]));
  const rules = RULES.map(({ meta }) => ({
    id: meta.id,
    name: meta.id.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase()),
    shortDescription: { text: meta.summary },
    fullDescription: { text: meta.rationale },
    help: { text: `${meta.rationale}\n\nFix: ${meta.remediation}`, markdown: `${meta.rationale}\n\n**Fix:** ${meta.remediation}` },
    helpUri: `${HELP_BASE}${meta.id}.md`,
    defaultConfiguration: { level: meta.defaultSeverity === 'off' ? 'none' : LEVEL[meta.defaultSeverity], enabled: meta.defaultSeverity !== 'off' },
    properties: { tags: ['kubernetes', 'memory', 'oom'] },
  }));
  const head = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
  };
  const driver = { name: 'oomguard', informationUri: 'https://github.com/oomguard/oomguard', version, semanticVersion: version, rules };
  let first = true;
  const originalUriBaseIds = { '%SRCROOT%': { uri: pathToFileURL(root + sep).href } };
  out(`${JSON.stringify(head).slice(0, -1)},"runs":[{"tool":${JSON.stringify({ driver })},"originalUriBaseIds":${JSON.stringify(originalUriBaseIds)},"results":[`);
  return {
    file(report) {
      for (const finding of report.findings) {
        const result = {
          ruleId: finding.ruleId,
          ruleIndex: ruleIndex.get(finding.ruleId),
          level: LEVEL[finding.severity],
          message: { text: finding.message },
          locations: [{
            physicalLocation: { artifactLocation: artifactLocation(finding.file, root), region: { startLine: finding.line } },
            logicalLocations: [{ name: resourceText(finding), kind: 'resource' }],
          }],
          partialFingerprints: { 'oomguard/v1': `${finding.ruleId}:${resourceText(finding)}:${finding.container ?? ''}` },
        };
        // One `out` per result, copied into the CLI's buffer at once: no string of a whole file's results.
        out((first ? '' : ',') + JSON.stringify(result));
        first = false;
      }
    },
    end(summary) {
      const notifications = summary.inputErrors.map((error) => ({
        level: 'error',
        message: { text: error.message },
        locations: [{ physicalLocation: { artifactLocation: artifactLocation(error.file, root), ...(error.line ? { region: { startLine: error.line } } : {}) } }],
      }));
      const invocation = { executionSuccessful: summary.inputErrors.length === 0, toolExecutionNotifications: notifications };
      out(`],"invocations":[${JSON.stringify(invocation)}],"columnKind":"utf16CodeUnits"}]}\n`);
    },
  };
}
