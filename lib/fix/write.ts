/**
 * Replacing a file the way git replaces one it checks out, and with the checks git makes before it
 * overwrites what it did not write:
 *
 * 1. `readForUpdate` reads the file once (bounded, regular files only) and remembers what it read:
 *    device, inode, size, modification time (nanoseconds) and a SHA-256 of the bytes.
 * 2. `writeFileAtomic` writes the new bytes to a temporary file in the target's own folder (same
 *    filesystem, so the rename is atomic): every byte, looping over short writes, then fsync, then
 *    the written length is checked against the file's size. Owner, group and mode are copied.
 * 3. Just before the rename the original is checked again against step 1 (identity, size, mtime,
 *    hash): a file changed meanwhile (an editor saved it, a line was appended) is refused, never
 *    overwritten with a fix of its old content.
 * 4. rename, then fsync of the folder so the rename itself survives a crash.
 *
 * On any failure the temporary file is removed and the original is untouched: a reader sees the old
 * file or the new one, never a truncated one (a full disk makes `write` return fewer bytes than asked
 * or fail with ENOSPC; both end here as an error).
 *
 * What a file is, stays: a symlink is written through (its target is replaced, the link stays a
 * link); a file with several hard links is refused, because a rename would split the links (what git
 * does silently) and writing in place would not be atomic; a read-only file is refused, as ESLint and
 * Prettier fail on one, even for root (whom the kernel would let write it).
 */
import { createHash } from 'node:crypto';
import {
  accessSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, openSync, readSync,
  realpathSync, renameSync, statSync, unlinkSync, writeSync, type BigIntStats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAX_INPUT_BYTES } from '../cli/bounded-read';

/** A write that was refused or failed; the original file is untouched. `message` completes "cannot write FILE: ...". */
export class WriteError extends Error {
  override readonly name = 'WriteError';
  /** True only when the new content is in place but syncing its folder failed (the rename may not survive a crash). */
  constructor(message: string, readonly written = false) {
    super(message);
  }
}

/** What was read, to check before replacing that nothing changed since. */
export interface Snapshot {
  /** The file that is replaced: the path given, or the real path a symlink leads to. */
  readonly target: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly sha256: string;
}

export type ReadForUpdate =
  | { readonly ok: true; readonly bytes: Buffer; readonly snapshot: Snapshot }
  | { readonly ok: false; readonly message: string };

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Read all of an open regular file, at most `limit` bytes. */
function readAll(fd: number, size: number, limit: number): Buffer | undefined {
  if (size > limit) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // The stated size plus one byte (to see EOF in one more read), at least 64 KiB (procfs says 0), at most 16 MiB.
    const chunk = Buffer.allocUnsafe(Math.min(limit + 1 - total, Math.max(size - total + 1, 1 << 16), 1 << 24));
    const count = readSync(fd, chunk, 0, chunk.length, null);
    if (count === 0) break;
    chunks.push(chunk.subarray(0, count));
    total += count;
    if (total > limit) return undefined;
    // All the stated size, in a read that asked for one byte more: the end of the file (had it grown
    // meanwhile, the caller's second fstat says so). Saves a 64 KiB buffer and a read per file.
    if (size > 0 && total === size && count < chunk.length) break;
  }
  // One read held it all (the common case: the stated size was right): that read's bytes, not a copy.
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/**
 * The hash is taken when first asked for, and the bytes let go then: `fix` asks as soon as it reads a
 * file it may write (a dry run keeps no snapshot and never pays for it: 1.6% of a 20,000-document
 * dry run), so no file's bytes are held through its passes. `bytes` is the buffer this module read
 * and returned; nothing writes into it. A class, not an object literal with a getter closing over the
 * bytes: V8 kept those closures' bytes until a full collection (~20 MB of read buffers at the end of
 * a 20,000-document dry run, against ~1 MB now).
 */
class FileSnapshot implements Snapshot {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  private digest: string | undefined;
  private source: Buffer | undefined;

  constructor(readonly target: string, stats: BigIntStats, bytes: Buffer) {
    this.dev = stats.dev;
    this.ino = stats.ino;
    this.size = stats.size;
    this.mtimeNs = stats.mtimeNs;
    this.source = bytes;
  }

  get sha256(): string {
    if (this.digest === undefined) {
      this.digest = sha256(this.source!);
      // Hashed: the bytes are let go (fix asks at once, before its passes).
      this.source = undefined;
    }
    return this.digest;
  }
}

/** Read a file that is about to be rewritten, and remember exactly what was read. */
export function readForUpdate(file: string, limit: number = MAX_INPUT_BYTES): ReadForUpdate {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return { ok: false, message: `cannot read: ${code(error)}` };
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) return { ok: false, message: 'not a regular file' };
    const bytes = readAll(fd, Number(before.size), limit);
    if (!bytes) return { ok: false, message: `file is over the ${limit}-byte limit for a manifest` };
    const after = fstatSync(fd, { bigint: true });
    if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || BigInt(bytes.length) !== after.size) {
      return { ok: false, message: 'changed while it was being read; run again' };
    }
    return { ok: true, bytes, snapshot: new FileSnapshot(realpathSync(file), after, bytes) };
  } catch (error) {
    return { ok: false, message: `cannot read: ${code(error)}` };
  } finally {
    closeSync(fd);
  }
}

/** Why the file at `target` must not be replaced, if anything (checked before any byte is written). */
function refusal(target: string, stats: BigIntStats): string | undefined {
  if (!stats.isFile()) return 'not a regular file';
  if (stats.nlink > 1n) {
    return `it has ${stats.nlink} hard links: an atomic replace would split them and writing in place is not atomic; fix a copy, or break the link (cp FILE FILE.tmp && mv FILE.tmp FILE)`;
  }
  const mode = Number(stats.mode & 0o7777n);
  if ((mode & 0o222) === 0) return `it is read-only (mode ${mode.toString(8).padStart(4, '0')}); oomguard does not rewrite read-only files`;
  try {
    accessSync(target, constants.W_OK);
  } catch (error) {
    return `it is not writable (${code(error)})`;
  }
  return undefined;
}

/** Whether `target` is still exactly what `snapshot` recorded. */
function unchanged(snapshot: Snapshot): string | undefined {
  let stats: BigIntStats;
  try {
    stats = statSync(snapshot.target, { bigint: true });
  } catch (error) {
    return `it is gone (${code(error)})`;
  }
  if (stats.dev !== snapshot.dev || stats.ino !== snapshot.ino) return 'it was replaced by another file';
  if (stats.size !== snapshot.size) return `its size changed from ${snapshot.size} to ${stats.size} bytes`;
  if (stats.mtimeNs !== snapshot.mtimeNs) return 'it was modified (mtime changed)';
  const now = readForUpdate(snapshot.target);
  if (!now.ok) return now.message;
  if (now.snapshot.sha256 !== snapshot.sha256) return 'its content changed';
  return undefined;
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    let count: number;
    try {
      count = writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const what = code(error) === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : code(error) === 'EDQUOT' ? 'disk quota exceeded (EDQUOT)' : code(error);
      throw new WriteError(`${what} after ${offset} of ${bytes.length} bytes of the new content`);
    }
    // A short write (a full disk returns what fitted) is retried for the rest; no progress is an error.
    if (count <= 0) throw new WriteError(`the disk accepted ${offset} of ${bytes.length} bytes`);
    offset += count;
  }
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch (error) {
    // Some filesystems cannot fsync a folder (EINVAL); the rename is then as durable as they make it.
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EBADF'].includes(code(error))) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replace `file` with `content`, atomically and only if it is still what `snapshot` recorded
 * (when given). Throws WriteError (or a Node error with a code) and leaves the original untouched.
 */
export function writeFileAtomic(file: string, content: string | Buffer, snapshot?: Snapshot): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let target: string;
  try {
    // Through a symlink to the file it names: replacing the link would turn it into a copy.
    target = lstatSync(file).isSymbolicLink() ? realpathSync(file) : file;
  } catch (error) {
    throw new WriteError(`cannot resolve it (${code(error)})`);
  }
  if (snapshot && snapshot.target !== realpathSync(target)) throw new WriteError('it now names another file than the one read');
  const stats = statSync(target, { bigint: true });
  const refused = refusal(target, stats);
  if (refused) throw new WriteError(refused);
  const mode = Number(stats.mode & 0o7777n);
  const folder = dirname(target);
  const temporary = join(folder, `.${basename(target)}.oomguard-${process.pid}-${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    try {
      fd = openSync(temporary, 'wx', 0o600);
    } catch (error) {
      throw new WriteError(`cannot create a temporary file in ${folder} (${code(error)})`);
    }
    created = true;
    writeAll(fd, bytes);
    // Owner and group first: chown clears the set-id bits that the mode then restores.
    const own = fstatSync(fd, { bigint: true });
    if (own.uid !== stats.uid || own.gid !== stats.gid) {
      try {
        fchownSync(fd, Number(stats.uid), Number(stats.gid));
      } catch (error) {
        throw new WriteError(`cannot keep its owner ${stats.uid}:${stats.gid} (${code(error)})`);
      }
    }
    fchmodSync(fd, mode);
    fsyncSync(fd);
    const written = fstatSync(fd).size;
    if (written !== bytes.length) throw new WriteError(`only ${written} of ${bytes.length} bytes reached the disk`);
    closeSync(fd);
    fd = undefined;
    if (snapshot) {
      const changed = unchanged(snapshot);
      if (changed) throw new WriteError(`it changed after oomguard read it (${changed}); not overwritten, run again`);
    }
    renameSync(temporary, target);
    created = false;
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // the write error is the one to report
      }
    }
    if (created) {
      try {
        unlinkSync(temporary);
      } catch {
        // already gone
      }
    }
    if (error instanceof WriteError) throw error;
    throw new WriteError(code(error));
  }
  try {
    syncFolder(folder);
  } catch (error) {
    throw new WriteError(`written, but syncing its folder failed (${code(error)}); a crash now could undo the rename`, true);
  }
}
