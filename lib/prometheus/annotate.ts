/**
 * Write a measured peak into a manifest as an annotation with a surgical text edit: one line inserted
 * (or one value replaced) in the workload's `metadata.annotations`; every other byte of the file,
 * comments and formatting included, stays as it was. Pure: text in, text out.
 */
import { isMap, isScalar, parseAllDocuments, type Pair, type YAMLMap } from 'yaml';

export interface WorkloadRef {
  readonly kind: string;
  readonly name: string;
  /** When given, a document that names another namespace does not match (one without a namespace does). */
  readonly namespace?: string;
}

export type AnnotateResult = { ok: true; text: string; changed: boolean } | { ok: false; reason: string };

function pairNamed(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair | undefined;
}

function scalarValue(map: YAMLMap, key: string): unknown {
  const pair = pairNamed(map, key);
  return pair && isScalar(pair.value) ? pair.value.value : undefined;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function endOfLine(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

/** A plain scalar when YAML reads it back as the same string, else double-quoted. */
function scalarText(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && !/^[0-9.eE+-]+$/.test(value) ? value : JSON.stringify(value);
}

export function setAnnotation(text: string, target: WorkloadRef, key: string, value: string): AnnotateResult {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return { ok: false, reason: 'is empty' };
  for (const document of documents) {
    if (document.errors.length > 0) return { ok: false, reason: `is not valid YAML: ${document.errors[0].message.split('\n')[0]}` };
    const root = document.contents;
    if (!isMap(root) || scalarValue(root, 'kind') !== target.kind) continue;
    const metadataPair = pairNamed(root, 'metadata');
    const metadata = metadataPair?.value;
    if (!isMap(metadata) || scalarValue(metadata, 'name') !== target.name) continue;
    const namespace = scalarValue(metadata, 'namespace');
    if (target.namespace !== undefined && namespace !== undefined && namespace !== target.namespace) continue;
    if (metadata.flow) return { ok: false, reason: `${target.kind} ${target.name} has a flow-style metadata ({...}); add ${key}: ${value} by hand` };
    const first = metadata.items[0];
    const indent = ' '.repeat(columnOf(text, (first.key as { range: [number, number, number] }).range[0]));
    const annotations = pairNamed(metadata, 'annotations');
    const line = (pad: string) => `${pad}${scalarText(key)}: ${scalarText(value)}\n`;
    if (annotations && isMap(annotations.value) && annotations.value.items.length > 0) {
      const map = annotations.value;
      if (map.flow) return { ok: false, reason: `${target.kind} ${target.name} has flow-style annotations ({...}); add ${key}: ${value} by hand` };
      const existing = pairNamed(map, key);
      if (existing && isScalar(existing.value) && existing.value.range) {
        const [start, end] = existing.value.range;
        if (existing.value.value === value) return { ok: true, text, changed: false };
        return { ok: true, text: text.slice(0, start) + scalarText(value) + text.slice(end), changed: true };
      }
      const firstKey = map.items[0].key as { range: [number, number, number] };
      const last = map.items[map.items.length - 1];
      const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1];
      const at = endOfLine(text, Math.max(lastEnd - 1, 0)); // a block value's range may end after its newline
      const insert = line(' '.repeat(columnOf(text, firstKey.range[0])));
      return { ok: true, text: text.slice(0, at) + (at === text.length && !text.endsWith('\n') ? '\n' : '') + insert + text.slice(at), changed: true };
    }
    if (annotations) return { ok: false, reason: `${target.kind} ${target.name} has an empty or non-mapping metadata.annotations; add ${key}: ${value} by hand` };
    const last = metadata.items[metadata.items.length - 1];
    const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1];
    const at = endOfLine(text, Math.max(lastEnd - 1, 0)); // a block value's range may end after its newline
    const insert = `${indent}annotations:\n${line(`${indent}  `)}`;
    return { ok: true, text: text.slice(0, at) + (at === text.length && !text.endsWith('\n') ? '\n' : '') + insert + text.slice(at), changed: true };
  }
  return { ok: false, reason: `has no ${target.kind} named ${target.name}${target.namespace ? ` in namespace ${target.namespace}` : ''}` };
}
