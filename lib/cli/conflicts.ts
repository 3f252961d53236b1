// The merge left in progress, from the command line: `conflicts` lists it, `resolve` settles an
// object's conflicts, `merge --continue` commits it and `merge --abort` discards it. Each run opens
// a workspace, which finds the merge where the last run left it (refs/gitmodel/merge/<branch>,
// lib/workspace/merge-state.ts). Without the classes there are no field rules: objects merge file
// by file, so a conflict is a data file both sides changed; the fields in conflict inside it are
// found here by comparing the three versions as JSON.
import { ConfigurationError } from '../errors.js';
import type { MergeChoice, MergeConflict } from '../workspace/merge-hooks.js';
import type { Workspace } from '../workspace/workspace.js';
import { type Context, type ObjectRef, UsageError } from './context.js';
import { oneLine } from './output.js';
import { parseObject, type RawObject, sameJson } from './raw-models.js';

type FileConflict = Extract<MergeConflict, { kind: 'file' }>;

/** A conflict as listed: the library's, with the fields both sides changed differently when it is a data file. */
export type ListedConflict = MergeConflict & { fields?: string[] };

async function mergingWorkspace(ctx: Context): Promise<Workspace> {
  const ws = await ctx.workspace();
  if (!ws.merging) throw new ConfigurationError(`no merge is in progress on ${ws.branch}: gitmodel merge <rev> starts one`);
  return ws;
}

async function version(ctx: Context, oid: string | undefined, path: string): Promise<RawObject | undefined> {
  if (oid === undefined) return undefined;
  try {
    return parseObject(await ctx.repo.readBlob(oid, path), path);
  } catch {
    return undefined; // not a data file: no fields to name
  }
}

/** A data file's three versions merged key by key: one side changed → it; both, differently → conflicting (ours kept). */
async function mergeFields(ctx: Context, c: FileConflict): Promise<{ merged: RawObject; conflicting: string[]; sides?: { ours: RawObject; theirs: RawObject } }> {
  const [base, ours, theirs] = await Promise.all([version(ctx, c.base, c.path), version(ctx, c.ours, c.path), version(ctx, c.theirs, c.path)]);
  if (!ours || !theirs) return { merged: ours ?? theirs ?? {}, conflicting: [] };
  const merged: RawObject = {};
  const conflicting: string[] = [];
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    const [b, o, t] = [base?.[key], ours[key], theirs[key]];
    const value = sameJson(o, t) || sameJson(t, b) ? o : sameJson(o, b) ? t : (conflicting.push(key), o);
    if (value !== undefined) merged[key] = value;
  }
  return { merged, conflicting, sides: { ours, theirs } };
}

async function listed(ctx: Context, conflicts: readonly MergeConflict[]): Promise<ListedConflict[]> {
  const out: ListedConflict[] = [];
  for (const c of conflicts) {
    if (c.kind !== 'file') out.push(c);
    else {
      const { conflicting, sides } = await mergeFields(ctx, c);
      out.push(sides ? { ...c, fields: conflicting } : c);
    }
  }
  return out;
}

/** `gitmodel conflicts`: the merge in progress and its conflicts left. */
export async function conflicts(ctx: Context): Promise<void> {
  const ws = await ctx.workspace();
  const merging = ws.merging;
  const rows = merging ? await listed(ctx, merging.conflicts) : [];
  if (ctx.out.format === 'table' && !merging) return ctx.out.note(`no merge in progress on ${ws.branch}`);
  await ctx.out.list(rows, {
    line: (c) => `${c.kind.padEnd(13)} ${c.path}${c.fields?.length ? `  fields: ${c.fields.join(', ')}` : ''}${c.kind === 'file' ? '' : `  ${oneLine(JSON.stringify(c), 160)}`}`,
    empty: merging ? `merging ${merging.theirs}: no conflict left; gitmodel merge --continue commits it` : undefined,
  });
}

export interface ResolveChoice {
  side?: 'ours' | 'theirs';
  /** JSON text: the whole object, or with fields the value each takes */
  value?: string;
  fields: string[];
}

/**
 * `gitmodel resolve <model/id>`: settles every conflict of the object (its data file, and blob
 * files beside it). Without fields: that side's version, or the object given. With fields: the
 * data file merged key by key, the named fields taking the side's value or the value given, the
 * other conflicting fields ours'.
 */
export async function resolve(ctx: Context, ref: ObjectRef, choice: ResolveChoice): Promise<{ resolved: string[]; left: number }> {
  if (ref.rev !== 'HEAD') throw new UsageError('resolve takes <model>/<id>: the merge is on the branch, not at a revision');
  if ((choice.side === undefined) === (choice.value === undefined)) throw new UsageError('resolve wants one of --ours, --theirs or --value <json>');
  let value: unknown;
  if (choice.value !== undefined) {
    try {
      value = JSON.parse(choice.value);
    } catch (error) {
      throw new UsageError(`--value is not JSON: ${(error as Error).message}`);
    }
    if (!choice.fields.length && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new UsageError('--value without --field is the whole object: a JSON object');
  }
  const ws = await mergingWorkspace(ctx);
  const tree = await ws.rootTree();
  const model = await ctx.models.get(tree ?? (await ctx.treeAt()).tree, ref.model, ref.id);
  const root = model.layout.root(ref.id);
  const dataPath = model.layout.dataPath(ref.id);
  const mine = ws.merging!.conflicts.filter((c) => c.path === root || c.path === dataPath || c.path.startsWith(`${root}/`));
  if (!mine.length) throw new ConfigurationError(`${ref.model}/${ref.id} has no conflict left in the merge (gitmodel conflicts lists them)`);
  for (const c of mine) {
    let settle: MergeChoice;
    if (c.path === dataPath && c.kind === 'file' && (value !== undefined || choice.fields.length)) {
      settle = { value: await dataFile(ctx, c, choice, value) };
    } else {
      if (choice.fields.length && c.path === dataPath) throw new UsageError(`${c.path} is not a data file both sides changed: resolve it whole (without --field)`);
      settle = choice.side ?? 'ours';
    }
    await ws.resolveConflict(c, settle);
  }
  return { resolved: mine.map((c) => c.path), left: ws.merging!.conflicts.length };
}

async function dataFile(ctx: Context, c: FileConflict, choice: ResolveChoice, value: unknown): Promise<Uint8Array> {
  let object: RawObject;
  if (!choice.fields.length) object = value as RawObject;
  else {
    const { merged, conflicting, sides } = await mergeFields(ctx, c);
    if (!sides) throw new UsageError(`${c.path} was deleted on one side: resolve it whole (without --field)`);
    const unknown = choice.fields.filter((f) => !conflicting.includes(f));
    if (unknown.length) throw new UsageError(`${c.path}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in conflict (conflicting: ${conflicting.join(', ') || 'none'})`);
    object = merged;
    for (const field of choice.fields) {
      const v = value !== undefined ? value : sides[choice.side!][field];
      if (v === undefined) delete object[field];
      else object[field] = v;
    }
  }
  // as the library writes a data file (FORMAT.md): two-space JSON and a newline
  return new TextEncoder().encode(`${JSON.stringify(object, null, 2)}\n`);
}

/** `gitmodel merge --continue`: the merge commit, once no conflict is left. */
export async function continueMerge(ctx: Context, message: string | undefined): Promise<string> {
  const ws = await mergingWorkspace(ctx);
  return (await ws.commit(message === undefined ? {} : { message }))!;
}

/** `gitmodel merge --abort`: the branch and the stored merge as before it. */
export async function abortMerge(ctx: Context): Promise<string | null> {
  const ws = await mergingWorkspace(ctx);
  await ws.discard();
  return ws.head;
}
