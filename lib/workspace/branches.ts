// Branches of the workspace's repository: create from any revision, list, delete. Switching the
// workspace to one is ws.switch(); reading one without switching is `{ at: 'name' }`.
import { BranchCheckedOutError, CurrentBranchError, RefNotFoundError, UnmergedBranchError } from '../errors.js';
import { walkCommits } from '../git/log.js';
import { branchNameProblem } from '../git/ref-names.js';
import type { Repository } from '../git/repository.js';
import { assertRefName, createRef, deleteRef, listRefs, type RefContext } from './named-refs.js';
import { clearRedo } from './undo.js';

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
   * Deletes a branch (not this workspace's, nor one checked out); returns the commit it pointed
   * at. Like `git branch -d`, a branch whose head no other branch or tag reaches is refused
   * (UnmergedBranchError): its commits would be lost. `{ force: true }` deletes it anyway.
   */
  async delete(name: string, options: { force?: boolean } = {}): Promise<string> {
    assertRefName(name, branchNameProblem);
    const ref = PREFIX + name;
    if (ref === this.ws.ref) throw new CurrentBranchError({ branch: name });
    const where = (await this.ws.repo.checkedOut()).get(ref);
    if (where) throw new BranchCheckedOutError({ branch: name, path: where });
    const head = await this.ws.repo.refs.read(ref);
    if (!head) throw new RefNotFoundError({ ref: name }, 'no such branch');
    if (!options.force && !(await reachedByOthers(this.ws.repo, ref, head))) throw new UnmergedBranchError({ branch: name, head });
    await clearRedo(this.ws.repo, name);
    return deleteRef(this.ws.repo, ref);
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
