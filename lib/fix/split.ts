/**
 * Splitting a YAML stream into its documents' texts, so that `fix` re-reads and re-lints only the
 * documents a pass edited (a 100-document file whose pass edits one document then costs one
 * document's parse, not the file's). A line that starts with `---` followed by a blank or the end of
 * the line always starts a new document (YAML 1.2 §9.1.1: a document marker cannot be content), so
 * the text between two such lines is one document and parses alone exactly as in the stream, as
 * long as no directive (`%YAML`, `%TAG`) or document end marker (`...`) says otherwise; with either,
 * or a CR line ending, this declines and the caller works on the whole file.
 *
 * The caller still proves the split (the documents' findings read alone must equal the whole
 * file's) and re-checks every edited document for new marker lines (`markerSafe`).
 */

const START = /^---(?:[ \t\n]|$)/;
const UNSUPPORTED = /^(?:%|\.\.\.(?:[ \t]|$))/m;

function onlyComments(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(?:#.*)?$/.test(line));
}

/** The documents' texts (joined they are `text`), or undefined when the text is not split safely. */
export function splitDocuments(text: string): string[] | undefined {
  if (text.includes('\r') || UNSUPPORTED.test(text)) return undefined;
  const starts: number[] = [];
  for (let at = 0; at < text.length; ) {
    if (text.startsWith('---', at) && START.test(text.slice(at, at + 4))) starts.push(at);
    const newline = text.indexOf('\n', at);
    if (newline < 0) break;
    at = newline + 1;
  }
  // What comes before the first marker is a document of its own unless it is only comments and blank
  // lines, which belong to the document the marker starts.
  if (starts.length === 0 || starts[0] !== 0) {
    if (starts.length > 0 && onlyComments(text.slice(0, starts[0]))) starts[0] = 0;
    else starts.unshift(0);
  }
  return starts.map((start, index) => text.slice(start, starts[index + 1] ?? text.length));
}

/** Whether an edited document still has no marker line except (possibly) its first. */
export function markerSafe(document: string): boolean {
  return !/\n(?:---(?:[ \t]|$)|\.\.\.(?:[ \t]|$)|%)/m.test(document);
}

/** Number of line feeds in `text`: how many lines a document moves the ones after it by. */
export function lineFeeds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
