// The object-level three-way merge over git trees, the engine under ws.merge() (design 4.3, 4.5).
// It walks base, ours and theirs together as a merge-join over the trees' raw bytes, in git's
// order, and settles every entry it can by oid without reading below it: ours == theirs → ours;
// base == ours → theirs' (grafted by oid); base == theirs → ours. Only where both sides changed
// an entry differently does it read further, folder by folder down to an object root (a folder or
// data file, as the layout says); there one side's delete meets the other's change
// (`delete-modify`, or a move), and an object changed on both sides goes to the injected resolver
// (the model layer's field merge). Files outside every model merge by oid. The result is the list
// of changes to lay over ours (grafts by oid, removals, merged objects' files) plus the conflicts:
// work proportional to what changed, not to the size of the trees.
import type { TreeEntry } from '../git/tree.js';
import {
  type DeletePolicy,
  type Fingerprint,
  type MergeLayout,
  type MergeStats,
  newStats,
  type ObjectMergeRequest,
  type ObjectName,
  type ReadTreeBytes,
  type ResolvedTreeConflict,
  type ResolveObject,
  type Sides,
  type TreeChange,
  type TreeConflict,
  type TreeMergeResult,
} from './merge-types.js';
import { type FoundRoot, movesBy, type OneSided, rootsOnlyIn, type Walk } from './merge-moves.js';
import { compareKeys, sameEntry, sameRun, TreeCursor } from './tree-cursor.js';

export interface MergeTreesOptions {
  /** how a delete met by a change is settled, per model; 'conflict' when not given */
  onDelete?: (model: string) => DeletePolicy;
  /** enables move detection (design 4.5): objects with equal fingerprints are the same object */
  fingerprint?: Fingerprint;
  /**
   * Merging merge bases into a virtual base (virtual-base.ts): every conflict settles to the
   * base's version (git's choice for conflicts it cannot write into a file), and the resolver is
   * asked with `virtual: true`. Conflicts are still listed, for the caller to count.
   */
  virtual?: boolean;
}

/** The three trees (commit trees' oids; null: no tree, e.g. no merge base for unrelated histories). */
export interface MergeTrees {
  base: string | null;
  ours: string | null;
  theirs: string | null;
}

/** The object whose root a path is, as `Workspace`'s catalog answers it (lib/workspace/rebase.ts ObjectOf). */
export type ObjectOf = (path: string) => { model: string | null; id: string | null; root: string };

/**
 * A MergeLayout from an ObjectOf: a file is a root when its object's root is itself (a data file
 * layout); a folder when a name inside it belongs to an object rooted at the folder. The probe
 * name is a NUL, which no id can hold, so it never passes for an object's own folder.
 */
export function layoutOf(objectOf: ObjectOf): MergeLayout {
  return {
    objectAt(path, tree) {
      const hit = objectOf(tree ? `${path}/\u0000` : path);
      return hit.model !== null && hit.id !== null && hit.root === path ? { model: hit.model, id: hit.id } : undefined;
    },
  };
}

/** A name as a case-insensitive, normalizing disk (macOS, Windows) sees it (as staged-tree.ts folds). */
function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Names one folder's merge added from theirs (absent in ours) and removed from ours. */
interface FolderState {
  added?: { name: string; path: string; tree: boolean; entry: TreeEntry }[];
  removed?: Set<string>;
}

type DeleteModify = Extract<TreeConflict, { kind: 'delete-modify' }>;

/**
 * Merges `theirs` into `ours` with `base` as the common ancestor: the changes to lay over ours'
 * tree (a path '' graft or removal stands for the whole tree), the conflicts, and the work done.
 * `read` gives a tree's raw bytes; `resolveObject` merges an object both sides changed.
 */
export async function mergeTrees<C = never>(
  read: ReadTreeBytes,
  trees: MergeTrees,
  layout: MergeLayout,
  resolveObject: ResolveObject<C>,
  options: MergeTreesOptions = {},
): Promise<TreeMergeResult<C>> {
  const merge = new TreeMerge<C>(read, layout, resolveObject, options);
  await merge.run(trees);
  return { changes: merge.changes, conflicts: merge.conflicts, resolved: merge.resolved, stats: merge.stats };
}

class TreeMerge<C> implements Walk {
  readonly changes: TreeChange[] = [];
  readonly conflicts: (TreeConflict | C)[] = [];
  readonly resolved: (ResolvedTreeConflict | C)[] = [];
  readonly stats: MergeStats = newStats();
  private readonly moves: boolean;
  private readonly virtual: boolean;
  // what move detection needs, gathered by the walk when a fingerprint is given
  private readonly deletes: DeleteModify[] = [];
  private readonly bothDeleted: FoundRoot[] = [];
  private readonly sameChanged: { path: string; base: string; side?: string }[] = [];
  private readonly oneSided: { ours: OneSided[]; theirs: OneSided[] } = { ours: [], theirs: [] };
  private readonly bothAdded: { object: ObjectName; path: string; ours: TreeEntry; theirs: TreeEntry }[] = [];

  constructor(
    private readonly read: ReadTreeBytes,
    readonly layout: MergeLayout,
    private readonly resolveObject: ResolveObject<C>,
    private readonly options: MergeTreesOptions,
  ) {
    this.moves = options.fingerprint !== undefined;
    this.virtual = options.virtual ?? false;
  }

  readTree(oid: string): Promise<Uint8Array> {
    this.stats.treesRead++;
    return this.read(oid);
  }

  async run({ base, ours, theirs }: MergeTrees): Promise<void> {
    if (ours === theirs || base === theirs) return;
    if (base === ours) {
      // only theirs changed anything: theirs' whole tree
      this.changes.push(theirs === null ? { op: 'remove', path: '' } : { op: 'graft', path: '', entry: { mode: '40000', oid: theirs } });
      return;
    }
    await this.folder('', base ?? undefined, ours ?? undefined, theirs ?? undefined);
    if (this.moves) await this.settleMoves();
    else for (const change of this.deletes) this.settleDelete(change);
  }

  /** Merges one folder's three versions (undefined: absent on that side); `prefix` ends in '/'. */
  private async folder(prefix: string, b: string | undefined, o: string | undefined, t: string | undefined): Promise<void> {
    const [br, or, tr] = await Promise.all([b && this.readTree(b), o && this.readTree(o), t && this.readTree(t)]);
    const B = new TreeCursor(br || undefined, prefix);
    const O = new TreeCursor(or || undefined, prefix);
    const T = new TreeCursor(tr || undefined, prefix);
    const first = this.changes.length;
    const state: FolderState = {};
    const stats = this.stats;
    for (;;) {
      if (!B.done && !O.done && !T.done) {
        // entries no side changed, skipped as a run of equal bytes
        const run = sameRun(B, O, T);
        if (run.entries) {
          B.skip(run.bytes);
          O.skip(run.bytes);
          T.skip(run.bytes);
          stats.entriesScanned += run.entries;
          stats.keysSkipped += run.entries;
          continue;
        }
      }
      // the smallest key among the three current entries, and which sides have it
      let min: TreeCursor | undefined = B.done ? undefined : B;
      if (!O.done && (!min || compareKeys(O, min) < 0)) min = O;
      if (!T.done && (!min || compareKeys(T, min) < 0)) min = T;
      if (!min) break;
      const hb = !B.done && (min === B || compareKeys(B, min) === 0);
      const ho = !O.done && (min === O || compareKeys(O, min) === 0);
      const ht = !T.done && (min === T || compareKeys(T, min) === 0);
      // settled by oid without awaiting (the common case); below, only where both sides changed
      const deeper = this.key(prefix, hb ? B : undefined, ho ? O : undefined, ht ? T : undefined, state);
      if (deeper) await deeper;
      if (hb) B.next();
      if (ho) O.next();
      if (ht) T.next();
      stats.entriesScanned++;
    }
    if (state.added) this.caseTwins(prefix, or || undefined, state, first);
  }

  /**
   * One key of a folder: the entries the three sides have under it. Returns a promise only when
   * it must read further (an await per key would cost more than the whole comparison).
   */
  private key(prefix: string, b: TreeCursor | undefined, o: TreeCursor | undefined, t: TreeCursor | undefined, state: FolderState): Promise<void> | undefined {
    if (o && t && sameEntry(o, t)) {
      this.stats.keysSkipped++;
      // both sides made the same change: an object both deleted may hide below (moves)
      if (this.moves && b && o.tree && !sameEntry(b, o)) {
        const path = prefix + o.name();
        if (!this.layout.objectAt(path, true)) this.sameChanged.push({ path, base: b.oid(), side: o.oid() });
      }
      return undefined;
    }
    if (!o && !t) {
      // both deleted it
      this.stats.keysSkipped++;
      if (this.moves && b) {
        const path = prefix + b.name();
        const object = this.layout.objectAt(path, b.tree);
        if (object) this.bothDeleted.push({ ...object, path, entry: b.entry() });
        else if (b.tree) this.sameChanged.push({ path, base: b.oid() });
      }
      return undefined;
    }
    if (b ? o !== undefined && sameEntry(b, o) : o === undefined) {
      // ours kept the base's: theirs' version, by oid
      this.stats.keysSkipped++;
      const name = (t ?? b)!.name();
      const path = prefix + name;
      if (t) {
        const entry = t.entry();
        this.changes.push({ op: 'graft', path, entry });
        if (!o) (state.added ??= []).push({ name, path, tree: t.tree, entry });
        if (this.moves) this.oneSided.theirs.push({ path, tree: t.tree, base: b?.entry(), entry });
      } else {
        this.changes.push({ op: 'remove', path });
        (state.removed ??= new Set()).add(name);
      }
      return undefined;
    }
    if (b ? t !== undefined && sameEntry(b, t) : t === undefined) {
      // theirs kept the base's: ours stays
      this.stats.keysSkipped++;
      if (this.moves && o) this.oneSided.ours.push({ path: prefix + o.name(), tree: o.tree, base: b?.entry(), entry: o.entry() });
      return undefined;
    }
    // both changed it, differently
    const any = (o ?? t)!;
    const name = any.name();
    const path = prefix + name;
    const sides: Sides = { base: b?.entry(), ours: o?.entry(), theirs: t?.entry() };
    const object = this.layout.objectAt(path, any.tree);
    if (object) return this.object(path, object, sides);
    if (any.tree) return this.folder(`${path}/`, sides.base?.oid, sides.ours?.oid, sides.theirs?.oid);
    this.file(path, name, sides, state);
    return undefined;
  }

  /** An object root both sides changed (design 4.5's table, below its first three rows). */
  private async object(path: string, object: ObjectName, { base, ours, theirs }: Sides): Promise<void> {
    if (ours && theirs) {
      if (!base && this.moves) this.bothAdded.push({ object, path, ours, theirs });
      await this.resolve({ ...object, path, base, ours, theirs, virtual: this.virtual || undefined });
      return;
    }
    const change: DeleteModify = { kind: 'delete-modify', ...object, path, deletedBy: ours ? 'theirs' : 'ours', entries: { base, ours, theirs } };
    // with move detection the delete may turn out to be a move: decided once the walk is done
    if (this.moves) this.deletes.push(change);
    else this.settleDelete(change);
  }

  /** Asks the resolver and lays its answer over ours. */
  private async resolve(request: ObjectMergeRequest): Promise<void> {
    this.stats.objectsMerged++;
    const outcome = await this.resolveObject(request);
    if (outcome.conflicts) this.conflicts.push(...outcome.conflicts);
    if (outcome.resolved) this.resolved.push(...outcome.resolved);
    if ('files' in outcome) {
      this.changes.push({ op: 'replace', path: request.path, files: outcome.files });
      return;
    }
    // a virtual base cannot hold a conflict: the base's version stands in (git's rule for binaries)
    const take = this.virtual && outcome.conflicts?.length ? 'base' : outcome.take;
    if (take === 'ours' && request.moved?.by !== 'theirs') return; // ours' entry is already at the path
    const entry = request[take];
    this.changes.push(entry ? { op: 'graft', path: request.path, entry } : { op: 'remove', path: request.path });
  }

  /** A file outside every model changed on both sides: a conflict (a virtual base takes the base's). */
  private file(path: string, name: string, entries: Sides, state: FolderState): void {
    this.conflicts.push({ kind: 'file', reason: 'changed', path, entries });
    if (!this.virtual) return;
    if (entries.base) this.changes.push({ op: 'graft', path, entry: entries.base });
    else if (entries.ours) {
      this.changes.push({ op: 'remove', path });
      (state.removed ??= new Set()).add(name);
    }
  }

  /** A delete met by a change, that is no move: the model's onDelete rule, or a conflict. */
  private settleDelete(change: DeleteModify): void {
    const how = this.options.onDelete?.(change.model) ?? 'conflict';
    const { path, deletedBy, entries } = change;
    if (how === 'delete-wins') {
      if (deletedBy === 'theirs') this.changes.push({ op: 'remove', path });
      this.resolved.push({ ...change, how });
    } else if (how === 'keep-wins') {
      if (deletedBy === 'ours') this.changes.push({ op: 'graft', path, entry: entries.theirs! });
      this.resolved.push({ ...change, how });
    } else {
      this.conflicts.push(change);
      if (this.virtual) this.changes.push({ op: 'graft', path, entry: entries.base! });
    }
  }

  /**
   * Names theirs added to a folder that a case-insensitive disk would take for a name the merged
   * folder keeps from ours (`Foo` beside `foo`), or a file and a folder of one name: theirs' is left
   * out and the clash reported. Costs one pass over ours' names, only in folders theirs added to.
   */
  private caseTwins(prefix: string, ours: Uint8Array | undefined, state: FolderState, first: number): void {
    const kept = new Map<string, { name: string; tree: boolean }[]>();
    for (const O = new TreeCursor(ours, prefix); !O.done; O.next()) {
      const name = O.name();
      if (state.removed?.has(name)) continue;
      const key = O.ascii() ? name.toLowerCase() : fold(name);
      const list = kept.get(key);
      if (list) list.push({ name, tree: O.tree });
      else kept.set(key, [{ name, tree: O.tree }]);
    }
    for (const added of state.added!) {
      const clash = kept.get(fold(added.name))?.find((k) => k.name !== added.name || k.tree !== added.tree);
      if (!clash) continue;
      const at = this.changes.findIndex((c, i) => i >= first && c.op === 'graft' && c.path === added.path);
      if (at >= 0) this.changes.splice(at, 1);
      const oursPath = prefix + clash.name;
      const oursEntry = entryNamed(ours!, clash.name, clash.tree, prefix);
      if (clash.name === added.name) {
        this.conflicts.push({ kind: 'file', reason: 'directory-file', path: added.path, entries: { ours: oursEntry, theirs: added.entry } });
        continue;
      }
      const theirsObject = this.layout.objectAt(added.path, added.tree);
      const oursObject = this.layout.objectAt(oursPath, clash.tree);
      this.conflicts.push({
        kind: 'rename',
        reason: 'case-twin',
        model: theirsObject?.model ?? oursObject?.model ?? null,
        id: theirsObject?.id ?? added.name,
        path: added.path,
        ours: oursObject?.id ?? clash.name,
        theirs: theirsObject?.id ?? added.name,
        oursPath,
        theirsPath: added.path,
        entries: { ours: oursEntry, theirs: added.entry },
      });
    }
  }

  /**
   * After the walk: each delete that met a change or another delete, checked for a move by the
   * deleting side. A move met by the other side's change merges at the new id; moves to two ids,
   * or a move met by a delete, are `rename` conflicts; anything else is settled as a delete.
   */
  private async settleMoves(): Promise<void> {
    const fingerprint = this.options.fingerprint!;
    const anyAdded = this.oneSided.ours.length + this.oneSided.theirs.length + this.bothAdded.length > 0;
    if (anyAdded) {
      // objects both sides deleted below a folder both changed the same way
      for (const { path, base, side } of this.sameChanged) await rootsOnlyIn(this, base, side, `${path}/`, this.bothDeleted);
    }
    const deletedBy = { ours: [] as FoundRoot[], theirs: [] as FoundRoot[] };
    for (const change of this.deletes) {
      deletedBy[change.deletedBy].push({ model: change.model, id: change.id, path: change.path, entry: change.entries.base! });
    }
    for (const gone of this.bothDeleted) deletedBy.ours.push(gone), deletedBy.theirs.push(gone);
    const prints = new Map<string, Promise<string | undefined>>();
    const shared = (side: 'ours' | 'theirs') => this.bothAdded.map((a) => ({ ...a.object, path: a.path, entry: a[side], shared: true }));
    const none = new Map<string, FoundRoot>();
    const moved = {
      ours: deletedBy.ours.length && anyAdded ? await movesBy(this, fingerprint, deletedBy.ours, this.oneSided.ours, shared('ours'), prints) : none,
      theirs: deletedBy.theirs.length && anyAdded ? await movesBy(this, fingerprint, deletedBy.theirs, this.oneSided.theirs, shared('theirs'), prints) : none,
    };

    for (const change of this.deletes) {
      const target = moved[change.deletedBy].get(change.path);
      if (!target || target.shared) {
        this.settleDelete(change);
        continue;
      }
      const { base, ours, theirs } = change.entries;
      const movedBy = { by: change.deletedBy, from: change.path, fromId: change.id };
      if (change.deletedBy === 'ours') {
        await this.resolve({ model: target.model, id: target.id, path: target.path, base, ours: target.entry, theirs: theirs!, moved: movedBy, virtual: this.virtual || undefined });
      } else {
        this.changes.push({ op: 'remove', path: change.path });
        await this.resolve({ model: target.model, id: target.id, path: target.path, base, ours: ours!, theirs: target.entry, moved: movedBy, virtual: this.virtual || undefined });
      }
      this.resolved.push({ ...change, how: 'move' });
    }

    for (const gone of this.bothDeleted) {
      const x = moved.ours.get(gone.path);
      const y = moved.theirs.get(gone.path);
      if ((!x && !y) || (x && y && x.path === y.path)) continue;
      // every moved copy stays in the merged tree until the conflict is resolved
      this.conflicts.push({
        kind: 'rename',
        reason: x && y ? 'moved-apart' : 'moved-deleted',
        model: gone.model,
        id: gone.id,
        path: gone.path,
        ours: x?.id ?? null,
        theirs: y?.id ?? null,
        oursPath: x?.path ?? null,
        theirsPath: y?.path ?? null,
        entries: { base: gone.entry, ours: x?.entry, theirs: y?.entry },
      });
    }
  }
}

/** The entry of `name` (a folder or not) in a tree's bytes. */
function entryNamed(raw: Uint8Array, name: string, tree: boolean, where: string): TreeEntry | undefined {
  for (const c = new TreeCursor(raw, where); !c.done; c.next()) if (c.tree === tree && c.name() === name) return c.entry();
  return undefined;
}
