// The model layer's half of ws.merge() (design 4.4, 4.5): the resolver the tree merge calls for an
// object both sides changed. It reads the three versions of the object's root, decodes them with
// the codec, settles each field (equal → it; one side changed → that side; `counter` always adds
// both deltas; else the field's rule), merges blob fields by oid, validates the merged object
// (gitmodel's checks and class-validator: a failure is an `invalid` conflict) and encodes it
// canonically. Conflicts carry typed values. Also the fingerprint for move detection (fields but
// the id, canonical, blobs by oid). Handed to the workspace as the binding's `merge` hooks.
import { ConfigurationError, CorruptObjectError, type FieldFailure, ValidationError } from '../errors.js';
import { hashObject } from '../git/object.js';
import { FILE_MODE, isTreeMode, parseTree, type TreeEntry } from '../git/tree.js';
import type { ObjectFile, ObjectMergeRequest } from '../merge/merge-types.js';
import { Merge } from '../metadata/merge-rules.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { fromUtf8 } from '../util/bytes.js';
import type {
  FieldConflict,
  InvalidConflict,
  MergeConflict,
  MergeReads,
  ModelMergeHooks,
  ObjectMergeOutcome,
  PendingObjectMerge,
  ResolvedConflict,
} from '../workspace/merge-hooks.js';
import type { ModelHost } from '../workspace/model-host.js';
import { concreteSchema, layoutOf } from './binding.js';
import { type BlobInfo, type Decoded, decodeObject, encodeObject } from './codec.js';
import { jsonProblem } from './json.js';
import { codecOf, copyValue, encodeValue, sameValue, typeProblem } from './kinds.js';
import type { Layout } from './layout.js';
import { cachedDecoded, keepDecoded } from './load.js';
import { CONFLICT, counter, deep, extreme, text, union } from './merge-values.js';
import { referencesIn, referenceTargets } from './reference-scan.js';
import { refFromId } from './references.js';
import { missingOids } from './save.js';
import { stateOf } from './state.js';
import { validateObject } from './validate.js';

type Values = Record<string, unknown>;

/** One side's version of the object. */
interface Side {
  /** the root's path and the id there (a moved object's other sides are at its old id) */
  path: string;
  id: string;
  decoded: Decoded;
  dataOid: string;
  /** a folder layout's entries by name */
  folder?: Map<string, TreeEntry>;
}

/** A blob field's merged state: what data.json records, and where its file comes from. */
interface MergedBlob {
  info: BlobInfo | null | undefined;
  entry?: TreeEntry;
  bytes?: Uint8Array;
}

/** A value in the form decoding stores (what encode takes); one that does not fit its field is kept as given. */
function stored(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  return typeProblem(field.type, value) ? value : copyValue(field.type, value, true);
}

/** A value as a conflict or a merge function shows it: a copy, references as Refs. */
function typedValue(cls: Function, field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeProblem(field.type, value)) return value;
  const copy = copyValue(field.type, value);
  return field.type.kind === 'ref' && typeof copy === 'string' ? refFromId(cls, field, copy) : copy;
}

/** A number of seconds (or any order) from a clock field's value. */
function clockOf(value: unknown): number | bigint | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  return undefined;
}

/** The merge hooks of one model class. */
export function mergeHooks(cls: Function, host: ModelHost): ModelMergeHooks {
  const schema = concreteSchema(cls);
  const layout = layoutOf(schema);
  const model = new ModelMerger(cls, schema, layout, host);
  return {
    onDelete: schema.onDelete,
    resolve: (request, reads) => new ObjectMergeRun(model, request, reads).run(),
    fingerprint: (object, reads) => model.fingerprint(object, reads),
    fieldValue: (name, json) => {
      const field = schema.fields.find((f) => f.name === name);
      if (!field || json === null || json === undefined) return json;
      try {
        return typedValue(cls, field, codecOf(field.type).decode(json));
      } catch {
        return json;
      }
    },
    decode: (object, reads) => model.decode(object, reads),
    encode: (object) => model.encode(object),
    referenceTargets: () => referenceTargets(cls),
    references: (reader, ids) => referencesIn(cls, reader, ids),
  };
}

class ModelMerger {
  /** the data file's path inside the object's root ('' for a data-file layout) */
  readonly dataRel: string;

  constructor(
    readonly cls: Function,
    readonly schema: Schema,
    readonly layout: Layout,
    readonly host: ModelHost,
  ) {
    const probe = 'x';
    this.dataRel = layout.hasFolder ? layout.dataPath(probe).slice(layout.root(probe).length + 1) : '';
  }

  /** Reads and decodes one side's version of an object's root. */
  async side(entry: TreeEntry, path: string, id: string, reads: MergeReads): Promise<Side> {
    let dataOid = entry.oid;
    let folder: Map<string, TreeEntry> | undefined;
    const dataPath = this.layout.hasFolder ? `${path}/${this.dataRel}` : path;
    if (this.layout.hasFolder) {
      if (!isTreeMode(entry.mode)) throw new CorruptObjectError({ path, reason: 'expected a folder, found a file' });
      folder = parseTree((await reads.read(entry.oid)).content, path);
      const parts = this.dataRel.split('/');
      let at: TreeEntry | undefined = folder.get(parts[0]);
      for (let i = 1; i < parts.length && at && isTreeMode(at.mode); i++) at = parseTree((await reads.read(at.oid)).content, path).get(parts[i]);
      if (!at || isTreeMode(at.mode)) throw new CorruptObjectError({ path: dataPath, reason: 'the object has no data file' });
      dataOid = at.oid;
    }
    let decoded = cachedDecoded(this.cls, dataOid);
    if (!decoded) {
      const { content } = await reads.read(dataOid);
      decoded = decodeObject(this.schema, content, dataPath);
      keepDecoded(this.cls, dataOid, decoded, content.length);
    }
    return { path, id, decoded, dataOid, folder };
  }

  /** A model object from stored values (defaults stand in for absent fields, as a read gives). */
  async instance(values: Values, blobs: Map<string, MergedBlob>, extra: Record<string, unknown> | undefined, id: string, reads: MergeReads): Promise<object> {
    const instance = Reflect.construct(this.cls, []) as Values;
    for (const field of this.schema.fields) {
      if (field.type.kind === 'blob') {
        const blob = blobs.get(field.name);
        if (blob?.info === undefined) continue;
        instance[field.name] = blob.info === null ? null : blob.bytes ?? (await reads.read(blob.info.oid)).content.slice();
      } else if (field.name in values) instance[field.name] = typedValue(this.cls, field, values[field.name]);
    }
    const state = stateOf(instance);
    state.storedId = id;
    state.extra = extra && structuredClone(extra);
    return instance;
  }

  /** Blob fields of a side, with their files' entries. */
  blobsOf(side: Side): Map<string, MergedBlob> {
    const out = new Map<string, MergedBlob>();
    for (const field of this.schema.fields) {
      if (field.type.kind !== 'blob') continue;
      const info = side.decoded.blobs.get(field.name);
      out.set(field.name, { info, entry: info ? side.folder?.get(field.name) : undefined });
    }
    return out;
  }

  /** A side's typed object. */
  object(side: Side, reads: MergeReads): Promise<object> {
    return this.instance({ ...side.decoded.values }, this.blobsOf(side), side.decoded.extra, side.id, reads);
  }

  /** gitmodel's checks, class-validator's, and that oid fields name stored objects. */
  async check(instance: object): Promise<FieldFailure[]> {
    const failures = await validateObject(this.schema, instance);
    if (!failures.length) failures.push(...(await missingOids(this.host, this.schema, instance as Values)));
    return failures;
  }

  async fingerprint(object: { path: string; id: string; entry: TreeEntry }, reads: MergeReads): Promise<string | undefined> {
    try {
      const side = await this.side(object.entry, object.path, object.id, reads);
      const values: Values = { ...side.decoded.values };
      delete values[this.schema.id.name];
      return fromUtf8(encodeObject(this.schema, values, side.decoded.blobs, side.decoded.extra));
    } catch {
      return undefined;
    }
  }

  async decode(object: { path: string; id: string; entry: TreeEntry | undefined }, reads: MergeReads): Promise<object | null> {
    if (!object.entry) return null;
    try {
      return await this.object(await this.side(object.entry, object.path, object.id, reads), reads);
    } catch {
      return null;
    }
  }

  /** Files of a whole object given to settle an `invalid` conflict: validated, canonical. */
  async encode({ path, id, value }: { path: string; id: string; value: unknown }): Promise<ObjectFile[]> {
    if (value === null || typeof value !== 'object') {
      throw new ValidationError({ model: this.schema.name, id, failures: [{ field: this.schema.id.name, constraints: { type: `the value settling an invalid ${this.schema.name} is a ${this.schema.name} object` } }] });
    }
    const instance = value instanceof this.cls ? value : Object.assign(Reflect.construct(this.cls, []) as object, value);
    const self = instance as Values;
    const failures = await this.check(instance);
    if (self[this.schema.id.name] !== id) failures.push({ field: this.schema.id.name, constraints: { id: `the merged object's id is "${id}"` } });
    if (failures.length) throw new ValidationError({ model: this.schema.name, id, failures });
    const values: Values = {};
    const blobs = new Map<string, MergedBlob>();
    for (const field of this.schema.fields) {
      const v = self[field.name];
      if (field.type.kind === 'blob') {
        if (v === undefined || v === null) blobs.set(field.name, { info: v as null | undefined });
        else {
          const bytes = new Uint8Array(v as Uint8Array);
          blobs.set(field.name, { info: { file: field.name, size: bytes.length, oid: hashObject('blob', bytes) }, bytes });
        }
      } else if (v !== undefined) values[field.name] = stored(field, v);
    }
    return this.files(path, id, values, blobs, stateOf(instance).extra, new Map());
  }

  /** The files of a merged object under its root. */
  files(root: string, id: string, values: Values, blobs: Map<string, MergedBlob>, extra: Record<string, unknown> | undefined, others: Map<string, TreeEntry>): ObjectFile[] {
    const infos = new Map<string, BlobInfo | null>();
    const out: ObjectFile[] = [];
    for (const [name, blob] of blobs) {
      if (blob.info === undefined) continue;
      infos.set(name, blob.info);
      if (!blob.info) continue;
      const path = `${root}/${name}`;
      out.push(blob.bytes ? { path, data: blob.bytes, oid: blob.info.oid } : { path, entry: blob.entry ?? { mode: FILE_MODE, oid: blob.info.oid } });
    }
    const data = encodeObject(this.schema, { ...values, [this.schema.id.name]: id }, infos, extra);
    out.unshift({ path: this.layout.hasFolder ? `${root}/${this.dataRel}` : root, data, oid: hashObject('blob', data) });
    for (const [name, entry] of others) out.push({ path: `${root}/${name}`, entry });
    return out;
  }
}

/** One object's merge: its three versions, settled field by field. */
class ObjectMergeRun {
  private readonly schema: Schema;
  private base?: Side;
  private ours!: Side;
  private theirs!: Side;
  private readonly values: Values = {};
  private readonly blobs = new Map<string, MergedBlob>();
  private extra?: Record<string, unknown>;
  /** entries of the folder that belong to no field, merged by oid */
  private readonly others = new Map<string, TreeEntry>();
  private readonly conflicts: MergeConflict[] = [];
  private readonly resolved: ResolvedConflict[] = [];
  /** fields (and undeclared keys) left in conflict */
  private readonly open = new Set<string>();
  private side?: Promise<'ours' | 'theirs'>;
  private typedObjects?: { base: object | null; ours: object; theirs: object };

  constructor(
    private readonly m: ModelMerger,
    private readonly request: ObjectMergeRequest,
    private readonly reads: MergeReads,
  ) {
    this.schema = m.schema;
  }

  private get hasBase(): boolean {
    return this.base !== undefined;
  }

  async run(): Promise<ObjectMergeOutcome> {
    const { request, reads, m } = this;
    const moved = request.moved;
    const old = moved ? { path: moved.from, id: moved.fromId } : { path: request.path, id: request.id };
    const here = { path: request.path, id: request.id };
    const oursAt = moved?.by === 'theirs' ? old : here;
    const theirsAt = moved?.by === 'ours' ? old : here;
    [this.base, this.ours, this.theirs] = await Promise.all([
      request.base ? m.side(request.base, old.path, old.id, reads) : undefined,
      m.side(request.ours, oursAt.path, oursAt.id, reads),
      m.side(request.theirs, theirsAt.path, theirsAt.id, reads),
    ]);
    this.values[this.schema.id.name] = request.id;

    if (this.schema.merge && !request.virtual && (await this.wholeObject())) return this.finish();
    for (const field of this.schema.fields) {
      if (field.id) continue;
      if (field.type.kind === 'blob') await this.blobField(field);
      else await this.field(field);
    }
    this.undeclared();
    this.otherFiles();
    return this.finish();
  }

  /** Typed base, ours and theirs objects, for merge functions. */
  private async objects(): Promise<{ base: object | null; ours: object; theirs: object }> {
    if (!this.typedObjects) {
      const { m, reads } = this;
      this.typedObjects = {
        base: this.base ? await m.object(this.base, reads) : null,
        ours: await m.object(this.ours, reads),
        theirs: await m.object(this.theirs, reads),
      };
    }
    return this.typedObjects;
  }

  /** The model's own merge function; true when it settled the whole object. */
  private async wholeObject(): Promise<boolean> {
    const objects = await this.objects();
    const result = this.schema.merge!({ ...objects, hasBase: this.hasBase, model: this.schema.name, id: this.request.id });
    if (result === Merge.conflict) return false;
    if (result === null || typeof result !== 'object') {
      throw new ConfigurationError(`${this.schema.name}: @Model({ merge }) returned ${String(result)}; it returns the merged object or Merge.conflict`, { model: this.schema.name });
    }
    const self = result as Values;
    for (const field of this.schema.fields) {
      if (field.id) continue;
      const v = self[field.name];
      if (field.type.kind === 'blob') {
        if (v === undefined || v === null) this.blobs.set(field.name, { info: v as null | undefined });
        else if (v instanceof Uint8Array) {
          const bytes = new Uint8Array(v);
          this.blobs.set(field.name, { info: { file: field.name, size: bytes.length, oid: hashObject('blob', bytes) }, bytes });
        }
      } else if (v !== undefined) this.values[field.name] = stored(field, v);
    }
    this.extra = this.ours.decoded.extra;
    this.otherFiles();
    return true;
  }

  /** The side 'lww' picks for this object: the later clock, ties by the values' stored form. */
  private lwwSide(tie: () => number): Promise<'ours' | 'theirs'> {
    this.side ??= (async () => {
      let o: number | bigint | undefined;
      let t: number | bigint | undefined;
      const clock = this.schema.clock;
      if (clock) {
        o = clockOf(this.ours.decoded.values[clock]);
        t = clockOf(this.theirs.decoded.values[clock]);
      }
      if (o === undefined || t === undefined) {
        [o, t] = await Promise.all([this.reads.clock('ours', this.ours.path), this.reads.clock('theirs', this.theirs.path)]);
      }
      return o > t ? 'ours' : o < t ? 'theirs' : tie() >= 0 ? 'ours' : 'theirs';
    })();
    return this.side;
  }

  private conflict(field: string, type: FieldDef | undefined, b: unknown, o: unknown, t: unknown): FieldConflict {
    const cls = this.m.cls;
    const show = (v: unknown) => (type ? typedValue(cls, type, v) : structuredClone(v));
    return { kind: 'field', model: this.schema.name, id: this.request.id, path: this.request.path, field, base: show(b), ours: show(o), theirs: show(t), hasBase: this.hasBase };
  }

  /** Records a field left in conflict: ours' value stays (the base's in a virtual base). */
  private keepConflict(name: string, def: FieldDef | undefined, b: unknown, o: unknown, t: unknown): unknown {
    this.conflicts.push(this.conflict(name, def, b, o, t));
    if (this.request.virtual) return this.hasBase ? b : o;
    this.open.add(name);
    return o;
  }

  private async field(field: FieldDef): Promise<void> {
    const name = field.name;
    const b = this.base?.decoded.values[name];
    const o = this.ours.decoded.values[name];
    const t = this.theirs.decoded.values[name];
    const rule = field.merge ?? 'conflict';
    const same = (x: unknown, y: unknown) => sameValue(field.type, x, y);
    // both sides changed it, differently (for a counter: at all, since both deltas count)
    const both = (rule === 'counter' || !same(o, t)) && !(this.hasBase && (same(b, o) || same(b, t)));
    let value: unknown = CONFLICT;
    if (rule === 'counter') value = counter(b, o, t);
    if (value === CONFLICT) {
      if (same(o, t)) value = o;
      else if (this.hasBase && same(b, o)) value = t;
      else if (this.hasBase && same(b, t)) value = o;
      else value = await this.rule(field, rule, b, o, t);
    }
    if (value === CONFLICT) value = this.keepConflict(name, field, b, o, t);
    else if (both) this.resolved.push({ ...this.conflict(name, field, b, o, t), how: typeof rule === 'function' ? 'function' : rule });
    if (value !== undefined) this.values[name] = value;
  }

  /** What a field's rule makes of two different changes. */
  private async rule(field: FieldDef, rule: NonNullable<FieldDef['merge']>, b: unknown, o: unknown, t: unknown): Promise<unknown> {
    const key = (v: unknown) => JSON.stringify(v === undefined ? null : encodeValue(field.type, v));
    switch (rule) {
      case 'conflict':
      case 'counter':
        return CONFLICT;
      case 'ours':
        return o;
      case 'theirs':
        return t;
      case 'lww':
        return (await this.lwwSide(() => (key(o) > key(t) ? 1 : key(o) < key(t) ? -1 : 0))) === 'ours' ? o : t;
      case 'union':
        return union(field.type, b, o, t);
      case 'max':
      case 'min':
        return extreme(field.type, o, t, rule === 'max');
      case 'deep':
        return deep(b, o, t, this.hasBase);
      case 'text':
        return text(b, o, t);
      default: {
        const cls = this.m.cls;
        const result = rule({
          base: typedValue(cls, field, b),
          ours: typedValue(cls, field, o),
          theirs: typedValue(cls, field, t),
          hasBase: this.hasBase,
          model: this.schema.name,
          id: this.request.id,
          field: field.name,
          objects: await this.objects(),
        });
        return result === Merge.conflict ? CONFLICT : stored(field, result);
      }
    }
  }

  private async blobField(field: FieldDef): Promise<void> {
    const name = field.name;
    const pick = (side: Side | undefined): MergedBlob => {
      const info = side?.decoded.blobs.get(name);
      return { info, entry: info ? side!.folder?.get(name) : undefined };
    };
    const b = pick(this.base);
    const o = pick(this.ours);
    const t = pick(this.theirs);
    const key = (x: MergedBlob) => (x.info === undefined ? '-' : x.info === null ? 'null' : x.info.oid);
    let merged: MergedBlob | undefined;
    if (key(o) === key(t)) merged = o;
    else if (this.hasBase && key(b) === key(o)) merged = t;
    else if (this.hasBase && key(b) === key(t)) merged = o;
    else {
      const rule = field.merge ?? 'conflict';
      if (rule === 'ours') merged = o;
      else if (rule === 'theirs') merged = t;
      else if (rule === 'lww') merged = (await this.lwwSide(() => (key(o) > key(t) ? 1 : key(o) < key(t) ? -1 : 0))) === 'ours' ? o : t;
      else if (typeof rule === 'function') {
        const bytes = async (x: MergedBlob) => (x.info ? (await this.reads.read(x.info.oid)).content.slice() : x.info);
        const result = rule({
          base: await bytes(b),
          ours: await bytes(o),
          theirs: await bytes(t),
          hasBase: this.hasBase,
          model: this.schema.name,
          id: this.request.id,
          field: name,
          objects: await this.objects(),
        });
        if (result === null || result === undefined) merged = { info: result as null | undefined };
        else if (result instanceof Uint8Array) {
          const data = new Uint8Array(result);
          merged = { info: { file: name, size: data.length, oid: hashObject('blob', data) }, bytes: data };
        }
      }
      if (merged) this.resolved.push({ ...(await this.blobConflict(name, b, o, t)), how: typeof rule === 'function' ? 'function' : (rule as string) });
      else {
        const bytes = async (x: MergedBlob) => (x.info ? (await this.reads.read(x.info.oid)).content.slice() : x.info);
        this.conflicts.push(this.conflict(name, undefined, await bytes(b), await bytes(o), await bytes(t)));
        if (this.request.virtual) merged = this.hasBase ? b : o;
        else {
          this.open.add(name);
          merged = o;
        }
      }
    }
    this.blobs.set(name, merged);
  }

  private async blobConflict(name: string, b: MergedBlob, o: MergedBlob, t: MergedBlob): Promise<FieldConflict> {
    const bytes = async (x: MergedBlob) => (x.info ? (await this.reads.read(x.info.oid)).content.slice() : x.info);
    return this.conflict(name, undefined, await bytes(b), await bytes(o), await bytes(t));
  }

  /** Keys of the data file no field declares: merged as JSON values, by the default rule. */
  private undeclared(): void {
    const b = this.base?.decoded.extra ?? {};
    const o = this.ours.decoded.extra ?? {};
    const t = this.theirs.decoded.extra ?? {};
    const keys = new Set([...Object.keys(o), ...Object.keys(t)]);
    if (!keys.size) return;
    const json: FieldDef = { name: '', type: { kind: 'json' }, id: false, required: false, nullable: true };
    const same = (x: unknown, y: unknown) => sameValue(json.type, x, y);
    const out: Record<string, unknown> = Object.create(null);
    for (const key of keys) {
      const [bv, ov, tv] = [b[key], o[key], t[key]];
      let value: unknown;
      if (same(ov, tv)) value = ov;
      else if (this.hasBase && same(bv, ov)) value = tv;
      else if (this.hasBase && same(bv, tv)) value = ov;
      else value = this.keepConflict(key, undefined, bv, ov, tv);
      if (value !== undefined) out[key] = value;
    }
    this.extra = out;
  }

  /** Names in an object's folder that its data file and blob fields own. */
  private ownNames(): Set<string> {
    return new Set([this.m.dataRel.split('/')[0], ...this.schema.fields.filter((f) => f.type.kind === 'blob').map((f) => f.name)]);
  }

  /** Files in the object's folder that belong to no field: one side changed → it; both → a file conflict keeping ours'. */
  private otherFiles(): void {
    const own = this.ownNames();
    const names = new Set<string>();
    for (const side of [this.base, this.ours, this.theirs]) for (const name of side?.folder?.keys() ?? []) if (!own.has(name)) names.add(name);
    const same = (x?: TreeEntry, y?: TreeEntry) => x?.oid === y?.oid && x?.mode === y?.mode;
    for (const name of names) {
      const b = this.base?.folder?.get(name);
      const o = this.ours.folder?.get(name);
      const t = this.theirs.folder?.get(name);
      let keep = o;
      if (same(o, t) || (this.hasBase && same(b, t))) keep = o;
      else if (this.hasBase && same(b, o)) keep = t;
      else {
        this.conflicts.push({ kind: 'file', reason: 'changed', path: `${this.request.path}/${name}`, base: b?.oid, ours: o?.oid, theirs: t?.oid });
        if (this.request.virtual) keep = b;
      }
      if (keep) this.others.set(name, keep);
    }
  }

  private files(): ObjectFile[] {
    return this.m.files(this.request.path, this.request.id, this.values, this.blobs, this.extra, this.others);
  }

  /** Whether the merged object is exactly a side's version, at the same path (then it is taken by oid). */
  private sameAs(side: Side, files: ObjectFile[]): boolean {
    if (side.path !== this.request.path) return false;
    const data = files[0] as { oid: string };
    if (!this.m.layout.hasFolder) return data.oid === side.dataOid;
    if (this.m.dataRel.includes('/') || files.length !== side.folder!.size) return false;
    for (const file of files) {
      const name = file.path.slice(this.request.path.length + 1);
      const oid = 'entry' in file ? file.entry.oid : file.oid;
      if (side.folder!.get(name)?.oid !== oid) return false;
    }
    return true;
  }

  private answer(files: ObjectFile[]): { take: 'ours' | 'theirs' } | { files: ObjectFile[] } {
    if (this.sameAs(this.ours, files)) return { take: 'ours' };
    if (this.sameAs(this.theirs, files)) return { take: 'theirs' };
    return { files };
  }

  private async finish(): Promise<ObjectMergeOutcome> {
    const { conflicts, resolved } = this;
    if (this.request.virtual) return { ...this.answer(this.files()), conflicts, resolved };
    const pending = this.pending();
    if (this.open.size) return { ...this.answer(this.files()), conflicts, resolved, pending };
    const invalid = await this.validate();
    if (invalid) return { take: 'ours', conflicts: [...conflicts, invalid], resolved, pending };
    return { ...this.answer(this.files()), conflicts, resolved };
  }

  /** Validates the merged object; an `invalid` conflict when it fails. */
  private async validate(): Promise<InvalidConflict | undefined> {
    const merged = await this.m.instance(this.values, this.blobs, this.extra, this.request.id, this.reads);
    const failures = await this.m.check(merged);
    if (!failures.length) return undefined;
    return { kind: 'invalid', model: this.schema.name, id: this.request.id, path: this.request.path, failures, merged };
  }

  /** Settles the open field conflicts one by one (ws.resolveConflict, onConflict). */
  private pending(): PendingObjectMerge {
    return {
      lww: async (name) => {
        const field = this.schema.fields.find((f) => f.name === name);
        const v = (side: Side) => (field ? side.decoded.values[name] : side.decoded.extra?.[name]);
        const key = (x: unknown) => JSON.stringify(x === undefined ? null : field && field.type.kind !== 'blob' ? encodeValue(field.type, x) : x);
        return this.lwwSide(() => (key(v(this.ours)) > key(v(this.theirs)) ? 1 : key(v(this.ours)) < key(v(this.theirs)) ? -1 : 0));
      },
      version: async (which) => {
        const side = which === 'base' ? this.base : which === 'ours' ? this.ours : this.theirs;
        if (!side) return null;
        const own = this.ownNames();
        const others = new Map([...(side.folder ?? [])].filter(([name]) => !own.has(name)));
        return this.m.files(this.request.path, this.request.id, { ...side.decoded.values }, this.m.blobsOf(side), side.decoded.extra, others);
      },
      settle: async (name, value) => {
        if (!this.open.has(name)) throw new ConfigurationError(`${this.schema.name} ${this.request.id}: no conflict left on ${name}`, { model: this.schema.name, field: name });
        const field = this.schema.fields.find((f) => f.name === name);
        const fail = (why: string) => new ValidationError({ model: this.schema.name, id: this.request.id, failures: [{ field: name, constraints: { type: `${name} ${why}` } }] });
        if (!field) {
          if (value !== undefined && jsonProblem(value)) throw fail(jsonProblem(value)!);
          this.extra = { ...this.extra };
          if (value === undefined) delete this.extra[name];
          else this.extra[name] = structuredClone(value);
        } else if (field.type.kind === 'blob') {
          if (value === undefined || value === null) this.blobs.set(name, { info: value as null | undefined });
          else if (value instanceof Uint8Array) {
            const bytes = new Uint8Array(value);
            this.blobs.set(name, { info: { file: name, size: bytes.length, oid: hashObject('blob', bytes) }, bytes });
          } else throw fail('must be a Uint8Array (or null)');
        } else {
          if (value === null && !field.nullable) throw fail('cannot be null');
          const problem = value === null || value === undefined ? undefined : typeProblem(field.type, value);
          if (problem) throw fail(problem);
          if (value === undefined) delete this.values[name];
          else this.values[name] = stored(field, value);
        }
        this.open.delete(name);
        if (this.open.size) return { files: this.files() };
        const invalid = await this.validate();
        if (invalid) return { files: 'ours', invalid };
        return { files: this.files() };
      },
    };
  }
}
