// The workspace index: the branch head's tree with pending changes laid over it, held in memory.
// Directories load lazily by oid; a change marks only the directories on its path dirty, so a
// commit hashes and writes just those, and every untouched subtree keeps its oid. A savepoint
// records what each change overwrote, so a failed batch or transaction is undone exactly.
import { hashObject, type PendingObject } from '../git/object.js';
import type { Repository, Tree } from '../git/repository.js';
import { FILE_MODE, isTreeMode, parseTree, serializeTree, TREE_MODE, type EntryMode, type TreeEntry } from '../git/tree.js';
import { CorruptObjectError } from '../errors.js';
import { findEntry, INDEX_ABOVE, TreeOffsets } from '../git/tree-entry.js';
import { type EntryChange, TreePatches } from '../git/tree-diff.js';
import { callerCopy, keptTreeCopy, storeCopy } from './bytes.js';

interface FileNode {
  kind: 'file';
  mode: EntryMode;
  oid: string;
  /** the content while it is not yet in the object store */
  data: Uint8Array | undefined;
}

interface DirNode {
  kind: 'dir';
  /** undefined while dirty; set once hashed */
  oid?: string;
  /** every entry, once the directory is parsed (on a change or a listing; never for lookups) */
  entries?: Map<string, Node>;
  /** before that, the entries looked up one by one in `raw` */
  looked?: Map<string, Node | undefined>;
  /** where each entry of a large `raw` starts: for binary search, and to patch it at the next commit */
  offsets?: TreeOffsets;
  /** serialized bytes of a hashed tree that is not yet in the object store */
  bytes?: Uint8Array;
  /** the bytes `entries` had when loaded or last hashed, and the names changed since: a large
   *  directory with a few changes is re-encoded by patching, not by sorting every entry again */
  raw?: Uint8Array;
  /** the oid of `raw` (a patch of `raw` records which entries changed from that tree to the new one) */
  rawOid?: string;
  changed?: Set<string>;
  /** names changed since the last commit stored this directory's objects: only they can lead to
   *  new objects, so a commit in a folder of 100,000 does not visit the other entries ('all' for
   *  a folder made here and never stored: a set per new folder would cost ~150 bytes each) */
  unstored?: Set<string> | 'all';
  /** entry names by their case- and normalization-folded form, built when first asked for */
  folded?: Map<string, string>;
}

type Node = FileNode | DirNode;

/**
 * A write, a removal, or a graft: an entry already in the object database (a file or a whole
 * folder, by oid) put at the path without reading it, as a merge takes the other side's unchanged
 * subtrees. The index copies a write's bytes when apply() is called, so the caller's buffer stays
 * the caller's; `oid`, when given, must be the oid of `data` as it is at that call.
 */
export type StageOp =
  | { path: string; data: Uint8Array; oid?: string }
  | { path: string; remove: true }
  | { path: string; entry: TreeEntry };

export interface StagedFile {
  readonly oid: string;
  readonly mode: EntryMode;
}

/** Changes since a savepoint can be undone (rollback) or kept (release). */
export interface Savepoint {
  rollback(): void;
  release(): void;
}

/** What one change overwrote: a directory's entry and hashed state, or the whole root on reset. */
type UndoStep =
  | { dir: DirNode; name: string; entry: Node | undefined; oid?: string; bytes?: Uint8Array; raw?: Uint8Array; rawOid?: string; changed?: Set<string>; had: boolean }
  | { root: DirNode; pending: Map<string, DirNode> };

/** A name as a case-insensitive, normalizing disk (macOS, Windows) sees it. */
export function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Every file node has one shape: an object spread or a field added later gave each its own hidden class (~200 bytes). */
function fileNode(mode: EntryMode, oid: string, data: Uint8Array | undefined): FileNode {
  return { kind: 'file', mode, oid, data };
}

function nodeOf(entry: TreeEntry): Node {
  return isTreeMode(entry.mode) ? { kind: 'dir', oid: entry.oid } : fileNode(entry.mode, entry.oid, undefined);
}

/** Folders with more entries than this are re-encoded by patching their previous bytes. */
const PATCH_ABOVE = 64;

/** Paths statNow() remembers before it starts over: ~100 bytes each. */
const RESOLVED_MAX = 1 << 16;

/** Folders with up to this many entries are written at a spill and kept as their bytes (foldable()). */
const FOLD_UP_TO = PATCH_ABOVE;

/**
 * What a staged file costs in memory besides its bytes until a spill folds its folder: its node,
 * its oid as a string, its folder's node and map (test/scale.test.ts measures it by counts).
 */
const STAGED_FILE_BYTES = 600;

/** The entries of a directory whose bytes are loaded, parsing them now if need be. */
function entriesOf(dir: DirNode, where: string): Map<string, Node> {
  if (!dir.entries) {
    const entries = new Map<string, Node>();
    for (const [name, entry] of parseTree(dir.raw!, where || '/')) entries.set(name, dir.looked?.get(name) ?? nodeOf(entry));
    dir.entries = entries;
    dir.looked = undefined;
  }
  return dir.entries;
}

/**
 * One child of a directory whose bytes (or entries) are loaded. The directory's own path is
 * `path` up to `end`, sliced only when a message or a new offset table needs it: a warm read
 * builds no string it does not look up.
 */
function childOf(dir: DirNode, name: string, path: string, end: number): Node | undefined {
  if (dir.entries) return dir.entries.get(name);
  dir.looked ??= new Map();
  const seen = dir.looked.get(name);
  if (seen !== undefined || dir.looked.has(name)) return seen;
  // a large folder is searched through a table of its entries' offsets, built once: a read in a
  // folder of 100,000 objects compares ~17 names and never parses the folder into a map
  const raw = dir.raw!;
  const where = () => path.slice(0, end) || '/';
  if (raw.length > INDEX_ABOVE && dir.offsets?.raw !== raw) dir.offsets = new TreeOffsets(raw, where());
  const entry = raw.length > INDEX_ABOVE ? dir.offsets!.find(name) : findEntry(raw, name, where());
  const node = entry && nodeOf(entry);
  dir.looked.set(name, node);
  return node;
}

/** The children of a directory that may hold objects not yet stored (every one, when untracked). */
function* unstoredChildren(dir: DirNode): Iterable<Node> {
  for (const [, child] of unstoredEntries(dir)) yield child;
}

function* unstoredEntries(dir: DirNode): Iterable<[string, Node]> {
  if (!dir.unstored || dir.unstored === 'all') return yield* dir.entries!;
  for (const name of dir.unstored) {
    const child = dir.entries!.get(name);
    if (child) yield [name, child];
  }
}

function statOf(node: Node | undefined): StagedFile | 'dir' | undefined {
  if (!node) return undefined;
  return node.kind === 'dir' ? 'dir' : node; // a FileNode is a StagedFile: no copy per read
}

/** What staging holds in memory, for tests and benchmarks: the counters a spill keeps bounded. */
export interface StagingStats {
  /** bytes of staged files held in memory, not yet in the object store */
  unstoredBytes: number;
  /** batches of staged files written to the object store ahead of the commit */
  spills: number;
  /** folders held with their entries parsed, and files held as nodes: what staging costs besides
   *  the bytes (a folder written ahead of the commit is one node, counted in neither) */
  folders: number;
  files: number;
}

export class StagedTree {
  private root: DirNode;
  /** files whose bytes are held here, not yet stored (overwritten ones too, until written or dropped) */
  private held = new Set<FileNode>();
  private heldBytes = 0;
  private spills = 0;
  /** file nodes put since the last spill: each costs ~STAGED_FILE_BYTES until a spill writes its folder */
  private looseFiles = 0;
  /** Trees hashed here but not yet written, so diffs can read them like stored ones (parsed on demand). */
  private pending = new Map<string, DirNode>();
  /** the change lists of large folders re-encoded by patch (upkeep of query indexes reuses them) */
  private readonly patches = new TreePatches();
  /** while a savepoint is open: what each change overwrote, oldest first */
  private undo?: UndoStep[];
  /**
   * Paths looked up since the last change, to what was found: a warm read is then one map lookup,
   * not a walk that slices and looks up each segment (a third of a warm get). Dropped whole on any
   * change (apply, reset, rollback), so it can never answer with a replaced node.
   */
  private resolved = new Map<string, Node | undefined>();

  /**
   * `spillAbove`: once staged bytes not yet stored would exceed it, apply() writes them to the
   * object store as one batch (unreferenced until a commit, as `git add` writes objects before
   * `git commit`) and keeps only their oids, so a large import does not hold every file until it commits.
   */
  constructor(private readonly repo: Repository, base: string | null, private readonly spillAbove = Infinity) {
    this.root = base ? { kind: 'dir', oid: base } : { kind: 'dir', entries: new Map() };
  }

  /** Starts over from a (new) base tree, dropping every staged change. */
  reset(base: string | null): void {
    this.forgetResolved();
    this.undo?.push({ root: this.root, pending: this.pending });
    this.root = base ? { kind: 'dir', oid: base } : { kind: 'dir', entries: new Map() };
    this.pending = new Map();
    // with no savepoint to bring them back, the dropped changes' bytes are unreachable
    if (!this.undo) this.dropHeld();
  }

  get stats(): StagingStats {
    let folders = 0;
    let files = 0;
    const visit = (dir: DirNode): void => {
      if (!dir.entries) return;
      folders++;
      for (const child of dir.entries.values()) {
        if (child.kind === 'dir') visit(child);
        else files++;
      }
    };
    visit(this.root);
    return { unstoredBytes: this.heldBytes, spills: this.spills, folders, files };
  }

  private dropHeld(): void {
    this.held.clear();
    this.heldBytes = 0;
    this.looseFiles = 0;
  }

  /**
   * Marks the index as it is now: rollback() undoes every change made since (a nested savepoint's
   * too), release() keeps them. Only changes are recorded, never a copy of the index.
   */
  savepoint(): Savepoint {
    const outermost = !this.undo;
    const log = (this.undo ??= []);
    const mark = log.length;
    const end = () => {
      if (outermost) this.undo = undefined;
    };
    return {
      rollback: () => {
        while (log.length > mark) this.revert(log.pop()!);
        end();
      },
      release: end,
    };
  }

  private revert(step: UndoStep): void {
    this.forgetResolved();
    if ('root' in step) {
      this.root = step.root;
      this.pending = step.pending;
      return;
    }
    const { dir, name, entry } = step;
    if (entry) dir.entries!.set(name, entry);
    else dir.entries!.delete(name);
    dir.folded = undefined;
    Object.assign(dir, { oid: step.oid, bytes: step.bytes, raw: step.raw, rawOid: step.rawOid, changed: step.changed });
    if (!step.had) step.changed?.delete(name);
    // a tree hashed but not stored must stay readable by oid
    if (dir.oid && dir.bytes) this.pending.set(dir.oid, dir);
  }

  /** Reads a directory's bytes (not parsing them); a directory made here has its entries already. */
  private async load(dir: DirNode, where: string): Promise<void> {
    if (dir.entries || dir.raw) return;
    dir.raw = await this.readRawTree(dir.oid!, where || '/');
    dir.rawOid = dir.oid;
  }

  /** Loads and parses a directory: for changes and listings, which need every entry. */
  private async loadEntries(dir: DirNode, where: string): Promise<Map<string, Node>> {
    await this.load(dir, where);
    return entriesOf(dir, where);
  }

  /**
   * The node at a path found without awaiting (every directory on the way already read: the
   * common case of a read at the head); undefined when absent, null when something must be read.
   */
  private findLoaded(path: string): Node | undefined | null {
    if (!path) return this.root;
    let node: Node | undefined = this.root;
    let at = 0;
    while (node) {
      if (node.kind !== 'dir') return undefined;
      if (!node.entries && !node.raw) return null;
      const slash = path.indexOf('/', at);
      node = childOf(node, path.slice(at, slash < 0 ? path.length : slash), path, Math.max(at - 1, 0));
      if (slash < 0) return node;
      at = slash + 1;
    }
    return undefined;
  }

  /** The node at a path, loading directories on the way; undefined when nothing is there. */
  private async find(path: string): Promise<Node | undefined> {
    const hit = this.findLoaded(path);
    if (hit !== null) return hit;
    let node: Node | undefined = this.root;
    const parts = path ? path.split('/') : [];
    for (let i = 0; i < parts.length; i++) {
      if (node.kind !== 'dir') return undefined;
      const where = parts.slice(0, i).join('/');
      await this.load(node, where);
      node = childOf(node, parts[i], where, where.length);
      if (!node) return undefined;
    }
    return node;
  }

  /**
   * Reads ahead what reading these paths will need, in the order the objects are stored: the
   * folders on the paths, level by level, then the files `want` accepts. A scan of 100,000 objects
   * then reads the pack front to back instead of at random.
   */
  async prefetch(paths: readonly string[], want: (oid: string) => boolean): Promise<number> {
    let walks = paths.map((path) => ({ parts: path.split('/'), at: 0, dir: this.root }));
    const files = new Set<string>();
    let read = 0;
    while (walks.length) {
      const unread: { dir: DirNode; where: string }[] = [];
      const next: typeof walks = [];
      for (const walk of walks) {
        let node: Node | undefined = walk.dir;
        for (; node?.kind === 'dir' && walk.at < walk.parts.length; walk.at++) {
          if (node.entries) {
            node = node.entries.get(walk.parts[walk.at]);
            continue;
          }
          const where = walk.parts.slice(0, walk.at).join('/');
          if (!node.raw) {
            unread.push({ dir: node, where });
            walk.dir = node;
            next.push(walk);
            break;
          }
          node = childOf(node, walk.parts[walk.at], where, where.length);
        }
        if (node?.kind === 'file' && !node.data && want(node.oid)) files.add(node.oid);
      }
      await this.repo.prefetch(unread.map(({ dir }) => dir.oid!));
      for (const { dir, where } of unread) await this.load(dir, where);
      read += unread.length;
      walks = next;
    }
    await this.repo.prefetch(files);
    return read + files.size;
  }

  /** A file's bytes: a copy, since the staged bytes and the object cache's must never change. */
  async readFile(path: string): Promise<Uint8Array | undefined> {
    const node = await this.find(path);
    if (!node) return undefined;
    if (node.kind !== 'file') throw new CorruptObjectError({ path, reason: 'expected a file, found a directory' });
    return callerCopy(node.data ?? (await this.repo.readBlob(node.oid, path)));
  }

  async stat(path: string): Promise<StagedFile | 'dir' | undefined> {
    return statOf(await this.find(path));
  }

  /** `remember: false` for a scan's lookups: each path comes once, and remembering 100,000 of them
   *  cost more than it saved (a scan at 100,000 spent a third of its CPU filling the map). */
  statNow(path: string, remember = true): StagedFile | 'dir' | undefined | null {
    let node = this.resolved.get(path);
    if (node === undefined && !this.resolved.has(path)) {
      const found = this.findLoaded(path);
      if (found === null) return null;
      node = found;
      if (remember) {
        if (this.resolved.size >= RESOLVED_MAX) this.resolved = new Map();
        this.resolved.set(path, node);
      }
    }
    return statOf(node);
  }

  /** How many paths statNow() remembers now (tests). */
  get remembered(): number {
    return this.resolved.size;
  }

  private forgetResolved(): void {
    if (this.resolved.size) this.resolved = new Map();
  }

  /** Names in a directory, with whether each is a directory; empty when the directory is absent. */
  async list(path: string): Promise<Map<string, 'dir' | 'file'>> {
    const node = await this.find(path);
    const result = new Map<string, 'dir' | 'file'>();
    if (!node || node.kind !== 'dir') return result;
    for (const [name, child] of await this.loadEntries(node, path)) result.set(name, child.kind);
    return result;
  }

  /**
   * Applies a set of writes and removals as one step: every directory they touch is loaded first,
   * then all changes are made synchronously (removals first, so a file can replace a folder), so a
   * failure while reading leaves the index unchanged. A write where a folder is, or under a file,
   * is a CorruptObjectError, and the changes already made by the batch are undone.
   */
  async apply(given: StageOp[]): Promise<void> {
    // the index's own copies, taken before anything is awaited: a blob hashed here is the blob
    // written at commit, whatever the caller does with its buffer afterwards
    const ops = given.map((op) => ('data' in op ? { ...op, data: storeCopy(op.data) } : op));
    for (const op of ops) {
      const parts = op.path.split('/');
      let node: Node | undefined = this.root;
      for (let i = 0; i < parts.length - 1 && node?.kind === 'dir'; i++) {
        node = (await this.loadEntries(node, parts.slice(0, i).join('/'))).get(parts[i]);
      }
      if (node?.kind === 'dir') await this.loadEntries(node, parts.slice(0, -1).join('/'));
    }
    const prepared = ops.map((op) => ('data' in op ? { ...op, oid: op.oid ?? hashObject('blob', op.data) } : op));
    // written before any change is made, so a failed write leaves the index as it was
    const spilled = await this.spillFor(prepared);
    const savepoint = this.savepoint();
    // lookups made while the spill was written saw the index as it was until now
    this.forgetResolved();
    try {
      for (const op of prepared) if ('remove' in op) this.remove(op.path.split('/'));
      for (const op of prepared) {
        if ('data' in op) this.put(op.path, nodeOf({ mode: FILE_MODE, oid: op.oid }), spilled ? undefined : op.data);
        else if ('entry' in op) this.put(op.path, nodeOf(op.entry));
      }
    } catch (error) {
      savepoint.rollback();
      throw error;
    }
    savepoint.release();
  }

  /**
   * When the bytes held plus a batch's would pass the bound, writes them all as one batch (a pack)
   * and drops them from memory: the nodes keep their oids, and a savepoint's rollback or a discard
   * just leaves the written blobs unreferenced (dangling, as after `git add` and `git reset`).
   * The small folders holding them go in the same batch and are kept as their bytes alone.
   * The nodes count towards the bound (~STAGED_FILE_BYTES a file): for files of a few hundred
   * bytes they are most of what staging holds.
   */
  private async spillFor(ops: readonly StageOp[]): Promise<boolean> {
    const writes = ops.filter((op) => 'data' in op) as { data: Uint8Array; oid: string }[];
    const incoming = writes.reduce((sum, op) => sum + op.data.length, 0);
    if (this.heldBytes + incoming + (this.looseFiles + writes.length) * STAGED_FILE_BYTES <= this.spillAbove) return false;
    const nodes = [...this.held];
    const objects: PendingObject[] = nodes.map((node) => ({ type: 'blob', oid: node.oid, content: node.data! }));
    for (const op of writes) objects.push({ type: 'blob', oid: op.oid, content: op.data });
    const folded = this.undo ? [] : this.foldable(ops);
    for (const { dir } of folded) objects.push({ type: 'tree', oid: this.hash(dir), content: dir.bytes! });
    await this.repo.writeObjects(objects);
    for (const node of nodes) node.data = undefined;
    for (const { parent, name, dir } of folded) {
      this.pending.delete(dir.oid!);
      parent.entries!.set(name, { kind: 'dir', oid: dir.oid, raw: keptTreeCopy(dir.bytes!) });
    }
    this.dropHeld();
    this.spills++;
    return true;
  }

  /**
   * The changed folders of up to FOLD_UP_TO entries whose every file is stored or in this spill,
   * children before parents: written with the spill, each is then kept as its oid and bytes (read
   * without awaiting, parsed again only if changed), not as a map of nodes. A folder per object
   * (the default layout) then costs ~250 bytes staged instead of ~700. Not the folders on the
   * batch's paths, which apply() has loaded to change next; never while a savepoint is open (its
   * rollback puts entries back into the folders it recorded).
   */
  private foldable(ops: readonly StageOp[]): { parent: DirNode; name: string; dir: DirNode }[] {
    const busy = new Set<string>();
    for (const { path } of ops) for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) busy.add(path.slice(0, at));
    const found: { parent: DirNode; name: string; dir: DirNode }[] = [];
    // whether `dir` is stored once this spill is written
    const visit = (dir: DirNode, where: string, parent?: DirNode, name?: string): boolean => {
      if (!dir.entries || (dir.oid && !dir.bytes)) return true;
      let stored = dir.entries.size <= FOLD_UP_TO && parent !== undefined && !busy.has(where);
      for (const [childName, child] of unstoredEntries(dir)) {
        if (child.kind === 'dir' && !visit(child, where ? `${where}/${childName}` : childName, dir, childName)) stored = false;
      }
      if (stored) found.push({ parent: parent!, name: name!, dir });
      return stored;
    };
    visit(this.root, '');
    return found;
  }

  /**
   * A name in the path's folder, other than the path's own, that a case-insensitive or
   * normalization-insensitive disk (macOS, Windows) would take for the same name.
   */
  async caseTwin(path: string): Promise<string | undefined> {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, Math.max(slash, 0));
    const name = path.slice(slash + 1);
    const node = await this.find(folder);
    if (node?.kind !== 'dir') return undefined;
    const entries = await this.loadEntries(node, folder);
    if (!node.folded) {
      node.folded = new Map();
      for (const entry of entries.keys()) node.folded.set(fold(entry), entry);
    }
    const twin = node.folded.get(fold(name));
    return twin === name ? undefined : twin;
  }

  /** Marks a directory dirty because its entry `name` changes, recording what it was for a rollback. */
  private touch(dir: DirNode, name: string): void {
    this.undo?.push({ dir, name, entry: dir.entries!.get(name), oid: dir.oid, bytes: dir.bytes, raw: dir.raw, rawOid: dir.rawOid, changed: dir.changed, had: dir.changed?.has(name) ?? false });
    dir.oid = undefined;
    dir.bytes = undefined;
    if (dir.raw) (dir.changed ??= new Set()).add(name);
    dir.unstored ??= new Set();
    if (dir.unstored !== 'all') dir.unstored.add(name);
  }

  private setEntry(dir: DirNode, name: string, node: Node): void {
    if (!dir.entries!.has(name)) dir.folded?.set(fold(name), name);
    dir.entries!.set(name, node);
  }

  private deleteEntry(dir: DirNode, name: string): void {
    dir.entries!.delete(name);
    // another name may share the folded form (made outside gitmodel): rebuilt when next asked for
    if (dir.folded?.get(fold(name)) === name) dir.folded = undefined;
  }

  /** Puts a file (with its bytes when they are not stored yet) or a stored folder at a path. */
  private put(path: string, node: Node, data?: Uint8Array): void {
    const parts = path.split('/');
    const existing = this.walkLoaded(parts);
    if (node.kind === 'file' && existing?.kind === 'file' && existing.oid === node.oid && existing.mode === node.mode) return;
    if (node.kind === 'dir' && existing?.kind === 'dir' && existing.oid !== undefined && existing.oid === node.oid) return;
    if (existing?.kind === 'dir' && node.kind === 'file') throw new CorruptObjectError({ path, reason: 'expected a file, found a folder' });
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      let child = dir.entries!.get(parts[i]);
      if (child?.kind === 'file') {
        throw new CorruptObjectError({ path: parts.slice(0, i + 1).join('/'), reason: 'expected a folder, found a file' });
      }
      this.touch(dir, parts[i]);
      if (!child) this.setEntry(dir, parts[i], (child = { kind: 'dir', entries: new Map(), unstored: 'all' }));
      dir = child;
    }
    const name = parts[parts.length - 1];
    this.touch(dir, name);
    const entry: Node = node.kind === 'file' && data ? fileNode(node.mode, node.oid, data) : node;
    if (entry.kind === 'file' && entry.data) {
      this.held.add(entry);
      this.heldBytes += entry.data.length;
    }
    if (entry.kind === 'file') this.looseFiles++;
    this.setEntry(dir, name, entry);
  }

  private remove(parts: string[]): void {
    if (!this.walkLoaded(parts)) return;
    const chain: DirNode[] = [this.root];
    for (const part of parts.slice(0, -1)) chain.push(chain[chain.length - 1].entries!.get(part) as DirNode);
    chain.forEach((dir, i) => this.touch(dir, parts[i]));
    this.deleteEntry(chain[chain.length - 1], parts[parts.length - 1]);
    // git has no empty directories: prune the ones this removal emptied
    for (let i = chain.length - 1; i > 0 && chain[i].entries!.size === 0; i--) this.deleteEntry(chain[i - 1], parts[i - 1]);
  }

  /** The node at a path among already loaded directories (apply() loaded them). */
  private walkLoaded(parts: string[]): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of parts) {
      if (node?.kind !== 'dir' || !node.entries) return undefined;
      node = node.entries.get(part);
    }
    return node;
  }

  /** The oid the index's root tree has now, hashing dirty directories (no I/O). */
  treeOid(): string {
    return this.hash(this.root);
  }

  private hash(dir: DirNode): string {
    if (dir.oid) return dir.oid;
    const entryOf = (child: Node): TreeEntry =>
      child.kind === 'dir' ? { mode: TREE_MODE, oid: this.hash(child) } : { mode: child.mode, oid: child.oid };
    let patched: TreeOffsets | undefined;
    if (dir.raw && dir.changed && dir.changed.size * 4 < dir.entries!.size) {
      const changes = new Map<string, TreeEntry | null>();
      for (const name of dir.changed) {
        const child = dir.entries!.get(name);
        changes.set(name, child ? entryOf(child) : null);
      }
      // the table of the old bytes (built by lookups, or kept from the last patch) places each change
      const table = dir.offsets?.raw === dir.raw ? dir.offsets : new TreeOffsets(dir.raw);
      patched = table.patch(changes);
      dir.bytes = patched.raw;
      dir.oid = hashObject('tree', dir.bytes);
      // the change list of this re-encoding, so an index of the old folder catches up without a diff
      if (dir.rawOid) this.patches.record(dir.rawOid, dir.oid, table, changes, patched);
    } else {
      // entries handed over one by one: a map of 100,000 of them held at once doubled the garbage
      const entries = dir.entries!;
      dir.bytes = serializeTree((function* () {
        for (const [name, child] of entries) yield [name, entryOf(child)] as [string, TreeEntry];
      })());
    }
    dir.oid ??= hashObject('tree', dir.bytes);
    // kept for patching only where patching pays: a small folder re-encodes in microseconds, and
    // 100,000 object folders each keeping their bytes and a set would cost tens of megabytes
    dir.raw = dir.entries!.size > PATCH_ABOVE ? dir.bytes : undefined;
    dir.rawOid = dir.raw && dir.oid;
    dir.offsets = dir.raw && patched;
    dir.changed = undefined;
    this.pending.set(dir.oid, dir);
    return dir.oid;
  }

  /** Reads a tree by oid, whether it is stored or only staged here. */
  readonly readTree = async (oid: string): Promise<Tree> => {
    const dir = this.pending.get(oid);
    return dir?.oid === oid && dir.bytes ? parseTree(dir.bytes) : this.repo.readTree(oid);
  };

  /** A tree's raw bytes by oid, stored or only staged here (shared: never changed by the caller). */
  readonly readRawTree = async (oid: string, where = oid): Promise<Uint8Array> => {
    const dir = this.pending.get(oid);
    if (dir?.oid === oid && dir.bytes) return dir.bytes;
    const object = await this.repo.readObject(oid);
    if (object.type !== 'tree') throw new CorruptObjectError({ path: where, reason: `expected a tree, found a ${object.type}` });
    return object.content;
  };

  /** The entries that differ between two versions of a large folder this index re-encoded one from the other (undefined: not known). */
  readonly knownChanges = (a: string, b: string): { changes: EntryChange[]; after?: TreeOffsets } | undefined => this.patches.between(a, b);

  /** Every object the current tree needs that is not yet in the object store. */
  newObjects(): PendingObject[] {
    this.treeOid();
    const out: PendingObject[] = [];
    const visit = (dir: DirNode): void => {
      if (!dir.bytes) return;
      out.push({ type: 'tree', oid: dir.oid!, content: dir.bytes });
      for (const child of unstoredChildren(dir)) {
        if (child.kind === 'dir') visit(child);
        else if (child.data) out.push({ type: 'blob', oid: child.oid, content: child.data });
      }
    };
    visit(this.root);
    return out;
  }

  /** Marks everything as stored, after a commit wrote newObjects(). */
  markStored(): void {
    const visit = (dir: DirNode): void => {
      if (!dir.bytes) return;
      dir.bytes = undefined;
      for (const child of unstoredChildren(dir)) {
        if (child.kind === 'dir') visit(child);
        else child.data = undefined;
      }
      dir.unstored = undefined;
    };
    visit(this.root);
    this.pending.clear();
    // bytes still held belong to overwritten files, reachable again only by a savepoint's rollback
    if (!this.undo) this.dropHeld();
    else {
      for (const node of this.held) if (!node.data) this.held.delete(node);
      this.heldBytes = [...this.held].reduce((sum, node) => sum + node.data!.length, 0);
    }
  }
}
