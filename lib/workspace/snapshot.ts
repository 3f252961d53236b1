// Read-only access to the files of one commit's tree: what a read `{ at: 'v1' }` sees. The staged
// index (StagedTree) answers the same three questions for reads at the workspace head.
import type { Repository } from '../git/repository.js';
import { isTreeMode } from '../git/tree.js';
import { callerCopy } from './bytes.js';
import type { StagedFile } from './staged-tree.js';

export interface TreeReader {
  /** the file's bytes, a copy the caller owns (never the index's or the object cache's own buffer) */
  readFile(path: string): Promise<Uint8Array | undefined>;
  stat(path: string): Promise<StagedFile | 'dir' | undefined>;
  /** stat() answered from memory alone, without a promise (a warm read's fast path); null when
   *  answering needs a read. `remember: false`: a lookup made once (a scan's), not worth keeping. */
  statNow?(path: string, remember?: boolean): StagedFile | 'dir' | undefined | null;
  list(path: string): Promise<Map<string, 'dir' | 'file'>>;
  /** Reads ahead, in storage order, the folders on these paths and the files `want` accepts (by
   *  oid); how many objects that took. */
  prefetch?(paths: readonly string[], want: (oid: string) => boolean): Promise<number>;
}

export class CommitSnapshot implements TreeReader {
  constructor(private readonly repo: Repository, private readonly tree: string) {}

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const entry = await this.repo.lookup(this.tree, path);
    if (!entry) return undefined;
    return callerCopy(await this.repo.readBlob(entry.oid, path));
  }

  async stat(path: string): Promise<StagedFile | 'dir' | undefined> {
    const entry = await this.repo.lookup(this.tree, path);
    if (!entry) return undefined;
    return isTreeMode(entry.mode) ? 'dir' : entry;
  }

  async list(path: string): Promise<Map<string, 'dir' | 'file'>> {
    const result = new Map<string, 'dir' | 'file'>();
    const entry = path ? await this.repo.lookup(this.tree, path) : { mode: '40000', oid: this.tree };
    if (!entry || !isTreeMode(entry.mode)) return result;
    for (const [name, child] of await this.repo.readTree(entry.oid, path)) {
      result.set(name, isTreeMode(child.mode) ? 'dir' : 'file');
    }
    return result;
  }
}
