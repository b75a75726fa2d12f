/**
 * `helm template` output read from standard input: Helm writes `# Source: <chart>/templates/<file>`
 * at the top of every rendered document, so each finding is reported against the template it came
 * from, with the line counted within that template's rendered output (line 1 is the line after the
 * `# Source:` comment). Text without such comments is left as it is.
 */
export interface SourceMap {
  /** The template and its rendered line for a line of the whole stream; undefined before any `# Source:`. */
  locate(line: number): { readonly file: string; readonly line: number } | undefined;
  readonly sources: readonly string[];
}

const SOURCE = /^# Source: (\S.*?)\s*$/;

export function helmSources(text: string): SourceMap | undefined {
  const marks: { line: number; file: string }[] = [];
  let line = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    // Only at the top of a document: after `---` or the first line.
    if (text.startsWith('# Source: ', start)) {
      const match = SOURCE.exec(text.slice(start, end));
      if (match) marks.push({ line, file: match[1] });
    }
    start = end + 1;
  }
  if (marks.length === 0) return undefined;
  return {
    sources: [...new Set(marks.map((mark) => mark.file))],
    locate(at) {
      let found: { line: number; file: string } | undefined;
      for (const mark of marks) {
        if (mark.line > at) break;
        found = mark;
      }
      return found ? { file: found.file, line: at - found.line } : undefined;
    },
  };
}
