// Where a workspace stands: a branch (maybe not yet born) or, read-only, a tag; and its head.
import { RefNotFoundError } from '../errors.js';
import type { Person } from '../git/person.js';
import { EMPTY_TREE } from '../git/object.js';
import type { Repository } from '../git/repository.js';

export { EMPTY_TREE };

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

export interface OpenBranchOptions {
  /** the caller named the branch (rather than taking HEAD's) */
  named: boolean;
  /** create the branch when it is missing */
  createBranch: boolean;
  /** open a missing branch unborn, its first commit a root */
  orphan: boolean;
  /** where to create it (default: HEAD's commit) */
  from?: string;
  /** who the reflog says created it */
  who: () => Person;
}

/**
 * The position a workspace opens at. A named branch that does not exist in a repository with
 * branches is a typo until the caller says otherwise (`createBranch`): opening it unborn would
 * show an empty store and start an unrelated history at the first commit. In an empty repository
 * (or on HEAD's own unborn branch) the first commit creates the branch, as `git commit` does.
 */
export async function openPosition(repo: Repository, name: string, options: OpenBranchOptions): Promise<Position> {
  const branch = `refs/heads/${name}`;
  const exists = (await repo.refs.read(branch)) !== null || (await repo.refs.read(`refs/tags/${name}`)) !== null;
  if (!exists) {
    await repo.refs.assertNoClash(branch); // before a first commit finds out
    const branches = (await repo.refs.list('refs/heads/')).map((ref) => ref.slice('refs/heads/'.length));
    if (options.createBranch && (options.from !== undefined || branches.length)) {
      const at = await repo.resolve(options.from ?? 'HEAD').catch((error: unknown) => {
        if (options.from === undefined && error instanceof RefNotFoundError) {
          throw new RefNotFoundError({ ref: 'HEAD' }, `HEAD has no commit to create ${name} at: give { from }`);
        }
        throw error;
      });
      // null as the expected value: created only if nobody made it meanwhile (else it opens what they made)
      await repo.refs.update(branch, at, null, { who: options.who(), message: `branch: Created from ${options.from ?? 'HEAD'}` }).catch(async (error) => {
        if ((await repo.refs.read(branch)) === null) throw error;
      });
    } else if (options.named && branches.length && !options.orphan) {
      const shown = branches.length > 10 ? [...branches.slice(0, 10), `… ${branches.length - 10} more`] : branches;
      throw new RefNotFoundError(
        { ref: name },
        `no branch or tag by that name; the branches are ${shown.join(', ')}. ` +
          'To start a new branch: Workspace.open(path, { branch, createBranch: true }) (at HEAD, or at { from }), ' +
          'or { branch, orphan: true } for one with no history',
      );
    }
  }
  return positionOf(repo, name, false);
}
