// What ws.merge() reports (typed conflicts) and what it needs of the model layer to merge objects:
// lib/workspace never imports lib/model, so a model class hands these hooks over with its binding
// (model-host.ts ModelBinding.merge) when it is registered, as history/ gets its decode callback.
import type { FieldFailure } from '../errors.js';
import type { GitObject } from '../git/object.js';
import type { TreeEntry } from '../git/tree.js';
import type { DeletePolicy, ObjectFile, ObjectMerge, ObjectMergeRequest } from '../merge/merge-types.js';
import type { TreeReader } from './snapshot.js';

/** Both sides changed a field differently and its rule (default 'conflict') did not settle it. */
export interface FieldConflict {
  kind: 'field';
  model: string;
  id: string;
  /** the object's root (its folder, or its data file) */
  path: string;
  /** the property name */
  field: string;
  /** typed values (Dates, bigints, Refs, Uint8Array for blob fields); base undefined without a base */
  base: unknown;
  ours: unknown;
  theirs: unknown;
  /** false when both sides added the object */
  hasBase: boolean;
}

/** One side deleted the object, the other changed it. */
export interface DeleteModifyConflict {
  kind: 'delete-modify';
  model: string;
  id: string;
  path: string;
  deletedBy: 'ours' | 'theirs';
  /** the typed objects: as in the base, and as the other side changed it */
  base: object | null;
  modified: object | null;
}

/**
 * Both sides moved the object to different ids ('moved-apart'), one moved it and the other deleted
 * it ('moved-deleted'), or the merge would make two ids differing only in case ('case-twin').
 * `ours`/`theirs` are the ids each side has it under (null: deleted there).
 */
export interface RenameConflict {
  kind: 'rename';
  reason: 'moved-apart' | 'moved-deleted' | 'case-twin';
  model: string | null;
  id: string;
  path: string;
  ours: string | null;
  theirs: string | null;
}

/** The merged object fails validation (two edits valid alone, not together). */
export interface InvalidConflict {
  kind: 'invalid';
  model: string;
  id: string;
  path: string;
  failures: FieldFailure[];
  /** the merged object that failed */
  merged: object;
}

/** A file outside every model changed on both sides (blob oids; undefined: absent there), or a file and a folder of one name. */
export interface FileConflict {
  kind: 'file';
  reason: 'changed' | 'directory-file';
  path: string;
  base?: string;
  ours?: string;
  theirs?: string;
}

/**
 * A reference the merge left pointing at an object the merged tree lacks, on a field declared
 * `onDangling: 'conflict'`. `path` is the referring object's root, `target.path` the target's.
 */
export interface DanglingConflict {
  kind: 'dangling';
  model: string;
  id: string;
  path: string;
  field: string;
  target: { model: string; id: string; path: string };
}

export type MergeConflict = FieldConflict | DeleteModifyConflict | RenameConflict | InvalidConflict | FileConflict | DanglingConflict;

/** A reference in the merged tree whose target is not there: the merge deleted it, or never had it. */
export interface DanglingRef {
  /** the object holding the reference, and its field */
  model: string;
  id: string;
  field: string;
  target: { model: string; id: string };
  /** the field is declared onDangling: 'conflict' (a conflict of kind 'dangling' then) */
  conflict?: true;
}

/** A conflict settled by a rule or by onConflict, and how ('lww', 'counter', 'delete-wins', 'move', 'onConflict:theirs', …). */
export type ResolvedConflict = MergeConflict & { how: string };

/**
 * How to settle a conflict: a side's version, the base's, a value (a field's value; a whole model
 * object for an `invalid` conflict), or for a delete-modify or rename conflict 'delete' or 'keep'.
 */
export type MergeChoice = 'ours' | 'theirs' | 'base' | 'delete' | 'keep' | { value: unknown };

/** What the model layer reads through while merging. */
export interface MergeReads {
  /** an object by oid: stored, or made by the merge itself (a virtual base's trees and blobs) */
  read(oid: string): Promise<GitObject>;
  /**
   * 'lww': the committer time (seconds) of the newest commit on that side, since the merge base,
   * that changed what is at `path` (the object's root on that side); the side's tip time if none.
   */
  clock(side: 'ours' | 'theirs', path: string): Promise<number>;
}

/** An object merged with field conflicts left: settles them one by one. */
export interface PendingObjectMerge {
  /**
   * Sets a conflicting field to a value (typed: a ValidationError when it does not fit the field)
   * and returns the object's files afterwards; once no field conflict is left, the object is
   * validated and a failure comes back as an `invalid` conflict (the files are then ours').
   */
  settle(field: string, value: unknown): Promise<{ files: ObjectFile[] | 'ours'; invalid?: InvalidConflict }>;
  /** which side 'lww' picks for this object */
  lww(field: string): Promise<'ours' | 'theirs'>;
  /** the files of a side's whole version at the merged id and root (null: absent there) */
  version(side: 'ours' | 'theirs' | 'base'): Promise<ObjectFile[] | null>;
}

export type ObjectMergeOutcome = ObjectMerge<MergeConflict> & { readonly pending?: PendingObjectMerge };

/** The model layer's merge of one model's objects. */
export interface ModelMergeHooks {
  readonly onDelete: DeletePolicy;
  /** merges one object both sides changed (the tree merge's resolver) */
  resolve(request: ObjectMergeRequest, reads: MergeReads): Promise<ObjectMergeOutcome>;
  /** the object's fields but the id, canonical (blobs by oid): equal for a moved object */
  fingerprint(object: { path: string; id: string; entry: TreeEntry }, reads: MergeReads): Promise<string | undefined>;
  /**
   * A field conflict's value from the JSON form a stored merge keeps it in (merge-state.ts
   * summaryOf), typed as the model decodes it; the JSON form itself when it does not decode (a
   * blob field's, a field the model does not declare).
   */
  fieldValue(field: string, json: unknown): unknown;
  /** the typed object stored under a root entry (null: none, or it does not decode) */
  decode(object: { path: string; id: string; entry: TreeEntry | undefined }, reads: MergeReads): Promise<object | null>;
  /** the files of a whole object given for an `invalid` conflict, validated (ValidationError) */
  encode(object: { path: string; id: string; value: unknown }): Promise<ObjectFile[]>;
  /** the model names the model's reference fields point to (none: it has no reference field) */
  referenceTargets(): string[];
  /** the references the model's objects make in `reader`: of `ids`, or of every object */
  references(reader: TreeReader, ids?: Iterable<string>): AsyncIterable<{ id: string; field: string; model: string; target: string; conflict?: true }>;
}
