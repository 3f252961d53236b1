// Branches of the workspace's repository: create from any revision, list, rename, delete. Switching the
// workspace to one is ws.switch(); reading one without switching is `{ at: 'name' }`.
import {
  BranchCheckedOutError,
  ConfigurationError,
  CurrentBranchError,
  InvalidRefNameError,
  RefExistsError,
  RefNotFoundError,
  StaleBranchError,
  UnmergedBranchError,
} from '../errors.js';
import { walkCommits } from '../git/log.js';
import { branchNameProblem } from '../git/ref-names.js';
import type { Repository } from '../git/repository.js';
import type { RefUpdate } from '../git/ports.js';
import { mergeRef } from './merge-state.js';
import { assertAbsent, assertRefName, createRef, deleteRef, listRefs, type RefContext } from './named-refs.js';
import { clearRedo, redoRef } from './undo.js';
import { moveBranchConfig } from './upstream.js';

export interface BranchInfo {
  name: string;
  /** the commit it points at */
  head: string;
  /** whether it is this workspace's branch */
  current: boolean;
}

const PREFIX = 'refs/heads/';

export class Branches {
  constructor(private readonly ws: RefContext) {}

  /** Creates a branch at `from` (any revision; default: the workspace's head). */
  async create(name: string, options: { from?: string } = {}): Promise<BranchInfo> {
    assertRefName(name, branchNameProblem);
    const head = await this.ws.resolve(options.from ?? 'HEAD');
    await createRef(this.ws.repo, PREFIX + name, head, this.ws.who(), `branch: Created from ${options.from ?? 'HEAD'}`);
    return { name, head, current: false };
  }

  async list(): Promise<BranchInfo[]> {
    return (await listRefs(this.ws.repo, PREFIX)).map(({ name, ref, oid }) => ({ name, head: oid, current: ref === this.ws.ref }));
  }

  /**
   * Renames a branch (not this workspace's, nor one checked out, nor the one a bare repository's
   * HEAD names), as `git branch -m`: the branch, its redo line and its merge in progress move in
   * one ref transaction, compare-and-swap (StaleBranchError when another writer moved the branch
   * meanwhile, RefExistsError when `to` exists or was made meanwhile); then its config section
   * (upstream) moves. The reflog starts afresh under the new name.
   */
  async rename(from: string, to: string): Promise<BranchInfo> {
    assertRefName(from, branchNameProblem);
    assertRefName(to, branchNameProblem);
    const repo = this.ws.repo;
    const ref = PREFIX + from;
    const next = PREFIX + to;
    if (ref === this.ws.ref) throw new CurrentBranchError({ branch: from }, 'renaming');
    await this.assertNotCheckedOut(from);
    // a bare repository's HEAD would be left naming no branch (gitmodel never rewrites HEAD)
    if ((await repo.refs.symbolicTarget('HEAD')) === ref) throw new ConfigurationError(`branch ${from} is the one the repository's HEAD names; rename it with git branch -m`);
    const head = await this.head(from);
    if (from === to) return { name: to, head, current: false };
    // a/b → a (or back): the old name's file or folder would stand where the new one goes
    if (to.startsWith(`${from}/`) || from.startsWith(`${to}/`)) throw new InvalidRefNameError({ name: to, reason: `one of ${from} and ${to} is a folder of the other` });
    await assertAbsent(repo, next);
    const updates: RefUpdate[] = [
      { name: ref, expected: head, next: null },
      { name: next, expected: null, next: head },
    ];
    // the refs that belong to the branch by name move with it (nothing is left stale under the old one)
    for (const [old, moved] of [
      [redoRef(from), redoRef(to)],
      [mergeRef(from), mergeRef(to)],
    ]) {
      const oid = await repo.refs.read(old);
      if (oid) updates.push({ name: old, expected: oid, next: null }, { name: moved, expected: null, next: oid });
    }
    try {
      await repo.refs.transaction(updates, { who: this.ws.who(), message: `Branch: renamed ${ref} to ${next}` });
    } catch (error) {
      // made meanwhile by another writer: as create() reports it
      if (error instanceof StaleBranchError && error.data.branch === to && error.data.actual) throw new RefExistsError({ ref: next, oid: error.data.actual });
      throw error;
    }
    await moveBranchConfig(repo, from, to);
    return { name: to, head, current: false };
  }

  /**
   * Deletes a branch (not this workspace's, nor one checked out); returns the commit it pointed
   * at. Like `git branch -d`, a branch whose head no other branch or tag reaches is refused
   * (UnmergedBranchError): its commits would be lost. `{ force: true }` deletes it anyway.
   */
  async delete(name: string, options: { force?: boolean } = {}): Promise<string> {
    assertRefName(name, branchNameProblem);
    const ref = PREFIX + name;
    if (ref === this.ws.ref) throw new CurrentBranchError({ branch: name });
    await this.assertNotCheckedOut(name);
    const head = await this.head(name);
    if (!options.force && !(await reachedByOthers(this.ws.repo, ref, head))) throw new UnmergedBranchError({ branch: name, head });
    await clearRedo(this.ws.repo, name);
    return deleteRef(this.ws.repo, ref);
  }

  /** Refuses a branch another worktree (git's or a workspace's) has checked out. */
  private async assertNotCheckedOut(name: string): Promise<void> {
    const where = (await this.ws.repo.checkedOut()).get(PREFIX + name);
    if (where) throw new BranchCheckedOutError({ branch: name, path: where });
  }

  /** The commit the branch points at; RefNotFoundError when there is no such branch. */
  private async head(name: string): Promise<string> {
    const head = await this.ws.repo.refs.read(PREFIX + name);
    if (!head) throw new RefNotFoundError({ ref: name }, 'no such branch');
    return head;
  }
}

/** Whether any branch or tag other than `ref` has `head` in its history. */
async function reachedByOthers(repo: Repository, ref: string, head: string): Promise<boolean> {
  const tips: string[] = [];
  for (const other of [...(await repo.refs.list(PREFIX)), ...(await repo.refs.list('refs/tags/'))]) {
    if (other === ref) continue;
    // a tag of a tree or blob reaches no commit
    const tip = await repo.resolve(other).catch(() => undefined);
    if (tip === head) return true;
    if (tip && !tips.includes(tip)) tips.push(tip);
  }
  if (!tips.length) return false;
  for await (const commit of walkCommits((oid) => repo.readCommit(oid), tips)) if (commit.oid === head) return true;
  return false;
}
