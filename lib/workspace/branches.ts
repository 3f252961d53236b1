// Branches of the workspace's repository: create from any revision, list, delete. Switching the
// workspace to one is ws.switch(); reading one without switching is `{ at: 'name' }`.
import { BranchCheckedOutError, CurrentBranchError, RefNotFoundError } from '../errors.js';
import { branchNameProblem } from '../git/ref-names.js';
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

  /** Deletes a branch (not this workspace's, nor one checked out); returns the commit it pointed at. */
  async delete(name: string): Promise<string> {
    assertRefName(name, branchNameProblem);
    const ref = PREFIX + name;
    if (ref === this.ws.ref) throw new CurrentBranchError({ branch: name });
    const where = (await this.ws.repo.checkedOut()).get(ref);
    if (where) throw new BranchCheckedOutError({ branch: name, path: where });
    if (!(await this.ws.repo.refs.read(ref))) throw new RefNotFoundError({ ref: name }, 'no such branch');
    await clearRedo(this.ws.repo, name);
    return deleteRef(this.ws.repo, ref);
  }
}
