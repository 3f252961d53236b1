// All packs of a repository: found by listing objects/pack (again whenever the directory changes,
// so packs written by git or another process appear), searched newest first.
import { fromHex } from '../../util/bytes.js';
import type { GitObject } from '../object.js';
import type { FileSystem } from '../ports.js';
import { PackFile, PackGoneError } from './pack-reader.js';
import { join } from './paths.js';

/** How long after a change of the pack directory its mtime is not trusted to show the next change. */
const RACY_MS = 2_000;

/** How many times a read follows an object whose pack was merged away (once per merge it outlived). */
const GONE_RETRIES = 5;

export class PackSet {
  private packs: PackFile[] = [];
  private seen = -1;

  constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
  ) {}

  /** Re-lists the pack directory if it changed since the last look. */
  async refresh(force = false): Promise<void> {
    const mtime = (await this.fs.stat(this.dir))?.mtimeMs ?? 0;
    if (!force && mtime === this.seen) return;
    // racy git: a pack renamed into place later within the same timestamp tick leaves the
    // directory's mtime as it is now, so a listing this close to the last change is not trusted
    // (the next miss lists again); once the directory is quiet, a miss costs one stat
    this.seen = Date.now() - mtime < RACY_MS ? -1 : mtime;
    const names = (await this.fs.list(this.dir)).map((e) => e.name).filter((n) => n.endsWith('.idx'));
    const bases = new Set(names.map((n) => join(this.dir, n.slice(0, -4))));
    const kept = this.packs.filter((p) => bases.has(p.base));
    for (const p of this.packs) if (!bases.has(p.base)) p.close();
    const known = new Set(kept.map((p) => p.base));
    this.packs = kept;
    for (const base of bases) if (!known.has(base)) await this.load(base);
  }

  /** A pack this process has just written, added without listing the directory again. */
  async adopt(name: string): Promise<void> {
    const base = join(this.dir, name);
    if (!this.packs.some((p) => p.base === base)) await this.load(base);
  }

  private async load(base: string): Promise<void> {
    try {
      const pack = await PackFile.load(this.fs, base);
      // a refresh and an adopt (or two refreshes) may both have loaded this pack meanwhile: keep one
      if (pack && this.packs.some((p) => p.base === base)) pack.close();
      else if (pack) this.packs.unshift(pack);
    } catch {
      // an index being written or removed right now: the next refresh sees it settled
    }
  }

  /** Every pack, the directory looked at again first. */
  async all(): Promise<readonly PackFile[]> {
    await this.refresh();
    return this.packs;
  }

  /** The packs as last listed. */
  get known(): readonly PackFile[] {
    return this.packs;
  }

  async locate(oid: string): Promise<{ pack: PackFile; offset: number } | undefined> {
    const raw = fromHex(oid);
    // the packs already known first; the directory is looked at again only on a miss
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt === 1) await this.refresh();
      for (const pack of this.packs) {
        const offset = pack.find(raw);
        if (offset !== undefined) return { pack, offset };
      }
    }
    return undefined;
  }

  /**
   * Runs `use` on the pack entry holding `oid` (undefined when no pack holds it). When another
   * process repacked meanwhile, the index we hold names a pack file that is gone: the directory is
   * listed again and `use` runs once more where the object is now.
   */
  async withEntry<T>(oid: string, use: (pack: PackFile, offset: number) => Promise<T>): Promise<T | undefined> {
    // several writers merging packs at once can move the object more than once while we look:
    // each move leaves a complete pack behind, so listing again finds it; a few tries, then the error
    for (let attempt = 1; ; attempt++) {
      const hit = await this.locate(oid);
      if (!hit) return undefined;
      try {
        return await use(hit.pack, hit.offset);
      } catch (error) {
        if (!(error instanceof PackGoneError) || attempt >= GONE_RETRIES) throw error;
        await this.refresh(true);
      }
    }
  }

  read(oid: string): Promise<GitObject | undefined> {
    return this.withEntry(oid, (pack, offset) => pack.read(offset, (base) => this.read(base)));
  }

  async has(oid: string): Promise<boolean> {
    return (await this.locate(oid)) !== undefined;
  }

  /** The oids in any pack that start with `prefix`. */
  async withPrefix(prefix: string): Promise<Set<string>> {
    const found = new Set<string>();
    for (const pack of await this.all()) for (const oid of pack.withPrefix(prefix)) found.add(oid);
    return found;
  }
}
