// @Field and its variants: they record what a property is, on the class that declares it, and do
// nothing else. Reading the records (with inheritance) is schema.ts's job.
import { ownSlot } from '../util/class-slot.js';
import { designType } from './design-type.js';
import { assertFactoryCalled, assertLegacyDecorator } from './legacy-decorators.js';
import type { FieldMergeRule } from './merge-rules.js';

/** How a field's value is stored. Arrays nest: `[String]`, `[[Number]]`, `[Date]`. */
export type TypeSpec =
  | StringConstructor
  | NumberConstructor
  | BooleanConstructor
  | DateConstructor
  | BigIntConstructor
  | ObjectConstructor
  | ArrayConstructor
  | Uint8ArrayConstructor
  | readonly [TypeSpec]
  | { kind: 'json' | 'decimal' | 'uuid' | 'blob' | 'time' | 'oid' }
  | { kind: 'ref'; model: string | (() => Function) };

export interface FieldOptions {
  /** this field is the object's id (its folder name in the repository) */
  id?: boolean;
  /** the value when none is given: a value, or a function called for each new object */
  default?: unknown;
  /** a save with this field undefined fails (default true) */
  required?: boolean;
  /** null is an allowed value (default false) */
  nullable?: boolean;
  /** the stored type, for tools that do not emit design:type (tsx, esbuild, swc) */
  type?: TypeSpec;
  /**
   * How ws.merge() settles this field when both sides changed it differently (default
   * 'conflict'): 'ours' | 'theirs' | 'lww' (the side changed last) | 'counter' (number, bigint:
   * base + both deltas) | 'union' (arrays) | 'max' | 'min' | 'deep' (JSON, key by key) | 'text'
   * (strings, line-level three-way) | a function ({ base, ours, theirs, ... }) => value | Merge.conflict
   */
  merge?: FieldMergeRule;
  /**
   * A reference field: what ws.merge() does when the merge leaves it pointing at an object the
   * merged tree lacks: 'list' it in result.danglingRefs (default), or make it a 'conflict'
   * (kind 'dangling') to settle before the merge commits.
   */
  onDangling?: 'list' | 'conflict';
  /** keep a secondary index of this field, so Model.find() filters and orders by it without reading objects */
  index?: boolean;
  /** no two objects of the model hold the same non-null value (each element, for an array); implies index */
  unique?: boolean;
}

export interface FieldRecord {
  name: string;
  options: FieldOptions;
  /** what TypeScript emitted for the property, if anything */
  designType: Function | undefined;
}

export const FIELDS = Symbol('gitmodel.fields');

type FieldDecorator = (prototype: object, property: string) => void;

function record(options: FieldOptions): FieldDecorator {
  return (prototype, property) => {
    assertLegacyDecorator('@Field', prototype, property as unknown);
    const records = ownSlot<FieldRecord[]>(prototype.constructor, FIELDS, () => []);
    records.push({ name: property, options: { ...options }, designType: designType(prototype, property) });
  };
}

type Variant = Omit<FieldOptions, 'type'>;

/** A decorator factory that first checks it was called (`@Field()`, not `@Field`) under legacy decorators. */
function factory<A extends unknown[]>(name: string, make: (...args: A) => FieldDecorator): (...args: A) => FieldDecorator {
  return (...args: A) => {
    assertFactoryCalled(name, args);
    return make(...args);
  };
}

/** Marks a property as stored. Its type comes from `design:type` unless `type` is given. */
export const Field = Object.assign(
  factory('@Field()', (options: FieldOptions = {}) => record(options)),
  {
    /** any JSON value, stored as is (object keys sorted, for canonical bytes) */
    json: factory('@Field.json()', (options: Variant = {}) => record({ ...options, type: { kind: 'json' } })),
    /** a decimal number held as a string ("12.50"), so no float rounding ever touches it */
    decimal: factory('@Field.decimal()', (options: Variant = {}) => record({ ...options, type: { kind: 'decimal' } })),
    /** a UUID string; a new object gets a random (v4) one unless a default is given */
    uuid: factory('@Field.uuid()', (options: Variant = {}) => record({ ...options, type: { kind: 'uuid' } })),
    /** bytes (a Uint8Array), stored as their own file beside data.json */
    blob: factory('@Field.blob()', (options: Variant = {}) => record({ ...options, type: { kind: 'blob' } })),
    /** a time of day as a string: "HH:MM", "HH:MM:SS" or "HH:MM:SS.mmm" (00-23 hours) */
    time: factory('@Field.time()', (options: Variant = {}) => record({ ...options, type: { kind: 'time' } })),
    /** the 40-hex oid of an object in the repository (a blob, tree, commit or tag), checked to exist on save */
    oid: factory('@Field.oid()', (options: Variant = {}) => record({ ...options, type: { kind: 'oid' } })),
    /** a reference to another model's object by id: a model class thunk, or a registered model name */
    ref: factory('@Field.ref()', (model: string | (() => Function), options: Variant = {}) =>
      record({ ...options, type: { kind: 'ref', model } }),
    ),
  },
);
