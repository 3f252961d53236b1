// Connectivity of a received pack (git's check_connected): before any ref moves, everything the new
// tips reach must be in the pack or already stored. What the repository held before is taken as
// complete, as git takes what its refs reach (a fetch publishes nothing unchecked). So a received
// commit's tree is compared with its first parent's, folder by folder on the raw bytes, and only
// the entries that differ are followed: an entry equal to the parent's version is connected because
// the parent's tree is, being stored, or received and checked the same way (down to a stored
// parent, or a root whose tree is walked whole). The cost follows the change, not the trees' size.
import { parseCommit } from '../commit.js';
import type { GitObject, PendingObject } from '../object.js';
import type { Repository } from '../repository.js';
import { parseTag } from '../tag.js';
import { changedRawEntries } from '../tree-diff.js';
import { forEachTreeOid, isTreeMode } from '../tree.js';
import { RemoteProtocolError } from './errors.js';

/** Trees smaller than this (bytes; ~25 entries) holding no folder are checked whole, without their earlier version. */
const SMALL_TREE = 1024;

/** At most this many bytes of small trees are kept from the pass over the pack (the rest are read again). */
const SMALL_KEPT = 32 << 20;

/** Work done by checks since the process started (tests assert it follows the change). */
export const connectivityWork = { treesCompared: 0, entriesChecked: 0 };

/** The received pack, indexed: which oids it holds, and each read again. */
export interface ReceivedObjects {
  has(oid: string): boolean;
  read(oid: string): Promise<GitObject | undefined>;
}

interface Entry {
  oid: string;
  mode: string;
  /** the earlier version's folder at this name, when both are folders */
  before?: string;
}

function entriesOf(content: Uint8Array, where: string): Entry[] {
  const entries: Entry[] = [];
  forEachTreeOid(content, where, (oid, mode) => entries.push({ oid, mode }));
  return entries;
}

/** The entries of `content` that differ from those of its earlier version `old` (raw, in step). */
function changedFrom(old: Uint8Array, content: Uint8Array, where: string): Entry[] {
  connectivityWork.treesCompared++;
  const entries: Entry[] = [];
  for (const change of changedRawEntries(old, content, where)) {
    if (!change.after) continue;
    const before = change.before && isTreeMode(change.before.mode) ? change.before.oid : undefined;
    entries.push({ ...change.after, ...(before && { before }) });
  }
  return entries;
}

/** Gathers the received commits and tags as the pack is indexed (`visit`), then checks them (`check`). */
export class Connectivity {
  private readonly commits = new Map<string, { tree: string; parents: readonly string[] }>();
  private readonly tags = new Map<string, string>();
  // small trees' bytes kept as they pass (a record's folder: most trees of a pack), up to a
  // bound: the check needs them whole, and reading each again would cost an inflate
  private readonly small = new Map<string, Uint8Array>();
  private smallBytes = 0;

  readonly visit = (object: PendingObject): void => {
    if (object.type === 'commit') {
      const commit = parseCommit(object.oid, object.content);
      this.commits.set(object.oid, { tree: commit.tree, parents: commit.parents });
    } else if (object.type === 'tag') {
      // a malformed tag is a CorruptObjectError (the fetch refuses the pack), not a tag of nothing
      this.tags.set(object.oid, parseTag(object.oid, object.content).object);
    } else if (object.type === 'tree' && object.content.length < SMALL_TREE && this.smallBytes < SMALL_KEPT) {
      this.small.set(object.oid, object.content.slice()); // a copy: the indexer reuses its buffers after the visit
      this.smallBytes += object.content.length + 100; // with the map's own cost
    }
  };

  /** RemoteProtocolError 'unexpected' when something `wants` reach is neither received nor stored. */
  async check(repo: Repository, pack: ReceivedObjects, wants: readonly string[], url: string): Promise<void> {
    const fail = (detail: string) => new RemoteProtocolError({ url, reason: 'unexpected', detail });
    const present = async (oid: string, what: string) => {
      if (!pack.has(oid) && !(await repo.hasObject(oid))) throw fail(`the pack lacks ${oid} (${what})`);
    };
    /** a tree's bytes, received or stored; undefined when absent (its version is then walked whole) */
    const treeBytes = async (oid: string): Promise<Uint8Array | undefined> => {
      const object = pack.has(oid) ? await pack.read(oid) : await repo.tryReadObject(oid);
      return object?.type === 'tree' ? object.content : undefined;
    };
    // received trees whose every entry is (being) checked: one reached again is not walked again
    const checked = new Set<string>();
    const checkTree = async (tree: string, before: string | null, by: string): Promise<void> => {
      if (!pack.has(tree)) return present(tree, `named by ${by}`);
      if (checked.has(tree)) return;
      checked.add(tree);
      const kept = this.small.get(tree);
      this.small.delete(tree); // a tree is checked once
      const object = kept ? { type: 'tree', content: kept } : await pack.read(tree);
      if (object?.type !== 'tree') throw fail(`${tree}, named by ${by} as a tree, is a ${object?.type}`);
      // a small folder of files only (a record's) is looked up whole: reading its earlier version
      // would cost more than its few lookups
      const small = object.content.length < SMALL_TREE ? entriesOf(object.content, tree) : undefined;
      const old = before && !(small && !small.some((e) => isTreeMode(e.mode))) ? await treeBytes(before) : undefined;
      const entries = old ? changedFrom(old, object.content, tree) : (small ?? entriesOf(object.content, tree));
      for (const entry of entries) {
        if (entry.mode === '160000') continue; // a submodule's commit lives in another repository
        connectivityWork.entriesChecked++;
        if (isTreeMode(entry.mode)) await checkTree(entry.oid, entry.before ?? null, tree);
        else await present(entry.oid, `named by ${tree}`);
      }
    };
    /** the tree of a stored commit (the version a received child is compared with), if it is there */
    const storedTree = async (oid: string): Promise<string | null> => {
      const object = await repo.tryReadObject(oid);
      return object?.type === 'commit' ? parseCommit(oid, object.content).tree : null;
    };

    const seen = new Set<string>();
    const stack: [string, string][] = wants.map((oid) => [oid, 'a wanted object']);
    while (stack.length > 0) {
      const [oid, what] = stack.pop()!;
      if (seen.has(oid)) continue;
      seen.add(oid);
      if (!pack.has(oid)) {
        await present(oid, what); // stored before this fetch: complete
        continue;
      }
      const commit = this.commits.get(oid);
      const target = this.tags.get(oid);
      if (commit) {
        for (const parent of commit.parents) {
          if (!pack.has(parent)) await present(parent, `parent of ${oid}`);
          else stack.push([parent, `parent of ${oid}`]);
        }
        const first = commit.parents[0];
        const base = first === undefined ? null : (this.commits.get(first)?.tree ?? (await storedTree(first)));
        await checkTree(commit.tree, base, oid);
      } else if (target) stack.push([target, `named by ${oid}`]);
      else if ((await pack.read(oid))?.type === 'tree') await checkTree(oid, null, what);
    }
  }
}
