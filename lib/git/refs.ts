// References: reading loose and packed refs, and updating a ref as compare-and-swap with git's own
// lock-file protocol (`<ref>.lock` created exclusively, old value checked, renamed into place), so
// gitmodel and the git CLI can update the same repository without losing each other's commits.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { InvalidRefNameError, RefLockedError, RefNotFoundError, StaleBranchError } from '../errors.js';
import { formatPerson, type Person } from './commit.js';
import { type Durability, syncDirectory } from './durable-write.js';
import { readTextIfExists } from './small-files.js';

const LOCK_RETRY_MS = 2000;
/**
 * A lock older than this was left by a process that died: git holds a ref lock for milliseconds
 * (create, write, rename). Such a lock is reported at once, and clearStaleLocks() may remove it.
 */
export const STALE_LOCK_MS = 10_000;

export class Refs {
  constructor(
    /** where HEAD lives (a linked worktree has its own) */
    private readonly gitdir: string,
    /** where refs/ and packed-refs live */
    private readonly commondir: string,
    private readonly reflog: boolean,
    private readonly durability: Durability = 'fsync',
  ) {}

  private refPath(name: string): string {
    return name === 'HEAD' ? join(this.gitdir, 'HEAD') : join(this.commondir, name);
  }

  private async readLoose(name: string): Promise<string | undefined> {
    return readTextIfExists(this.refPath(name))?.trim();
  }

  private async readPacked(): Promise<Map<string, string>> {
    const refs = new Map<string, string>();
    const text = readTextIfExists(join(this.commondir, 'packed-refs')) ?? '';
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#') || line.startsWith('^')) continue;
      const space = line.indexOf(' ');
      refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  }

  /** The full name a symbolic ref (HEAD) points to, or undefined when it is detached or missing. */
  async symbolicTarget(name: string): Promise<string | undefined> {
    const value = await this.readLoose(name);
    return value?.startsWith('ref: ') ? value.slice(5).trim() : undefined;
  }

  /** The oid a full ref name points to (following symbolic refs), or null when it does not exist. */
  async read(name: string, depth = 5): Promise<string | null> {
    const loose = await this.readLoose(name);
    if (loose !== undefined) {
      if (loose.startsWith('ref: ')) {
        if (depth === 0) throw new RefNotFoundError({ ref: name }, 'symbolic ref loop');
        return this.read(loose.slice(5).trim(), depth - 1);
      }
      return loose;
    }
    return (await this.readPacked()).get(name) ?? null;
  }

  /** Full names of the refs under a prefix such as `refs/heads/`, loose and packed (and their lock files, if asked). */
  async list(prefix: string, locks = false): Promise<string[]> {
    const names = new Set<string>();
    for (const name of (await this.readPacked()).keys()) if (name.startsWith(prefix)) names.add(name);
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.commondir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = `${rel}${entry.name}`;
        if (entry.isDirectory()) await walk(`${child}/`);
        else if (locks || !entry.name.endsWith('.lock')) names.add(child);
      }
    };
    await walk(prefix);
    return [...names].sort();
  }

  /**
   * Moves `name` from `expected` (null: must not exist) to `oid`, or throws StaleBranchError when
   * someone else moved it first. The new value is flushed before it is renamed into place.
   */
  async update(name: string, oid: string, expected: string | null, who?: Person, message = ''): Promise<void> {
    if (expected === null) await this.assertNoClash(name);
    const path = this.refPath(name);
    mkdirSync(dirname(path), { recursive: true });
    await swapLocked(this.commondir, path, name, `${oid}\n`, () => this.check(name, expected), this.durability);
    if (this.reflog && who) await this.appendReflog(name, expected, oid, who, message);
  }

  /**
   * Refuses a new ref that git could not store beside the existing ones: refs are files, so
   * `refs/heads/a` and `refs/heads/a/b` cannot both exist (git says "cannot lock ref").
   */
  async assertNoClash(name: string): Promise<void> {
    const parts = name.split('/');
    for (let n = 3; n < parts.length; n++) {
      const above = parts.slice(0, n).join('/');
      if ((await this.read(above)) !== null) throw clash(name, above);
    }
    const below = await this.list(`${name}/`);
    if (below.length) throw clash(name, below[0]);
  }

  /**
   * Deletes `name` if it still points at `expected` (else StaleBranchError), as git does: under
   * `<ref>.lock`, first out of packed-refs (rewritten under packed-refs.lock), then the loose file
   * and the ref's reflog, so no older packed value can show through.
   */
  async delete(name: string, expected: string): Promise<void> {
    const path = this.refPath(name);
    const lock = `${path}.lock`;
    await mkdir(dirname(path), { recursive: true });
    const fd = await acquire(lock, name);
    try {
      await this.check(name, expected);
      if ((await this.readPacked()).has(name)) await this.removePacked(name);
      await rm(path, { force: true });
      await rm(join(this.commondir, 'logs', name), { force: true });
    } finally {
      closeSync(fd);
      await unlink(lock);
      await this.removeEmptyParents(name);
    }
  }

  private async check(name: string, expected: string | null): Promise<void> {
    const actual = await this.read(name);
    if (actual !== expected) throw new StaleBranchError({ branch: name.replace(/^refs\/heads\//, ''), expected, actual });
  }

  /** Rewrites packed-refs without `name` (and its peeled `^` line), under git's packed-refs.lock. */
  private async removePacked(name: string): Promise<void> {
    const path = join(this.commondir, 'packed-refs');
    await replaceLocked(path, 'packed-refs', async () => {
      const kept: string[] = [];
      let dropping = false;
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        if (dropping && line.startsWith('^')) continue;
        dropping = !line.startsWith('#') && !line.startsWith('^') && line.slice(line.indexOf(' ') + 1) === name;
        if (!dropping) kept.push(line);
      }
      return kept.join('\n');
    }, this.durability);
  }

  /** Removes directories a deleted ref leaves empty, below its namespace (`refs/heads/a/b` → `refs/heads/a`). */
  private async removeEmptyParents(name: string): Promise<void> {
    const parts = name.split('/');
    for (let n = parts.length - 1; n > 2; n--) {
      const dir = join(this.commondir, ...parts.slice(0, n));
      if (!(await rmdir(dir).then(() => true, () => false))) return;
      await rmdir(join(this.commondir, 'logs', ...parts.slice(0, n))).catch(() => {});
    }
  }

  /**
   * Removes the lock files of refs (`<ref>.lock` under refs/, and `packed-refs.lock`) older than `olderThanMs`,
   * left by writers that died; returns them, relative to the repository. A younger lock may
   * belong to a live writer and is left alone.
   */
  async clearStaleLocks(olderThanMs = STALE_LOCK_MS): Promise<string[]> {
    const locks = (await this.list('refs/', true)).filter((name) => name.endsWith('.lock'));
    const removed: string[] = [];
    for (const name of ['packed-refs.lock', ...locks]) {
      const age = lockAge(join(this.commondir, name));
      if (age === undefined || age < olderThanMs) continue;
      await rm(join(this.commondir, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  private async appendReflog(name: string, from: string | null, to: string, who: Person, message: string) {
    const path = join(this.commondir, 'logs', name);
    const line = `${from ?? '0'.repeat(40)} ${to} ${formatPerson(who)}\t${message.split('\n')[0]}\n`;
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, line);
  }
}

function clash(name: string, existing: string): InvalidRefNameError {
  return new InvalidRefNameError({
    name,
    reason: `it clashes with the existing ref ${existing}: git keeps refs as files, so a name cannot also be a folder of others`,
  });
}

/**
 * Moves a ref under its lock with the lock held for as short a time as possible: the new value is
 * written (and flushed) to a temporary file first, then linked into place as `<ref>.lock` (an
 * exclusive create that already has its content), checked, and renamed over the ref. A process
 * killed at any point leaves the ref as it was, and only a kill between the link and the rename
 * (a few microseconds) leaves a lock behind. The temporary file lives in the git directory, where
 * git ignores it, never among the refs.
 */
async function swapLocked(
  gitdir: string,
  path: string,
  name: string,
  content: string,
  check: () => Promise<void>,
  durability: Durability,
): Promise<void> {
  const lock = `${path}.lock`;
  const temp = join(gitdir, `gitmodel-ref-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, content);
    if (durability === 'fsync') fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    await acquireWith(lock, name, () => linkSync(temp, lock));
  } finally {
    rmSync(temp, { force: true });
  }
  try {
    await check();
    renameSync(lock, path);
  } catch (error) {
    rmSync(lock, { force: true });
    throw error;
  }
  if (durability === 'fsync') syncDirectory(dirname(path));
}

/**
 * Replaces a file the way git does: `<path>.lock` created exclusively, the content (which may
 * throw, e.g. a failed check) written and flushed, then renamed over `path`. On failure the lock
 * is removed and `path` is as it was. The writes are synchronous, as in durable-write.ts: a few
 * bytes and one fsync, cheaper than five thread-pool round trips.
 */
async function replaceLocked(path: string, name: string, content: () => Promise<string>, durability: Durability = 'fsync'): Promise<void> {
  const lock = `${path}.lock`;
  const fd = await acquire(lock, name);
  try {
    const bytes = Buffer.from(await content());
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    if (durability === 'fsync') fsyncSync(fd);
    closeSync(fd);
    renameSync(lock, path);
    if (durability === 'fsync') syncDirectory(dirname(path));
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    await unlink(lock).catch(() => {});
    throw error;
  }
}

/** Creates the lock file exclusively, retrying briefly while another writer holds it; a stale lock fails at once. */
function acquire(lock: string, name: string): Promise<number> {
  return acquireWith(lock, name, () => openSync(lock, 'wx'));
}

/** Runs `create` (which fails with EEXIST while the lock exists) until it succeeds, as acquire() does. */
async function acquireWith<T>(lock: string, name: string, create: () => T): Promise<T> {
  const deadline = Date.now() + LOCK_RETRY_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return create();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ageMs = lockAge(lock);
      // undefined: released between the two calls, so try again at once
      if (ageMs !== undefined && (ageMs > STALE_LOCK_MS || Date.now() > deadline)) {
        throw new RefLockedError({ ref: name, lock, ageMs, stale: ageMs > STALE_LOCK_MS });
      }
      if (ageMs !== undefined) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** How long ago a lock file was made, or undefined when it is gone. */
function lockAge(lock: string): number | undefined {
  try {
    return Math.max(0, Date.now() - statSync(lock).mtimeMs);
  } catch {
    return undefined;
  }
}
