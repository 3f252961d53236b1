// Moves, for the tree merge: an object one side deleted while the other side changed (or deleted)
// it may have been moved, not deleted: saved under a new id with every other field unchanged (the
// way history/moves.ts recognises a move within one commit). Found by fingerprint (the fields but
// the id, from an injected function) between the deleted object's base version and the objects
// that side added, looked for only in the subtrees that side changed, and only when a delete met a
// change: a merge without deletes reads nothing here.
import { isTreeMode, type TreeEntry } from '../git/tree.js';
import type { Fingerprint, MergeLayout, MergeStats, ObjectName } from './merge-types.js';
import { compareKeys, sameEntry, TreeCursor } from './tree-cursor.js';

/** How a walk reads trees (counted) and finds object roots. */
export interface Walk {
  readTree(oid: string, where: string): Promise<Uint8Array>;
  readonly layout: MergeLayout;
  readonly stats: MergeStats;
}

/** An object root found in a tree. */
export interface FoundRoot extends ObjectName {
  readonly path: string;
  readonly entry: TreeEntry;
  /** the other side has an object at this path too (both added it, differently): not a move target */
  readonly shared?: boolean;
}

/** A path where one side's entry differs from the base's and the other side kept the base's. */
export interface OneSided {
  readonly path: string;
  readonly tree: boolean;
  readonly base?: TreeEntry;
  readonly entry: TreeEntry;
}

/**
 * Pushes onto `out` the object roots in tree `a` that tree `b` lacks (`b` undefined: an empty
 * tree), descending only into subtrees whose oids differ. `prefix` is the trees' folder path with
 * a trailing '/' ('' at the top).
 */
export async function rootsOnlyIn(walk: Walk, a: string, b: string | undefined, prefix: string, out: FoundRoot[]): Promise<void> {
  const [ar, br] = await Promise.all([walk.readTree(a, prefix), b === undefined ? undefined : walk.readTree(b, prefix)]);
  const A = new TreeCursor(ar, prefix);
  const B = new TreeCursor(br, prefix);
  while (!A.done) {
    const c = B.done ? -1 : compareKeys(A, B);
    walk.stats.entriesScanned++;
    if (c > 0) {
      B.next();
      continue;
    }
    if (c === 0 && sameEntry(A, B)) {
      walk.stats.keysSkipped++;
      A.next();
      B.next();
      continue;
    }
    const path = prefix + A.name();
    const object = walk.layout.objectAt(path, A.tree);
    let below: [string, string | undefined] | undefined;
    if (object) {
      if (c !== 0) out.push({ ...object, path, entry: A.entry() });
    } else if (A.tree) {
      below = [A.oid(), c === 0 ? B.oid() : undefined];
    }
    A.next();
    if (c === 0) B.next();
    if (below) await rootsOnlyIn(walk, below[0], below[1], `${path}/`, out);
  }
}

/**
 * The objects `deleted` (on one side) that the same side moved: deleted path → the root it added
 * with the same fingerprint. Additions are looked for in `changed` (that side's one-sided changes:
 * roots it added, folders it changed) and `shared` (roots both sides added); only in the models of
 * `deleted`. Each addition is the target of one deleted object at most, the first in walk order.
 */
export async function movesBy(
  walk: Walk,
  fingerprint: Fingerprint,
  deleted: readonly FoundRoot[],
  changed: readonly OneSided[],
  shared: readonly FoundRoot[],
  prints: Map<string, Promise<string | undefined>>,
): Promise<Map<string, FoundRoot>> {
  const moves = new Map<string, FoundRoot>();
  const models = new Set(deleted.map((d) => d.model));
  const added: FoundRoot[] = [];
  for (const change of changed) {
    const object = walk.layout.objectAt(change.path, change.tree);
    if (object) {
      if (!change.base) added.push({ ...object, path: change.path, entry: change.entry });
    } else if (change.tree) {
      const base = change.base && isTreeMode(change.base.mode) ? change.base.oid : undefined;
      await rootsOnlyIn(walk, change.entry.oid, base, `${change.path}/`, added);
    }
  }
  added.push(...shared);
  const candidates = added.filter((a) => models.has(a.model));
  if (!candidates.length) return moves;

  const print = (root: FoundRoot): Promise<string | undefined> => {
    const key = `${root.path}\0${root.entry.oid}`;
    let hit = prints.get(key);
    if (!hit) {
      walk.stats.objectsFingerprinted++;
      hit = fingerprint({ model: root.model, id: root.id, path: root.path, entry: root.entry });
      prints.set(key, hit);
    }
    return hit;
  };
  const byPrint = new Map<string, FoundRoot[]>();
  for (const root of candidates) {
    const fp = await print(root);
    if (fp === undefined) continue;
    const key = `${root.model}\0${fp}`;
    const list = byPrint.get(key);
    if (list) list.push(root);
    else byPrint.set(key, [root]);
  }
  const used = new Set<string>();
  for (const gone of deleted) {
    if (!byPrint.size) break;
    const fp = await print(gone);
    if (fp === undefined) continue;
    const target = byPrint.get(`${gone.model}\0${fp}`)?.find((root) => !used.has(root.path));
    if (!target) continue;
    used.add(target.path);
    moves.set(gone.path, target);
  }
  return moves;
}
