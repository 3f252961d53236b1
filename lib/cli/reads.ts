// The reads behind the commands and the web view's JSON routes (one function each, called
// in-process by both): models, objects, one object, files. History reads: history-reads.ts.
import { FileNotFoundError, NotFoundError } from '../errors.js';
import { isTreeMode } from '../git/tree.js';
import { CommitSnapshot } from '../workspace/snapshot.js';
import type { Context, ObjectRef } from './context.js';
import { parseObject, type RawObject } from './raw-models.js';

export interface ModelRow {
  name: string;
  /** the path template, with the model's name filled in */
  layout: string;
  shard: number;
  objects: number;
}

export async function listModels(ctx: Context, rev = 'HEAD'): Promise<ModelRow[]> {
  const { tree } = await ctx.treeAt(rev);
  const rows: ModelRow[] = [];
  for (const m of await ctx.models.list(tree)) {
    rows.push({ name: m.name, layout: m.template, shard: m.shard, objects: (await m.layout.ids(new CommitSnapshot(ctx.repo, tree))).length });
  }
  return rows;
}

export interface ListOptions {
  /** fields to show beside the id */
  fields?: string[];
  /** [field, value]: objects whose field shows as this text (a string as is, anything else as JSON) */
  where?: [string, string][];
  limit?: number;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A model's objects at a revision, in id order: ids, with the fields asked for. */
export async function* listObjects(ctx: Context, model: string, rev = 'HEAD', options: ListOptions = {}): AsyncGenerator<RawObject & { id: string }> {
  const m = await ctx.model(rev, model);
  const reader = new CommitSnapshot(ctx.repo, m.tree);
  const read = !!(options.fields?.length || options.where?.length);
  let n = 0;
  for (const id of await m.layout.ids(reader)) {
    if (n >= (options.limit ?? Infinity)) return;
    const path = m.layout.dataPath(id);
    const bytes = read ? await reader.readFile(path) : undefined;
    if (read && !bytes) continue; // a folder without its data file is no object
    const object = bytes ? parseObject(bytes, path) : {};
    if (options.where?.some(([field, value]) => !(field in object) || asText(object[field]) !== value)) continue;
    const row: RawObject & { id: string } = { id };
    for (const field of options.fields ?? []) row[field] = object[field] ?? null;
    n++;
    yield row;
  }
}

export interface Shown {
  model: string;
  id: string;
  commit: string;
  path: string;
  /** the data file's bytes, for --raw */
  bytes: Uint8Array;
  object: RawObject;
}

export async function showObject(ctx: Context, ref: ObjectRef): Promise<Shown> {
  const m = await ctx.model(ref.rev, ref.model, ref.id);
  const path = m.layout.dataPath(ref.id);
  const entry = await ctx.repo.lookup(m.tree, path);
  if (!entry || isTreeMode(entry.mode)) throw new NotFoundError({ model: ref.model, id: ref.id, at: ref.rev });
  const bytes = await ctx.repo.readBlob(entry.oid, path);
  return { model: ref.model, id: ref.id, commit: m.commit, path, bytes, object: parseObject(bytes, path) };
}

/** A file's bytes at a revision (`cat rev:path`). */
export async function readPath(ctx: Context, rev: string, path: string): Promise<Uint8Array> {
  const { tree } = await ctx.treeAt(rev);
  const entry = await ctx.repo.lookup(tree, path);
  if (!entry || isTreeMode(entry.mode)) throw new FileNotFoundError({ path, at: rev });
  return ctx.repo.readBlob(entry.oid, path);
}

/** The bytes of an object's data file, or of one of its blob fields (the file beside it). */
export async function catObject(ctx: Context, ref: ObjectRef, field?: string): Promise<Uint8Array> {
  const shown = await showObject(ctx, ref);
  if (field === undefined) return shown.bytes;
  const value = shown.object[field] as { file?: unknown } | undefined;
  if (typeof value?.file !== 'string') throw new FileNotFoundError({ path: `${shown.path} (field ${field}: not a blob field)`, at: ref.rev });
  const m = await ctx.models.get((await ctx.treeAt(ref.rev)).tree, ref.model, ref.id);
  return readPath(ctx, ref.rev, `${m.layout.folder(ref.id)}/${value.file}`);
}
