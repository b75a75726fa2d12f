/**
 * Writing one scalar value as YAML source text in a chosen style, and proving that the text reads
 * back as exactly that value. Kubernetes tooling reads YAML 1.1 (sigs.k8s.io/yaml wraps go-yaml v2),
 * oomguard's linter reads it with js-yaml and the fixer with `yaml` (1.2): a plain scalar is written
 * only when all three agree it is the same string (`on` stays quoted: YAML 1.1 reads it as true).
 */
import { load as loadJsYaml } from 'js-yaml';

export type ScalarStyle = 'plain' | 'single' | 'double';

function readsBackAs(source: string, expected: unknown): boolean {
  // Loaded on first use: a run with nothing to fix never loads the `yaml` package (./splice.ts).
  const { parse: parseYaml } = require('yaml') as typeof import('yaml');
  try {
    for (const value of [
      parseYaml(source, { version: '1.2' }),
      parseYaml(source, { version: '1.1' }),
      loadJsYaml(source),
    ]) {
      if (typeof value !== 'object' || value === null || (value as Record<string, unknown>).k !== expected) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers already given: a fleet's fixes write the same few values (`512Mi`, `GOMEMLIMIT` sizes)
 * thousands of times, and each answer costs three parses. Bounded: cleared when full.
 */
const answers = new Map<string, boolean>();
const MAX_ANSWERS = 10_000;

/** Whether `value` can be written as a plain scalar, as a block mapping value and, with `inFlow`, inside `{...}`. */
export function plainIsSafe(value: string, inFlow: boolean): boolean {
  if (value.length === 0 || value !== value.trim() || /[\n\r\t]/.test(value)) return false;
  const key = (inFlow ? 'f' : 'b') + value;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = readsBackAs(`k: ${value}\n`, value) && (!inFlow || readsBackAs(`{k: ${value}}\n`, value));
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(key, answer);
  }
  return answer;
}

/**
 * Source text for a flow scalar: numbers plain; strings in the preferred style when it can hold
 * the value exactly, else double-quoted (JSON string syntax is valid YAML double-quoted syntax).
 */
export function renderScalar(value: string | number, preferred: ScalarStyle, inFlow: boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a YAML number`);
    return String(value);
  }
  if (preferred === 'plain' && plainIsSafe(value, inFlow)) return value;
  if (preferred === 'single' && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  return JSON.stringify(value);
}
