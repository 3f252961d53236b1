// The types of Model.find()'s options, from the model's own properties: a wrong field, a value of
// the wrong type, an operator that does not fit the field or an unorderable orderBy is a compile
// error (docs/QUERIES.md). Which fields are indexed is not a type matter: decorators cannot change
// types, so a query on an unindexed field compiles and reads objects (explain() says so).
import type { QueryPlan } from '../query/run.js';
import type { Ref } from './ref.js';
import { ModelSet } from './results.js';

/** Data properties of a model instance: not methods, not `oid` (the base class's); `id` always. */
export type FieldKey<T> = { [K in keyof T]-?: K extends 'oid' ? never : T[K] extends (...args: never[]) => unknown ? never : K }[keyof T] & string;

/** What a field's value is compared with: a reference by id, its Ref or the object itself. */
type Value<V> = V extends Ref<infer M> ? string | Ref<M> | M : V;

type Scalar<V> =
  | V
  | null
  | ({
      eq?: V | null;
      ne?: V | null;
      in?: readonly V[];
      notIn?: readonly V[];
      gt?: V;
      gte?: V;
      lt?: V;
      lte?: V;
      exists?: boolean;
    } & ([V] extends [string] ? { startsWith?: string; endsWith?: string; contains?: string } : {}));

type List<E> = { has?: E; hasSome?: readonly E[]; hasEvery?: readonly E[]; isEmpty?: boolean; exists?: boolean };

export type Where<T> = {
  [K in FieldKey<T>]?: NonNullable<T[K]> extends readonly (infer E)[] ? List<Value<E>> : Scalar<Value<NonNullable<T[K]>>>;
} & { AND?: Where<T>[]; OR?: Where<T>[]; NOT?: Where<T> };

type Sortable<T> = { [K in FieldKey<T>]: NonNullable<T[K]> extends readonly unknown[] ? never : K }[FieldKey<T>];

export type OrderBy<T> = { [K in Sortable<T>]?: 'asc' | 'desc' | { sort: 'asc' | 'desc'; nulls?: 'first' | 'last' } };

type RefKey<T> = { [K in FieldKey<T>]: NonNullable<T[K]> extends Ref<object> ? K : never }[FieldKey<T>];

/** Reference fields whose objects a query loads once per distinct id: `{ author: true }`. */
export type Include<T> = { [K in RefKey<T>]?: true };

/** Fields a query returns as plain objects instead of model instances: `{ title: true }`. */
export type Select<T> = { [K in FieldKey<T>]?: true };

/**
 * What a `select` query gives: the object's id under `id` (whichever field holds it: types cannot
 * tell which) and each selected field with its declared type; a field absent from the stored file
 * is absent here too.
 */
export type Selected<T, S> = { id: string } & { [K in keyof S & FieldKey<T>]: T[K] };

export interface FindOptions<T> {
  where?: Where<T>;
  /** default: id ascending; ties are always broken by id ascending */
  orderBy?: OrderBy<T> | OrderBy<T>[];
  limit?: number;
  /** results skipped (their objects are never read) */
  offset?: number;
  /** a branch, tag, checkpoint, commit or revision (default: the staged state) */
  at?: string;
  include?: Include<T>;
}

/** find() with `select`: a key that is not a field of the model is a compile error. */
export type SelectOptions<T, S> = FindOptions<T> & { select: S & { [K in Exclude<keyof S, FieldKey<T>>]: never } };

export type FindOneOptions<T> = Omit<FindOptions<T>, 'limit'>;
export type CountOptions<T> = Pick<FindOptions<T>, 'where' | 'at'>;

export interface PageOptions<T> extends Omit<FindOptions<T>, 'offset'> {
  limit: number;
  /** the `next` of the previous page (null or absent: the first page) */
  after?: string | null;
}

export interface Page<T> {
  items: T[];
  /** the cursor of the next page, or null when this is the last */
  next: string | null;
}

/** The result of find(): stream it with `for await`, collect it with `await`, or ask how it runs with explain(). */
export class QuerySet<T> extends ModelSet<T> {
  constructor(
    batches: () => AsyncIterable<readonly T[]>,
    private readonly plan: () => Promise<QueryPlan>,
  ) {
    super({ batches });
  }

  /** Which predicates an index answers, which read objects, how results are ordered, how many candidates. */
  explain(): Promise<QueryPlan> {
    return this.plan();
  }
}
