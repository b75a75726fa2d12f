/**
 * Atomic file replacement: write a temporary file in the same folder (same filesystem, so the rename
 * is atomic), give it the original's mode, flush it, then rename it over the original. A reader
 * sees the old file or the new one, never half of either; a crash leaves at most a stray temp file.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomic(file: string, text: string): void {
  const { mode } = statSync(file);
  const temporary = join(dirname(file), `.${basename(file)}.oomguard-${process.pid}-${Date.now().toString(36)}.tmp`);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(temporary, 'wx', mode & 0o7777);
    writeSync(descriptor, text, null, 'utf8');
    fsyncSync(descriptor);
    closeSync(descriptor);
    descriptor = undefined;
    // openSync's mode is filtered by the umask; chmod sets exactly the original mode.
    chmodSync(temporary, mode & 0o7777);
    renameSync(temporary, file);
  } catch (error) {
    if (descriptor !== undefined) closeSync(descriptor);
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    throw error;
  }
}
