// The public surface of gitmodel, and nothing else.
import 'reflect-metadata';

export { Workspace, EMPTY_TREE } from './workspace/workspace.js';
export type { OpenOptions, CommitOptions, StagedChange, ObjectScope, WalkOptions } from './workspace/workspace.js';
export type { BranchInfo } from './workspace/branches.js';
export type { TagInfo } from './workspace/tags.js';
export type { CheckpointInfo } from './workspace/checkpoints.js';
export type { Files, FileWriteOptions } from './workspace/files.js';
export type { CommitInfo, Identity } from './history/commit-info.js';
export type { Version, HistoryOptions } from './history/object-history.js';
export type { ObjectDiff } from './history/object-diff.js';
export type { FieldChange } from './history/values.js';
export type { FieldBlame } from './history/blame.js';
export type { Signature } from './workspace/signature.js';
export type { Durability } from './git/durable-write.js';
export { Model, workspaceOf } from './model/model.js';
export type { ReadOptions, WriteOptions, HistoryReadOptions, RestoreOptions, ModelInit } from './model/model.js';
export { Ref } from './model/ref.js';
export { ModelSet } from './model/results.js';
export { Field } from './metadata/field.js';
export type { FieldOptions, TypeSpec } from './metadata/field.js';
export type { ModelOptions } from './metadata/model-options.js';
export * from './errors.js';
