// Typed errors: one class per kind, a literal `code`, structured `data`, and a message that says
// what to do. Every layer may import this file; it imports nothing of ours.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'DUPLICATE_ID'
  | 'UNSAFE_ID'
  | 'UNKNOWN_MODEL'
  | 'REPOSITORY_NOT_FOUND'
  | 'CONFIGURATION'
  | 'CORRUPT_OBJECT'
  | 'REF_NOT_FOUND'
  | 'STALE_BRANCH'
  | 'REF_LOCKED'
  | 'INVALID_REF_NAME'
  | 'BRANCH_CHECKED_OUT'
  | 'READ_ONLY_REF'
  | 'REF_EXISTS'
  | 'CURRENT_BRANCH'
  | 'STAGED_CHANGES'
  | 'NOTHING_TO_UNDO'
  | 'NOTHING_TO_REDO'
  | 'CONFLICT'
  | 'FILE_TOO_LARGE'
  | 'UNMERGED_BRANCH'
  | 'UNSAFE_PATH'
  | 'FILE_NOT_FOUND'
  | 'REMOTE_NOT_FOUND'
  | 'INVALID_REMOTE'
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_AUTH'
  | 'REMOTE_PROTOCOL'
  | 'PUSH_REJECTED'
  | 'UNSUPPORTED_REPOSITORY'
  | 'MERGE_IN_PROGRESS'
  | 'UNRESOLVED_CONFLICTS'
  | 'MERGE_STATE_MOVED'
  | 'UNRELATED_HISTORIES'
  | 'FAST_FORWARD_IMPOSSIBLE'
  | 'MERGE_CONFLICT'
  | 'STALE_REMOTE'
  | 'TRANSACTION_HANDLE'
  | 'UNINDEXED_QUERY'
  | 'UNIQUE';

/** The longest id, name or value an error message quotes whole; `data` always holds it whole. */
const QUOTE_LIMIT = 80;

/**
 * A value as an error message shows it: JSON-quoted (so control characters and spaces are
 * visible), cut to a readable length with the size of what was left out.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, QUOTE_LIMIT))}… (${text.length} characters)`;
}

export abstract class GitModelError<D extends object = Record<string, unknown>> extends Error {
  abstract readonly code: ErrorCode;
  readonly data: D;

  constructor(message: string, data: D) {
    super(message);
    this.name = new.target.name;
    this.data = data;
  }
}

/** No object with this id (or no file at this path) where it was looked for. */
export class NotFoundError extends GitModelError<{ model: string; id: string; at?: string }> {
  readonly code = 'NOT_FOUND' as const;
  constructor(data: { model: string; id: string; at?: string }) {
    super(`${data.model} ${quote(data.id)} not found${data.at ? ` at ${quote(data.at)}` : ''}`, data);
  }
}

export interface FieldFailure {
  field: string;
  /** class-validator constraint name (or ours: `required`, `type`, `nullable`) → message */
  constraints: Record<string, string>;
}

/** A save was rejected: every failing field is listed; nothing was written. */
export class ValidationError extends GitModelError<{ model: string; id?: string; failures: FieldFailure[] }> {
  readonly code = 'VALIDATION' as const;
  constructor(data: { model: string; id?: string; failures: FieldFailure[] }) {
    const detail = data.failures
      .map((f) => `${f.field}: ${Object.values(f.constraints).join('; ')}`)
      .join(', ');
    super(`${data.model}${data.id ? ` ${quote(data.id)}` : ''} is invalid: ${detail}`, data);
  }
}

/** A new object was saved with the id of an object that already exists. */
export class DuplicateIdError extends GitModelError<{ model: string; id: string }> {
  readonly code = 'DUPLICATE_ID' as const;
  constructor(data: { model: string; id: string }) {
    super(
      `${data.model} ${quote(data.id)} already exists; load it with get() to change it, or choose another id`,
      data,
    );
  }
}

/** An id that cannot be used as a path segment safely. */
export class UnsafeIdError extends GitModelError<{ model: string; id: string; reason: string }> {
  readonly code = 'UNSAFE_ID' as const;
  constructor(data: { model: string; id: string; reason: string }) {
    super(`${data.model} id ${quote(data.id)} is not allowed: ${data.reason}`, data);
  }
}

/** A model class is not registered with a workspace, or stored data names a model nobody registered. */
export class UnknownModelError extends GitModelError<{ model: string }> {
  readonly code = 'UNKNOWN_MODEL' as const;
  constructor(data: { model: string }, hint = `call ws.register() with the ${data.model} model class`) {
    super(`unknown model "${data.model}": ${hint}`, data);
  }
}

/** The path holds no git repository (and creating one was not asked for or not possible). */
export class RepositoryNotFoundError extends GitModelError<{ path: string; reason: string }> {
  readonly code = 'REPOSITORY_NOT_FOUND' as const;
  constructor(data: { path: string; reason: string }) {
    super(`no git repository at ${data.path}: ${data.reason}`, data);
  }
}

/** A model is declared in a way gitmodel cannot work with; the message names the fix. */
export class ConfigurationError extends GitModelError<{ model?: string; field?: string }> {
  readonly code = 'CONFIGURATION' as const;
  constructor(message: string, data: { model?: string; field?: string } = {}) {
    super(message, data);
  }
}

/** Stored bytes that do not decode: not JSON, the wrong shape, or a field of the wrong type. */
export class CorruptObjectError extends GitModelError<{ path: string; reason: string; field?: string }> {
  readonly code = 'CORRUPT_OBJECT' as const;
  constructor(data: { path: string; reason: string; field?: string }) {
    super(`corrupt object at ${data.path}: ${data.reason}`, data);
  }
}

/** A branch, tag, commit or revision expression that does not resolve. */
export class RefNotFoundError extends GitModelError<{ ref: string }> {
  readonly code = 'REF_NOT_FOUND' as const;
  constructor(data: { ref: string }, reason = 'no branch, tag or commit by that name') {
    super(`cannot resolve ${quote(data.ref)}: ${reason}`, data);
  }
}

/**
 * What a failed commit did to the staged changes: `kept` (ws.commit(): still staged, commit
 * again) or `unstaged` (a save/delete with `{ commit: true }`, or a transaction: its own changes
 * were taken back out of the index; what was staged before it is still staged).
 */
export type StagedOutcome = 'kept' | 'unstaged';

function stagedOutcome(staged: StagedOutcome | undefined): string {
  return staged === 'unstaged'
    ? 'nothing was committed, and the changes of this save, delete or transaction were taken back out of the index (what was staged before it is still staged)'
    : 'nothing was committed and the staged changes are kept';
}

/** The branch moved after the workspace read it; nothing was committed. */
export class StaleBranchError extends GitModelError<{ branch: string; expected: string | null; actual: string | null; staged?: StagedOutcome }> {
  readonly code = 'STALE_BRANCH' as const;
  constructor(data: { branch: string; expected: string | null; actual: string | null; staged?: StagedOutcome }) {
    super(
      `branch ${data.branch} moved from ${data.expected ?? '(unborn)'} to ${data.actual ?? '(deleted)'} ` +
        `while this workspace was working on it; ${stagedOutcome(data.staged)}`,
      data,
    );
  }
}

/** Committing would move the branch checked out in a working tree, making that tree look reverted. */
export class BranchCheckedOutError extends GitModelError<{ branch: string; path: string }> {
  readonly code = 'BRANCH_CHECKED_OUT' as const;
  constructor(data: { branch: string; path: string }) {
    super(
      `branch ${data.branch} is checked out in the working tree at ${data.path}; gitmodel never changes ` +
        `a checkout, so open the workspace on another branch (Workspace.open(path, { branch: 'data' }))`,
      data,
    );
  }
}

/** A ref's lock file (`<ref>.lock`) is held by another writer, or was left behind by one that died. */
export class RefLockedError extends GitModelError<{ ref: string; lock: string; ageMs: number; stale: boolean }> {
  readonly code = 'REF_LOCKED' as const;
  constructor(data: { ref: string; lock: string; ageMs: number; stale: boolean }) {
    const age = `${Math.round(data.ageMs / 1000)} s old`;
    super(
      data.stale
        ? `${data.ref} is locked by ${data.lock}, ${age}: left by a process that died, as git holds its locks for ` +
            `milliseconds; ws.clearStaleLocks() removes it`
        : `${data.ref} is locked by another writer (${data.lock}, ${age}); retry later. A lock left by a process ` +
            `that died is removed by ws.clearStaleLocks() once it is stale`,
      data,
    );
  }
}

/** A branch or tag name git would not accept. */
export class InvalidRefNameError extends GitModelError<{ name: string; reason: string }> {
  readonly code = 'INVALID_REF_NAME' as const;
  constructor(data: { name: string; reason: string }) {
    super(`invalid branch or tag name ${quote(data.name)}: ${data.reason}`, data);
  }
}

/** A write (save, delete, commit, restore, undo) in a workspace opened on a tag, which never moves. */
export class ReadOnlyRefError extends GitModelError<{ ref: string }> {
  readonly code = 'READ_ONLY_REF' as const;
  constructor(data: { ref: string }) {
    super(`${data.ref} is a tag, so this workspace is read-only; open a branch to write (ws.branches.create(name, { from }))`, data);
  }
}

/** A branch, tag or checkpoint that is to be created exists already. */
export class RefExistsError extends GitModelError<{ ref: string; oid: string }> {
  readonly code = 'REF_EXISTS' as const;
  constructor(data: { ref: string; oid: string }) {
    super(`${data.ref} already exists (at ${data.oid}); delete it first or choose another name`, data);
  }
}

/** Deleting or renaming the branch the workspace is on. */
export class CurrentBranchError extends GitModelError<{ branch: string }> {
  readonly code = 'CURRENT_BRANCH' as const;
  constructor(data: { branch: string }, action: 'deleting' | 'renaming' = 'deleting') {
    super(`branch ${data.branch} is this workspace's branch; switch to another one before ${action} it`, data);
  }
}

/** Switching, undoing or redoing would drop the changes staged in the workspace. */
export class StagedChangesError extends GitModelError<{ branch: string; action: string }> {
  readonly code = 'STAGED_CHANGES' as const;
  constructor(data: { branch: string; action: string }) {
    super(`cannot ${data.action}: changes are staged on ${data.branch}; commit them or ws.discard() them first`, data);
  }
}

/** undo() on a branch whose head has no parent (or no head at all). */
export class NothingToUndoError extends GitModelError<{ branch: string }> {
  readonly code = 'NOTHING_TO_UNDO' as const;
  constructor(data: { branch: string }) {
    super(`nothing to undo on ${data.branch}: its head has no parent commit`, data);
  }
}

/** redo() with no undone commit on top of the branch head (none undone, or a commit made since). */
export class NothingToRedoError extends GitModelError<{ branch: string }> {
  readonly code = 'NOTHING_TO_REDO' as const;
  constructor(data: { branch: string }) {
    super(`nothing to redo on ${data.branch}: no undo left the branch where it is now`, data);
  }
}

/** An object changed on both sides: by this workspace's staged changes and by commits made to the branch since. */
export interface ConflictingObject {
  /** the model, or null for a file outside every registered layout */
  model: string | null;
  id: string | null;
  /** the files of that object changed on either side */
  paths: string[];
}

/**
 * The branch moved while changes were staged, and the other commits changed some of the same
 * objects. Nothing was committed; `data.staged` says what became of the staged changes.
 */
export class ConflictError extends GitModelError<{ branch: string; expected: string | null; actual: string; objects: ConflictingObject[]; staged?: StagedOutcome }> {
  readonly code = 'CONFLICT' as const;
  constructor(data: { branch: string; expected: string | null; actual: string; objects: ConflictingObject[]; staged?: StagedOutcome }) {
    const names = data.objects.map((o) => (o.model ? `${o.model} ${quote(o.id)}` : quote(o.paths[0])));
    const shown = names.length > 5 ? [...names.slice(0, 5), `and ${names.length - 5} more`] : names;
    super(
      `${shown.join(', ')} changed on ${data.branch} (now at ${data.actual}) since this workspace read it; ` +
        `${stagedOutcome(data.staged)}. To retry: ws.discard(), read the objects again with get(), change and save them`,
      data,
    );
  }
}

/** A file to be staged is larger than the workspace's maxFileSize. */
export class FileTooLargeError extends GitModelError<{ path: string; size: number; limit: number }> {
  readonly code = 'FILE_TOO_LARGE' as const;
  constructor(data: { path: string; size: number; limit: number }) {
    super(
      `${data.path} would be ${data.size} bytes, over this workspace's limit of ${data.limit}; nothing was staged ` +
        `(raise it with Workspace.open(path, { maxFileSize }))`,
      data,
    );
  }
}

/** Deleting a branch whose commits no other branch or tag reaches: they would be lost to `git gc`. */
export class UnmergedBranchError extends GitModelError<{ branch: string; head: string }> {
  readonly code = 'UNMERGED_BRANCH' as const;
  constructor(data: { branch: string; head: string }) {
    super(
      `branch ${quote(data.branch)} (at ${data.head}) has commits that no other branch or tag reaches; ` +
        `deleting it would lose them (as git branch -d refuses): merge or tag them first, or delete with { force: true }`,
      data,
    );
  }
}

/** A plain file's path that is unsafe, or that lies inside a model's folder (its objects' files are the model's). */
export class UnsafePathError extends GitModelError<{ path: string; reason: string; model?: string }> {
  readonly code = 'UNSAFE_PATH' as const;
  constructor(data: { path: string; reason: string; model?: string }) {
    super(`path ${quote(data.path)} is not allowed: ${data.reason}`, data);
  }
}

/** No plain file at that path (staged, or at the revision read). */
export class FileNotFoundError extends GitModelError<{ path: string; at?: string }> {
  readonly code = 'FILE_NOT_FOUND' as const;
  constructor(data: { path: string; at?: string }) {
    super(`file ${quote(data.path)} not found${data.at ? ` at ${quote(data.at)}` : ''}`, data);
  }
}

/**
 * A repository gitmodel cannot write safely: a SHA-256 one, a format version above 1, or an
 * extension gitmodel does not implement (`data.extension`, `data.value`). Nothing was written.
 */
export class UnsupportedRepositoryError extends GitModelError<{ path: string; extension?: string; value?: string; reason: string }> {
  readonly code = 'UNSUPPORTED_REPOSITORY' as const;
  constructor(data: { path: string; extension?: string; value?: string; reason: string }) {
    const what = data.extension === undefined ? '' : ` uses extensions.${data.extension}${data.value === undefined ? '' : ` = ${quote(data.value)}`}, which gitmodel does not support`;
    super(`the repository at ${quote(data.path)}${what}: ${data.reason}; it was left untouched`, data);
  }
}

/** A merge is in progress (ws.merging): merge, switch, undo, redo and committing transactions wait until it is committed or discarded. */
export class MergeInProgressError extends GitModelError<{ branch: string; theirs: string; action: string }> {
  readonly code = 'MERGE_IN_PROGRESS' as const;
  constructor(data: { branch: string; theirs: string; action: string }) {
    super(
      `cannot ${data.action}: ${data.branch} is merging ${data.theirs}; settle its conflicts (ws.resolveConflict, ws.resolveAll) ` +
        'and ws.commit() the merge, or ws.discard() to abort it',
      data,
    );
  }
}

/**
 * Another process changed or ended the merge in progress that this workspace holds
 * (refs/gitmodel/merge/<branch> moved): this workspace's last step was not kept, and it now shows
 * the merge as that process left it (or none).
 */
export class MergeStateMovedError extends GitModelError<{ branch: string; ref: string; expected: string | null; actual: string | null }> {
  readonly code = 'MERGE_STATE_MOVED' as const;
  constructor(data: { branch: string; ref: string; expected: string | null; actual: string | null }) {
    super(
      `the merge in progress on ${data.branch} was changed by another process (${data.ref} moved from ${data.expected ?? '(none)'} ` +
        `to ${data.actual ?? '(none)'}); this step was not kept: ws.merging now shows the merge as that process left it`,
      data,
    );
  }
}

/** ws.commit() of a merge while conflicts are left (`data.conflicts` counts them). */
export class UnresolvedConflictsError extends GitModelError<{ branch: string; conflicts: number }> {
  readonly code = 'UNRESOLVED_CONFLICTS' as const;
  constructor(data: { branch: string; conflicts: number }) {
    super(
      `cannot commit the merge on ${data.branch}: ${data.conflicts} conflict${data.conflicts === 1 ? ' is' : 's are'} left ` +
        '(ws.merging.conflicts); settle them with ws.resolveConflict() or ws.resolveAll(), or ws.discard() the merge',
      data,
    );
  }
}

/** ws.merge() of a commit that shares no history with the branch, without `allowUnrelated`. */
export class UnrelatedHistoriesError extends GitModelError<{ branch: string; theirs: string }> {
  readonly code = 'UNRELATED_HISTORIES' as const;
  constructor(data: { branch: string; theirs: string }) {
    super(`${data.theirs} shares no history with ${data.branch}; merge it with { allowUnrelated: true } if that is meant (as git merge --allow-unrelated-histories)`, data);
  }
}

/** ws.merge(rev, { ff: 'only' }) when the branch has commits the other side lacks. */
export class FastForwardImpossibleError extends GitModelError<{ branch: string; ours: string; theirs: string }> {
  readonly code = 'FAST_FORWARD_IMPOSSIBLE' as const;
  constructor(data: { branch: string; ours: string; theirs: string }) {
    super(`${data.branch} (at ${data.ours}) has commits that ${data.theirs} does not: it cannot fast-forward; merge without ff: 'only' to make a merge commit`, data);
  }
}

/** What this layer knows of a merge conflict; each is a MergeConflict (lib/workspace/merge-hooks.ts): field, delete-modify, rename, invalid or file. */
export interface ConflictSummary {
  kind: string;
  path: string;
}

/**
 * ws.sync() (onConflict 'stop', the default) fetched a branch that conflicts with ours: nothing
 * changed but remote-tracking refs; `ws.merge(data.theirs)` settles it interactively.
 */
export class MergeConflictError extends GitModelError<{ branch: string; theirs: string; conflicts: ConflictSummary[] }> {
  readonly code = 'MERGE_CONFLICT' as const;
  constructor(data: { branch: string; theirs: string; conflicts: ConflictSummary[] }) {
    super(
      `${data.branch} and ${data.theirs} conflict (${data.conflicts.length} conflict${data.conflicts.length === 1 ? '' : 's'} the rules did not settle); ` +
        `nothing was merged or pushed: ws.merge(${quote(data.theirs)}) to settle them, or sync with another onConflict`,
      data,
    );
  }
}

/** ws.sync(): the push was still refused as non-fast-forward after `data.attempts` rounds of fetch and merge (another writer keeps winning). */
export class StaleRemoteError extends GitModelError<{ remote: string; ref: string; attempts: number; reasons: string[] }> {
  readonly code = 'STALE_REMOTE' as const;
  constructor(data: { remote: string; ref: string; attempts: number; reasons: string[] }) {
    super(
      `${data.remote} kept moving ${data.ref}: the push was refused (${data.reasons.join(', ')}) after ${data.attempts} rounds of fetch, merge and push; ` +
        'the local commits are kept: sync again later, or with more retries',
      data,
    );
  }
}

/**
 * A write to a workspace while its ws.transaction() runs, without the transaction's handle, on a
 * host with no async context (a browser): a call made inside the transaction would wait for the
 * transaction forever, and one made elsewhere cannot be told apart from it, so both are refused.
 */
export class TransactionHandleError extends GitModelError<{ action: string }> {
  readonly code = 'TRANSACTION_HANDLE' as const;
  constructor(data: { action: string }) {
    super(
      `${data.action} while ws.transaction() runs, without its handle: this host has no async context (a browser), so inside the transaction pass the handle it gives, ws.transaction(async (tx) => { await page.save({ tx }) }); outside it, wait for the transaction to end`,
      data,
    );
  }
}

/** A query that would read objects to filter or order them, in a workspace opened with `refuseScans`. */
export class UnindexedQueryError extends GitModelError<{ model: string; fields: string[] }> {
  readonly code = 'UNINDEXED_QUERY' as const;
  constructor(data: { model: string; fields: string[] }) {
    super(
      `${data.model}.find() on ${data.fields.join(', ')} would read every candidate object (no index), and this workspace refuses scans: ` +
        `add @Field({ index: true }) to ${data.fields.length > 1 ? 'those fields' : 'that field'}`,
      data,
    );
  }
}

/**
 * A save or commit would give two objects of a model the same value of a unique field. Nothing
 * was staged (at save) or committed (at commit, where the staged changes are kept); `existing`
 * holds the object that has the value, `commit` the branch head it was found at.
 */
export class UniqueConstraintError extends GitModelError<{ model: string; field: string; value: unknown; id: string; existing: string; commit?: string | null }> {
  readonly code = 'UNIQUE' as const;
  constructor(data: { model: string; field: string; value: unknown; id: string; existing: string; commit?: string | null }) {
    super(
      `${data.model} ${quote(data.id)}: ${data.field} ${quote(data.value)} is already held by ${quote(data.existing)}` +
        `${data.commit ? ` (at ${data.commit})` : ''}, and ${data.field} is unique; ` +
        `${data.commit !== undefined ? 'nothing was committed and the changes are still staged' : 'nothing was staged'}: choose another value, or change ${quote(data.existing)} first`,
      data,
    );
  }
}
