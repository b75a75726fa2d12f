import { editable, replaceOptions } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule, type Report } from './types';

export default defineRule({
  meta: {
    id: 'node-options-invalid',
    defaultSeverity: 'error',
    summary: 'A `--max-old-space-size` Node.js ignores (single-quoted in `NODE_OPTIONS`) or refuses (value as the next word, or not a whole number of MiB).',
    rationale:
      'Node.js splits NODE_OPTIONS itself: double quotes group, single quotes are ordinary characters, so `\'--max-old-space-size=512\'` is no option and the heap stays at V8\'s default without a word. `--max-old-space-size 4096` (a space instead of `=`) and values like `512m` or `512.5` make node exit 9 at start-up ("illegal value for flag"), in NODE_OPTIONS and on the command line: a crash loop. Checked with Node.js 20 (test/runtime-options.test.ts).',
    remediation: 'Write `--max-old-space-size=<whole MiB>`, unquoted or in double quotes; `oomguard fix` rewrites it.',
    scope: runtimeScope('node'),
    messages: {
      quoted: 'container "{{container}}" sets {{token}} in {{source}}: Node.js does not strip single quotes, so it ignores it and V8 keeps its default heap',
      space: 'container "{{container}}" sets --max-old-space-size with its value as a separate word in {{source}}: node refuses to start (exit 9); write --max-old-space-size={{mib}}',
      value: 'container "{{container}}" sets {{token}} in {{source}}: not a whole number of MiB, node refuses to start (exit 9)',
    },
    fixable: true,
  },
  checkContainer({ container, node }) {
    if (!node || node.options.problems.length === 0) return NONE;
    const reports: Report[] = [];
    const tokens = node.options.tokens;
    for (const problem of node.options.problems) {
      const { at, kind } = problem;
      const fixed = problem.mib !== undefined ? `--max-old-space-size=${problem.mib}` : undefined;
      let fix: Report['fix'];
      if (fixed && editable(at)) {
        if (kind === 'space') {
          const value = tokens[tokens.indexOf(at) + 1];
          // The value word is rewritten too, when both sit in the same string.
          if (value && value.text === at.text && editable(value)) fix = { description: `write ${fixed}`, edits: replaceOptions([[at, fixed], [value, '']]) };
        } else {
          fix = { description: `write ${fixed}`, edits: replaceOptions([[at, fixed]]) };
        }
      }
      reports.push({ messageId: kind, data: { container: container.name, token: at.token, source: at.source, mib: problem.mib ?? '<MiB>' }, path: at.path, ...(fix ? { fix } : {}) });
    }
    return reports;
  },
});
