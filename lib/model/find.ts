// Model.find() and friends over the query layer (lib/query/): this file supplies what the index
// needs from a model — its layout, how to decode its data files, the staged state or a revision —
// builds instances exactly as get() does, loads included references once per query, and wires the
// model's unique constraints into save and the commit loop.
import { ConfigurationError, CorruptObjectError, UniqueConstraintError } from '../errors.js';
import { hashObject } from '../git/object.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { ModelIndex, type Segment, type TreeState, liveCount, rowIn } from '../query/model-index.js';
import { compileWhere } from '../query/predicate.js';
import { compileOrder, explainQuery, type Hit, type QuerySpec, runQuery } from '../query/run.js';
import { duplicateValues, uniqueClash } from '../query/unique.js';
import { cellOf, type Key } from '../query/values.js';
import { ownSlot } from '../util/class-slot.js';
import type { IndexHooks, IndexProblem, ModelHost } from '../workspace/model-host.js';
import type { TreeReader } from '../workspace/snapshot.js';
import { concreteSchema, hostOf, layoutOf } from './binding.js';
import { type Decoded, decodeObject } from './codec.js';
import { cachedDecoded, fieldValue, hydrate, keepDecoded, makeRef } from './load.js';
import type { CountOptions, FindOneOptions, FindOptions, Page, PageOptions } from './query-types.js';
import { QuerySet } from './query-types.js';
import { StoredRef } from './ref.js';
import { refTarget } from './references.js';

const INDEXES = Symbol('gitmodel.indexes');
/** Results built and their references loaded per batch while streaming. */
const BATCH = 100;

/** The model's index in a workspace (one per class and host). */
export function indexOf(cls: Function, host: ModelHost): ModelIndex {
  const byHost = ownSlot(cls, INDEXES, () => new WeakMap<ModelHost, ModelIndex>());
  let index = byHost.get(host);
  if (!index) {
    const schema = concreteSchema(cls);
    const layout = layoutOf(schema);
    const folder = layout.root('x').split('/');
    const other = layout.root('y').split('/');
    let n = 0;
    while (n < folder.length - 1 && folder[n] === other[n]) n++;
    index = new ModelIndex(
      { schema, folder: folder.slice(0, n).join('/'), locate: (path) => layout.locate(path), layout: `${schema.path} ${schema.shard}` },
      host.repo.backend.derived,
    );
    byHost.set(host, index);
  }
  return index;
}

/** The data file with this oid, decoded: from the decoded cache, the object store, or the staged bytes at its path. */
async function decodedAt(cls: Function, host: ModelHost, reader: TreeReader, oid: string, path: string): Promise<Decoded> {
  const hit = cachedDecoded(cls, oid);
  if (hit) return hit;
  const stored = await host.repo.tryReadObject(oid);
  let bytes = stored?.content;
  if (!bytes) {
    // staged and not yet written: the index holds it under its path
    bytes = await reader.readFile(path);
    if (!bytes || hashObject('blob', bytes) !== oid) {
      throw new CorruptObjectError({ path, reason: `its staged data file ${oid} changed while the query ran and is not stored; run the query again` });
    }
  }
  const decoded = decodeObject(concreteSchema(cls), bytes, path);
  keepDecoded(cls, oid, decoded, bytes.length);
  return decoded;
}

/** One snapshot a query reads: the staged state now (no `at`), or a revision's tree. */
interface Snapshot {
  state: TreeState;
  reader: TreeReader;
  at?: string;
}

/** A tree as the index reads it: decoded files through the decoded cache, a build's files in storage order. */
function treeState(cls: Function, host: ModelHost, reader: TreeReader, root: string | null): TreeState {
  const schema = concreteSchema(cls);
  const objects = host.repo.backend.objects;
  return {
    root,
    readTree: host.readTree,
    readRaw: host.readRawTree,
    knownChanges: host.knownChanges,
    values: async (oid, path) => (await decodedAt(cls, host, reader, oid, path)).values,
    stored: (oid) => host.repo.hasObject(oid),
    // a build's reads bypass the caches: 100,000 files would only churn them
    readMany:
      objects.readMany &&
      (async (oids) => {
        const contents = new Map<string, Uint8Array>();
        for (const [oid, object] of await objects.readMany!(oids)) contents.set(oid, object.content);
        return contents;
      }),
    decode: (bytes, path) => decodeObject(schema, bytes, path).values,
  };
}

async function snapshotOf(cls: Function, host: ModelHost, at: string | undefined): Promise<Snapshot> {
  const reader = await host.reader(at);
  return { reader, at, state: treeState(cls, host, reader, await host.rootTree(at)) };
}

interface Prepared {
  schema: Schema;
  host: ModelHost;
  index: ModelIndex;
  snapshot: Snapshot;
  segment: Segment;
  spec: QuerySpec;
}

function checkCount(schema: Schema, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new ConfigurationError(`${schema.name}.find(): ${name} is a whole number, 0 or more`, { model: schema.name });
  }
  return value as number;
}

async function prepare(cls: Function, options: FindOptions<unknown> & { after?: string | null }, countOnly = false): Promise<Prepared> {
  const schema = concreteSchema(cls);
  const host = hostOf(cls);
  const spec: QuerySpec = {
    pred: compileWhere(schema, options.where as Record<string, unknown> | undefined),
    order: compileOrder(schema, options.orderBy),
    offset: checkCount(schema, 'offset', options.offset) ?? 0,
    limit: checkCount(schema, 'limit', options.limit),
    after: options.after,
    refuseScans: host.refuseScans,
    countOnly,
  };
  const index = indexOf(cls, host);
  const snapshot = await snapshotOf(cls, host, options.at);
  const segment = await index.at(snapshot.state);
  return { schema, host, index, snapshot, segment, spec };
}

async function run(p: Prepared): Promise<{ count: number; hits: Hit[] }> {
  const layout = layoutOf(p.schema);
  const read = async (id: string, oid: string) => (await decodedAt(p.schema.cls, p.host, p.snapshot.reader, oid, layout.dataPath(id))).values;
  return runQuery(p.schema, p.segment, p.spec, read, p.index.counters);
}

async function hits(p: Prepared): Promise<Hit[]> {
  return (await run(p)).hits;
}

/** Builds the results of a batch of hits, with the included references loaded once per distinct id. */
/** A result's decoded data file: held since the query started, or read now (its path made only then). */
function decodedOf(p: Prepared, hit: Hit, pinned: Map<string, Decoded>): Decoded | Promise<Decoded> {
  return pinned.get(hit.oid) ?? decodedAt(p.schema.cls, p.host, p.snapshot.reader, hit.oid, layoutOf(p.schema).dataPath(hit.id));
}

async function materialize<T>(p: Prepared, batch: Hit[], include: Record<string, unknown> | undefined, pinned: Map<string, Decoded>): Promise<T[]> {
  const out: T[] = [];
  for (const hit of batch) {
    out.push(await hydrate<T & object>(p.schema.cls, p.snapshot.reader, hit.id, hit.oid, await decodedOf(p, hit, pinned), p.snapshot.at));
  }
  return includeRefs(p, out, include);
}

/** Loads the included references of a batch of results once per distinct id, and hands out refs that resolve without I/O. */
async function includeRefs<T>(p: Prepared, out: T[], include: Record<string, unknown> | undefined): Promise<T[]> {
  for (const [name, on] of Object.entries(include ?? {})) {
    if (!on) continue;
    const field = p.schema.fields.find((f) => f.name === name);
    if (!field || field.type.kind !== 'ref') {
      throw new ConfigurationError(`${p.schema.name}.find(): include names ${name}, which is not a reference field`, { model: p.schema.name, field: name });
    }
    const target = refTarget(field, () => p.host);
    const ids = [...new Set(out.map((o) => (o as Record<string, { id?: string } | null>)[name]?.id).filter((id): id is string => typeof id === 'string'))];
    // each referenced object read once, at the query's snapshot, through the target's own index
    const loaded = new Map<string, object>();
    if (ids.length) {
      const targets = await find<object>(target, { where: { id: { in: ids } }, at: p.snapshot.at } as FindOptions<unknown>);
      for (const t of targets) loaded.set((t as { id: string }).id, t);
    }
    for (const o of out) {
      const self = o as Record<string, unknown>;
      const ref = self[name] as { id?: string } | null | undefined;
      const object = ref?.id !== undefined ? loaded.get(ref.id) : undefined;
      if (object) self[name] = new StoredRef(ref!.id!, () => Promise.resolve(object));
    }
  }
  return out;
}

/**
 * Indexed fields whose key is the stored value itself: not a decimal (its key is canonical, '1.50'
 * is '1.5'), not an array (its keys are kept sorted, for the postings, not in the stored order).
 */
function servedByIndex(field: FieldDef, segment: Segment): boolean {
  return segment.base.columns.has(field.name) && field.type.kind !== 'decimal' && field.type.kind !== 'array';
}

/** The fields a `select` names, checked: model fields, not blobs. */
function selectedFields(schema: Schema, select: Record<string, unknown>): FieldDef[] {
  const out: FieldDef[] = [];
  for (const [name, on] of Object.entries(select)) {
    if (on === undefined || on === false) continue;
    // `id` is every result's already, whichever field holds it
    const field = name === 'id' ? schema.id : schema.fields.find((f) => f.name === name);
    if (field && on === true && name === 'id') continue;
    if (!field || on !== true || field.type.kind === 'blob') {
      const why = !field ? `${name} is not a field of the model` : on !== true ? `select.${name} is true` : `${name} is a blob field (read the object for it)`;
      throw new ConfigurationError(`${schema.name}.find(): ${why}`, { model: schema.name, field: name });
    }
    if (!out.includes(field)) out.push(field);
  }
  return out;
}

/** A selected value from the index: the key turned back into the field's value. */
function fromCell(p: Prepared, field: FieldDef, cell: Key | null): unknown {
  if (cell === null) return null;
  if (field.type.kind === 'date') return new Date(cell as number);
  if (field.type.kind === 'ref') return makeRef(p.host, field, cell as string, p.snapshot.at);
  return cell;
}

/**
 * Plain objects of the selected fields: from the index when it holds every one of them (no object
 * read), else from each result's data file.
 */
async function selectRows(p: Prepared, batch: Hit[], fields: FieldDef[], covered: boolean, pinned: Map<string, Decoded>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const hit of batch) {
    const row: Record<string, unknown> = { id: hit.id };
    if (covered) {
      for (const field of fields) {
        const cell = hit.cell(field);
        if (cell !== undefined) row[field.name] = fromCell(p, field, cell as Key | null);
      }
    } else {
      p.index.counters.objectsRead++;
      const decoded = await decodedOf(p, hit, pinned);
      for (const field of fields) if (field.name in decoded.values) row[field.name] = fieldValue(p.host, field, decoded.values[field.name], p.snapshot.at);
    }
    out.push(row);
  }
  return out;
}

/** Model.find(): the matching objects (or with `select`, plain objects of some fields), streamed or collected. */
export function find<T>(cls: Function, options: FindOptions<T> & { select?: Record<string, unknown> } = {}): QuerySet<T> {
  return new QuerySet<T>(
    async function* () {
      // a bad select or include is refused before the index is brought up to date or queried
      const schema = concreteSchema(cls);
      const selected = options.select && selectedFields(schema, options.select);
      for (const name of Object.keys(selected ? (options.include ?? {}) : {})) {
        if (!selected!.some((f) => f.name === name)) throw new ConfigurationError(`${schema.name}.find(): include names ${name}, which select leaves out`, { model: schema.name, field: name });
      }
      const p = await prepare(cls, options as FindOptions<unknown>);
      const found = await hits(p);
      // the snapshot: decoded files of the results held now, so saves during the loop change nothing
      const pinned = new Map<string, Decoded>();
      for (const hit of found) {
        const decoded = cachedDecoded(cls, hit.oid);
        if (decoded) pinned.set(hit.oid, decoded);
      }
      const covered = selected && selected.every((f) => servedByIndex(f, p.segment));
      for (let i = 0; i < found.length; i += BATCH) {
        const batch = found.slice(i, i + BATCH);
        if (selected) yield (await includeRefs(p, await selectRows(p, batch, selected, !!covered, pinned), options.include as Record<string, unknown> | undefined)) as T[];
        else yield await materialize<T>(p, batch, options.include as Record<string, unknown> | undefined, pinned);
      }
    },
    async () => {
      const p = await prepare(cls, options as FindOptions<unknown>);
      return explainQuery(p.schema, p.segment, p.spec, liveCount(p.segment));
    },
  );
}

export async function findOne<T>(cls: Function, options: FindOneOptions<T> = {}): Promise<T | null> {
  const [first] = await find<T>(cls, { ...options, limit: 1 });
  return first ?? null;
}

export async function count(cls: Function, options: CountOptions<unknown> = {}): Promise<number> {
  return (await run(await prepare(cls, options as FindOptions<unknown>, true))).count;
}

export async function findIds(cls: Function, options: FindOptions<unknown> = {}): Promise<string[]> {
  return (await hits(await prepare(cls, options))).map((h) => h.id);
}

export async function findPage<T>(cls: Function, options: PageOptions<T>): Promise<Page<T>> {
  const schema = concreteSchema(cls);
  if (!Number.isSafeInteger(options?.limit) || options.limit < 1) {
    throw new ConfigurationError(`${schema.name}.findPage(): limit is a whole number, 1 or more`, { model: schema.name });
  }
  const p = await prepare(cls, { ...(options as FindOptions<unknown>), limit: options.limit + 1 });
  const found = await hits(p);
  const page = found.slice(0, options.limit);
  const items = await materialize<T>(p, page, options.include as Record<string, unknown> | undefined, new Map());
  return { items, next: found.length > options.limit ? page[page.length - 1].cursor() : null };
}

// ---- unique constraints ----

/** The value a key stands for, as the error shows it. */
function shown(schema: Schema, field: string, key: Key): unknown {
  const kind = schema.fields.find((f) => f.name === field)!.type;
  const element = kind.kind === 'array' ? kind.of : kind;
  return element.kind === 'date' ? new Date(key as number) : key;
}

/**
 * At save, under the index lock and before anything is staged: an object's unique values against
 * every other object as staged (a save that keeps its own value, or moves its id, is no clash).
 */
export async function checkUniqueAtSave(cls: Function, host: ModelHost, id: string, storedId: string | undefined, values: Record<string, unknown>): Promise<void> {
  const schema = concreteSchema(cls);
  const unique = schema.fields.filter((f) => f.unique);
  if (!unique.length) return;
  const segment = await indexOf(cls, host).at((await snapshotOf(cls, host, undefined)).state);
  for (const field of unique) {
    const clash = uniqueClash(segment, field, storedId ?? id, cellOf(field, values));
    if (clash && clash.existing !== id) {
      throw new UniqueConstraintError({ model: schema.name, field: field.name, value: shown(schema, field.name, clash.key), id, existing: clash.existing });
    }
  }
}

/** The hooks ws.indexes and the commit loop call for a model with indexes beyond its id. */
export function indexHooks(cls: Function, host: ModelHost): IndexHooks | undefined {
  const schema = concreteSchema(cls);
  if (!schema.fields.some((f) => f.index && !f.id)) return undefined;
  const index = () => indexOf(cls, host);
  const unique = schema.fields.filter((f) => f.unique);
  const state = (root: string | null): TreeState => treeState(cls, host, host.staged, root);
  return {
    status: () => index().status(),
    rebuild: () => index().rebuild(),
    check: async () => {
      const problems: IndexProblem[] = [];
      let segment: Segment;
      try {
        segment = await index().at((await snapshotOf(cls, host, undefined)).state);
      } catch (error) {
        // an object that does not decode stops the index; reported, as queries report it by throwing
        if (!(error instanceof CorruptObjectError)) throw error;
        return [{ kind: 'corrupt', model: schema.name, path: error.data.path, reason: error.data.reason }];
      }
      for (const field of unique) {
        for (const { key, ids } of duplicateValues(segment, field)) problems.push({ kind: 'duplicate', model: schema.name, field: field.name, value: shown(schema, field.name, key), ids });
      }
      for (const field of schema.fields.filter((f) => f.index && f.type.kind === 'ref')) {
        // each referenced id looked up once through the target's index
        const target = refTarget(field, () => host);
        const holders = new Map<string, string[]>();
        for (const hit of await hits(await prepare(cls, { where: { [field.name]: { exists: true } } } as FindOptions<unknown>))) {
          const row = rowIn(segment, hit.id);
          for (const key of [row?.cells.get(field.name)].flat()) if (typeof key === 'string') holders.set(key, [...(holders.get(key) ?? []), hit.id]);
        }
        const present = new Set(await findIds(target, { where: { id: { in: [...holders.keys()] } } } as FindOptions<unknown>));
        for (const [missing, ids] of holders) {
          if (present.has(missing)) continue;
          for (const id of ids) problems.push({ kind: 'dangling', model: schema.name, field: field.name, id, target: concreteSchema(target).name, missing });
        }
      }
      return problems;
    },
    beforeCommit: unique.length
      ? async (tree, parent, head) => {
          const after = await index().at(state(tree));
          const before = await index().folderTree(state(parent));
          // the objects this commit changes (a tree diff, no blob read), each against every other object
          for (const [id, file] of await index().changes(before, after.tree, state(tree))) {
            const row = file && rowIn(after, id);
            if (!row) continue;
            for (const field of unique) {
              const clash = uniqueClash(after, field, id, row.cells.get(field.name));
              if (clash) throw new UniqueConstraintError({ model: schema.name, field: field.name, value: shown(schema, field.name, clash.key), id, existing: clash.existing, commit: head });
            }
          }
        }
      : undefined,
  };
}
