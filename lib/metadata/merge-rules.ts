// Merge rules on models (design 4.4): what `@Field({ merge })` and `@Model({ merge, onDelete,
// clock })` may say, and the checks made when a schema resolves (a rule must fit its field's kind).
// The rules themselves run in lib/model/object-merge.ts.
import { ConfigurationError } from '../errors.js';

const CONFLICT: unique symbol = Symbol.for('gitmodel.merge.conflict');

/** What a merge function returns to keep a conflict: `return Merge.conflict`. */
export const Merge: { readonly conflict: typeof CONFLICT } = Object.freeze({ conflict: CONFLICT });

/** The three versions of one field, as a field's merge function gets them (typed values). */
export interface FieldMergeSides<V = any, M = any> {
  /** the value in the merge base; undefined when the object has no base (added on both sides) */
  readonly base: V | undefined;
  readonly ours: V;
  readonly theirs: V;
  /** false when both sides added the object (no base) */
  readonly hasBase: boolean;
  /** the model's registered name, the object's id and the field's property name */
  readonly model: string;
  readonly id: string;
  readonly field: string;
  /** the whole objects (base null without a base) */
  readonly objects: { readonly base: M | null; readonly ours: M; readonly theirs: M };
}

/** A field's own merge: the merged value, or Merge.conflict. Synchronous. */
export type FieldMergeFunction = (sides: FieldMergeSides) => unknown;

/** The three versions of one object, as a model's merge function gets them (typed model objects). */
export interface ObjectMergeSides<M = any> {
  readonly base: M | null;
  readonly ours: M;
  readonly theirs: M;
  readonly hasBase: boolean;
  readonly model: string;
  readonly id: string;
}

/** A model's own merge: the merged object (a model object, or a plain object of its fields), or Merge.conflict. */
export type ObjectMergeFunction = (objects: ObjectMergeSides) => unknown;

export const FIELD_RULES = ['conflict', 'ours', 'theirs', 'lww', 'counter', 'union', 'max', 'min', 'deep', 'text'] as const;

/** A field's merge rule (design 4.4); default 'conflict'. */
export type FieldMergeRule = (typeof FIELD_RULES)[number] | FieldMergeFunction;

/** How a delete met by a change on the other side is settled. */
export type DeletePolicy = 'conflict' | 'delete-wins' | 'keep-wins';

/** The storage kinds a rule applies to, and a phrase for the error. */
const KINDS_OF: Partial<Record<string, { kinds: string[]; what: string }>> = {
  counter: { kinds: ['number', 'bigint'], what: 'number or bigint fields' },
  union: { kinds: ['array'], what: 'array fields' },
  text: { kinds: ['string'], what: 'string fields' },
  deep: { kinds: ['json'], what: 'JSON fields (@Field.json())' },
  max: { kinds: ['number', 'bigint', 'date', 'string', 'decimal', 'time'], what: 'number, bigint, Date, string, decimal and time fields' },
  min: { kinds: ['number', 'bigint', 'date', 'string', 'decimal', 'time'], what: 'number, bigint, Date, string, decimal and time fields' },
};

/** Checks a field's merge rule against its kind; ConfigurationError naming the field otherwise. */
export function checkFieldRule(model: string, field: { name: string; id: boolean; type: { kind: string } }, rule: unknown): void {
  if (rule === undefined) return;
  const where = { model, field: field.name };
  if (typeof rule !== 'function' && !(FIELD_RULES as readonly unknown[]).includes(rule)) {
    throw new ConfigurationError(`${model}.${field.name}: unknown merge rule ${JSON.stringify(rule)}; use one of ${FIELD_RULES.join(', ')} or a function`, where);
  }
  if (field.id) {
    throw new ConfigurationError(`${model}.${field.name}: the id field takes no merge rule (a changed id is a move, merged as one)`, where);
  }
  if (typeof rule === 'function') return;
  if (field.type.kind === 'blob' && !['conflict', 'ours', 'theirs', 'lww'].includes(rule as string)) {
    throw new ConfigurationError(`${model}.${field.name}: a blob field merges by oid: its rule is 'conflict', 'ours', 'theirs', 'lww' or a function, not '${rule}'`, where);
  }
  const allowed = KINDS_OF[rule as string];
  if (allowed && !allowed.kinds.includes(field.type.kind)) {
    throw new ConfigurationError(`${model}.${field.name}: the merge rule '${rule}' applies to ${allowed.what}, not to a ${field.type.kind} field`, where);
  }
}

/** Checks a field's onDangling: 'list' or 'conflict', on a reference field (or an array of them) only. */
export function checkOnDangling(model: string, field: { name: string; onDangling?: unknown; type: { kind: string; of?: { kind: string } } }): void {
  if (field.onDangling === undefined) return;
  const where = { model, field: field.name };
  if (field.onDangling !== 'list' && field.onDangling !== 'conflict') {
    throw new ConfigurationError(`${model}.${field.name}: onDangling is 'list' or 'conflict', not ${JSON.stringify(field.onDangling)}`, where);
  }
  const kind = field.type.kind === 'array' ? field.type.of?.kind : field.type.kind;
  if (kind !== 'ref') throw new ConfigurationError(`${model}.${field.name}: onDangling applies to reference fields (@Field.ref()), not to a ${field.type.kind} field`, where);
}

/** Checks the model-level merge options. */
export function checkModelRules(model: string, options: { merge?: unknown; onDelete?: unknown; clock?: unknown }, fields: { name: string; type: { kind: string } }[]): void {
  if (options.merge !== undefined && typeof options.merge !== 'function') {
    throw new ConfigurationError(`${model}: @Model({ merge }) is a function (objects) => merged | Merge.conflict`, { model });
  }
  if (options.onDelete !== undefined && !['conflict', 'delete-wins', 'keep-wins'].includes(options.onDelete as string)) {
    throw new ConfigurationError(`${model}: onDelete is 'conflict', 'delete-wins' or 'keep-wins', not ${JSON.stringify(options.onDelete)}`, { model });
  }
  if (options.clock !== undefined) {
    const field = fields.find((f) => f.name === options.clock);
    if (!field || !['date', 'number', 'bigint'].includes(field.type.kind)) {
      throw new ConfigurationError(`${model}: clock names a Date, number or bigint field of the model, not ${JSON.stringify(options.clock)}`, { model });
    }
  }
}
