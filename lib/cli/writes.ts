// The commands that write: each goes through a Workspace (compare-and-swap on refs, git's lock
// protocol, typed errors), never around it. Loaded only by those commands.
import type { StagedChange, Workspace } from '../workspace/workspace.js';
import { BIND, type ModelBinding } from '../workspace/model-host.js';
import type { Context, ObjectRef } from './context.js';
import type { RawModel } from './raw-models.js';

/**
 * A model without its class, bound to a workspace by its layout alone: enough for ws.restore(),
 * which works on paths (FORMAT.md), to know which files are the object's.
 */
function rawBindable(model: RawModel): Function {
  const binding: ModelBinding = {
    name: model.name,
    folder: model.layout.sharedFolder(),
    root: (id) => model.layout.root(id),
    locate: (path) => model.layout.locate(path),
    attach: () => {},
  };
  return Object.assign(function rawModel() {}, { [BIND]: () => binding });
}

/** Binds every model found at the branch head, so a workspace's changes and conflicts name their objects. */
export async function bindModels(ctx: Context, ws: Workspace): Promise<void> {
  if (!ws.head) return;
  const tree = (await ctx.repo.readCommit(ws.head)).tree;
  ws.register(...(await ctx.models.list(tree)).map(rawBindable));
}

export async function restoreObject(ctx: Context, ref: ObjectRef, from: string, message?: string): Promise<{ commit: string | null; changes: StagedChange[] }> {
  const ws = await ctx.workspace();
  const model = await ctx.model(from, ref.model, ref.id);
  ws.register(rawBindable(model));
  const changes = await ws.restore({ model: ref.model, id: ref.id, from });
  const commit = await ws.commit({ message: message ?? `Restore ${ref.model}/${ref.id} from ${from}` });
  return { commit, changes };
}

/** Undoes or redoes `times` commits on the branch (NothingToUndoError / NothingToRedoError past the end). */
export async function moveBranch(ctx: Context, action: 'undo' | 'redo', times: number): Promise<{ head: string; moves: number }> {
  const ws = await ctx.workspace();
  let head = ws.head!;
  for (let i = 0; i < times; i++) head = await ws[action]();
  return { head, moves: times };
}
