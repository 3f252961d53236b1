// The vocabulary of the tree merge, shared by the walk (tree-merge.ts), move detection
// (merge-moves.ts), applying a result (tree-apply.ts) and the virtual base (virtual-base.ts): what
// they are given (a tree reader, a layout, an object resolver) and what they hand back (changes to
// lay over ours, conflicts, counters). Entries only: nothing here decodes an object.
import type { EntryMode, TreeEntry } from '../git/tree.js';

/** A stored tree's raw bytes by oid (the object store's content, not parsed). */
export type ReadTreeBytes = (oid: string) => Promise<Uint8Array>;

/** An object as the layout names it. */
export interface ObjectName {
  readonly model: string;
  readonly id: string;
}

/** Where objects are: which entries are object roots (an object's folder, or its data file). */
export interface MergeLayout {
  /** The object whose root is the entry at `path` (a folder when `tree`); undefined: not a root. */
  objectAt(path: string, tree: boolean): ObjectName | undefined;
}

/** A side's entry at one path: base, ours, theirs (undefined: absent on that side). */
export interface Sides {
  readonly base?: TreeEntry;
  readonly ours?: TreeEntry;
  readonly theirs?: TreeEntry;
}

/** What the object resolver is asked: an object both sides changed, differently. */
export interface ObjectMergeRequest extends ObjectName {
  /** where the merged object goes (its root: a folder, or the data file) */
  readonly path: string;
  /** undefined: both sides added the object (no base; field merge with `base` undefined) */
  readonly base?: TreeEntry;
  readonly ours: TreeEntry;
  readonly theirs: TreeEntry;
  /**
   * The object was moved by one side (deleted at `from`, added at `path` with the same fields but
   * the id) while the other side changed it at `from`: `base` and that other side's entry are the
   * object's at `from`. The merge puts the result at `path` and removes `from`.
   */
  readonly moved?: { readonly by: 'ours' | 'theirs'; readonly from: string; readonly fromId: string };
  /**
   * Merging merge bases into a virtual one (virtual-base.ts): settle every conflicting field to its
   * base value (ours' when there is no base) and return files; any conflicts returned are counted,
   * never shown to anyone.
   */
  readonly virtual?: boolean;
}

/** A file of a merged object: new bytes, or an entry kept by oid (a blob field nobody changed). */
export type ObjectFile =
  | { readonly path: string; readonly data: Uint8Array; readonly oid?: string; readonly mode?: EntryMode }
  | { readonly path: string; readonly entry: TreeEntry };

/**
 * The resolver's answer. `take`: one side's entry as it is (for a request with `moved`, that side's
 * entry is put at `path`). `files`: the object's whole new content (full paths; for a data-file
 * root, one file at the root's path). `conflicts`: what is left for the user (the merged content
 * holds ours' values there); `resolved`: what rules settled, for the report.
 */
export type ObjectMerge<C> = ({ readonly take: 'ours' | 'theirs' | 'base' } | { readonly files: readonly ObjectFile[] }) & {
  readonly conflicts?: readonly C[];
  readonly resolved?: readonly C[];
};

export type ResolveObject<C> = (request: ObjectMergeRequest) => Promise<ObjectMerge<C>>;

/**
 * A key that two objects of a model share exactly when their fields but the id are equal (say the
 * data file's canonical JSON without the id, with blob fields by oid); undefined: never matches.
 */
export type Fingerprint = (object: ObjectName & { readonly path: string; readonly entry: TreeEntry }) => Promise<string | undefined>;

/** How a delete met by a change is settled, per model (design 4.4 `onDelete`). */
export type DeletePolicy = 'conflict' | 'delete-wins' | 'keep-wins';

/**
 * One change to lay over ours, in list order (a later change below an earlier graft refines it).
 * `graft`: put this stored entry (a file, or a whole folder) at `path` by oid, replacing whatever
 * is there; nothing is read. `remove`: take away the file or folder at `path`. `replace`: the object
 * root at `path` becomes exactly `files` (what was there, ours' or grafted, goes).
 */
export type TreeChange =
  | { readonly op: 'graft'; readonly path: string; readonly entry: TreeEntry }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly files: readonly ObjectFile[] };

/**
 * A conflict the tree merge finds by itself (the resolver reports field conflicts). The merged
 * changes keep ours' version at `path`; `entries` are what a resolution grafts.
 * - `delete-modify`: one side deleted the object, the other changed it.
 * - `rename`: both sides moved the object to different ids (`ours`/`theirs` are the new ids), or
 *   one moved it and the other deleted it (null); the merged tree keeps every moved copy, as git
 *   keeps both paths of a rename/rename. Also a case twin the merge would create (`Foo` kept from
 *   ours, `foo` added by theirs): theirs' is left out.
 * - `file`: a file outside every model changed on both sides (or deleted on one), or a file and a
 *   folder of the same name from the two sides.
 */
export type TreeConflict =
  | { readonly kind: 'delete-modify'; readonly model: string; readonly id: string; readonly path: string; readonly deletedBy: 'ours' | 'theirs'; readonly entries: Sides }
  | {
      readonly kind: 'rename';
      readonly reason: 'moved-apart' | 'moved-deleted' | 'case-twin';
      readonly model: string | null;
      readonly id: string;
      /** the object's root before the moves (case twin: theirs' name, which the merge left out) */
      readonly path: string;
      readonly ours: string | null;
      readonly theirs: string | null;
      readonly oursPath: string | null;
      readonly theirsPath: string | null;
      readonly entries: Sides;
    }
  | { readonly kind: 'file'; readonly reason: 'changed' | 'directory-file'; readonly path: string; readonly entries: Sides };

/** A tree-level conflict a rule settled, and which. */
export type ResolvedTreeConflict = TreeConflict & { readonly how: DeletePolicy | 'move' };

/** Work done, for tests and benchmarks (they assert work, not time). */
export interface MergeStats {
  /** tree objects read (each side's copy of a folder counts once) */
  treesRead: number;
  /** entries stepped over in merge-joins */
  entriesScanned: number;
  /** keys settled by oid alone: equal, or changed on one side (nothing below them read) */
  keysSkipped: number;
  /** objects handed to the resolver (both sides changed them differently) */
  objectsMerged: number;
  /** objects fingerprinted for move detection */
  objectsFingerprinted: number;
}

export interface TreeMergeResult<C> {
  /** what to lay over ours' tree, in order, to get the merged tree */
  readonly changes: TreeChange[];
  /** left for the user, in walk order */
  readonly conflicts: (TreeConflict | C)[];
  /** settled by rules (onDelete, moves, the resolver's own rules) */
  readonly resolved: (ResolvedTreeConflict | C)[];
  readonly stats: MergeStats;
}

export function newStats(): MergeStats {
  return { treesRead: 0, entriesScanned: 0, keysSkipped: 0, objectsMerged: 0, objectsFingerprinted: 0 };
}
