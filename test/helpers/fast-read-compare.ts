/**
 * The reference for lib/manifests/fast-read.ts: js-yaml's events through ./construct.ts, as the
 * linter reads every text the fast reader gives up on. `compareFastRead` says how the two readings
 * of a text differ, or that they agree (or that the fast reader gave up, which is always allowed).
 */
import { isDeepStrictEqual } from 'node:util';
import { EVENT_ID, parseEvents } from 'js-yaml';
import { recordAndConstruct } from '../../lib/manifests/construct';
import { EventTable } from '../../lib/manifests/event-table';
import { fastRead, fastReadable } from '../../lib/manifests/fast-read';
import { PARSE_LIMITS } from '../../lib/manifests/documents';

export type Comparison = { readonly outcome: 'same' | 'gave-up' } | { readonly outcome: 'differs'; readonly why: string };

function referenceRead(text: string): { table: EventTable; values: unknown[]; problems: number } | undefined {
  try {
    const events = parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth });
    const table = new EventTable(events.length);
    const built = recordAndConstruct(events, text, table, PARSE_LIMITS.maxAliasNodes);
    return { table, values: built.values, problems: built.problems.length };
  } catch {
    return undefined;
  }
}

/**
 * Compare the readings of `text`, or of its part from `from` to `to` (line starts) read in place:
 * the reference then reads that part as a text of its own, and its offsets are shifted by `from`.
 */
export function compareFastRead(text: string, from = 0, to = text.length): Comparison {
  // The reader itself, without the quick look for constructs it would give up on (nextSuspect), so
  // that its own rules for them are what is tested.
  const fast = fastReadable(text) ? fastRead(text, false, from, to, true) : undefined;
  if (fast === undefined) return { outcome: 'gave-up' };
  const reference = referenceRead(text.slice(from, to));
  if (reference === undefined) return { outcome: 'differs', why: 'js-yaml or construct.ts refuses the text, the fast reader accepted it' };
  if (reference.problems > 0) return { outcome: 'differs', why: 'the text has a repeated key, the fast reader accepted it' };
  const { table: want } = reference;
  const got = fast.table;
  if (got.size !== want.size) return { outcome: 'differs', why: `${got.size} events, js-yaml has ${want.size}` };
  for (let at = 0; at < want.size; at++) {
    const shift = (offset: number) => (offset < 0 ? offset : offset + from);
    const fields: [string, number, number][] = [
      ['type', got.type[at], want.type[at]],
      ['start', got.start[at], shift(want.start[at])],
      ['next', got.next[at], want.next[at]],
      ['valueEnd', got.valueEnd[at], shift(want.valueEnd[at])],
    ];
    if (want.type[at] === EVENT_ID.SCALAR) fields.push(['valueStart', got.valueStart[at], shift(want.valueStart[at])]);
    for (const [field, mine, theirs] of fields) {
      if (mine !== theirs) return { outcome: 'differs', why: `event ${at}: ${field} ${mine}, js-yaml ${theirs}` };
    }
  }
  const slow = (table: EventTable) => [...table.slow.entries()].sort((a, b) => a[0] - b[0]);
  if (!isDeepStrictEqual(slow(got), slow(want))) return { outcome: 'differs', why: 'the slow scalars differ' };
  if (!isDeepStrictEqual(fast.built.values, reference.values)) return { outcome: 'differs', why: 'the values differ' };
  return { outcome: 'same' };
}
