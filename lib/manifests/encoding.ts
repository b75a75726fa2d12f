/**
 * Why a file's bytes are not UTF-8 manifest text, said with the line and column of the first bad
 * byte: UTF-16 and UTF-32 text (by byte-order mark, or by the NUL pattern that ASCII text has in
 * them, as YAML 1.2 §5.2 detects the encoding), NUL bytes (a binary file), and bytes that are not
 * UTF-8. Pure: takes bytes, reads nothing. Called only for a file that failed the fast check, so
 * clarity wins over speed here.
 */

export interface EncodingProblem {
  readonly message: string;
  /** 1-based, when the problem is at a byte. */
  readonly line?: number;
  readonly column?: number;
}

/** The UTF-16/UTF-32 form of `bytes`, from a byte-order mark or the NULs of ASCII text, if any. */
export function wideEncoding(bytes: Uint8Array): string | undefined {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (bytes.length >= 4 && a === 0x00 && b === 0x00 && c === 0xfe && d === 0xff) return 'UTF-32 (big-endian)';
  if (bytes.length >= 4 && a === 0xff && b === 0xfe && c === 0x00 && d === 0x00) return 'UTF-32 (little-endian)';
  if (bytes.length >= 2 && a === 0xfe && b === 0xff) return 'UTF-16 (big-endian)';
  if (bytes.length >= 2 && a === 0xff && b === 0xfe) return 'UTF-16 (little-endian)';
  if (bytes.length >= 4 && a === 0x00 && b === 0x00 && c === 0x00 && d !== 0x00) return 'UTF-32 (big-endian)';
  if (bytes.length >= 4 && a !== 0x00 && b === 0x00 && c === 0x00 && d === 0x00) return 'UTF-32 (little-endian)';
  // Without a mark, two ASCII characters in a row (one NUL byte each) say UTF-16.
  if (bytes.length >= 4 && a === 0x00 && b !== 0x00 && c === 0x00 && d !== 0x00) return 'UTF-16 (big-endian)';
  if (bytes.length >= 4 && a !== 0x00 && b === 0x00 && c !== 0x00 && d === 0x00) return 'UTF-16 (little-endian)';
  return undefined;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at];
    if (lead < 0x80) {
      at++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return at;
    for (let next = 1; next < length; next++) {
      const byte = bytes[at + next];
      if (byte === undefined || byte < (next === 1 ? low : 0x80) || byte > (next === 1 ? high : 0xbf)) return at;
    }
    at += length;
  }
  return -1;
}

/** 1-based line (LF, CRLF or a lone CR ends one) and column (in characters) of a byte offset of UTF-8 text. */
export function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = 0; at < offset; at++) {
    const byte = bytes[at];
    if (byte === 0x0a || (byte === 0x0d && bytes[at + 1] !== 0x0a)) {
      line++;
      lineStart = at + 1;
    }
  }
  let column = 1;
  for (let at = lineStart; at < offset; at++) if ((bytes[at] & 0xc0) !== 0x80) column++;
  return { line, column };
}

/**
 * What is wrong with bytes that are not UTF-8 text without NUL, or undefined when nothing is (a
 * leading UTF-8 byte-order mark is fine). `binaryWindow` bounds where a NUL means a binary file (the
 * first 8 KiB, the heuristic git and grep use); the parser reports a later NUL at its line anyway.
 */
export function describeUndecodable(bytes: Uint8Array, binaryWindow = 8192): EncodingProblem | undefined {
  const wide = wideEncoding(bytes);
  if (wide !== undefined) return { message: `${wide.replace(' (', ' text (')}: convert it to UTF-8` };
  const window = bytes.subarray(0, binaryWindow);
  const nul = window.indexOf(0);
  const invalid = firstInvalidUtf8(bytes);
  if (nul >= 0 && (invalid < 0 || nul < invalid)) {
    const { line, column } = positionOfByte(bytes, nul);
    return { message: `binary file (NUL byte at line ${line}, column ${column}), not a manifest`, line, column };
  }
  if (invalid >= 0) {
    const { line, column } = positionOfByte(bytes, invalid);
    const byte = bytes[invalid].toString(16).toUpperCase().padStart(2, '0');
    return { message: `not valid UTF-8 text: byte 0x${byte} at line ${line}, column ${column} (save the file as UTF-8)`, line, column };
  }
  return undefined;
}
