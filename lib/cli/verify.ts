// `gitmodel verify`: a gitmodel-aware fsck. Every object reachable from HEAD and every ref is read
// from the store uncached, re-hashed (its sha1 must be its oid) and parsed; every data file of
// every model at every commit is parsed as JSON, its id checked against its path, its blob fields
// against the files beside it; ref lock files left by dead writers are listed (they stop every
// writer of that ref). Problems are collected, not thrown: the report lists them all.
import { hashObject } from '../git/object.js';
import { parseCommit } from '../git/commit.js';
import { parseTag } from '../git/tag.js';
import { isTreeMode, parseTree, type TreeEntry } from '../git/tree.js';
import type { Context } from './context.js';
import { parseObject, type RawModel } from './raw-models.js';

export interface Problem {
  /** the object, or the data file's path with the commit it was read at */
  where: string;
  reason: string;
}

export interface VerifyReport {
  refs: number;
  objects: { commit: number; tree: number; blob: number; tag: number };
  dataFiles: number;
  /** ref lock files older than the age given (default 10 s), relative to the repository: `gitmodel clear-locks` removes them */
  staleLocks: { path: string; ageMs: number }[];
  problems: Problem[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function verify(ctx: Context, progress: (done: number) => void = () => {}, options: { olderThanMs?: number } = {}): Promise<VerifyReport> {
  const { repo } = ctx;
  const report: VerifyReport = { refs: 0, objects: { commit: 0, tree: 0, blob: 0, tag: 0 }, dataFiles: 0, staleLocks: [], problems: [] };
  const problem = (where: string, reason: string) => report.problems.push({ where, reason });
  for (const { name, ageMs } of await repo.staleLocks(options.olderThanMs)) {
    report.staleLocks.push({ path: name, ageMs });
    problem(name, `a lock file ${Math.round(ageMs / 1000)} s old, left by a writer that died: writers of that ref fail until it goes (gitmodel clear-locks)`);
  }
  const queue: { oid: string; from: string }[] = [];
  for (const name of ['HEAD', ...(await repo.refs.list('refs/'))]) {
    const oid = await repo.refs.read(name).catch((error: unknown) => (problem(name, message(error)), null));
    if (oid) (queue.push({ oid, from: name }), report.refs++);
  }
  const seen = new Set<string>();
  const commits: { oid: string; tree: string }[] = [];
  for (let next; (next = queue.pop()); ) {
    const { oid, from } = next;
    if (seen.has(oid)) continue;
    seen.add(oid);
    progress(seen.size);
    try {
      const object = await repo.objects.read(oid);
      if (!object) {
        problem(oid, `missing (reached from ${from})`);
        continue;
      }
      const actual = hashObject(object.type, object.content);
      if (actual !== oid) problem(oid, `its content hashes to ${actual} (reached from ${from})`);
      report.objects[object.type]++;
      if (object.type === 'commit') {
        const commit = parseCommit(oid, object.content);
        commits.push({ oid, tree: commit.tree });
        queue.push({ oid: commit.tree, from: `commit ${oid}` }, ...commit.parents.map((p) => ({ oid: p, from: `commit ${oid}` })));
      } else if (object.type === 'tree') {
        for (const [name, entry] of parseTree(object.content, oid)) {
          if (entry.mode !== '160000') queue.push({ oid: entry.oid, from: `tree ${oid} (${name})` });
        }
      } else if (object.type === 'tag') {
        queue.push({ oid: parseTag(oid, object.content).object, from: `tag ${oid}` });
      }
    } catch (error) {
      problem(oid, message(error));
    }
  }
  const checked = new Set<string>();
  for (const { oid, tree } of commits) {
    let models: RawModel[];
    try {
      models = await ctx.models.list(tree);
    } catch (error) {
      problem(`commit ${oid}`, message(error));
      continue;
    }
    for (const model of models) await checkModel(ctx, model, tree, oid, checked, report, problem);
  }
  return report;
}

/** Every file under a model's folder: on its layout, data files parsed with their ids and blob files checked. */
async function checkModel(
  ctx: Context,
  model: RawModel,
  tree: string,
  commit: string,
  checked: Set<string>,
  report: VerifyReport,
  problem: (where: string, reason: string) => void,
): Promise<void> {
  const { repo } = ctx;
  const folder = model.layout.sharedFolder();
  const top = folder ? await repo.lookup(tree, folder) : { mode: '40000', oid: tree };
  // the same folder with the same oid was checked at another commit: same files, same answers
  if (!top || !isTreeMode(top.mode) || checked.has(`${model.template}\0${top.oid}`)) return;
  checked.add(`${model.template}\0${top.oid}`);
  const files = new Map<string, TreeEntry>();
  const walk = async (path: string, oid: string): Promise<void> => {
    for (const [name, entry] of await repo.readTree(oid, path)) {
      const child = path ? `${path}/${name}` : name;
      if (isTreeMode(entry.mode)) await walk(child, entry.oid);
      else files.set(child, entry);
    }
  };
  await walk(folder, top.oid).catch((error: unknown) => problem(`${folder} at ${commit}`, message(error)));
  const objects = new Set<string>();
  for (const path of files.keys()) {
    const hit = model.layout.locate(path);
    // a top-level model owns only the files on its layout; other files at the root are plain files
    if (!hit) {
      if (folder) problem(`${path} at ${commit}`, `not on ${model.name}'s layout ${model.template}`);
      continue;
    }
    objects.add(hit.id);
  }
  for (const id of objects) {
    const path = model.layout.dataPath(id);
    const entry = files.get(path);
    if (!entry) {
      problem(`${model.layout.folder(id)} at ${commit}`, `${model.name} ${JSON.stringify(id)} has files but no data file`);
      continue;
    }
    if (checked.has(`${entry.oid}\0${path}`)) continue;
    checked.add(`${entry.oid}\0${path}`);
    report.dataFiles++;
    try {
      const object = parseObject(await repo.readBlob(entry.oid, path), path);
      const holder = Object.keys(object).find((key) => object[key] === id);
      if (holder === undefined) {
        const says = 'id' in object ? ` (its id field says ${JSON.stringify(object.id)})` : '';
        problem(`${path} at ${commit}`, `no field holds the id ${JSON.stringify(id)} of its path${says}`);
      }
      for (const [field, value] of Object.entries(object)) {
        const blob = value as { file?: unknown; oid?: unknown; size?: unknown } | null;
        if (!model.layout.hasFolder || typeof blob !== 'object' || blob === null || typeof blob.file !== 'string' || typeof blob.oid !== 'string') continue;
        const file = files.get(`${model.layout.folder(id)}/${blob.file}`);
        if (!file) problem(`${path} at ${commit}`, `blob field ${field}: file ${blob.file} is missing`);
        else if (file.oid !== blob.oid) problem(`${path} at ${commit}`, `blob field ${field}: file ${blob.file} is ${file.oid}, the field says ${blob.oid}`);
      }
    } catch (error) {
      problem(`${path} at ${commit}`, message(error));
    }
  }
}
