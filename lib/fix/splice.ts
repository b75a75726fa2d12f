/**
 * A text edit as data, and applying a set of them. Apart from ./plan.ts so that what plans without
 * the `yaml` package (./scalar-plan.ts) and the passes (./fixer.ts) load without it: loading `yaml`
 * costs 40-100 ms, and a run whose files need no YAML editor never pays it.
 */

/** Replace `text.slice(start, end)` with `text`; `start === end` inserts. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Two splices conflict when their ranges overlap or they insert at the same place. */
export function overlaps(a: Splice, b: Splice): boolean {
  return a.start === b.start || (a.start < b.end && b.start < a.end);
}

/** Apply non-overlapping splices. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  let out = '';
  let at = 0;
  for (const splice of [...splices].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, splice.start) + splice.text;
    at = splice.end;
  }
  return out + text.slice(at);
}

