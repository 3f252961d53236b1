// Undo and redo of a branch's last commits, as gitstore offers them, without rewriting anything:
// undo moves the branch to its head's first parent; the undone commits stay reachable from
// refs/gitmodel/redo/<branch>, which points at the newest one undone. That ref's first-parent line
// is the redo stack: redo moves the branch to the commit on it whose parent is the branch head.
// A new commit on the branch clears the stack.
import { NothingToRedoError, NothingToUndoError } from '../errors.js';
import type { Person } from '../git/person.js';
import type { Repository } from '../git/repository.js';

export function redoRef(branch: string): string {
  return `refs/gitmodel/redo/${branch}`;
}

/** The commit on `top`'s first-parent line whose first parent is `head`, if there is one. */
async function childOf(repo: Repository, top: string, head: string): Promise<string | undefined> {
  for (let oid: string | undefined = top; oid && oid !== head; ) {
    const parent: string | undefined = (await repo.readCommit(oid)).parents[0];
    if (parent === head) return oid;
    oid = parent;
  }
  return undefined;
}

/** Moves the branch back one commit; returns the new head. */
export async function undoCommit(repo: Repository, branch: string, head: string | null, who: Person): Promise<string> {
  const parent = head && (await repo.readCommit(head)).parents[0];
  if (!head || !parent) throw new NothingToUndoError({ branch });
  const stack = redoRef(branch);
  const top = await repo.refs.read(stack);
  // an earlier undo's stack is kept while the head is on it; otherwise this undo starts a new one
  const push = top !== head && !(top && (await childOf(repo, top, head)));
  if (push) await repo.refs.update(stack, head, top);
  try {
    await repo.refs.update(`refs/heads/${branch}`, parent, head, { who, message: `undo: moving to ${parent}` });
  } catch (error) {
    // the branch did not move (moved by another writer, or locked): the stack goes back as it was
    if (push) await (top ? repo.refs.update(stack, top, head) : repo.refs.delete(stack, head)).catch(() => {});
    throw error;
  }
  return parent;
}

/** Moves the branch forward to the commit undone last; returns the new head. */
export async function redoCommit(repo: Repository, branch: string, head: string | null, who: Person): Promise<string> {
  const stack = redoRef(branch);
  const top = await repo.refs.read(stack);
  const next = top && head ? await childOf(repo, top, head) : undefined;
  if (!top || !next) throw new NothingToRedoError({ branch });
  await repo.refs.update(`refs/heads/${branch}`, next, head, { who, message: `redo: moving to ${next}` });
  if (next === top) await repo.refs.delete(stack, top);
  return next;
}

/** How many times redo() can move the branch forward from `head` (0 when it left the stack). */
export async function redoDepth(repo: Repository, branch: string, head: string | null): Promise<number> {
  const top = await repo.refs.read(redoRef(branch));
  let n = 0;
  let oid: string | undefined = top ?? undefined;
  for (; oid && head && oid !== head; n++) oid = (await repo.readCommit(oid)).parents[0];
  return oid !== undefined && oid === head ? n : 0;
}

export async function clearRedo(repo: Repository, branch: string): Promise<void> {
  const top = await repo.refs.read(redoRef(branch));
  if (top) await repo.refs.delete(redoRef(branch), top);
}
