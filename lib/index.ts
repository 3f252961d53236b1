// The public surface of gitmodel, and nothing else.
import 'reflect-metadata';

export { Workspace, EMPTY_TREE } from './workspace/workspace.js';
export type { OpenOptions, CommitOptions, CommitInfo, Identity, StagedChange } from './workspace/workspace.js';
export type { Signature } from './workspace/signature.js';
export { Model, workspaceOf } from './model/model.js';
export type { ReadOptions, WriteOptions } from './model/model.js';
export { Ref } from './model/ref.js';
export { ModelSet } from './model/query.js';
export { Field } from './metadata/field.js';
export type { FieldOptions, TypeSpec } from './metadata/field.js';
export type { ModelOptions } from './metadata/model-options.js';
export * from './errors.js';
