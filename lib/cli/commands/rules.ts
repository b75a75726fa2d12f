/**
 * `oomguard rules`: the rules with their default severity and documentation, from rule metadata.
 */
import { RULES } from '../../rules';
import { parseCommandArgs } from '../usage';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('Usage: oomguard rules [RULE-ID ...] [--format text|json]\n\nList the rules, or explain the named ones.\n');
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    process.stderr.write(`oomguard rules: --format must be text or json, got "${values.format}"\n`);
    return 2;
  }
  const selected = positionals.length ? RULES.filter((rule) => positionals.includes(rule.meta.id)) : RULES;
  const unknown = positionals.filter((id) => !RULES.some((rule) => rule.meta.id === id));
  if (unknown.length) {
    process.stderr.write(`oomguard rules: no rule named ${unknown.join(', ')}\n`);
    return 2;
  }
  if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify(selected.map(({ meta }) => ({ ...meta, scope: meta.scope })), null, 2)}\n`);
    return 0;
  }
  const detailed = positionals.length > 0;
  const width = Math.max(...selected.map((rule) => rule.meta.id.length));
  const rows = selected.map(({ meta }) => {
    const head = `${meta.id.padEnd(width)}  ${meta.defaultSeverity.padEnd(7)}  ${meta.fixable ? 'fix' : '   '}  ${meta.summary}`;
    return detailed ? `${head}\n\n  Why: ${meta.rationale}\n\n  Fix: ${meta.remediation}\n` : head;
  });
  process.stdout.write(`${rows.join('\n')}\n`);
  return 0;
}
