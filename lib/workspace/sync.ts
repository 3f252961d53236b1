// ws.pull() and ws.sync() (design/sync-merge.md §4.2): fetch, merge the branch's upstream into the
// branch, push. The merge is computed from the branch head, never from the index: it runs on a
// session of its own (a scratch index over the head), so the workspace's staged changes and
// merging state are untouched until the branch has moved; then the staged changes are re-applied
// on the new head object by object, as a commit does when another writer moved the branch
// (rebase.ts), or, where they overlap what the merge changed, kept over the old head.
import { ConfigurationError, ConflictError, type ConflictingObject, MergeConflictError, StagedChangesError, StaleRemoteError } from '../errors.js';
import { PushRejectedError } from '../git/remote/errors.js';
import type { Repository } from '../git/repository.js';
import { assertWritable, type Session } from './committer.js';
import type { MergeOptions, MergeResult, Merges } from './merge.js';
import type { ObjectOf } from './rebase.js';
import { rebaseIndex } from './rebase.js';
import { fetchRemote, pushRemote, Remotes, type FetchOptions, type FetchResult, type PushOptions, type PushResult, type RemoteCallOptions } from './remotes.js';
import { StagedTree } from './staged-tree.js';
import { readUpstream, trackingRef } from './upstream.js';
import { EMPTY_TREE, reread } from './position.js';

/** What pull and sync need of the workspace. */
export interface SyncHost {
  readonly session: Session;
  /** the workspace's own merges (its merging state) */
  readonly merges: Merges;
  /** merges over another session, with the workspace's models, rules and identity */
  mergesFor(session: Session): Merges;
  readonly objectOf: ObjectOf;
  /** runs `task` holding the workspace's lock (no save or commit in between) */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

export interface PullOptions extends RemoteCallOptions, Pick<MergeOptions, 'ff' | 'onConflict' | 'message' | 'author' | 'committer' | 'allowUnrelated'> {}

/** What became of the workspace's staged changes: none were staged, re-applied on the new head, or kept over the old head. */
export type StagedOutcomeOfPull = 'none' | 'reapplied' | 'kept';

export interface PullResult extends MergeResult {
  fetched: FetchResult;
  /** 'kept': they overlap objects the merge changed; the workspace stays on its old head and the next commit() throws ConflictError */
  staged: StagedOutcomeOfPull;
  /** with staged 'kept': the objects changed both by the staged changes and by the merge */
  keptObjects?: ConflictingObject[];
}

export interface SyncOptions extends RemoteCallOptions, Pick<MergeOptions, 'message' | 'author' | 'committer'> {
  /** rounds of fetch + merge + push again after a push refused as non-fast-forward (default 5) */
  retries?: number;
  /** 'stop' (default): conflicts the rules leave throw MergeConflictError and change nothing; else as ws.merge's onConflict */
  onConflict?: MergeOptions['onConflict'];
  /** also push refs/checkpoints/* to the same names once the branch is in step (never forced: a checkpoint is immutable) */
  pushCheckpoints?: boolean;
}

export interface SyncResult {
  /** the last fetch */
  fetched: FetchResult;
  /** the last merge of the upstream into the branch; null when the remote has no such branch yet */
  merge: MergeResult | null;
  pushed: PushResult;
  /** with pushCheckpoints: the checkpoints pushed */
  checkpoints?: PushResult;
  /** rounds of fetch, merge and push (1 when the first push went through) */
  attempts: number;
  staged: StagedOutcomeOfPull;
  keptObjects?: ConflictingObject[];
}

/** Where the branch syncs with: the remote, the branch there, and the remote-tracking ref it is fetched to. */
export interface SyncTarget {
  remote: string;
  merge: string;
  tracking: string;
}

/** The remote a call means: as given, else the branch's upstream remote, else 'origin'. */
export async function defaultRemote(repo: Repository, branch: string, remote: string | undefined): Promise<string> {
  return remote ?? (await readUpstream(repo, branch))?.remote ?? 'origin';
}

/** The branch's counterpart on `remote` (its upstream's merge ref there, else the same name) and its remote-tracking ref. */
export async function syncTarget(repo: Repository, branch: string, remote: string | undefined): Promise<SyncTarget> {
  const upstream = await readUpstream(repo, branch);
  const name = remote ?? upstream?.remote ?? 'origin';
  const merge = upstream && upstream.remote === name ? upstream.merge : `refs/heads/${branch}`;
  const info = await new Remotes(repo).get(name);
  return { remote: name, merge, tracking: trackingRef(info, merge) };
}

/** ws.fetch(): the remote defaults to the branch's upstream. */
export async function fetchFor(host: SyncHost, options: FetchOptions): Promise<FetchResult> {
  const { repo, position } = host.session;
  return fetchRemote(repo, { ...options, remote: await defaultRemote(repo, position.name, options.remote) });
}

/** ws.push(): the remote defaults to the branch's upstream, and without refspecs (ours or the remote's) the branch goes to its upstream's branch. */
export async function pushFor(host: SyncHost, options: PushOptions): Promise<PushResult> {
  const { repo, position } = host.session;
  const remote = await defaultRemote(repo, position.name, options.remote);
  let refs = options.refs;
  if (!refs && (await new Remotes(repo).get(remote)).push.length === 0) {
    const upstream = await readUpstream(repo, position.name);
    if (upstream?.remote === remote) refs = [`${position.ref}:${upstream.merge}`];
  }
  return pushRemote(repo, position.ref, { ...options, remote, refs });
}

function callOptions(options: RemoteCallOptions): RemoteCallOptions {
  const { onAuth, headers, onProgress, signal, http } = options;
  return { onAuth, headers, onProgress, signal, http };
}

/** ws.pull(): fetch, then merge the upstream's remote-tracking ref into the branch. */
export async function pull(host: SyncHost, options: PullOptions = {}): Promise<PullResult> {
  const { session } = host;
  assertWritable(session.position);
  host.merges.assertNotMerging('pull');
  const target = await syncTarget(session.repo, session.position.name, options.remote);
  const fetched = await fetchRemote(session.repo, { ...callOptions(options), remote: target.remote });
  if (!(await session.repo.refs.read(target.tracking))) {
    throw new ConfigurationError(`${target.remote} has no branch ${target.merge} to pull (it was fetched to ${target.tracking})`);
  }
  const { ff, onConflict, message, author, committer, allowUnrelated } = options;
  const merged = await integrate(host, target.tracking, { ff, onConflict, message, author, committer, allowUnrelated }, 'pull');
  return { ...merged.merge, fetched, staged: merged.staged, ...(merged.keptObjects ? { keptObjects: merged.keptObjects } : {}) };
}

/** A push refusal that fetching and merging again can cure: the remote moved. */
function remoteMoved(error: unknown): error is PushRejectedError {
  return error instanceof PushRejectedError && error.data.refs.every((r) => /non-fast-forward|fetch first|stale info|failed to update ref|failed to lock|cannot lock/.test(r.reason));
}

/**
 * ws.sync(): pull (conflicts stop it, by default, with nothing changed but remote-tracking refs),
 * then push the branch to its upstream; a push refused because the remote moved starts another
 * round, up to `retries`. When the fetch showed the remote already at our head, no push is sent:
 * an up-to-date sync is the fetch's one discovery request.
 */
export async function sync(host: SyncHost, options: SyncOptions = {}): Promise<SyncResult> {
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0) throw new ConfigurationError(`retries is a whole number ≥ 0, not ${JSON.stringify(options.retries)}`);
  const { session } = host;
  const { repo } = session;
  assertWritable(session.position);
  host.merges.assertNotMerging('sync');
  const target = await syncTarget(repo, session.position.name, options.remote);
  const call = callOptions(options);
  const mergeOptions: MergeOptions = { onConflict: options.onConflict ?? 'stop', message: options.message, author: options.author, committer: options.committer };
  let staged: StagedOutcomeOfPull = 'none';
  let keptObjects: ConflictingObject[] | undefined;
  for (let attempts = 1; ; attempts++) {
    const fetched = await fetchRemote(repo, { ...call, remote: target.remote });
    const theirs = await repo.refs.read(target.tracking);
    let merge: MergeResult | null = null;
    if (theirs) {
      const merged = await integrate(host, target.tracking, mergeOptions, 'sync');
      ({ merge, staged, keptObjects } = merged);
    }
    // the branch as the repository has it (the workspace may have kept its old head for its staged changes)
    const ours = await repo.refs.read(session.position.ref);
    const done = async (pushed: PushResult): Promise<SyncResult> => {
      // once the branch is in step: a checkpoint the remote has under another commit is PushRejectedError ('already exists')
      const checkpoints = options.pushCheckpoints
        ? await pushRemote(repo, session.position.ref, { ...call, remote: target.remote, refs: ['refs/checkpoints/*:refs/checkpoints/*'] })
        : undefined;
      return { fetched, merge, pushed, ...(checkpoints ? { checkpoints } : {}), attempts, staged, ...(keptObjects ? { keptObjects } : {}) };
    };
    if (!ours || ours === theirs) return done({ updated: [], upToDate: ours ? [target.merge] : [] });
    let pushed: PushResult;
    try {
      pushed = await pushRemote(repo, session.position.ref, { ...call, remote: target.remote, refs: [`${session.position.ref}:${target.merge}`] });
    } catch (error) {
      if (!remoteMoved(error)) throw error;
      if (attempts > retries) {
        throw Object.assign(new StaleRemoteError({ remote: target.remote, ref: target.merge, attempts, reasons: error.data.refs.map((r) => r.reason) }), { cause: error });
      }
      continue;
    }
    return done(pushed);
  }
}

interface Integrated {
  merge: MergeResult;
  staged: StagedOutcomeOfPull;
  keptObjects?: ConflictingObject[];
}

/**
 * Merges `tracking` into the branch under the workspace's lock. A pull with nothing staged is
 * ws.merge() itself (conflicts leave the workspace merging, as `git pull` does). Otherwise the
 * merge runs on a scratch session over the branch head; conflicts it leaves change nothing
 * (MergeConflictError for sync, StagedChangesError for a pull: settling them needs the index),
 * and once it moved the branch the workspace follows, re-applying its staged changes.
 */
async function integrate(host: SyncHost, tracking: string, options: MergeOptions, mode: 'pull' | 'sync'): Promise<Integrated> {
  return host.exclusive(async () => {
    const { session } = host;
    const { repo } = session;
    host.merges.assertNotMerging(mode);
    const hasStaged = session.index.treeOid() !== session.position.tree;
    if (!hasStaged && mode === 'pull') return { merge: await host.merges.merge(tracking, options), staged: 'none' };

    const now = await reread(repo, session.position);
    const scratch: Session = { repo, index: new StagedTree(repo, now.head ? now.tree : null), position: now };
    const merge = await host.mergesFor(scratch).merge(tracking, options);
    if (merge.status === 'conflicts') {
      if (mode === 'sync') throw new MergeConflictError({ branch: now.name, theirs: tracking, conflicts: merge.conflicts });
      throw new StagedChangesError({ branch: now.name, action: `pull: merging ${tracking} leaves conflicts, and settling them needs the index; commit or discard the staged changes, then pull again` });
    }
    const moved = scratch.position;
    const old = session.position;
    if (moved.head === old.head) return { merge, staged: hasStaged ? 'reapplied' : 'none' };
    if (!hasStaged) {
      session.position = moved;
      session.index.reset(moved.head ? moved.tree : null);
      return { merge, staged: 'none' };
    }
    try {
      const base = old.head ? old.tree : null;
      await rebaseIndex(session.index, { branch: old.name, expected: old.head, base: base === EMPTY_TREE ? null : base, actual: moved.head!, onto: moved.tree }, host.objectOf);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return { merge, staged: 'kept', keptObjects: error.data.objects };
    }
    session.position = moved;
    return { merge, staged: 'reapplied' };
  });
}
