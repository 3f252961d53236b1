// A class's resolved schema: its fields from every ancestor (parent fields first, in declared
// order), each with a storage kind, its id field, model name and path layout. Resolved once per
// class and kept on the class itself; every declaration mistake is a ConfigurationError here.
import { ConfigurationError } from '../errors.js';
import { ownSlot, ownSlotValue } from '../util/class-slot.js';
import { MISSING_METADATA_FIX } from './design-type.js';
import { FIELDS, type FieldOptions, type FieldRecord, type TypeSpec } from './field.js';
import { checkFieldRule, checkModelRules, checkOnDangling, type DeletePolicy, type FieldMergeRule, type ObjectMergeFunction } from './merge-rules.js';
import { inheritedOption, ownModelOptions } from './model-options.js';

export type ScalarKind = 'string' | 'number' | 'boolean' | 'date' | 'bigint' | 'json' | 'decimal' | 'uuid' | 'blob' | 'time' | 'oid';

export type FieldKind =
  | { kind: ScalarKind }
  | { kind: 'array'; of: FieldKind }
  | { kind: 'ref'; model: string | (() => Function) };

export interface FieldDef {
  name: string;
  type: FieldKind;
  id: boolean;
  required: boolean;
  nullable: boolean;
  /** produces the default for a new object, when there is one */
  makeDefault?: () => unknown;
  /** how ws.merge() settles the field when both sides changed it (undefined: 'conflict') */
  merge?: FieldMergeRule;
  /** a reference field: a merge leaving it dangling lists it ('list', undefined) or is a conflict */
  onDangling?: 'list' | 'conflict';
  /** Model.find() keeps a secondary index of it (always true for the id, and for unique fields) */
  index?: boolean;
  /** no two objects may hold the same non-null value (each element, for an array) */
  unique?: boolean;
}

export interface Schema {
  cls: Function;
  name: string;
  abstract: boolean;
  fields: FieldDef[];
  id: FieldDef;
  /** true when no field is marked id and gitmodel added a uuid `id` field */
  autoId: boolean;
  path: string;
  /** hex digits of sha1(id) naming an object's shard folder; 0 when not sharded */
  shard: number;
  /** ws.merge(): the model's whole-object merge, its delete policy and lww clock field */
  merge?: ObjectMergeFunction;
  onDelete: DeletePolicy;
  clock?: string;
}

export const DEFAULT_PATH = '{model}/{id}/data.json';
export const DEFAULT_SHARDED_PATH = '{model}/{shard}/{id}/data.json';
const SCHEMA = Symbol('gitmodel.schema');

/** `BlogPost` → `blog-post`, `HTMLPage` → `html-page`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function fromSpec(spec: TypeSpec, where: { model: string; field: string }): FieldKind {
  if (Array.isArray(spec)) {
    if (spec.length !== 1) throw new ConfigurationError(`${where.model}.${where.field}: an array type lists one element type, as [String]`, where);
    return { kind: 'array', of: fromSpec(spec[0], where) };
  }
  if (typeof spec === 'object' && spec !== null && 'kind' in spec) return spec as FieldKind;
  switch (spec) {
    case String: return { kind: 'string' };
    case Number: return { kind: 'number' };
    case Boolean: return { kind: 'boolean' };
    case Date: return { kind: 'date' };
    case BigInt: return { kind: 'bigint' };
    case Object: return { kind: 'json' };
    case Array: return { kind: 'array', of: { kind: 'json' } };
    case Uint8Array: return { kind: 'blob' };
  }
  const name = (spec as Function)?.name ?? String(spec);
  throw new ConfigurationError(
    `${where.model}.${where.field}: gitmodel cannot store a value of type ${name}; ` +
      'use one of String, Number, Boolean, Date, BigInt, an array ([String]), Field.json(), Field.decimal(), ' +
      'Field.uuid(), Field.time(), Field.oid(), Field.blob(), or Field.ref(() => OtherModel) for a reference',
    where,
  );
}

function kindOf(model: string, record: FieldRecord): FieldKind {
  const where = { model, field: record.name };
  if (record.options.type !== undefined) return fromSpec(record.options.type, where);
  if (record.designType === undefined) {
    throw new ConfigurationError(`${model}.${record.name}: its type is unknown: ${MISSING_METADATA_FIX}`, where);
  }
  // Node's Buffer (a Uint8Array) where the host has one; looked up, not named, so browsers load this
  if (record.designType !== undefined && record.designType === (globalThis as { Buffer?: Function }).Buffer) return { kind: 'blob' };
  // TypeScript records what it cannot name as Object or Array: such a field would take any JSON
  // (stock: 'lots' into a number | null), so its type must be said. `type: Object` still means JSON.
  if (record.designType === Object) {
    throw new ConfigurationError(
      `${model}.${record.name}: TypeScript recorded its type as Object, as it does for a union (number | null, ` +
        'string | undefined), an interface or object type, and a property without a type annotation, so gitmodel ' +
        'cannot tell what it holds: annotate it (text: string = \'\') or give the type, as in ' +
        '@Field({ type: Number, nullable: true }) for number | null, ' +
        '@Field({ type: String, required: false }) for string | undefined, @Field({ type: Date, nullable: true }), ' +
        'or @Field.json() for any JSON',
      where,
    );
  }
  if (record.designType === Array) {
    throw new ConfigurationError(
      `${model}.${record.name}: TypeScript records every array type as Array, without its element type: give it, ` +
        'as in @Field({ type: [String] }) for string[] or @Field({ type: [Number] }), or use @Field.json() for an array of any JSON',
      where,
    );
  }
  return fromSpec(record.designType as TypeSpec, where);
}

/** Kinds whose values order and compare as one value each (an array indexes each element). */
const INDEXABLE = new Set(['string', 'number', 'boolean', 'date', 'bigint', 'decimal', 'uuid', 'time', 'oid', 'ref']);

/** `index`/`unique` only on a kind with an order and an equality: JSON and blobs have neither. */
function checkIndexable(model: string, def: FieldDef): void {
  if (!def.index || def.id) return;
  const element = def.type.kind === 'array' ? def.type.of : def.type;
  if (INDEXABLE.has(element.kind)) return;
  const what = def.type.kind === 'array' ? `an array of ${element.kind === 'array' ? 'arrays' : element.kind}` : `a ${element.kind} field`;
  throw new ConfigurationError(
    `${model}.${def.name}: ${def.unique ? 'unique' : 'index'} is for string, number, boolean, Date, bigint, decimal, uuid, time, oid ` +
      `and ref fields and arrays of them; ${def.name} is ${what}, which has no order to index by: drop the option`,
    { model, field: def.name },
  );
}

/** Names the Model base class uses itself: a field of that name would hide it. */
const RESERVED = new Map([['oid', 'obj.oid is the oid of the object\'s data file as last saved or read']]);

function defaultMaker(options: FieldOptions, type: FieldKind): (() => unknown) | undefined {
  if ('default' in options) {
    const value = options.default;
    if (typeof value === 'function') return value as () => unknown;
    // a fresh copy per object, so two objects never share one mutable default
    return () => (value !== null && typeof value === 'object' ? structuredClone(value) : value);
  }
  if (type.kind === 'uuid') return () => crypto.randomUUID();
  return undefined;
}

function resolve(cls: Function): Schema {
  const own = ownModelOptions(cls);
  const name = own.name ?? kebabCase(cls.name);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith('.lock')) {
    throw new ConfigurationError(`model name ${JSON.stringify(name)} must be a plain folder name (letters, digits, . _ -)`, { model: name });
  }
  const chain: Function[] = [];
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const fields: FieldDef[] = [];
  for (const c of chain) {
    for (const record of ownSlotValue<FieldRecord[]>(c, FIELDS) ?? []) {
      const type = kindOf(name, record);
      const def: FieldDef = {
        name: record.name,
        type,
        id: record.options.id === true,
        required: record.options.required ?? true,
        nullable: record.options.nullable ?? false,
        makeDefault: defaultMaker(record.options, type),
        merge: record.options.merge,
        onDangling: record.options.onDangling,
        index: record.options.index === true || record.options.unique === true || record.options.id === true,
        unique: record.options.unique === true,
      };
      checkIndexable(name, def);
      const at = fields.findIndex((f) => f.name === def.name);
      if (at >= 0) fields[at] = def; // a subclass redeclaring a field refines it in place
      else fields.push(def);
    }
  }
  for (const field of fields) {
    const reason = RESERVED.get(field.name);
    if (reason) throw new ConfigurationError(`${name}.${field.name}: "${field.name}" is reserved (${reason}): rename the field`, { model: name, field: field.name });
  }
  const ids = fields.filter((f) => f.id);
  const strayId = ids.length === 1 && ids[0].name !== 'id' ? fields.find((f) => f.name === 'id') : undefined;
  if (strayId) {
    throw new ConfigurationError(
      `${name} marks ${ids[0].name} as its id and also has a field named "id": obj.id is always the id (here ${ids[0].name}), ` +
        `so the field "id" could never be set or saved as itself: rename it, or drop ${ids[0].name}'s id mark and mark id instead`,
      { model: name, field: 'id' },
    );
  }
  if (ids.length > 1) {
    throw new ConfigurationError(`${name} marks ${ids.map((f) => f.name).join(' and ')} as id: a model has one id field`, { model: name });
  }
  let id = ids[0];
  const autoId = !id;
  if (id && !['string', 'uuid'].includes(id.type.kind)) {
    throw new ConfigurationError(`${name}.${id.name}: an id field holds a string`, { model: name, field: id.name });
  }
  if (!id) {
    if (fields.some((f) => f.name === 'id')) {
      throw new ConfigurationError(`${name} has a field named "id" that is not its id: mark it @Field({ id: true }) or rename it`, { model: name, field: 'id' });
    }
    id = { name: 'id', type: { kind: 'uuid' }, id: true, required: true, nullable: false, makeDefault: () => crypto.randomUUID(), index: true };
    fields.unshift(id);
  }
  if (id.nullable) throw new ConfigurationError(`${name}.${id.name}: the id cannot be nullable`, { model: name, field: id.name });
  const shard = inheritedOption(cls, 'shard') ?? 0;
  if (!Number.isInteger(shard) || shard < 0 || shard > 4) {
    throw new ConfigurationError(`${name}: shard is a number of hex digits from 1 to 4`, { model: name });
  }
  const path = inheritedOption(cls, 'path') ?? (shard ? DEFAULT_SHARDED_PATH : DEFAULT_PATH);
  if (path.includes('{shard}') !== shard > 0) {
    throw new ConfigurationError(
      `${name}: a path layout has {shard} exactly when the model sets shard (path "${path}", shard ${shard})`,
      { model: name },
    );
  }
  for (const field of fields) {
    checkFieldRule(name, field, field.merge);
    checkOnDangling(name, field);
  }
  const rules = { merge: inheritedOption(cls, 'merge'), onDelete: inheritedOption(cls, 'onDelete'), clock: inheritedOption(cls, 'clock') };
  checkModelRules(name, rules, fields);
  return { cls, name, abstract: own.abstract === true, fields, id, autoId, path, shard, merge: rules.merge, onDelete: rules.onDelete ?? 'conflict', clock: rules.clock };
}

/** The schema of a model class, resolved on first use. */
export function schemaOf(cls: Function): Schema {
  return ownSlot(cls, SCHEMA, () => resolve(cls));
}
