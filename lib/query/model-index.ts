// One model's indexes in one workspace: the index of any tree of the model's folder, derived from
// the nearest one held (in memory, or in an index file) plus the tree diff between them, so its
// cost follows what changed. Files live through the repository's DerivedFiles port, keyed by
// the folder's tree oid and a hash of the index definition: a file can only ever describe exactly
// that tree, and one that is missing, stale or corrupt is rebuilt without a word.
import type { DerivedFiles } from '../git/ports.js';
import { diffRawTrees, diffTrees, type EntryChange, type FileChange, type ReadTree, type Tree } from '../git/tree-diff.js';
import { INDEX_ABOVE, TreeOffsets } from '../git/tree-entry.js';
import { forEachTreeOid, isTreeMode, type TreeEntry } from '../git/tree.js';
import { CorruptObjectError } from '../errors.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { platform } from '../platform/current.js';
import { fromUtf8, utf8 } from '../util/bytes.js';
import { Lru } from '../util/lru.js';
import { Base, type Row } from './segment.js';
import type { IndexCounters, IndexStatus } from '../workspace/model-host.js';
import { type Cell, cellOf } from './values.js';
import { decodeBase, encodeBase, FORMAT } from './file.js';

export type { IndexCounters, IndexStatus };

/** Trees whose index stays in memory per model (the head, the staged state, a revision or two). */
const KEEP = 4;
/** Index files kept per model and definition: those of the trees written last (named by `latest`). */
const KEEP_FILES = 4;

/** A tree of the repository as a query sees it: its root, how to read its trees, and how to decode an object's data file. */
export interface TreeState {
  root: string | null;
  readTree: ReadTree;
  /** a data file's decoded values, by its blob oid (the path for messages and staged bytes) */
  values(oid: string, path: string): Promise<Record<string, unknown>>;
  /** whether a tree is in the object store (only such trees get index files: a staged tree may never be) */
  stored(oid: string): Promise<boolean>;
  /** the entries that differ between two versions of a large folder, when the writer knows (no diff) */
  knownChanges?(a: string, b: string): { changes: EntryChange[]; after?: TreeOffsets } | undefined;
  /** a tree's raw bytes, stored or staged: a large folder is diffed on them, never parsed */
  readRaw?(oid: string): Promise<Uint8Array>;
  /** stored objects' bytes read in the order they are stored (a build); missing ones are absent */
  readMany?(oids: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** a data file's values from its bytes, checked as a read checks them, and not cached */
  decode?(bytes: Uint8Array, path: string): Record<string, unknown>;
}

/** Objects a build reads per batch, in storage order: bounded memory, still front to back through a pack. */
const BULK = 8192;

/** What an index needs to know of its model: which paths are its objects', and its indexed fields. */
export interface IndexedModel {
  schema: Schema;
  /** the folder all objects live under ('' at the root) */
  folder: string;
  locate(path: string): { id: string; data: boolean } | undefined;
  /** the path template and shard width: part of the definition, since they decide which files are objects */
  layout: string;
}

/** The index of one folder tree: a base and the rows that differ from it. */
export interface Segment {
  tree: string | null;
  base: Base;
  delta: ReadonlyMap<string, Row | null>;
}

/** The fields with an index: the id and every `index`/`unique` field. */
export function indexedFields(schema: Schema): FieldDef[] {
  return schema.fields.filter((f) => f.index || f.id);
}

export class ModelIndex {
  readonly fields: FieldDef[];
  readonly definition: string;
  readonly counters: IndexCounters = { rowsIndexed: 0, objectsRead: 0, builds: 0, updates: 0, loads: 0, writes: 0, discarded: 0 };
  /** segments by folder tree, most recently used last */
  private readonly segments = new Map<string, Segment>();
  private source: IndexStatus['source'] = 'memory';
  /**
   * Trees read by upkeep diffs, by oid. A staged tree exists only until the next change to it, so
   * the next diff from a segment of the staged state reads that segment's trees here; content
   * addressing means an entry is never wrong, only possibly evicted (then upkeep starts from an
   * older segment).
   */
  private readonly trees = new Lru<string, Tree>(100_000, (tree) => tree.size + 1);
  /** Large folder trees' bytes and entry tables, by oid, for raw diffs (the same rule as `trees`). */
  private readonly raws = new Lru<string, TreeOffsets>(32 << 20, (table) => table.weight);
  /** Entry-offset tables of folder trees that index files held, by oid: a diff from a loaded file's tree reads its bytes but finds no entries. */
  private readonly stored = new Lru<string, Uint32Array>(8 << 20, (starts) => starts.byteLength);
  constructor(readonly model: IndexedModel, private readonly files: DerivedFiles | undefined) {
    this.fields = indexedFields(model.schema);
    const definition = {
      format: FORMAT,
      model: model.schema.name,
      layout: model.layout,
      fields: this.fields.map((f) => ({ name: f.name, type: f.type, unique: f.unique === true })),
    };
    this.definition = platform().sha1(utf8(JSON.stringify(definition, (_k, v) => (typeof v === 'function' ? String(v.name ?? 'fn') : v))));
  }

  private get folderName(): string {
    return `index/v${FORMAT}/${this.model.schema.name}/${this.definition}`;
  }

  /** The oid of the model folder's tree in a root tree (null when there is none). */
  async folderTree(state: TreeState): Promise<string | null> {
    let oid = state.root;
    if (!oid || !this.model.folder) return oid;
    for (const part of this.model.folder.split('/')) {
      const entry = (await state.readTree(oid)).get(part);
      if (!entry || !isTreeMode(entry.mode)) return null;
      oid = entry.oid;
    }
    return oid;
  }

  /** The index of a tree: held, loaded from its file, derived from the nearest held one, or built. */
  async at(state: TreeState): Promise<Segment> {
    const tree = await this.folderTree(state);
    const key = tree ?? '';
    const held = this.segments.get(key);
    if (held) {
      this.remember(key, held);
      return held;
    }
    const segment = await this.derive(tree, state);
    this.remember(key, segment);
    return segment;
  }

  /**
   * The most recently used segment whose tree can still be read: a staged tree the index has since
   * changed again exists nowhere any more, and is forgotten (the head's tree always can be read).
   */
  private async readable(state: TreeState): Promise<Segment | undefined> {
    for (const [key, segment] of [...this.segments].reverse()) {
      if (!segment.tree) return segment;
      try {
        // a large folder is not parsed to see that it is there
        if (!this.raws.get(segment.tree) && !this.trees.get(segment.tree)) await (state.readRaw ?? state.readTree)(segment.tree);
        return segment;
      } catch {
        this.segments.delete(key);
      }
    }
    return undefined;
  }

  /** The state's trees, through the memo of trees upkeep has read. */
  private readTree(state: TreeState): ReadTree {
    return async (oid) => {
      let tree = this.trees.get(oid);
      if (!tree) this.trees.set(oid, (tree = await state.readTree(oid)));
      return tree;
    };
  }

  private remember(key: string, segment: Segment): void {
    this.segments.delete(key);
    this.segments.set(key, segment);
    while (this.segments.size > KEEP) this.segments.delete(this.segments.keys().next().value!);
  }

  /**
   * The segment of a tree from the nearest readable one held (a diff); with none held, from the
   * tree's own index file, or the newest file and a diff; else by a build. A held segment goes
   * first: after a commit, looking for a file of the new tree (there is none unless another
   * process wrote one) cost more than the diff, a failed open being most of a catch-up's time.
   */
  private async derive(tree: string | null, state: TreeState): Promise<Segment> {
    for (;;) {
      const held = await this.readable(state);
      const own = !held && tree ? await this.load(tree) : undefined;
      if (own) {
        this.source = 'snapshot';
        return { tree, base: own, delta: new Map() };
      }
      const from = held ?? (await this.nearestFile());
      if (!from) return this.build(tree, state);
      try {
        return await this.update(from, tree, state);
      } catch (error) {
        // a subtree of a staged state that is gone: forget that segment and start from another
        if (!(error instanceof CorruptObjectError)) throw error;
        if (!held) return this.build(tree, state);
        this.segments.delete(from.tree ?? '');
      }
    }
  }

  /** A row for an object's data file. */
  private async row(state: TreeState, oid: string, path: string): Promise<Row> {
    const values = await this.valuesOf(state, oid, path);
    return { oid, cells: new Map(this.fields.map((f) => [f.name, cellOf(f, values)])) };
  }

  /** An object's decoded values, counted. */
  private async valuesOf(state: TreeState, oid: string, path: string): Promise<Record<string, unknown>> {
    this.counters.objectsRead++;
    this.counters.rowsIndexed++;
    return state.values(oid, path);
  }

  /** An object's decoded values from the bytes a bulk read gave, counted as valuesOf counts. */
  private decoded(decode: NonNullable<TreeState['decode']>, bytes: Uint8Array, path: string): Record<string, unknown> {
    this.counters.objectsRead++;
    this.counters.rowsIndexed++;
    return decode(bytes, path);
  }

  /** The data files that differ between two folder trees: id → its new data file (null: gone). Reads trees only. */
  async changes(a: string | null, b: string | null, state: TreeState): Promise<Map<string, { oid: string; path: string } | null>> {
    const out = new Map<string, { oid: string; path: string } | null>();
    const prefix = this.model.folder ? `${this.model.folder}/` : '';
    const read = this.readTree(state);
    const add = (change: FileChange) => {
      const where = this.model.locate(change.path);
      if (where?.data) out.set(where.id, change.after ? { oid: change.after.oid, path: change.path } : null);
    };
    // everything is new: listed level by level, as a build lists it
    if (!a && b) return this.listFiles(b, state);
    // staging's change lists, where it made one version of a large folder (a shard too) from the other
    const known = state.knownChanges && ((x: string, y: string) => state.knownChanges!(x, y)?.changes);
    const top = a && b && a !== b ? await this.rawChanges(a, b, state) : undefined;
    if (!top) {
      for await (const change of diffTrees(read, a, b, prefix, known)) add(change);
      return out;
    }
    for (const { name, before, after } of top) {
      const path = prefix + name;
      const beforeTree = before && isTreeMode(before.mode) ? before.oid : null;
      const afterTree = after && isTreeMode(after.mode) ? after.oid : null;
      if (beforeTree || afterTree) for await (const change of diffTrees(read, beforeTree, afterTree, `${path}/`, known)) add(change);
      const file = (entry?: TreeEntry) => (entry && !isTreeMode(entry.mode) ? entry : undefined);
      if (file(after)) add({ path, status: 'modified', after: file(after) });
      else if (file(before)) add({ path, status: 'deleted', before: file(before) });
    }
    return out;
  }

  /** The entries that differ between two large versions of the folder, from their raw bytes (undefined: small, parse them). */
  private async rawChanges(a: string, b: string, state: TreeState): Promise<EntryChange[] | undefined> {
    // staging re-encoded b from a (an own save or commit): its change list, no bytes compared
    const known = state.knownChanges?.(a, b);
    if (known) {
      if (known.after) this.raws.set(b, known.after);
      return known.changes;
    }
    let from = this.raws.get(a);
    if (!state.readRaw) return undefined;
    if (!from) {
      let raw: Uint8Array;
      try {
        raw = await state.readRaw(a);
      } catch (error) {
        // a staged tree changed since, still held parsed: diff the parsed trees
        if (this.trees.get(a)) return undefined;
        throw error;
      }
      if (raw.length <= INDEX_ABOVE) return undefined;
      const starts = this.stored.get(a);
      from = starts && starts[starts.length - 1] === raw.length ? new TreeOffsets(raw, a, starts) : new TreeOffsets(raw, a);
    }
    const raw = await state.readRaw(b);
    if (raw.length <= INDEX_ABOVE) return undefined;
    const { changes, after } = diffRawTrees(from, raw, b);
    this.raws.set(a, from);
    this.raws.set(b, after);
    return changes;
  }

  /**
   * Every data file of a folder tree: its trees level by level, then (in build) the blobs, each
   * group read in storage order (front to back through a pack, not at random).
   */
  private async listFiles(tree: string | null, state: TreeState): Promise<Map<string, { oid: string; path: string }>> {
    const out = new Map<string, { oid: string; path: string }>();
    let level = tree ? [{ oid: tree, path: this.model.folder }] : [];
    while (level.length) {
      const next: { oid: string; path: string }[] = [];
      for (let i = 0; i < level.length; i += BULK) {
        const batch = level.slice(i, i + BULK);
        const stored = (await state.readMany?.(batch.map((d) => d.oid))) ?? new Map<string, Uint8Array>();
        for (const dir of batch) {
          // a staged tree is not in the store yet
          const raw = stored.get(dir.oid) ?? (state.readRaw && (await state.readRaw(dir.oid)));
          const visit = (name: string, entry: TreeEntry) => {
            const path = dir.path ? `${dir.path}/${name}` : name;
            if (isTreeMode(entry.mode)) next.push({ oid: entry.oid, path });
            else {
              const where = this.model.locate(path);
              if (where?.data) out.set(where.id, { oid: entry.oid, path });
            }
          };
          if (raw) forEachTreeOid(raw, dir.path, (oid, mode, start, end) => visit(fromUtf8(raw, start, end), { mode, oid }));
          else for (const [name, entry] of await state.readTree(dir.oid)) visit(name, entry);
          if (raw && dir.oid === tree && raw.length > INDEX_ABOVE) this.raws.set(tree, new TreeOffsets(raw, tree));
        }
      }
      level = next;
    }
    return out;
  }

  private async build(tree: string | null, state: TreeState): Promise<Segment> {
    this.counters.builds++;
    const files = [...(await this.listFiles(tree, state))];
    // parallel arrays, no object per row: 100,000 rows would be 100,000 maps for the collector
    const cells = new Map(this.fields.map((f) => [f.name, new Array<Cell>(files.length)]));
    const read = (i: number) => (state.decode && i < files.length ? state.readMany?.(files.slice(i, i + BULK).map(([, f]) => f.oid)) : undefined);
    let next = read(0);
    for (let i = 0; i < files.length; i += BULK) {
      const batch = files.slice(i, i + BULK);
      const bytes = await next;
      // the next batch is read (and inflated, where the platform has a worker) while this one decodes
      next = read(i + BULK);
      if (next) await settle();
      const columns = this.fields.map((f) => cells.get(f.name)!);
      for (let k = 0; k < batch.length; k++) {
        const file = batch[k][1];
        const got = bytes?.get(file.oid);
        // decoded in place from the bulk read's bytes: no await (a microtask) per object
        const values = got && state.decode ? this.decoded(state.decode, got, file.path) : await this.valuesOf(state, file.oid, file.path);
        for (let f = 0; f < columns.length; f++) columns[f][i + k] = cellOf(this.fields[f], values);
      }
    }
    const base = Base.fromColumns(tree, this.fields, files.map(([id]) => id), files.map(([, f]) => f.oid), cells);
    this.source = 'built';
    await this.persist(base, state);
    return { tree, base, delta: new Map() };
  }

  /** The segment of `tree` from another: same base, the diff's rows laid over its delta; compacted when the delta grows. */
  private async update(from: Segment, tree: string | null, state: TreeState): Promise<Segment> {
    this.counters.updates++;
    const delta = new Map(from.delta);
    for (const [id, file] of await this.changes(from.tree, tree, state)) {
      const row = file && (await this.row(state, file.oid, file.path));
      const n = from.base.rowOf(id);
      // an object back to its base row needs no delta entry
      if (n >= 0 && row && from.base.oid(n) === row.oid) delta.delete(id);
      else if (n < 0 && !row) delta.delete(id);
      else delta.set(id, row);
    }
    const segment = { tree, base: from.base, delta };
    // folded when the delta passes 1% of the rows (at least 1,000) or outgrows the base itself: the
    // second makes a model that grows from nothing compact at doubling sizes, O(N) in all
    const size = from.base.size;
    if (delta.size <= Math.max(1000, size / 100) && (delta.size <= size || delta.size < 64)) return segment;
    const base = compact(segment, this.fields);
    await this.persist(base, state);
    return { tree, base, delta: new Map() };
  }

  /** Forgets every index held, and removes this definition's files; the next query builds afresh. */
  async rebuild(): Promise<void> {
    this.segments.clear();
    if (!this.files) return;
    for (const name of await this.files.list(this.folderName).catch(() => [] as string[])) {
      await this.files.remove(`${this.folderName}/${name}`).catch(() => {});
    }
  }

  status(): IndexStatus {
    const last = [...this.segments.values()].at(-1);
    return {
      model: this.model.schema.name,
      fields: this.fields.map((f) => f.name),
      tree: last?.tree ?? null,
      rows: last ? liveCount(last) : 0,
      delta: last?.delta.size ?? 0,
      bytes: last?.base.bytes ?? 0,
      source: this.source,
      counters: { ...this.counters },
    };
  }

  // ---- index files ----

  private async persist(base: Base, state: TreeState): Promise<void> {
    if (!this.files || !base.tree) return;
    try {
      if (!(await state.stored(base.tree))) return;
      await this.files.write(`${this.folderName}/${base.tree}.gmix`, encodeBase(this.model.schema.name, this.definition, base, await this.folderStarts(base.tree, state)));
      const keep = [base.tree, ...(await this.latest()).filter((t) => t !== base.tree)].slice(0, KEEP_FILES);
      await this.files.write(`${this.folderName}/latest`, utf8(keep.map((t) => `${t}\n`).join('')));
      this.counters.writes++;
      // files of older trees go: a process still reading one finds it gone and rebuilds, as after any deletion
      for (const name of await this.files.list(this.folderName)) {
        if (name.endsWith('.gmix') && !keep.includes(name.slice(0, -5))) await this.files.remove(`${this.folderName}/${name}`).catch(() => {});
      }
    } catch {
      // a cache: a read-only repository keeps its indexes in memory
    }
  }

  /** A large folder tree's entry-offset table, for its index file (always there for such a tree: the same tree, the same bytes). */
  private async folderStarts(tree: string, state: TreeState): Promise<Uint32Array | undefined> {
    const held = this.raws.get(tree);
    if (held) return held.starts;
    const raw = await state.readRaw?.(tree);
    return raw && raw.length > INDEX_ABOVE ? new TreeOffsets(raw, tree).starts : undefined;
  }

  /** The trees of the files written last for this definition, newest first. */
  private async latest(): Promise<string[]> {
    const bytes = this.files && (await this.files.read(`${this.folderName}/latest`).catch(() => undefined));
    return bytes ? fromUtf8(bytes).split('\n').filter((t) => /^[0-9a-f]{40}$/.test(t)) : [];
  }

  /** The newest file that loads (a new process starts from it and catches up by a diff). */
  private async nearestFile(): Promise<Segment | undefined> {
    for (const tree of await this.latest()) {
      const base = await this.load(tree);
      if (!base) continue;
      this.source = 'snapshot';
      return { tree: base.tree, base, delta: new Map() };
    }
    return undefined;
  }

  private async load(tree: string): Promise<Base | undefined> {
    if (!this.files) return undefined;
    const name = `${this.folderName}/${tree}.gmix`;
    const bytes = await this.files.read(name).catch(() => undefined);
    if (!bytes) return undefined;
    const base = decodeBase(bytes, this.model.schema.name, this.definition, tree, this.fields);
    if (base) {
      if (base.data.folderStarts) this.stored.set(tree, base.data.folderStarts);
      this.counters.loads++;
      return base;
    }
    this.counters.discarded++;
    await this.files.remove(name).catch(() => {});
    return undefined;
  }
}

/**
 * Waits until every pending microtask has run: a read started just before reaches its worker
 * (or its end) before the caller's next long synchronous stretch. A timer fires only after the
 * microtask queue is empty.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** An object's row in a segment, or null when it has none. */
export function rowIn(segment: Segment, id: string): Row | null {
  if (segment.delta.has(id)) return segment.delta.get(id)!;
  const n = segment.base.rowOf(id);
  return n >= 0 ? segment.base.row(n) : null;
}

/** The number of live objects in a segment. */
export function liveCount(segment: Segment): number {
  let n = segment.base.size;
  for (const [id, row] of segment.delta) {
    const inBase = segment.base.rowOf(id) >= 0;
    if (inBase && !row) n--;
    else if (!inBase && row) n++;
  }
  return n;
}

/** A new base with the delta folded in: O(N), done when the delta outgrows a share of the base. */
function compact(segment: Segment, fields: FieldDef[]): Base {
  const rows = new Map<string, Row>();
  const { base, delta } = segment;
  for (let n = 0; n < base.size; n++) {
    const id = base.id(n);
    if (!delta.has(id)) rows.set(id, base.row(n));
  }
  for (const [id, row] of delta) if (row) rows.set(id, row);
  return Base.of(segment.tree, fields, rows);
}
