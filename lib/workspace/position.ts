// Where a workspace stands: a branch (maybe not yet born) or, read-only, a tag; and its head.
import { RefNotFoundError } from '../errors.js';
import { hashObject } from '../git/object-store.js';
import type { Repository } from '../git/repository.js';

export const EMPTY_TREE = hashObject('tree', new Uint8Array(0));

export interface Position {
  /** the branch or tag name */
  name: string;
  /** refs/heads/<name>, or refs/tags/<name> for a tag */
  ref: string;
  /** the commit (a tag peeled), null on an unborn branch */
  head: string | null;
  tree: string;
}

/** A branch by that name, else a tag by that name, else (unless it must exist) an unborn branch. */
export async function positionOf(repo: Repository, name: string, mustExist: boolean): Promise<Position> {
  const branch = `refs/heads/${name}`;
  const tag = `refs/tags/${name}`;
  const ref = (await repo.refs.read(branch)) || !(await repo.refs.read(tag)) ? branch : tag;
  const exists = (await repo.refs.read(ref)) !== null;
  if (mustExist && !exists) throw new RefNotFoundError({ ref: name }, 'no branch or tag by that name');
  const head = exists ? await repo.resolve(ref) : null;
  return { name, ref, head, tree: head ? (await repo.readCommit(head)).tree : EMPTY_TREE };
}

/** The same branch (or tag) as it is now: another writer may have moved it. */
export async function reread(repo: Repository, position: Position): Promise<Position> {
  const head = (await repo.refs.read(position.ref)) ? await repo.resolve(position.ref) : null;
  return { ...position, head, tree: head ? (await repo.readCommit(head)).tree : EMPTY_TREE };
}
