// Crash-safe file writes: a temporary name beside the target, flushed, then renamed into place,
// so a crash leaves either no file or a complete one, never a torn one.
//
// The calls are synchronous on purpose: a commit's few files each cost an fsync (~0.3 ms here),
// and five thread-pool round trips per file (open, write, sync, close, rename) cost more than the
// fsync itself once the machine is busy. The event loop is held for the length of one fsync.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * How hard writes try to survive a crash. Both write to a temporary name and rename, so a killed
 * process never leaves a torn file. 'fsync' (the default) also flushes each file before it is
 * renamed and the directory after, so a commit that returned survives a power cut. 'atomic' leaves
 * flushing to the operating system, as git does by default for loose objects and refs: much
 * faster, but a power cut can lose the last commits.
 */
export type Durability = 'fsync' | 'atomic';

export function writeFileDurably(path: string, bytes: Uint8Array, durability: Durability = 'fsync', mode = 0o444): void {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(temp, 'wx', mode);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    if (durability === 'fsync') fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  if (durability === 'fsync') syncDirectory(dirname(path));
}

/** Flushes a directory, so the names renamed into it survive a power cut too. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
