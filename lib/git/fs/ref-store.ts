// The refs of a git directory: loose ref files and packed-refs, read as git reads them, and updated
// as compare-and-swap with git's own lock-file protocol (lockfile.ts), so gitmodel and the git CLI
// can update the same repository without losing each other's commits.
import { InvalidRefNameError, RefNotFoundError, StaleBranchError } from '../../errors.js';
import { fromUtf8, utf8 } from '../../util/bytes.js';
import { formatPerson } from '../person.js';
import type { Durability, FileSystem, NewFile, RefLogEntry, RefStore, RefUpdate } from '../ports.js';
import { transactionProblem } from '../ref-names.js';
import { acquireLock, lockAge, replaceLocked, STALE_LOCK_MS, swapLocked } from './lockfile.js';
import { dirname, join } from './paths.js';

export class FsRefStore implements RefStore {
  constructor(
    private readonly fs: FileSystem,
    /** where HEAD lives (a linked worktree has its own) */
    private readonly gitdir: string,
    /** where refs/ and packed-refs live */
    private readonly commondir: string,
    /** whether updates are logged (git keeps reflogs in repositories with a working tree) */
    private readonly reflog: boolean,
    private readonly durability: Durability = 'fsync',
  ) {}

  private refPath(name: string): string {
    return name === 'HEAD' ? join(this.gitdir, 'HEAD') : join(this.commondir, name);
  }

  private async readText(path: string): Promise<string | undefined> {
    const bytes = await this.fs.readFile(path);
    return bytes && fromUtf8(bytes);
  }

  private async readLoose(name: string): Promise<string | undefined> {
    return (await this.readText(this.refPath(name)))?.trim();
  }

  private async readPacked(): Promise<Map<string, string>> {
    const refs = new Map<string, string>();
    const text = (await this.readText(join(this.commondir, 'packed-refs'))) ?? '';
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#') || line.startsWith('^')) continue;
      const space = line.indexOf(' ');
      refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  }

  async symbolicTarget(name: string): Promise<string | undefined> {
    const value = await this.readLoose(name);
    return value?.startsWith('ref: ') ? value.slice(5).trim() : undefined;
  }

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
      for (const entry of await this.fs.list(join(this.commondir, rel))) {
        const child = `${rel}${entry.name}`;
        if (entry.isDirectory) await walk(`${child}/`);
        else if (locks || !entry.name.endsWith('.lock')) names.add(child);
      }
    };
    await walk(prefix);
    return [...names].sort();
  }

  /**
   * Moves `name` from `expected` (null: must not exist) to `next`, or throws StaleBranchError when
   * someone else moved it first. The new value is flushed before it is renamed into place, that
   * flush overlapping with `after` (the objects' own).
   */
  async update(name: string, next: string, expected: string | null, log?: RefLogEntry, after?: Promise<unknown>): Promise<void> {
    if (expected === null) await this.assertNoClash(name);
    const path = this.refPath(name);
    await this.fs.mkdirp(dirname(path));
    await swapLocked(this.fs, this.commondir, path, name, utf8(`${next}\n`), () => this.check(name, expected), this.durability, after);
    if (this.reflog && log) await this.appendReflog(name, expected, next, log);
  }

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
    await this.fs.mkdirp(dirname(path));
    const lock = await acquireLock(this.fs, path, name);
    try {
      await this.check(name, expected);
      if ((await this.readPacked()).has(name)) await this.rewritePacked(new Map([[name, null]]));
      await this.fs.remove(path);
      await this.fs.remove(join(this.commondir, 'logs', name));
    } finally {
      await lock.abort();
      await this.removeEmptyParents(name);
    }
  }

  private async check(name: string, expected: string | null): Promise<void> {
    const actual = await this.read(name);
    if (actual !== expected) throw new StaleBranchError({ branch: name.replace(/^refs\/heads\//, ''), expected, actual });
  }

  /**
   * Rewrites packed-refs under git's packed-refs.lock with `changes` made: a ref set to its new
   * value (null: dropped), its peeled `^` line dropped with it. The file stays sorted; new entries
   * carry no peeled line, so the header claims no peeling (git then peels by reading the object).
   */
  private async rewritePacked(changes: ReadonlyMap<string, string | null>): Promise<void> {
    const path = join(this.commondir, 'packed-refs');
    await replaceLocked(this.fs, path, 'packed-refs', async () => {
      const entries = new Map<string, string[]>();
      let header: string | undefined;
      let current: string[] | undefined;
      for (const line of ((await this.readText(path)) ?? '').split('\n')) {
        if (!line) continue;
        if (line.startsWith('#')) header ??= line;
        else if (line.startsWith('^')) current?.push(line);
        else entries.set(line.slice(line.indexOf(' ') + 1), (current = [line]));
      }
      for (const [name, next] of changes) {
        if (next === null) entries.delete(name);
        else entries.set(name, [`${next} ${name}`]);
      }
      if (!entries.size) return new Uint8Array(0);
      const added = [...changes.values()].some((v) => v !== null);
      const lines = [added || !header ? '# pack-refs with: sorted ' : header];
      for (const name of [...entries.keys()].sort(byteOrder)) lines.push(...entries.get(name)!);
      return utf8(`${lines.join('\n')}\n`);
    }, this.durability);
  }

  /**
   * Updates, creates and deletes refs as one (ports.ts): every `<ref>.lock` taken, in name order,
   * and every ref checked, before anything moves; then one packed-refs rewrite holds all the new
   * values (one flush for a thousand refs, where a loose file each costs a flush each), and the
   * loose files that would hide them are removed. A crash between those two steps leaves the refs
   * that had loose files at their old values (git's own multi-ref updates are no more atomic).
   */
  async transaction(updates: readonly RefUpdate[], log?: RefLogEntry): Promise<void> {
    if (!updates.length) return;
    const sorted = [...updates].sort((a, b) => byteOrder(a.name, b.name));
    // names checked before any lock is taken (a name given twice would wait for its own lock)
    const problem = transactionProblem(sorted, await this.list('refs/'));
    if (problem) throw new InvalidRefNameError(problem);
    const locks: NewFile[] = [];
    try {
      for (const u of sorted) {
        const path = this.refPath(u.name);
        await this.fs.mkdirp(dirname(path));
        locks.push(await acquireLock(this.fs, path, u.name));
      }
      for (const u of sorted) await this.check(u.name, u.expected);
      await this.rewritePacked(new Map(sorted.map((u) => [u.name, u.next])));
      for (const u of sorted) {
        // a deleted ref whose name a created one made a folder (z → z/inner) has no file left
        if (!(await this.fs.stat(this.refPath(u.name)))?.isDirectory) await this.fs.remove(this.refPath(u.name));
        if (u.next === null) await this.fs.remove(join(this.commondir, 'logs', u.name));
        else if (this.reflog && log) await this.appendReflog(u.name, u.expected, u.next, log);
      }
    } finally {
      for (const lock of locks) await lock.abort();
      for (const u of sorted) if (u.next === null) await this.removeEmptyParents(u.name);
    }
  }

  /** Removes directories a deleted ref leaves empty, below its namespace (`refs/heads/a/b` → `refs/heads/a`). */
  private async removeEmptyParents(name: string): Promise<void> {
    const parts = name.split('/');
    for (let n = parts.length - 1; n > 2; n--) {
      if (!(await this.fs.removeDirectory(join(this.commondir, ...parts.slice(0, n))))) return;
      await this.fs.removeDirectory(join(this.commondir, 'logs', ...parts.slice(0, n)));
    }
  }

  /**
   * Removes the lock files of refs (`<ref>.lock` under refs/, and `packed-refs.lock`) older than `olderThanMs`,
   * left by writers that died; returns them, relative to the repository. A younger lock may
   * belong to a live writer and is left alone.
   */
  async clearStaleLocks(olderThanMs = STALE_LOCK_MS): Promise<string[]> {
    const removed: string[] = [];
    for (const { name } of await this.staleLocks(olderThanMs)) {
      await this.fs.remove(join(this.commondir, name));
      removed.push(name);
    }
    return removed;
  }

  /** The ref lock files (as clearStaleLocks() finds them) older than `olderThanMs`, with their ages; nothing is removed. */
  async staleLocks(olderThanMs = STALE_LOCK_MS): Promise<{ name: string; ageMs: number }[]> {
    const locks = (await this.list('refs/', true)).filter((name) => name.endsWith('.lock'));
    const stale: { name: string; ageMs: number }[] = [];
    for (const name of ['packed-refs.lock', ...locks]) {
      const ageMs = await lockAge(this.fs, join(this.commondir, name));
      if (ageMs !== undefined && ageMs >= olderThanMs) stale.push({ name, ageMs });
    }
    return stale;
  }

  private async appendReflog(name: string, from: string | null, to: string, log: RefLogEntry): Promise<void> {
    const path = join(this.commondir, 'logs', name);
    const line = `${from ?? '0'.repeat(40)} ${to} ${formatPerson(log.who)}\t${log.message.split('\n')[0]}\n`;
    await this.fs.mkdirp(dirname(path));
    await this.fs.append(path, utf8(line));
  }
}

/** git's order of ref names: by bytes (the names are ASCII-safe UTF-8, so code units order them the same). */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function clash(name: string, existing: string): InvalidRefNameError {
  return new InvalidRefNameError({
    name,
    reason: `it clashes with the existing ref ${existing}: git keeps refs as files, so a name cannot also be a folder of others`,
  });
}
