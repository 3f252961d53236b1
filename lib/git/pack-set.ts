// All packs of a repository: found by listing objects/pack (again whenever the directory changes,
// so packs written by git or another process appear), searched newest first.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GitObject } from './object-store.js';
import { PackFile } from './pack-reader.js';

export class PackSet {
  private packs: PackFile[] = [];
  private seen = -1;

  constructor(readonly dir: string) {}

  /** Re-lists the pack directory if it changed since the last look. */
  refresh(force = false): void {
    let mtime: number;
    try {
      mtime = statSync(this.dir).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (!force && mtime === this.seen) return;
    this.seen = mtime;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.idx'));
    } catch {
      // no pack directory yet
    }
    const bases = new Set(names.map((n) => join(this.dir, n.slice(0, -4))));
    const kept = this.packs.filter((p) => bases.has(p.base));
    for (const p of this.packs) if (!bases.has(p.base)) p.close();
    const known = new Set(kept.map((p) => p.base));
    for (const base of bases) {
      if (known.has(base)) continue;
      try {
        const pack = PackFile.load(base);
        if (pack) kept.unshift(pack);
      } catch {
        // an index being written or removed right now: the next refresh sees it settled
      }
    }
    this.packs = kept;
  }

  get all(): readonly PackFile[] {
    this.refresh();
    return this.packs;
  }

  locate(oid: string): { pack: PackFile; offset: number } | undefined {
    const raw = Buffer.from(oid, 'hex');
    // the packs already known first; the directory is looked at again only on a miss
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt === 1) this.refresh();
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
  withEntry<T>(oid: string, use: (pack: PackFile, offset: number) => T): T | undefined {
    const hit = this.locate(oid);
    if (!hit) return undefined;
    try {
      return use(hit.pack, hit.offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.refresh(true);
      const again = this.locate(oid);
      return again && use(again.pack, again.offset);
    }
  }

  read(oid: string): GitObject | undefined {
    return this.withEntry(oid, (pack, offset) => pack.read(offset, (base) => this.read(base)));
  }

  has(oid: string): boolean {
    return this.locate(oid) !== undefined;
  }
}
