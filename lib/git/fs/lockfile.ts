// Replacing files so that no reader sees a torn one and no two writers interleave: the one module
// for atomic writes and git's lock-file protocol (`<file>.lock` created exclusively, renamed over
// the file), over the FileSystem port. Durability (ports.ts) says whether each file is flushed
// before it is renamed and its directory after.
import { RefLockedError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import type { Durability, FileSystem, NewFile } from '../ports.js';
import { basename, dirname, join } from './paths.js';

const LOCK_RETRY_MS = 2000;
/**
 * A lock older than this was left by a process that died: git holds a ref lock for milliseconds
 * (create, write, rename). Such a lock is reported at once, and clearStaleLocks() may remove it.
 */
export const STALE_LOCK_MS = 10_000;

/** A name for a temporary file no other writer uses. */
export function tempName(dir: string, prefix: string): string {
  return join(dir, `${prefix}${platform().randomId()}`);
}

/** Writes `bytes` to a new temporary file in `dir` (flushed when durable); its path. */
async function writeTemp(fs: FileSystem, dir: string, prefix: string, bytes: Uint8Array, durability: Durability, readOnly: boolean): Promise<string> {
  const path = tempName(dir, prefix);
  const file = await fs.createFile(path, { readOnly });
  if (!file) throw new Error(`temporary file ${path} exists`);
  try {
    file.write(bytes);
  } catch (error) {
    await file.abort();
    throw error;
  }
  try {
    await file.close(durability === 'fsync');
  } catch (error) {
    await fs.remove(path);
    throw error;
  }
  return path;
}

/**
 * Writes a file whole: a temporary name beside the target, flushed, then renamed into place, so a
 * crash leaves either no file or a complete one, never a torn one. Objects are written read-only,
 * as git writes them.
 */
export async function writeAtomic(fs: FileSystem, path: string, bytes: Uint8Array, durability: Durability, readOnly = true): Promise<void> {
  const temp = await writeTemp(fs, dirname(path), `${basename(path)}.tmp-`, bytes, durability, readOnly);
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.remove(temp);
    throw error;
  }
  if (durability === 'fsync') await syncDirectory(fs, dirname(path));
}

/** A file being written under a temporary name, to be placed with placeTogether(). */
export interface Streamed {
  readonly file: NewFile;
  /** the temporary name */
  readonly temp: string;
  abort(): Promise<void>;
}

/** Starts a file under a temporary name in `dir`, written read-only (objects, as git writes them). */
export async function writeStreamed(fs: FileSystem, dir: string, prefix: string): Promise<Streamed> {
  const temp = tempName(dir, prefix);
  const file = await fs.createFile(temp, { readOnly: true });
  if (!file) throw new Error(`temporary file ${temp} exists`);
  return { file, temp, abort: () => file.abort() };
}

/**
 * Places files of one directory written with writeStreamed() (a pack and its index): all closed
 * and flushed at once (the flushes overlap), renamed into place in the order given (a reader that
 * finds the last one finds the others complete), then the directory flushed once. On failure
 * the temporary files are removed and nothing not yet renamed appears.
 */
export async function placeTogether(fs: FileSystem, dir: string, files: readonly { streamed: Streamed; path: string }[], durability: Durability): Promise<void> {
  try {
    await Promise.all(files.map(({ streamed }) => streamed.file.close(durability === 'fsync')));
    for (const { streamed, path } of files) await fs.rename(streamed.temp, path);
  } catch (error) {
    for (const { streamed } of files) await fs.remove(streamed.temp);
    throw error;
  }
  if (durability === 'fsync') await syncDirectory(fs, dir);
}

interface DirSync {
  running?: Promise<void>;
  next?: Promise<void>;
}

/** Per file system and directory, the flush under way and the one queued after it. */
const dirSyncs = new WeakMap<FileSystem, Map<string, DirSync>>();

/**
 * Flushes a directory, sharing flushes between callers (group commit): a caller is served by a
 * flush that starts after it asked, so one running now (which may have missed its rename) is
 * waited out, and everyone who asked meanwhile shares the single flush that follows it.
 */
export function syncDirectory(fs: FileSystem, dir: string): Promise<void> {
  let byDir = dirSyncs.get(fs);
  if (!byDir) dirSyncs.set(fs, (byDir = new Map()));
  let state = byDir.get(dir);
  if (!state) byDir.set(dir, (state = {}));
  const s = state;
  const start = (): Promise<void> => {
    const running = fs.syncDirectory(dir).finally(() => {
      if (s.running === running) s.running = undefined;
      if (!s.running && !s.next) byDir.delete(dir);
    });
    s.running = running;
    return running;
  };
  if (!s.running) return start();
  s.next ??= s.running
    .catch(() => {})
    .then(() => {
      s.next = undefined;
      return start();
    });
  return s.next;
}

/** How long ago a lock file was made, or undefined when it is gone. */
export async function lockAge(fs: FileSystem, lock: string): Promise<number | undefined> {
  const stat = await fs.stat(lock);
  return stat && Math.max(0, Date.now() - stat.mtimeMs);
}

/**
 * Runs `create` (false while the lock exists) until it succeeds, retrying briefly while another
 * writer holds the lock; a stale lock (or one held past the deadline) fails with RefLockedError.
 */
async function acquireWith(fs: FileSystem, lock: string, name: string, create: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + LOCK_RETRY_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    if (await create()) return;
    const ageMs = await lockAge(fs, lock);
    // undefined: released between the two calls, so try again at once
    if (ageMs !== undefined && (ageMs > STALE_LOCK_MS || Date.now() > deadline)) {
      throw new RefLockedError({ ref: name, lock, ageMs, stale: ageMs > STALE_LOCK_MS });
    }
    if (ageMs !== undefined) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Creates `<path>.lock` exclusively, retrying briefly while another writer holds it; returns the
 * lock file, open for writing (abort() releases it). `name` is what an error reports (a ref name).
 */
export async function acquireLock(fs: FileSystem, path: string, name: string): Promise<NewFile> {
  const lock = `${path}.lock`;
  let held: NewFile | undefined;
  await acquireWith(fs, lock, name, async () => (held = await fs.createFile(lock)) !== undefined);
  return held!;
}

/**
 * Moves a file under its lock with the lock held for as short a time as possible: the new content
 * is written (and flushed) to a temporary file in `scratch` first, then linked into place as
 * `<path>.lock` (an exclusive create that already has its content), `check`ed, and renamed over
 * the file. A process killed at any point leaves the file as it was, and only a kill between the
 * link and the rename (a few microseconds) leaves a lock behind. `scratch` is a directory git
 * ignores (the git directory), never one of refs, where a temporary file would look like a ref.
 * With `after`, the lock is taken only once it resolves; if it rejects, nothing is moved.
 */
export async function swapLocked(
  fs: FileSystem,
  scratch: string,
  path: string,
  name: string,
  content: Uint8Array,
  check: () => Promise<void>,
  durability: Durability,
  after?: Promise<unknown>,
): Promise<void> {
  const lock = `${path}.lock`;
  // the new value's flush runs while `after` (the objects' flushes) does; both end before the lock
  const [made, ready] = await Promise.allSettled([writeTemp(fs, scratch, 'gitmodel-ref-', content, durability, false), after]);
  if (ready.status === 'rejected') {
    if (made.status === 'fulfilled') await fs.remove(made.value);
    throw ready.reason;
  }
  if (made.status === 'rejected') throw made.reason;
  const temp = made.value;
  try {
    await acquireWith(fs, lock, name, () => fs.link(temp, lock));
  } finally {
    await fs.remove(temp);
  }
  try {
    await check();
    await fs.rename(lock, path);
  } catch (error) {
    await fs.remove(lock);
    throw error;
  }
  if (durability === 'fsync') await syncDirectory(fs, dirname(path));
}

/**
 * Replaces a file the way git does: `<path>.lock` created exclusively, the content (which may
 * throw, e.g. a failed check) written into it and flushed, then renamed over `path`. On failure
 * the lock is removed and `path` is as it was.
 */
export async function replaceLocked(
  fs: FileSystem,
  path: string,
  name: string,
  content: () => Promise<Uint8Array>,
  durability: Durability,
): Promise<void> {
  const lock = `${path}.lock`;
  const file = await acquireLock(fs, path, name);
  try {
    file.write(await content());
    await file.close(durability === 'fsync');
    await fs.rename(lock, path);
    if (durability === 'fsync') await syncDirectory(fs, dirname(path));
  } catch (error) {
    await file.abort();
    throw error;
  }
}
