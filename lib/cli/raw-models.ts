// Reading a gitmodel repository without the classes that wrote it: models are found by their
// paths (the default layouts, FORMAT.md), or named with --layout / gitmodel.json for a custom
// one; objects are their data files as parsed JSON. History, blame and diffs run unchanged over
// the ObjectSource made here.
import { ConfigurationError, CorruptObjectError, NotFoundError, UnknownModelError } from '../errors.js';
import type { Repository } from '../git/repository.js';
import { isTreeMode } from '../git/tree.js';
import type { ObjectSource } from '../history/object-source.js';
import { idProblem } from '../model/id.js';
import { Layout } from '../model/layout.js';
import { platform } from '../platform/current.js';
import { fromUtf8, utf8 } from '../util/bytes.js';

export type RawObject = Record<string, unknown>;

/** A model as the CLI knows it: a name and the layout its objects follow. */
export interface RawModel {
  name: string;
  /** the path template, `{model}` filled in */
  template: string;
  shard: number;
  layout: Layout;
}

/** Layouts named by the user (--layout name=template, gitmodel.json's "layouts"). */
export type LayoutSpecs = ReadonlyMap<string, { path: string; shard?: number }>;

export const DEFAULT_LAYOUT = '{model}/{id}/data.json';
const FLAT_LAYOUT = '{model}/{id}.json';
const SHARDED_LAYOUT = '{model}/{shard}/{id}/data.json';

function rawModel(name: string, template: string, shard = 0): RawModel {
  return { name, template: template.replaceAll('{model}', name), shard, layout: new Layout(template, name, shard) };
}

const isShard = (name: string) => /^[0-9a-f]{1,4}$/.test(name);
const shardOf = (id: string, n: number) => platform().sha1(utf8(id)).slice(0, n);

/**
 * The layout of the folder `name` at a tree, from what is in it: `<id>/data.json`, sharded
 * `<hex>/<id>/data.json` (the shard must be sha1(id)'s first digits), or `<id>.json`. Undefined
 * when the folder holds no gitmodel objects. One entry is enough: a model has one layout.
 */
async function discover(repo: Repository, tree: string, name: string): Promise<RawModel | undefined> {
  const folder = await repo.lookup(tree, name);
  if (!folder || !isTreeMode(folder.mode)) return undefined;
  for (const [entry, child] of await repo.readTree(folder.oid, name)) {
    if (isTreeMode(child.mode)) {
      const data = await repo.readTreeEntry(child.oid, 'data.json');
      if (data && !isTreeMode(data.mode) && !idProblem(entry)) return rawModel(name, DEFAULT_LAYOUT);
      if (!isShard(entry)) continue;
      for (const [id, inner] of await repo.readTree(child.oid)) {
        if (!isTreeMode(inner.mode) || shardOf(id, entry.length) !== entry) continue;
        if (await repo.readTreeEntry(inner.oid, 'data.json')) return rawModel(name, SHARDED_LAYOUT, entry.length);
      }
    } else if (entry.endsWith('.json') && !idProblem(entry.slice(0, -'.json'.length))) {
      return rawModel(name, FLAT_LAYOUT);
    }
  }
  return undefined;
}

/** The models of a repository at one tree, discovered or configured. */
export class RawModels {
  constructor(
    readonly repo: Repository,
    private readonly specs: LayoutSpecs = new Map(),
  ) {}

  private configured(name: string): RawModel | undefined {
    const spec = this.specs.get(name);
    return spec && rawModel(name, spec.path, spec.shard ?? (spec.path.includes('{shard}') ? 2 : 0));
  }

  /** Every model at a tree: the configured ones, then each top-level folder that holds objects, by name. */
  async list(tree: string): Promise<RawModel[]> {
    const found = new Map<string, RawModel>();
    for (const name of this.specs.keys()) found.set(name, this.configured(name)!);
    for (const [name, entry] of await this.repo.readTree(tree)) {
      if (found.has(name) || !isTreeMode(entry.mode) || name.startsWith('.')) continue;
      // a configured layout owns its folder: content/{id}/page.json is not a model "content"
      if ([...found.values()].some((m) => m.template.split('/')[0] === name)) continue;
      const model = await discover(this.repo, tree, name);
      if (model) found.set(name, model);
    }
    return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * One model's layout at a tree. With an id, the default layouts are probed at that id's paths
   * first (a few tree entries searched in place: no folder of 10,000 objects is parsed).
   */
  async get(tree: string, name: string, id?: string): Promise<RawModel> {
    const configured = this.configured(name);
    if (configured) return configured;
    if (name.includes('/') || idProblem(name)) throw new UnknownModelError({ model: name }, 'not a model folder name');
    if (id !== undefined && !idProblem(id)) {
      const candidates = [rawModel(name, DEFAULT_LAYOUT), rawModel(name, FLAT_LAYOUT), ...[1, 2, 3, 4].map((n) => rawModel(name, SHARDED_LAYOUT, n))];
      for (const model of candidates) if (await this.repo.lookup(tree, model.layout.dataPath(id))) return model;
    }
    const found = await discover(this.repo, tree, name);
    if (!found) throw new UnknownModelError({ model: name }, `no folder "${name}" of gitmodel objects here (a custom layout needs --layout ${name}=<path template>)`);
    return found;
  }
}

/** Parses a data file as a gitmodel object: JSON, one object; its id in its path. */
export function parseObject(bytes: Uint8Array, path: string): RawObject {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (error) {
    throw new CorruptObjectError({ path, reason: `not JSON (${(error as Error).message})` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorruptObjectError({ path, reason: 'not a JSON object' });
  return value as RawObject;
}

/** JSON equality: what values mean without their classes (Dates stay strings). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as RawObject)[k], (b as RawObject)[k]));
}

/**
 * History's view of a model without its class. Its fields are learnt from the data: the keys of
 * the first version read (the newest, in stored order: FORMAT.md's declared order), then keys
 * seen only in older ones; blame and diffs read `fields` after each version, so they see them all.
 */
export function rawSource(repo: Repository, model: RawModel): ObjectSource<RawObject> & { fields: string[] } {
  const fields: string[] = [];
  let idField = 'id';
  return {
    repo,
    model: model.name,
    fields,
    get idField() {
      return idField;
    },
    dataPath: (id) => model.layout.dataPath(id),
    idOf: (path) => {
      const hit = model.layout.locate(path);
      return hit?.data ? hit.id : undefined;
    },
    same: (_field, a, b) => sameJson(a, b),
    read: async (tree, id, commit) => {
      const path = model.layout.dataPath(id);
      const entry = await repo.lookup(tree, path);
      if (!entry) throw new NotFoundError({ model: model.name, id, at: commit });
      const object = parseObject(await repo.readBlob(entry.oid, path), path);
      for (const key of Object.keys(object)) if (!fields.includes(key)) fields.push(key);
      // the id field holds the id: an automatic `id`, else the model's own (`slug`)
      if (object.id !== id) idField = Object.keys(object).find((key) => object[key] === id) ?? idField;
      return object;
    },
  };
}

/** A layout given on the command line: `name=template`, optionally `#<shard digits>`. */
export function parseLayoutSpec(text: string): [string, { path: string; shard?: number }] {
  const m = /^([^=]+)=([^#]+)(?:#([1-4]))?$/.exec(text);
  if (!m) throw new ConfigurationError(`--layout wants name=path-template (as page=content/{id}/page.json), not "${text}"`);
  const spec = { path: m[2], ...(m[3] !== undefined && { shard: Number(m[3]) }) };
  rawModel(m[1], spec.path, spec.shard ?? (spec.path.includes('{shard}') ? 2 : 0)); // checks the template now
  return [m[1], spec];
}
