// Committing what a workspace staged: compare-and-swap of the branch, re-applying the staged
// changes when another writer moved it (or a ConflictError), and the guards every move of a
// branch needs (a tag never moves; a checked-out branch is not moved under its working tree).
import { BranchCheckedOutError, ConfigurationError, ReadOnlyRefError, StaleBranchError } from '../errors.js';
import type { Person } from '../git/person.js';
import type { Repository } from '../git/repository.js';
import type { Position } from './position.js';
import { type ObjectOf, rebaseIndex } from './rebase.js';
import { committerFor, type DefaultIdentity, type Signature, toPerson } from './signature.js';
import type { StagedTree } from './staged-tree.js';
import { clearRedo } from './undo.js';

/** How often one commit re-applies its changes on a branch that keeps moving before it gives up. */
const MAX_COMMIT_ATTEMPTS = 10;

export interface CommitOptions {
  message: string;
  author?: Signature;
  /** default: the author when one is given (here or to Workspace.open), GIT_COMMITTER_NAME and
   *  GIT_COMMITTER_EMAIL taking the place of its name and email when set; else the committer git
   *  would use (GIT_COMMITTER_*, committer.*, user.* from the config, EMAIL) */
  committer?: Signature;
}

/** What a commit reads and moves: the workspace's repository, index and position. */
export interface Session {
  readonly repo: Repository;
  readonly index: StagedTree;
  position: Position;
  /** checks of the staged tree against the exact parent the ref is about to move from (unique constraints) */
  beforeCommit?(tree: string, parent: string | null, head: string | null): Promise<void>;
}

export interface Who {
  author: Person;
  committer: Person;
}

/** Refuses any write in a workspace opened on a tag. */
export function assertWritable(position: Position): void {
  if (position.ref.startsWith('refs/tags/')) throw new ReadOnlyRefError({ ref: position.name });
}

/** Refuses to move a tag, or a branch that a working tree has checked out. */
export async function assertMovable(session: Session): Promise<void> {
  assertWritable(session.position);
  const where = (await session.repo.checkedOut()).get(session.position.ref);
  if (where) throw new BranchCheckedOutError({ branch: session.position.name, path: where });
}

/**
 * Who a commit is by, checked before anything is staged. As git does: the committer is
 * GIT_COMMITTER_* or the configured identity, unless the caller names the author, who then
 * commits too (GIT_COMMITTER_* still taking their place).
 */
export function whoCommits(identity: DefaultIdentity, options: Partial<CommitOptions>): Who {
  if (typeof options?.message !== 'string') throw new ConfigurationError('a commit needs a message (a string)');
  const author = options.author ?? identity.author;
  const committer = options.committer ?? (options.author ? committerFor(options.author, identity) : identity.committer);
  const now = new Date();
  return { author: toPerson({ ...author, date: author.date ?? now }), committer: toPerson({ ...committer, date: committer.date ?? now }) };
}

/**
 * Commits what is staged: writes the new blobs and trees and a commit, then moves the branch if
 * it still points where the session read it. If another writer moved it meanwhile, the staged
 * changes are re-applied on its new head and committed on top, unless the other commits changed
 * one of the same objects (ConflictError, nothing committed, the staged changes kept). Returns
 * the commit oid, or null if nothing changed.
 */
export async function commitStaged(session: Session, { author, committer }: Who, message: string, objectOf: ObjectOf): Promise<string | null> {
  const { repo, index } = session;
  if (index.treeOid() === session.position.tree) return null;
  await assertMovable(session);
  for (let attempt = 1; ; attempt++) {
    const { ref, name, head } = session.position;
    // catch up before writing anything, so a conflict leaves the repository untouched
    const actual = await repo.refs.read(ref);
    if (actual !== head) {
      if (!actual || attempt > MAX_COMMIT_ATTEMPTS) throw new StaleBranchError({ branch: name, expected: head, actual });
      await rebase(session, actual, objectOf);
    }
    const tree = index.treeOid();
    const parent = session.position.head;
    // after the catch-up and before the swap: a writer that moves the branch in between makes the
    // swap fail, and the next attempt checks again against its commit
    await session.beforeCommit?.(tree, parent ? session.position.tree : null, parent);
    // the ref's new value is written and flushed while the objects are; it moves after them
    const { oid, written } = repo.startCommit({ tree, parents: parent ? [parent] : [], author, committer, message }, index.newObjects());
    const update = repo.refs.update(ref, oid, parent, { who: committer, message: `commit: ${message}` }, written);
    // both settled before going on, so a retry never overlaps this attempt's writing
    const [stored, moved] = await Promise.allSettled([written, update]);
    if (stored.status === 'rejected') throw stored.reason;
    if (moved.status === 'rejected') {
      // moved between the read and the update: this attempt's objects stay unreferenced (git
      // fsck calls them dangling, git gc prunes them), and the next attempt catches up
      if (moved.reason instanceof StaleBranchError) continue;
      throw moved.reason;
    }
    index.markStored();
    session.position = { ...session.position, head: oid, tree };
    // housekeeping: redo is refused anyway once the branch moved past the stack, so a failure
    // here must not make a commit that happened look as if it had not
    await clearRedo(repo, name).catch(() => {});
    return oid;
  }
}

/** Re-applies the staged changes on the branch's new head (ConflictError when they collide) and reads from there. */
async function rebase(session: Session, actual: string, objectOf: ObjectOf): Promise<void> {
  const { position } = session;
  const onto = (await session.repo.readCommit(actual)).tree;
  const base = position.head ? position.tree : null;
  await rebaseIndex(session.index, { branch: position.name, expected: position.head, base, actual, onto }, objectOf);
  session.position = { ...position, head: actual, tree: onto };
}
