/**
 * Docker's byte units, as `docker run --memory` and Compose (`mem_limit`, `deploy.resources.*.memory`,
 * `memswap_limit`) read them: github.com/docker/go-units `RAMInBytes`. Not Kubernetes quantities:
 *
 *   size   ::= number [" "] [suffix]          number: a decimal (`1.5`), as Go's strconv.ParseFloat reads it
 *   suffix ::= ("b" | unit ["b" | "ib"])       unit: k m g t p, case-insensitive, all binary (×1024)
 *
 * so `512m`, `512M`, `512mb`, `512MiB`, `1.5g` and `1 g` are accepted, a bare number counts bytes, a
 * fraction of a byte is dropped (Go's `int64(float)` truncates), and `512Mi` or `1e` are rejected. A
 * YAML number (`mem_limit: 1073741824`) is a byte count, as the Compose specification's schema
 * allows (`type: [number, string]`). Pure: no I/O.
 */
import type { QuantityParse } from '../core/quantity';

const MULTIPLIER: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
/** What strconv.ParseFloat accepts for the plain decimals people write (sign, digits, dot, exponent). */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HINT = 'a Docker size: a number with an optional unit b, k, m, g, t or p, binary (1g = 1024m)';

/** Parse a Docker memory size into bytes (go-units RAMInBytes). */
export function parseDockerBytes(input: unknown): QuantityParse {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { ok: false, reason: `is not ${HINT}` };
    return { ok: true, bytes: Math.trunc(input) };
  }
  if (typeof input !== 'string') return { ok: false, reason: `is not ${HINT}` };
  // go-units splits at the last digit, dot or space: what follows is the suffix, what precedes the number.
  let sep = -1;
  for (let index = input.length - 1; index >= 0; index--) {
    if ('0123456789. '.includes(input[index])) {
      sep = index;
      break;
    }
  }
  if (sep < 0) return { ok: false, reason: `has no digits: use ${HINT}` };
  const number = input[sep] === ' ' ? input.slice(0, sep) : input.slice(0, sep + 1);
  const suffix = input.slice(sep + 1).toLowerCase();
  if (!FLOAT.test(number)) return { ok: false, reason: `is not ${HINT}` };
  const size = Number(number);
  if (size < 0) return { ok: false, reason: 'is negative' };
  let bytes = size;
  if (suffix.length > 0) {
    const bad = { ok: false as const, reason: `has the unit "${input.slice(sep + 1)}", which Docker does not read: use b, k, m, g, t or p, binary (1g = 1024m); Mi and Gi are Kubernetes units` };
    if (suffix.length > 3) return bad;
    if (suffix[0] === 'b') {
      if (suffix.length > 1) return bad;
    } else {
      const multiplier = MULTIPLIER[suffix[0]];
      if (multiplier === undefined) return bad;
      if (suffix.length === 2 && suffix[1] !== 'b') return bad;
      if (suffix.length === 3 && suffix.slice(1) !== 'ib') return bad;
      bytes = size * multiplier;
    }
  }
  if (!Number.isFinite(bytes) || bytes > 2 ** 63 - 1) return { ok: false, reason: 'is too large' };
  return { ok: true, bytes: Math.trunc(bytes) };
}

/**
 * Bytes in the largest Docker unit that holds them exactly (`1g`, `1000m`, `512k`, else a byte count),
 * the way Compose files are written; `parseDockerBytes(formatDockerBytes(n)) === n`.
 */
export function formatDockerBytes(bytes: number): string {
  for (const unit of ['p', 't', 'g', 'm', 'k'] as const) {
    const multiplier = MULTIPLIER[unit];
    if (bytes >= multiplier && bytes % multiplier === 0) return `${bytes / multiplier}${unit}`;
  }
  return String(bytes);
}
