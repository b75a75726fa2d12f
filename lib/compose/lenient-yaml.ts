/**
 * A second YAML reader for Compose files the manifests reader refuses but Docker reads: go-yaml
 * (which compose-go uses) accepts a flow collection whose closing bracket sits at its key's
 * indentation (`command: [\n  "start"\n]`, opentelemetry-demo's compose.yaml), where js-yaml reports
 * "deficient indentation". The `yaml` package reads it; lines come from its node ranges. Only used
 * after the first reader failed, so the common path is unchanged. Pure.
 */
import type { Node } from 'yaml';
import type { JsonPath } from '../core/workload';
import type { ManifestDocument, ParsedFile } from '../manifests/documents';

/** Alias nodes resolved per document: far beyond what any Compose file in the shared corpus uses, far below a "billion laughs". */
const MAX_ALIAS_COUNT = 1000;

export function parseLenient(text: string): ParsedFile {
  // Loaded only for the rare file the strict reader refused: `oomguard lint` does not pay for it otherwise.
  const { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  let parsed;
  try {
    parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, merge: false, prettyErrors: false });
  } catch (error) {
    return { ok: false, problem: { message: (error as Error).message } };
  }
  const docs = Array.isArray(parsed) ? parsed : [];
  const documents: ManifestDocument[] = [];
  for (const [index, doc] of docs.entries()) {
    const error = doc.errors[0];
    if (error) {
      const line = lineCounter.linePos(error.pos[0]).line;
      return { ok: false, problem: { message: error.message.split('\n')[0], line } };
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (failure) {
      return { ok: false, problem: { message: (failure as Error).message } };
    }
    const lineAt = (node: Node | null | undefined, fallback: number) => (node?.range ? lineCounter.linePos(node.range[0]).line : fallback);
    const root = doc.contents as Node | null;
    const first = lineAt(root, 1);
    documents.push({
      index,
      value,
      line: first,
      lineOf(path: JsonPath): number {
        let node: unknown = root;
        let line = first;
        for (const segment of path) {
          if (isAlias(node)) break;
          if (isMap(node)) {
            const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
            if (!pair) break;
            // The key's line, as the manifests reader places a mapping entry.
            line = lineAt(pair.key as Node, line);
            node = pair.value;
          } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
            node = node.items[segment];
            line = lineAt(node as Node, line);
            // A block scalar item (`- |`) is placed on its first content line, as the manifests reader does.
            if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) line++;
          } else break;
        }
        return line;
      },
    });
  }
  // Built before it is returned: the manifests reader's result may carry more fields (none to report here).
  const result = { ok: true as const, documents, problems: [] as never[] };
  return result;
}
