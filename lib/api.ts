// The public surface every host shares: what both entries export (lib/index.ts for Node,
// lib/browser.ts for browsers), each adding only what its host alone has. Importing it installs
// nothing: an entry installs its platform first.
export { Workspace, EMPTY_TREE } from './workspace/workspace.js';
export type { OpenOptions, CommitOptions, StagedChange, ObjectScope, WalkOptions, Transaction, InTransaction } from './workspace/workspace.js';
export type { StagingStats } from './workspace/staged-tree.js';
export type { BranchInfo } from './workspace/branches.js';
export type { RemoteInfo, AddRemoteOptions, RemoteCallOptions, FetchOptions, FetchResult, PushOptions, PushResult, RefMove, Remotes } from './workspace/remotes.js';
export type { PullOptions, PullResult, StagedOutcomeOfPull, SyncOptions, SyncResult } from './workspace/sync.js';
export type { Upstream } from './workspace/upstream.js';
export { LiveSync, SyncEvent, type LiveSyncEventType, type LiveSyncOptions, type LiveSyncRetry, type LiveSyncState, type OfflineDetail, type SyncEventTarget } from './workspace/sync-live.js';
export {
  InvalidRemoteError,
  PushRejectedError,
  RemoteAuthError,
  RemoteNotFoundError,
  RemoteProtocolError,
  RemoteUnreachableError,
} from './git/remote/errors.js';
export type { RemoteRefusal } from './git/remote/errors.js';
export type { HttpClient, AuthCallback, GitAuth, GitHttpRequest, GitHttpResponse } from './git/remote/http-client.js';
export type { RemoteProgress } from './git/remote/smart-http.js';
export type { TagInfo } from './workspace/tags.js';
export type { CheckpointInfo, CheckpointPushOptions } from './workspace/checkpoints.js';
export type { Streams, StreamInfo, StreamMergeOptions, StreamMergeResult } from './workspace/streams.js';
export type { MirroringRemotes, MirrorChange, MirrorDiff, MirrorOptions } from './workspace/mirror.js';
export type { Files, FileWriteOptions } from './workspace/files.js';
export type { MergeOptions, MergeResult, MergingInfo, OnConflict } from './workspace/merge.js';
export type {
  DanglingConflict,
  DanglingRef,
  DeleteModifyConflict,
  FieldConflict,
  FileConflict,
  InvalidConflict,
  MergeChoice,
  MergeConflict,
  RenameConflict,
  ResolvedConflict,
} from './workspace/merge-hooks.js';
export type { CommitInfo, Identity } from './history/commit-info.js';
export type { Version, HistoryOptions } from './history/object-history.js';
export type { ObjectDiff } from './history/object-diff.js';
export type { FieldChange } from './history/values.js';
export type { FieldBlame } from './history/blame.js';
export type { Signature } from './workspace/signature.js';
export type { Durability } from './git/ports.js';
export type {
  DerivedFiles,
  DirEntry,
  FileStat,
  FileSystem,
  MaintenanceResult,
  NewFile,
  ObjectDatabase,
  OpenRepositoryOptions,
  RandomAccessFile,
  RefLogEntry,
  RefStore,
  RepositoryBackend,
} from './git/ports.js';
export type { GitObject, ObjectType, PendingObject } from './git/object.js';
export type { Person } from './git/person.js';
export type { TreeEntry, EntryMode } from './git/tree.js';
export type { GitConfig } from './git/config.js';
export { MemoryBackend, MemoryObjectDatabase, MemoryRefStore, type MemoryBackendOptions } from './git/memory/memory-backend.js';
export { GitDirBackend, type GitDirLocation } from './git/fs/git-dir-backend.js';
export { openGitDir } from './git/fs/discover.js';
// the browser's file systems: any host may name them (one set of types for both entries); they
// touch the browser's globals only when opened
export { IndexedDbFileSystem } from './git/fs/idb-fs.js';
export { OpfsFileSystem } from './git/fs/opfs-fs.js';
export { Model, workspaceOf } from './model/model.js';
export type { ReadOptions, WriteOptions, HistoryReadOptions, RestoreOptions, ModelInit } from './model/model.js';
export { Ref } from './model/ref.js';
export { ModelSet } from './model/results.js';
export { Field } from './metadata/field.js';
export type { FieldOptions, TypeSpec } from './metadata/field.js';
export type { ModelOptions } from './metadata/model-options.js';
export { Merge } from './metadata/merge-rules.js';
export type { DeletePolicy, FieldMergeFunction, FieldMergeRule, FieldMergeSides, ObjectMergeFunction, ObjectMergeSides } from './metadata/merge-rules.js';
export { QuerySet } from './model/query-types.js';
export type { CountOptions, FindOneOptions, FindOptions, Include, OrderBy, Page, PageOptions, Select, Selected, SelectOptions, Where } from './model/query-types.js';
export type { QueryPlan } from './query/run.js';
export type { IndexCounters, IndexProblem, IndexStatus } from './workspace/model-host.js';
export * from './errors.js';
