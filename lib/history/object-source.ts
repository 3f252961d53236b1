// What history needs to know about one model. lib/model/ implements it, so that history can serve
// the Model statics without importing lib/model/ (model → history, never back).
import type { Repository } from '../git/repository.js';

export interface ObjectSource<T> {
  readonly repo: Repository;
  /** the model's name, for errors */
  readonly model: string;
  /** the model's fields in declared order, and the one holding the id */
  readonly fields: readonly string[];
  readonly idField: string;
  /** the path of an object's data file */
  dataPath(id: string): string;
  /** the id whose data file this path is, or undefined */
  idOf(path: string): string | undefined;
  /** whether two values of a field are the same value, as the field's kind compares them
   *  (undefined and null, for an unset field or a missing object, are equal only to themselves) */
  same(field: string, a: unknown, b: unknown): boolean;
  /** the object with this id as stored in a commit's tree (its data file is there), typed */
  read(tree: string, id: string, commit: string): Promise<T>;
}
