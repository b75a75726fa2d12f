/**
 * Kubernetes resource quantities and Go's GOMEMLIMIT byte counts, parsed into whole bytes.
 *
 * The Kubernetes grammar follows k8s.io/apimachinery/pkg/api/resource (quantity.go):
 *
 *   quantity  ::= signedNumber suffix
 *   number    ::= digits | digits "." digits | digits "." | "." digits
 *   suffix    ::= binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (m "" k M G T P E) | ("e"|"E") signedInteger
 *
 * No whitespace anywhere (`1.5 Gi` is rejected) and no other suffix (`512MB`, `1G i`). Memory is
 * counted in bytes and, like `Quantity.Value()`, a fractional byte count is rounded up (away from
 * zero): `0.5Gi` is exactly 536870912, `100m` is 1 byte.
 *
 * Arithmetic is exact (BigInt); results are returned as JS numbers, which are exact up to 8 PiB.
 */

export type QuantityParse =
  /** `fractional`: the quantity is not a whole number of bytes (`100m`, `0.5`); `bytes` is rounded up as Kubernetes rounds it. */
  | { readonly ok: true; readonly bytes: number; readonly fractional?: true }
  | { readonly ok: false; readonly reason: string };

const KIB = 1024;
/** One mebibyte in bytes. */
export const MIB = 1024 * 1024;
/** One gibibyte in bytes. */
export const GIB = 1024 * MIB;

const BINARY_SUFFIX: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n,
};
const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
/** Kubernetes rejects quantities beyond int64 once scaled; so do we. */
const MAX_INT64 = (1n << 63n) - 1n;

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/**
 * Parse a Kubernetes quantity into bytes, rounding a fractional byte up.
 * A YAML number (`memory: 1073741824`) is accepted the way the API server accepts it.
 * Negative quantities are rejected: no memory field accepts them.
 */
export function parseQuantity(input: unknown): QuantityParse {
  // A fleet repeats the same few quantities (`512Mi`, `1Gi`) thousands of times: remember them.
  if (typeof input === 'string') {
    const known = parsedQuantities.get(input);
    if (known) return known;
    const parsed = parseUncached(input);
    if (parsedQuantities.size >= QUANTITY_CACHE_SIZE) parsedQuantities.clear();
    parsedQuantities.set(input, parsed);
    return parsed;
  }
  return parseUncached(input);
}

const QUANTITY_CACHE_SIZE = 4096;
const parsedQuantities = new Map<string, QuantityParse>();

function parseUncached(input: unknown): QuantityParse {
  const exact = parseExact(input);
  if (!exact.ok) return exact;
  const bytes = ceilDiv(exact.numerator, exact.denominator);
  if (bytes > MAX_INT64) return { ok: false, reason: 'is too large' };
  return exact.numerator % exact.denominator === 0n ? { ok: true, bytes: Number(bytes) } : { ok: true, bytes: Number(bytes), fractional: true };
}

/**
 * Compare two quantities exactly, before any rounding, as Kubernetes' `Quantity.Cmp` does: `400m`
 * and `500m` differ although both round up to 1 byte; `1Gi` equals `1024Mi`. Negative, zero or
 * positive like a sort comparator; undefined when either is not a valid quantity.
 */
export function compareQuantities(a: unknown, b: unknown): number | undefined {
  const left = parseExact(a);
  const right = parseExact(b);
  if (!left.ok || !right.ok) return undefined;
  const difference = left.numerator * right.denominator - right.numerator * left.denominator;
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/**
 * A quantity in thousandths (CPU millicores), rounded up like Kubernetes' `MilliValue()`:
 * `1` and `1000m` are both 1000. Undefined when the quantity is invalid.
 */
export function parseMilli(input: unknown): number | undefined {
  const exact = parseExact(input);
  return exact.ok ? Number(ceilDiv(exact.numerator * 1000n, exact.denominator)) : undefined;
}

type Exact = { ok: true; numerator: bigint; denominator: bigint } | { ok: false; reason: string };

function parseExact(input: unknown): Exact {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'is not a finite number' };
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { ok: false, reason: `must be a string or a number, not ${input === null ? 'null' : typeof input}` };
  }
  if (text.length === 0) return { ok: false, reason: 'is empty' };
  if (text.length > 64) return { ok: false, reason: 'is too long to be a quantity' };
  const match = QUANTITY.exec(text);
  if (!match) return { ok: false, reason: explainBadQuantity(text) };
  const [, sign, number, suffix = '', exponentText] = match;
  const [whole, fraction = ''] = number.split('.');
  const mantissa = BigInt((whole || '0') + fraction);
  let numerator = mantissa;
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix in BINARY_SUFFIX) {
    numerator *= BINARY_SUFFIX[suffix];
  } else {
    const exponent = exponentText !== undefined ? Number(exponentText) : DECIMAL_SUFFIX_EXPONENT[suffix];
    if (Math.abs(exponent) > 64) return { ok: false, reason: 'has an exponent out of range' };
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  if (sign === '-' && mantissa !== 0n) return { ok: false, reason: 'is negative' };
  return { ok: true, numerator, denominator };
}

function explainBadQuantity(text: string): string {
  if (/\s/.test(text)) return 'contains whitespace';
  if (/^[+-]?[\d.]+\s*(KB|MB|GB|TB|PB|EB|B|kb|mb|gb|K|Kb|mi|gi|ki|KiB|MiB|GiB|TiB)$/.test(text)) {
    const unit = text.replace(/^[+-]?[\d.]+\s*/, '');
    return `uses the unit "${unit}", which Kubernetes does not accept (use Ki, Mi, Gi, or k, M, G)`;
  }
  return 'is not a Kubernetes quantity (for example 512Mi, 1Gi, 1.5Gi, 500M, 1e9)';
}

/**
 * Go's GOMEMLIMIT grammar (runtime.parseByteCount): `^[0-9]+(([KMGT]i)?B)?$`, or `off`.
 * It is not the Kubernetes grammar: `512Mi` and `512M` make the Go runtime exit at start-up.
 */
export type GoMemLimitParse =
  | { readonly ok: true; readonly bytes: number | null /* null: "off", no limit */ }
  | { readonly ok: false; readonly reason: string };

const GO_BYTE_COUNT = /^(\d+)(?:(Ki|Mi|Gi|Ti)?B)?$/;
const GO_UNIT: Readonly<Record<string, bigint>> = { '': 1n, Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n };

export function parseGoMemLimit(text: string): GoMemLimitParse {
  if (text === 'off') return { ok: true, bytes: null };
  const match = GO_BYTE_COUNT.exec(text);
  if (!match) {
    return {
      ok: false,
      reason: `"${text}" is not a Go byte count: Go accepts plain bytes or B, KiB, MiB, GiB, TiB (for example 900MiB)`,
    };
  }
  const bytes = BigInt(match[1]) * GO_UNIT[match[2] ?? ''];
  if (bytes > MAX_INT64) return { ok: false, reason: `"${text}" overflows int64` };
  return { ok: true, bytes: Number(bytes) };
}

/** Round a byte count up to a whole number of mebibytes (in bytes). */
export function ceilToMiB(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB;
}

/** Round a byte count down to a whole number of mebibytes (in MiB). */
export function floorMiB(bytes: number): number {
  return Math.floor(bytes / MIB);
}

/**
 * The shortest exact Kubernetes spelling of a byte count: `1Gi`, `1536Mi`, `1000Ki`, or plain bytes.
 */
export function formatQuantity(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [suffix, size] of QUANTITY_UNITS) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

const QUANTITY_UNITS: readonly (readonly [string, number])[] = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', GIB], ['Mi', MIB], ['Ki', KIB]];

/** A byte count for a sentence: exact when whole Mi, otherwise Mi with one decimal (`1.5Mi`). */
export function describeBytes(bytes: number): string {
  if (bytes % MIB === 0 || bytes < KIB) return formatQuantity(bytes);
  const mib = bytes / MIB;
  return `${mib >= 100 ? mib.toFixed(0) : mib.toFixed(1)}Mi`;
}
