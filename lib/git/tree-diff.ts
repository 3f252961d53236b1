// Differences between two trees, file by file, descending only into subtrees whose oids differ
// (dulwich's tree_changes): unchanged parts of a large tree cost nothing.
import { isTreeMode, type TreeEntry } from './tree.js';

export type Tree = ReadonlyMap<string, TreeEntry>;
export type ReadTree = (oid: string) => Promise<Tree>;

export interface FileChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  before?: TreeEntry;
  after?: TreeEntry;
}

const EMPTY: Tree = new Map();

export async function* diffTrees(
  read: ReadTree,
  a: string | null,
  b: string | null,
  prefix = '',
): AsyncGenerator<FileChange> {
  if (a === b) return;
  const left = a ? await read(a) : EMPTY;
  const right = b ? await read(b) : EMPTY;
  const names = new Set([...left.keys(), ...right.keys()]);
  for (const name of [...names].sort()) {
    const before = left.get(name);
    const after = right.get(name);
    if (before && after && before.oid === after.oid && before.mode === after.mode) continue;
    const path = prefix + name;
    const beforeTree = before && isTreeMode(before.mode) ? before.oid : null;
    const afterTree = after && isTreeMode(after.mode) ? after.oid : null;
    if (beforeTree || afterTree) yield* diffTrees(read, beforeTree, afterTree, `${path}/`);
    const beforeFile = before && !beforeTree ? before : undefined;
    const afterFile = after && !afterTree ? after : undefined;
    if (beforeFile && afterFile) yield { path, status: 'modified', before: beforeFile, after: afterFile };
    else if (beforeFile) yield { path, status: 'deleted', before: beforeFile };
    else if (afterFile) yield { path, status: 'added', after: afterFile };
  }
}
