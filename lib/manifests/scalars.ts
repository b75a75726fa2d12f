/**
 * Plain scalars resolved the way Kubernetes resolves them: sigs.k8s.io/yaml decodes YAML with go-yaml
 * v2 (go.yaml.in/yaml/v2, `resolve.go`), which follows YAML 1.1, not the YAML 1.2 core schema that
 * js-yaml applies by default. The differences that reach a manifest (docs/yaml.md has the table, and
 * test/yaml-semantics.test.ts a case per row):
 *
 * - booleans: `y Y yes Yes YES on On ON` and `n N no No NO off Off OFF` besides true/false;
 * - integers: `_` is ignored anywhere after the first character (`1_073_741_824`); a leading `0` is
 *   octal (`0777` = 511); `0x`, `0o`, `0b` in either case, with an optional sign (Go's
 *   `strconv.ParseInt(s, 0, 64)` after removing `_`);
 * - a number with a leading `0` that is not valid octal (`08`, `0779`) is read as a decimal float;
 * - sexagesimal (`1:20`) and timestamps stay strings (go-yaml v2 drops base 60 on purpose and keeps
 *   timestamps as strings when decoding into an untyped value), as in the core schema.
 *
 * Pure and allocation-free on the common path: most plain scalars are keys and names, which return
 * after one character test.
 */

/** Values found by exact spelling (go-yaml v2's `resolveMap`). */
const BY_SPELLING = new Map<string, unknown>();
for (const spelling of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) BY_SPELLING.set(spelling, true);
for (const spelling of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) BY_SPELLING.set(spelling, false);
for (const spelling of ['~', 'null', 'Null', 'NULL']) BY_SPELLING.set(spelling, null);
for (const spelling of ['.nan', '.NaN', '.NAN']) BY_SPELLING.set(spelling, Number.NaN);
for (const spelling of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) BY_SPELLING.set(spelling, Number.POSITIVE_INFINITY);
for (const spelling of ['-.inf', '-.Inf', '-.INF']) BY_SPELLING.set(spelling, Number.NEGATIVE_INFINITY);

/** What a resolved scalar is, for explicit tags (`!!int "1"`) that must agree with it. */
export const enum ScalarKind { String, Null, Bool, Int, Float }

/**
 * First-character classes of go-yaml v2's `resolveTable`: 1 sign or digit (a number may follow),
 * 2 a letter or `~` that starts a spelling above, 3 `.` (a float or a spelling); 0 anything else,
 * which is always a string.
 */
const HINT = new Uint8Array(128);
for (const c of '+-0123456789') HINT[c.charCodeAt(0)] = 1;
for (const c of 'yYnNtTfFoO~') HINT[c.charCodeAt(0)] = 2;
HINT['.'.charCodeAt(0)] = 3;

/** Characters an integer or float of go-yaml v2 can hold: digits, `_+-.`, hex digits, `xXoO`. */
const NUMBER_CHAR = new Uint8Array(128);
for (const c of '0123456789_+-.abcdefABCDEFxXoO') NUMBER_CHAR[c.charCodeAt(0)] = 1;

/** go-yaml v2's `yamlStyleFloat`, applied after `_` is removed. */
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/**
 * What Go's `strconv.ParseFloat` accepts from a text starting with `.`, the only kind that reaches
 * it unchanged: `_` may separate digits (`.5_0`).
 */
const DOT_FLOAT = /^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/;
const DIGITS = { 16: /^[0-9a-fA-F]+$/, 8: /^[0-7]+$/, 2: /^[01]+$/, 10: /^[0-9]+$/ } as const;

let kind: ScalarKind = ScalarKind.String;

/** An integer as Go's `ParseInt(s, 0, 64)` / `ParseUint` (and sigs.k8s.io's big.Int fallback) read it, or undefined. */
function goInteger(text: string): number | undefined {
  let at = 0;
  const sign = text.charCodeAt(0);
  if (sign === 43 || sign === 45) at = 1;
  let radix: 2 | 8 | 10 | 16 = 10;
  if (text.charCodeAt(at) === 48 && text.length > at + 1) {
    const prefix = text.charCodeAt(at + 1) | 0x20;
    if (prefix === 0x78) (radix = 16), (at += 2);
    else if (prefix === 0x6f) (radix = 8), (at += 2);
    else if (prefix === 0x62) (radix = 2), (at += 2);
    else (radix = 8), (at += 1);
  }
  const digits = text.slice(at);
  if (!DIGITS[radix].test(digits)) return undefined;
  let value = digits.length <= 12 ? parseInt(digits, radix) : Number(BigInt(radix === 10 ? digits : `0${radix === 16 ? 'x' : radix === 8 ? 'o' : 'b'}${digits}`));
  if (sign === 45) value = -value;
  return value === 0 ? 0 : value; // Go has no negative zero integer
}

/** Resolve a plain (unquoted, untagged) scalar's text as go-yaml v2 does. */
export function resolvePlain(text: string): unknown {
  const length = text.length;
  if (length === 0) {
    kind = ScalarKind.Null;
    return null;
  }
  const code = text.charCodeAt(0);
  const hint = code < 128 ? HINT[code] : 0;
  if (hint === 0) {
    kind = ScalarKind.String;
    return text;
  }
  if (length <= 5) {
    const known = BY_SPELLING.get(text);
    if (known !== undefined) {
      kind = known === null ? ScalarKind.Null : typeof known === 'boolean' ? ScalarKind.Bool : ScalarKind.Float;
      return known;
    }
  }
  if (hint === 1) {
    // Most texts that start with a digit are quantities (`512Mi`, `100m`): a character no number
    // can hold settles it before any regular expression runs.
    for (let at = 1; at < length; at++) {
      const next = text.charCodeAt(at);
      if (next >= 128 || NUMBER_CHAR[next] === 0) {
        kind = ScalarKind.String;
        return text;
      }
    }
    const plain = text.indexOf('_') < 0 ? text : text.replace(/_/g, '');
    const integer = goInteger(plain);
    if (integer !== undefined) {
      kind = ScalarKind.Int;
      return integer;
    }
    if (YAML_FLOAT.test(plain)) {
      const float = Number(plain);
      // Go's ParseFloat fails on overflow (1e400), and go-yaml then keeps the text.
      if (Number.isFinite(float)) {
        kind = ScalarKind.Float;
        return float;
      }
    }
  } else if (hint === 3 && DOT_FLOAT.test(text)) {
    kind = ScalarKind.Float;
    return Number(text.indexOf('_') < 0 ? text : text.replace(/_/g, ''));
  }
  kind = ScalarKind.String;
  return text;
}

/** The kind of the value that the last `resolvePlain` call returned. */
export function lastKind(): ScalarKind {
  return kind;
}
