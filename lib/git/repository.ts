// A repository above the storage seam: typed reads of commits, trees and blobs through caches keyed
// by oid, revision expressions, and writing commits and tags, over any RepositoryBackend (the git
// directory on disk, memory). Repository.open(path) opens the git directory at a path through the
// opener the entry point installs (lib/index.ts: Node's file system).
import { CorruptObjectError, RefNotFoundError } from '../errors.js';
import { Lru } from '../util/lru.js';
import { type Commit, type CommitData, parseCommit, serializeCommit } from './commit.js';
import type { GitConfig } from './config.js';
import { type GitObject, hashObject, type PendingObject } from './object.js';
import type { MaintenanceResult, ObjectDatabase, OpenRepositoryOptions, RefStore, RepositoryBackend } from './ports.js';
import { peelToCommit, resolveRevision } from './rev-parse.js';
import { serializeTag, type TagData } from './tag.js';
import { CommitGraph, type CommitNode } from './commit-graph.js';
import { buildCommitGraph } from './commit-graph-write.js';
import { findEntry, INDEX_ABOVE, TreeOffsets } from './tree-entry.js';
import { isTreeMode, parseTree, type TreeEntry } from './tree.js';

export type { OpenRepositoryOptions } from './ports.js';

/** A parsed tree, as cached by oid: readonly, shared by every reader. */
export type Tree = ReadonlyMap<string, TreeEntry>;

/** Makes the backend for a path (installed by the entry point: the git directory on Node's file system). */
export type PathOpener = (path: string, options: OpenRepositoryOptions) => Promise<RepositoryBackend>;

let pathOpener: PathOpener | undefined;

/** Installs how Repository.open turns a path into a backend. */
export function installPathOpener(open: PathOpener): void {
  pathOpener = open;
}

/** What the caches hold by default: 32 MiB of objects, 16 MiB of parsed trees (~110,000
 *  entries), 8 MiB of large trees' offset tables, 4 MiB of commits. */
export const REPOSITORY_CACHE_BYTES = 64 << 20;

/** A batch this small is what the next reads want; an import of 300,000 would only churn the cache. */
const CACHE_WRITES_UP_TO = 256;

export class Repository {
  // Every cache is bounded by (estimated) bytes, sized together by sizeCaches().
  /** Parsed commits, weighed by their message and ~300 bytes of fields. */
  private readonly commits = new Lru<string, Commit>(0, (commit) => commit.message.length + 300);
  /** Parsed trees, weighed at ~150 bytes per entry (a map entry, a name, an oid string): one
   *  folder of 10,000 objects is ~1.5 MB parsed, and every commit to it makes a new one. */
  private readonly trees = new Lru<string, Tree>(0, (tree) => tree.size * 150 + 100);
  /** Objects recently read or written: reads after writes cost nothing. Shared with callers of
   *  readObject and readBlob, who copy before handing bytes further. */
  private readonly recent = new Lru<string, GitObject>(0, (o) => o.content.length + 100);
  /** Tables of entry offsets of large trees read whole, with their bytes. */
  private readonly offsets = new Lru<string, TreeOffsets>(0, (table) => table.weight);
  /** Large trees looked up once, by a scan, with the name asked and the answer: the same name
   *  again is answered from here (a command probes a path, then reads it; history asks for
   *  `page-0` in a version of its folder, then the object's load asks again); another name builds
   *  the table. */
  private readonly scannedOnce = new Lru<string, { name: string; entry: TreeEntry | undefined }>(4096);

  /** The last commit-graph parsed, with the bytes it was parsed from. */
  private graph: { bytes: Uint8Array; graph: CommitGraph | undefined } | undefined;

  constructor(readonly backend: RepositoryBackend) {
    this.sizeCaches(REPOSITORY_CACHE_BYTES);
  }

  /**
   * Bounds the caches to about `bytes` in all: half for objects, a quarter for parsed trees, an
   * eighth for the offset tables of large trees, a sixteenth for commits.
   */
  sizeCaches(bytes: number): void {
    this.recent.resize(bytes / 2);
    this.trees.resize(bytes / 4);
    this.offsets.resize(bytes / 8);
    this.commits.resize(bytes / 16);
  }

  /** A repository over any backend (new MemoryBackend(), a git directory on another file system). */
  static over(backend: RepositoryBackend): Repository {
    return new Repository(backend);
  }

  /** The repository at a path, found or created (see OpenRepositoryOptions). */
  static async open(path: string, options: OpenRepositoryOptions = {}): Promise<Repository> {
    if (!pathOpener) {
      throw new Error('gitmodel: this build opens no repositories by path; open a workspace over a backend (new MemoryBackend()) instead');
    }
    return new Repository(await pathOpener(path, options));
  }

  /**
   * The backend's object database, uncached: reads through it are not kept for later ones, and
   * writes through it not either (writeObjects, readObject and hasObject go through the cache).
   */
  get objects(): ObjectDatabase {
    return this.backend.objects;
  }

  /** The backend's refs. */
  get refs(): RefStore {
    return this.backend.refs;
  }

  /** the working tree, for a repository with a checkout */
  get workdir(): string | undefined {
    return this.backend.workdir;
  }

  get bare(): boolean {
    return this.backend.workdir === undefined;
  }

  /** The object, or undefined when the repository does not have it. Shared: do not change its bytes. */
  async tryReadObject(oid: string): Promise<GitObject | undefined> {
    const hit = this.recent.get(oid);
    if (hit) return hit;
    const object = await this.backend.objects.read(oid);
    if (object) this.recent.set(oid, object);
    return object;
  }

  /** The object (CorruptObjectError when it is missing). Shared: do not change its bytes. */
  async readObject(oid: string, where = oid): Promise<GitObject> {
    const object = await this.tryReadObject(oid);
    if (!object) throw new CorruptObjectError({ path: where, reason: 'object is missing from the repository' });
    return object;
  }

  /**
   * Reads objects ahead into the cache, in the order the backend stores them: a scan then reads a
   * pack front to back instead of at random. Keep a batch well below the cache's size.
   */
  async prefetch(oids: Iterable<string>): Promise<void> {
    if (!this.backend.objects.readMany) return; // any other backend reads as fast in any order
    const wanted = [...oids].filter((oid) => this.recent.get(oid) === undefined);
    for (const [oid, object] of await this.backend.objects.readMany(wanted)) this.recent.set(oid, object);
  }

  async hasObject(oid: string): Promise<boolean> {
    return this.recent.get(oid) !== undefined || this.backend.objects.has(oid);
  }

  /** Writes objects all or nothing; a small batch is kept for the reads that follow. */
  async writeObjects(objects: readonly PendingObject[]): Promise<void> {
    await this.backend.objects.write(objects);
    if (objects.length <= CACHE_WRITES_UP_TO) for (const object of objects) this.recent.set(object.oid, object);
  }

  /** Serializes, hashes and writes a commit, with `withObjects` (its new trees and blobs) in the same batch; its oid. */
  async writeCommit(data: CommitData, withObjects: readonly PendingObject[] = []): Promise<string> {
    const { oid, written } = this.startCommit(data, withObjects);
    await written;
    return oid;
  }

  /**
   * writeCommit, with the oid known at once and the writing under way: a ref update given
   * `written` as its `after` prepares its own file meanwhile (their flushes overlap).
   */
  startCommit(data: CommitData, withObjects: readonly PendingObject[] = []): { oid: string; written: Promise<void> } {
    const content = serializeCommit(data);
    const oid = hashObject('commit', content);
    return { oid, written: this.writeObjects([...withObjects, { type: 'commit', oid, content }]) };
  }

  /** Serializes, hashes and writes an annotated tag object; its oid. */
  async writeTag(data: TagData): Promise<string> {
    const content = serializeTag(data);
    const oid = hashObject('tag', content);
    await this.writeObjects([{ type: 'tag', oid, content }]);
    return oid;
  }

  async readCommit(oid: string): Promise<Commit> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const object = await this.readObject(oid);
    if (object.type !== 'commit') throw new CorruptObjectError({ path: oid, reason: `expected a commit, found a ${object.type}` });
    const commit = parseCommit(oid, object.content);
    this.commits.set(oid, commit);
    return commit;
  }

  async readTree(oid: string, where = oid): Promise<Tree> {
    const hit = this.trees.get(oid);
    if (hit) return hit;
    const object = await this.readObject(oid, where);
    if (object.type !== 'tree') throw new CorruptObjectError({ path: where, reason: `expected a tree, found a ${object.type}` });
    const tree = parseTree(object.content, where);
    this.trees.set(oid, tree);
    return tree;
  }

  /** A file's bytes. Shared with the cache: callers copy before handing them out. */
  async readBlob(oid: string, where = oid): Promise<Uint8Array> {
    const object = await this.readObject(oid, where);
    if (object.type !== 'blob') throw new CorruptObjectError({ path: where, reason: `expected a file, found a ${object.type}` });
    return object.content;
  }

  /**
   * One entry of a tree, by name. A large tree that the backend can search in place (a tree packed
   * uncompressed) is scanned up to where the name sorts; any other tree is read whole. The first
   * lookup in a large tree scans its bytes up to where the name sorts (a history walk or a
   * one-object command looks in each tree once); the second builds a table of its entries'
   * offsets, kept for the lookups after it, each a binary search.
   */
  async readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined> {
    const table = this.offsets.get(tree);
    if (table) return table.find(name);
    const before = this.scannedOnce.get(tree);
    if (before?.name === name) return before.entry;
    const again = before !== undefined;
    const cached = this.recent.get(tree);
    if (!cached && this.backend.objects.readTreeEntry) {
      const scanned = await this.backend.objects.readTreeEntry(tree, name, again);
      if (scanned?.offsets) this.offsets.set(tree, scanned.offsets);
      else if (scanned) this.scannedOnce.set(tree, { name, entry: scanned.entry });
      if (scanned) return scanned.entry;
    }
    const object = cached ?? (await this.readObject(tree));
    if (object.type !== 'tree') throw new CorruptObjectError({ path: tree, reason: `expected a tree, found a ${object.type}` });
    if (object.content.length <= INDEX_ABOVE) return findEntry(object.content, name, tree);
    if (!again) {
      const entry = findEntry(object.content, name, tree);
      this.scannedOnce.set(tree, { name, entry });
      return entry;
    }
    const offsets = new TreeOffsets(object.content, tree);
    this.offsets.set(tree, offsets);
    return offsets.find(name);
  }

  /**
   * The entry at a slash-separated path below a tree, or undefined when there is none. Each tree
   * on the path is searched in its raw bytes, never parsed whole.
   */
  async lookup(treeOid: string, path: string): Promise<TreeEntry | undefined> {
    let entry: TreeEntry | undefined = { mode: '40000', oid: treeOid };
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (!entry || !isTreeMode(entry.mode)) return undefined;
      entry = await this.readTreeEntry(entry.oid, parts[i]);
    }
    return entry;
  }

  /** The one object an abbreviated oid (4 to 39 hex digits) names; undefined when none or several. */
  expand(prefix: string): Promise<string | undefined> {
    return this.backend.objects.expand(prefix);
  }

  /**
   * Resolves a revision to a commit oid, as `git rev-parse` would (rev-parse.ts). `HEAD` means
   * `head` when given (a workspace's own branch).
   */
  resolve(rev: string, head?: string): Promise<string> {
    return resolveRevision(
      {
        readCommit: (oid) => this.readCommit(oid),
        tryReadObject: (oid) => this.tryReadObject(oid),
        hasObject: (oid) => this.hasObject(oid),
        readRef: (name) => this.backend.refs.read(name),
        expand: (prefix) => this.expand(prefix),
      },
      rev,
      head,
    );
  }

  /** Branches checked out in a working tree, with its path (none for a backend without worktrees). */
  checkedOut(): Promise<ReadonlyMap<string, string>> {
    return this.backend.checkedOut();
  }

  /** The config git would use in this repository (every level the backend has). */
  config(): Promise<GitConfig> {
    return this.backend.config();
  }

  /**
   * Merges small packs (every pack and loose object with `full`); nothing to do for a backend
   * without packs. With `full`, also rewrites the commit-graph where the backend keeps one.
   */
  async maintain(options: { full?: boolean } = {}): Promise<MaintenanceResult> {
    const result = (await this.backend.objects.maintain?.({ full: options.full ?? false })) ?? { packsMerged: 0, looseObjectsPacked: 0, packs: 0 };
    if (options.full) await this.writeCommitGraph();
    return result;
  }

  /**
   * The repository's commit-graph (commit-graph.ts) when it has one that checks out, else
   * undefined. Parsed once per file: the backend hands out the same bytes while it is unchanged.
   */
  async commitGraph(): Promise<CommitGraph | undefined> {
    const bytes = await this.backend.objects.readCommitGraph?.();
    if (!bytes) return undefined;
    if (this.graph?.bytes !== bytes) this.graph = { bytes, graph: CommitGraph.parse(bytes) };
    return this.graph.graph;
  }

  /** A commit's tree, parents and time: from the commit-graph when it has the commit, else the commit read. */
  async commitNode(oid: string, graph: CommitGraph | undefined): Promise<CommitNode> {
    return graph?.commit(oid) ?? this.readCommit(oid);
  }

  /**
   * Writes the commit-graph of every commit reachable from a ref, with changed-path Bloom filters
   * (what `git commit-graph write --reachable --changed-paths` writes); the number of commits in
   * it, or undefined for a backend that keeps no commit-graph.
   */
  async writeCommitGraph(): Promise<number | undefined> {
    const objects = this.backend.objects;
    if (!objects.writeCommitGraph) return undefined;
    const tips: string[] = [];
    for (const name of ['HEAD', ...(await this.refs.list('refs/'))]) {
      const oid = await this.refs.read(name);
      // a ref naming no commit (a tag of a tree or blob, a missing object) has no place in the graph
      const commit = oid && (await peelToCommit(this, oid, name).catch((error: unknown) => {
        if (error instanceof RefNotFoundError) return undefined;
        throw error;
      }));
      if (commit) tips.push(commit);
    }
    let built;
    try {
      built = await buildCommitGraph(
        { readCommit: (oid) => this.readCommit(oid), readTree: async (oid) => (await this.readObject(oid)).content },
        tips,
        await this.commitGraph(),
      );
    } catch (error) {
      // a commit whose parent is not here (a shallow clone): no graph, as git writes none there;
      // the graph only speeds walks up, so maintenance still succeeds
      if (error instanceof CorruptObjectError) return undefined;
      throw error;
    }
    await objects.writeCommitGraph(built.bytes);
    return built.commits;
  }

  /** Removes ref locks left by writers that died (older than `olderThanMs`); their names. */
  async clearStaleLocks(olderThanMs?: number): Promise<string[]> {
    return (await this.backend.refs.clearStaleLocks?.(olderThanMs)) ?? [];
  }

  /** The ref locks clearStaleLocks() would remove (older than `olderThanMs`), with their ages. */
  async staleLocks(olderThanMs?: number): Promise<{ name: string; ageMs: number }[]> {
    return (await this.backend.refs.staleLocks?.(olderThanMs)) ?? [];
  }
}
