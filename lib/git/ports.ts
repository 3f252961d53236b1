// The storage seam: what the rest of the library asks of wherever a repository lives. An object
// database, a ref store with compare-and-swap, the config, and the branches checked out in working
// trees (libgit2's odb backend and refdb, dulwich's BaseObjectStore and RefsContainer). The git
// directory on a file system (git/fs/) and memory (git/memory/) implement it, and one contract
// suite (test/backend-contract.test.ts) holds both to it. The file system a git directory lives on
// is a port of its own, so that a browser's (OPFS, IndexedDB) can stand in for Node's.
import type { GitConfig } from './config.js';
import type { GitObject, PendingObject } from './object.js';
import type { Person } from './person.js';
import type { TreeOffsets } from './tree-entry.js';
import type { TreeEntry } from './tree.js';

/**
 * How hard writes try to survive a crash. Both write to a temporary name and rename, so a killed
 * process never leaves a torn file. 'fsync' (the default) also flushes each file before it is
 * renamed and the directory after, so a commit that returned survives a power cut. 'atomic' leaves
 * flushing to the operating system, as git does by default for loose objects and refs: much
 * faster, but a power cut can lose the last commits.
 */
export type Durability = 'fsync' | 'atomic';

/** What merging packs did (ObjectDatabase.maintain). */
export interface MaintenanceResult {
  packsMerged: number;
  looseObjectsPacked: number;
  packs: number;
}

/**
 * Where objects live. Implementations share nothing with their callers: they copy what they keep
 * and hand out objects of the caller's own (or data nobody else holds).
 */
/** A pack entry as stored (ObjectDatabase.storedEntry). */
export interface StoredEntry {
  /** the entry's type code: 1–4 a whole object, 6 OFS_DELTA, 7 REF_DELTA */
  type: number;
  /** the size the header gives: the object's, or a delta's */
  size: number;
  /** header and compressed data, exactly as in the pack file */
  bytes: Uint8Array;
  /** where the compressed data starts in `bytes` (after a delta's base reference) */
  headerLength: number;
  /** a delta's base */
  baseOid?: string;
}

export interface ObjectDatabase {
  /** the object, or undefined when this database does not hold it */
  read(oid: string): Promise<GitObject | undefined>;
  has(oid: string): Promise<boolean>;
  /**
   * Stores the objects, all or nothing: no object is visible before every one is stored (durably,
   * where that applies). Objects already stored, or given twice, are harmless.
   */
  write(objects: readonly PendingObject[]): Promise<void>;
  /** the one oid starting with this 4–39 digit prefix; undefined when there is none, or several */
  expand(prefix: string): Promise<string | undefined>;
  /**
   * A fast path: one entry of a stored tree found without reading the tree whole (a large tree
   * kept uncompressed in a pack). `{ entry }` is the answer (no entry: the tree has no such name);
   * undefined means "not here": the caller reads the tree. With `table` (default true), `offsets`,
   * when the tree had to be read whole, is its table of entries for the caller to keep for later
   * lookups; without, a large tree is scanned up to where the name sorts and no table is made.
   */
  readTreeEntry?(tree: string, name: string, table?: boolean): Promise<{ entry?: TreeEntry; offsets?: TreeOffsets } | undefined>;
  /**
   * Many objects read in the order they are stored (pack by pack, by offset): front to back
   * through a pack, several times faster than at random. Missing ones are absent from the map.
   */
  readMany?(oids: readonly string[]): Promise<Map<string, GitObject>>;
  /**
   * Stores a pack built whole in memory (a local fetch or push copying stored entries) as it is,
   * with an index of its entries (oid, offset, CRC-32); the caller has verified every entry.
   * Absent: the caller stores the objects with write().
   */
  addPack?(pack: Uint8Array, index: readonly { oid: string; offset: number; crc: number }[]): Promise<void>;
  /**
   * Receives a pack streamed from elsewhere (a fetch) into a temporary file, so it is never held in
   * memory whole: bytes appended as they arrive, read back to be verified and indexed, then
   * published under its checksum's name with its index, or removed. Absent: the caller holds the
   * pack in memory and stores its objects with write().
   */
  receivePack?(): Promise<IncomingPack>;
  /**
   * The object's pack entry as stored, for copying into another pack without inflating and
   * deflating it (a push, a local fetch); undefined when it is not in a pack. Trusted as read: the
   * receiver of the pack checks it.
   */
  storedEntry?(oid: string): Promise<StoredEntry | undefined>;
  /** Housekeeping: merges small packs (every pack and loose object with `full`), keeping every object. */
  maintain?(options: { full: boolean }): Promise<MaintenanceResult>;
  /**
   * git's commit-graph file (`objects/info/commit-graph`, commit-graph.ts) as stored, undefined when
   * there is none; the same bytes object while the file is unchanged, so its parse can be kept.
   * Absent: a store without one (the walks read every commit).
   */
  readCommitGraph?(): Promise<Uint8Array | undefined>;
  /** Replaces the commit-graph file whole (a reader sees the old file or the new one). */
  writeCommitGraph?(bytes: Uint8Array): Promise<void>;
}

/** What a pack's index records, entry by entry in any order (the index sorts them by oid). */
export interface PackIndexRecords {
  count: number;
  /** 20 bytes an entry */
  oids: Uint8Array;
  crcs: ArrayLike<number>;
  offsets: ArrayLike<number>;
}

/** A pack being received (ObjectDatabase.receivePack). */
export interface IncomingPack {
  /** appends bytes as they arrive */
  write(bytes: Uint8Array): void;
  /** every byte written: the file closed and opened again for reading */
  written(): Promise<RandomAccessFile>;
  /** verified and indexed: renamed into place (flushed when durable), its index written beside it */
  publish(index: PackIndexRecords, checksum: Uint8Array): Promise<void>;
  /** after any failure: the temporary file closed and removed (nothing when already published) */
  abort(): Promise<void>;
}

/** What a ref update records in the ref's log, where the store keeps one. */
export interface RefLogEntry {
  readonly who: Person;
  readonly message: string;
}

/** One ref of a RefStore.transaction: `next` null deletes it, `expected` null creates it. */
export interface RefUpdate {
  readonly name: string;
  readonly next: string | null;
  readonly expected: string | null;
}

/** References with compare-and-swap. Names are full (`refs/heads/main`, `HEAD`). */
export interface RefStore {
  /** the oid a ref points at, following symbolic refs; null when it does not exist */
  read(name: string): Promise<string | null>;
  /** the full name a symbolic ref (HEAD) points to; undefined when it is detached or absent */
  symbolicTarget(name: string): Promise<string | undefined>;
  /** full names of the refs under a prefix such as `refs/heads/`, sorted */
  list(prefix: string): Promise<string[]>;
  /**
   * Moves `name` from `expected` (null: it must not exist) to `next`, or throws StaleBranchError
   * (carrying the actual value) when it points elsewhere. A new name must not clash (assertNoClash).
   * `after`: the ref moves only once it resolves (the writing of the objects `next` names), and
   * not at all if it rejects; what the update can do before (its own file) overlaps with it.
   */
  update(name: string, next: string, expected: string | null, log?: RefLogEntry, after?: Promise<unknown>): Promise<void>;
  /** Deletes `name` if it still points at `expected` (else StaleBranchError). */
  delete(name: string, expected: string): Promise<void>;
  /**
   * Several updates as one (names under refs/, each once): every ref checked against its
   * `expected` under its lock before any moves, so all move or none does (StaleBranchError naming
   * the first that moved; InvalidRefNameError for a clash). A git directory writes them all in one
   * packed-refs rewrite, one flush for the lot (git's own transactions flush each loose ref).
   */
  transaction(updates: readonly RefUpdate[], log?: RefLogEntry): Promise<void>;
  /**
   * Refuses (InvalidRefNameError) a new name git could not store beside the existing ones:
   * `refs/heads/a` and `refs/heads/a/b` cannot both exist.
   */
  assertNoClash(name: string): Promise<void>;
  /** Removes locks left by writers that died, older than `olderThanMs`; returns their names. */
  clearStaleLocks?(olderThanMs?: number): Promise<string[]>;
  /** The locks clearStaleLocks() would remove, with their ages; nothing is removed. */
  staleLocks?(olderThanMs?: number): Promise<{ name: string; ageMs: number }[]>;
}

/** One repository's storage. */
export interface RepositoryBackend {
  readonly objects: ObjectDatabase;
  readonly refs: RefStore;
  /** the working tree of a repository with a checkout (gitmodel never writes it); undefined when bare */
  readonly workdir?: string;
  /** names the repository in messages: its path, or what kind of store it is */
  readonly describe: string;
  /**
   * The config git would use in this repository: every level it has (system, user, repository,
   * environment for a git directory on Node), lowest first, so that `get` gives the winning value.
   */
  config(): Promise<GitConfig>;
  /** branches checked out in a working tree (full ref name → the tree's path); empty without worktrees */
  checkedOut(): Promise<ReadonlyMap<string, string>>;
  /**
   * Edits the repository's own config (remotes): each section replaced or removed, the rest kept.
   * A git directory rewrites its `config` under `config.lock`, as git does. Absent: read-only config.
   */
  editConfig?(edits: readonly ConfigEdit[]): Promise<void>;
  /** Files derived from the repository (query indexes), kept beside it; absent: kept in memory only. */
  readonly derived?: DerivedFiles;
}

/**
 * Caches derived from the repository's objects, outside every tree, ref and index (a git
 * directory keeps them under `<commondir>/gitmodel/`). Deleting any of them is always safe, so
 * writes need no flush and a failed write is not an error to anyone. Names are '/'-separated
 * relative paths of plain segments.
 */
export interface DerivedFiles {
  /** the file's bytes, undefined when absent */
  read(name: string): Promise<Uint8Array | undefined>;
  /** writes the file whole (a reader sees the old bytes or the new, never part) */
  write(name: string, bytes: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
  /** names of the files directly under a folder, sorted */
  list(folder: string): Promise<string[]>;
}

/** One edit of a repository's config: a section's entries replaced (in order), or the section removed (null). */
export interface ConfigEdit {
  readonly section: string;
  readonly subsection?: string;
  readonly entries: readonly (readonly [string, string])[] | null;
}

/** How Repository.open makes a repository at a path. */
export interface OpenRepositoryOptions {
  /** create a bare repository when none is there (default true) */
  create?: boolean;
  /** whether writes are flushed to disk before they count (default 'fsync') */
  durability?: Durability;
  /** the branch HEAD names in a repository created here */
  initialBranch?: string;
}

// ---- the file system a git directory lives on ----

export interface FileStat {
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface DirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** A file open for positional reads (packs). Synchronous: Node's readSync, OPFS's sync access handle. */
export interface RandomAccessFile {
  /** `length` bytes from `position`, fewer at the end of the file; the bytes are the caller's */
  read(position: number, length: number): Uint8Array;
  size(): number;
  close(): void;
}

/** A file being written; appends are synchronous (a pack streams through many of them). */
export interface NewFile {
  write(bytes: Uint8Array): void;
  /** closes the file, flushing it to disk first when `durable` */
  close(durable: boolean): Promise<void>;
  /** closes the file and removes it */
  abort(): Promise<void>;
}

/**
 * A file system: Node's (git/fs/node-fs.ts), or a browser's. Paths are absolute, separated by
 * '/'. Absent files are answered (undefined, [], false), not thrown; other failures throw.
 */
export interface FileSystem {
  /** an absolute path for `paths` joined (relative ones against the process's directory) */
  resolve(...paths: string[]): string;
  /** the file's bytes, or undefined when there is no such file */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** the file opened for positional reads, or undefined when there is none */
  open(path: string): Promise<RandomAccessFile | undefined>;
  stat(path: string): Promise<FileStat | undefined>;
  /** the entries of a directory; [] when there is none */
  list(dir: string): Promise<DirEntry[]>;
  mkdirp(dir: string): Promise<void>;
  /** creates `path` for writing, only if nothing is there (undefined when something is) */
  createFile(path: string, options?: { readOnly?: boolean }): Promise<NewFile | undefined>;
  /**
   * Makes `to` a second name of the finished file `from`, only if nothing is at `to` (false when
   * something is): a file that appears whole, exclusively (a lock file with its content).
   */
  link(from: string, to: string): Promise<boolean>;
  /** renames over whatever is at `to` */
  rename(from: string, to: string): Promise<void>;
  /** flushes a directory, so the names renamed into it survive a power cut */
  syncDirectory(dir: string): Promise<void>;
  /** appends to a file, creating it if needed (reflogs) */
  append(path: string, bytes: Uint8Array): Promise<void>;
  /** removes a file; nothing when there is none */
  remove(path: string): Promise<void>;
  /** removes a directory: only an empty one (false otherwise, or when absent), or everything in it with `recursive` */
  removeDirectory(path: string, options?: { recursive?: boolean }): Promise<boolean>;
}
