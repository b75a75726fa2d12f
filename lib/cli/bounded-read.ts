/**
 * The one way the CLI reads an input it did not create (a manifest, standard input, a config file,
 * `diagnose FILE`): at most MAX_INPUT_BYTES, and only from a regular file or standard input. A path
 * is opened with O_NONBLOCK and checked with fstat on the open descriptor before any read, so a FIFO
 * named `.oomguard.yaml` (whose open and read would wait forever for a writer) or a device such as
 * /dev/zero (endless) is refused at once; the same descriptor is then read, so a file swapped for a
 * FIFO between a stat and the read cannot slip through. Standard input may be a pipe or a terminal
 * (that is what `-` means) and is read in chunks that stop one byte past the limit: `lint - <
 * /dev/zero` ends with a clear error after 64 MiB instead of growing without bound.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Larger inputs are refused: no Kubernetes manifest, kubectl output or config file comes near it, and parsing one would hold the memory. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export const STDIN = '-';

export type BoundedRead =
  | { readonly ok: true; readonly bytes: Buffer; /** Of the descriptor read (absent for a pipe or terminal on standard input). */ readonly stats?: Stats }
  | { readonly ok: false; readonly message: string };

/** What a non-regular file is, for the refusal message. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooLarge(what: string, limit: number): string {
  return `${what} is over the ${limit}-byte (${limit / 1024 / 1024} MiB) input limit`;
}

/** Sleep without spinning: standard input in non-blocking mode answers EAGAIN until data arrives. */
function pause(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/**
 * Read `fd` to its end or to `limit + 1` bytes, whichever comes first. `expected` (a regular file's
 * size) sizes the first read, so a small file costs one small buffer, not a 1 MiB chunk per file.
 */
function readUpTo(fd: number, limit: number, expected?: number): { bytes: Buffer; over: boolean } {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // One byte past the expected size tells a file that grew since fstat from one that ended.
    const want = expected !== undefined && total === 0 ? expected + 1 : 1 << 20;
    const chunk = Buffer.allocUnsafe(Math.min(want, limit + 1 - total));
    let count: number;
    try {
      count = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(5);
        continue;
      }
      if ((error as NodeJS.ErrnoException).code === 'EOF') break; // Windows pipes
      throw error;
    }
    if (count === 0) break;
    chunks.push(count === chunk.length ? chunk : chunk.subarray(0, count));
    total += count;
    if (total > limit) return { bytes: Buffer.alloc(0), over: true };
    // A regular file's short read is its end: no second (1 MiB) buffer just to read the 0.
    if (expected !== undefined && count < chunk.length) break;
  }
  return { bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total), over: false };
}

/**
 * Read a file or `-` (standard input), refusing anything that is not a regular file or standard
 * input and anything over `limit` bytes. Never throws for a bad input: the message says what is
 * wrong (`ENOENT`, a FIFO, too large), for the caller to put after the file's name.
 */
export function readBounded(source: string, limit: number = MAX_INPUT_BYTES, options: { readonly allowPipes?: boolean } = {}): BoundedRead {
  const isStdin = source === STDIN;
  let fd: number;
  try {
    fd = isStdin ? 0 : openSync(source, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    const stats = fstatSync(fd);
    // A pipe is allowed only where a caller asks (`--bearer-token-file <(kubectl create token ...)`): opened
    // non-blocking, a FIFO without a writer reads as empty instead of blocking.
    const pipe = options.allowPipes === true && stats.isFIFO();
    if (!isStdin && !stats.isFile() && !pipe) return { ok: false, message: `is ${kindOf(stats)}, not a regular file` };
    if (isStdin && stats.isDirectory()) return { ok: false, message: 'standard input is a folder' };
    const what = isStdin ? 'standard input' : `file (${stats.size} bytes)`;
    if (stats.isFile() && stats.size > limit) return { ok: false, message: tooLarge(what, limit) };
    const { bytes, over } = readUpTo(fd, limit, stats.isFile() ? stats.size : undefined);
    // A regular file can still grow between the fstat and the read.
    if (over) return { ok: false, message: tooLarge(isStdin ? 'standard input' : 'file', limit) };
    return stats.isFile() ? { ok: true, bytes, stats } : { ok: true, bytes };
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  } finally {
    if (!isStdin) closeSync(fd);
  }
}
