/**
 * Re-reading files that change under a running server: a mounted ConfigMap or Secret (kubelet swaps
 * a `..data` symlink, so the watched path's inode changes and fs.watch on it goes quiet) or a file
 * rewritten in place. Polling the content is the one method that sees both; the files are small
 * (a config, a key and a certificate) and the poll is cheap. The kubelet itself only syncs mounted
 * ConfigMaps and Secrets every minute or so, so a 2 s poll adds nothing a user would notice.
 */
import { createHash } from 'node:crypto';
import { readBounded } from '../cli/bounded-read';

/** @default 2000 ms */
export const DEFAULT_POLL_MS = 2000;

export interface Watched {
  stop(): void;
}

function digest(paths: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  for (const path of paths) {
    // Bounded like every input; unreadable (mid-swap, removed, a device) is tried again at the next poll.
    const read = readBounded(path);
    if (!read.ok) return undefined;
    hash.update(read.bytes).update('\u0000');
  }
  return hash.digest('hex');
}

/**
 * Call `changed` whenever the content of any of `paths` differs from what it was at the last call
 * that returned true (the start counts as one). `changed` returns false to be called again next
 * time (a half-rotated key pair), true when it took the new content.
 */
export function watchFiles(paths: readonly string[], intervalMs: number, changed: () => boolean): Watched {
  let seen = digest(paths);
  const timer = setInterval(() => {
    const now = digest(paths);
    if (now === undefined || now === seen) return;
    if (changed()) seen = now;
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
