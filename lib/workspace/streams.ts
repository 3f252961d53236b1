// Per-machine streams, as git-pulsar keeps them: each machine publishes its branch to
// refs/gitmodel/streams/<machine>/<branch> on a remote — a ref only that machine writes, so
// publishing never needs a merge — and merges the other machines' streams into its branch. The
// machine's name is `gitmodel.machine` in the repository's config, made once. Fetched streams are
// kept under refs/gitmodel/remotes/<remote>/streams/ (remote-namespaces.ts says why not
// refs/remotes/). docs/SYNC.md, "Streams".
import { InvalidRefNameError, RefNotFoundError } from '../errors.js';
import { refNameProblem } from '../git/ref-names.js';
import type { Repository } from '../git/repository.js';
import { aheadBehind } from '../merge/merge-base.js';
import { platform } from '../platform/current.js';
import type { CommitOptions, Who } from './committer.js';
import type { MergeOptions, MergeResult, OnConflict } from './merge.js';
import { listRefs } from './named-refs.js';
import { remoteStreams, STREAMS, streamsFetchSpec } from './remote-namespaces.js';
import { fetchRemote, pushRemote, type FetchResult, type PushResult, type RemoteCallOptions } from './remotes.js';

/** What streams need of their workspace. */
export interface StreamHost {
  readonly repo: Repository;
  /** refs/heads/<branch> */
  readonly ref: string;
  readonly branch: string;
  readonly head: string | null;
  merge(rev: string, options?: MergeOptions): Promise<MergeResult>;
  /** drops staged changes and a merging state, and reads the branch as it is now */
  discard(): Promise<void>;
  checkCommit(options: Partial<CommitOptions>): Who;
}

export interface StreamInfo {
  machine: string;
  branch: string;
  /** the local ref it was fetched to */
  ref: string;
  head: string;
  /** its head's committer date */
  date: Date;
  /** commits it has that the workspace's branch has not */
  ahead: number;
  /** commits the workspace's branch has that it has not */
  behind: number;
}

export interface StreamMergeOptions {
  /** the remote the streams were fetched from (default 'origin') */
  remote?: string;
  /** only these machines (default: every other machine with a stream of this branch) */
  machines?: string[];
  /** as ws.merge(): 'stop' (default) leaves the first conflicting stream's conflicts staged, the workspace merging */
  onConflict?: OnConflict;
  /**
   * one commit (parent: the head before) with every stream's changes instead of a merge commit
   * each (git-pulsar's "finalize"); a conflict then undoes the merges already made
   */
  squash?: boolean;
  /** the squash commit's message (default "Squash streams of <machines>") */
  message?: string;
}

export interface StreamMergeResult {
  /** each stream merged, in machine order, with ws.merge()'s result (the last may have conflicts) */
  merged: { machine: string; result: MergeResult }[];
  /** with squash: the squash commit (absent when nothing needed one) */
  commit?: string;
  /** the stream whose merge left conflicts (with squash, undone: the branch is back where it was) */
  conflicts?: { machine: string; result: MergeResult };
}

const MACHINE_KEY = 'gitmodel.machine';

/** A host name as one ref component, then 4 random hex digits: `ada-laptop-3f9c`. */
export function makeMachineName(host: string | undefined, random: string): string {
  const base = (host ?? '')
    .split('.')[0]
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'machine'}-${random}`;
}

export class Streams {
  constructor(private readonly ws: StreamHost) {}

  /** This machine's name: `gitmodel.machine` from config, made and written there the first time. */
  async machine(): Promise<string> {
    const repo = this.ws.repo;
    const config = await repo.config();
    const set = config.getString(MACHINE_KEY);
    if (set !== undefined) {
      const reason = set.includes('/') ? 'it contains "/"' : refNameProblem(set);
      if (reason) throw new InvalidRefNameError({ name: set, reason: `gitmodel.machine must be one ref name component: ${reason}` });
      return set;
    }
    const made = makeMachineName(platform().hostname?.(), platform().randomId().slice(-4));
    const backend = repo.backend;
    if (!backend.editConfig) return made;
    // the [gitmodel] section is rewritten whole: its other keys are written back
    const keep = config.keys().filter((k) => /^gitmodel\.[^.]+$/.test(k) && k !== MACHINE_KEY);
    const entries: [string, string][] = keep.flatMap((k) => config.getAll(k).map((v) => [k.slice('gitmodel.'.length), v ?? 'true'] as [string, string]));
    await backend.editConfig([{ section: 'gitmodel', entries: [...entries, ['machine', made]] }]);
    return made;
  }

  /**
   * Pushes the branch to refs/gitmodel/streams/<machine>/<branch> on the remote, with lease against
   * the value this repository last published or fetched (PushRejectedError 'stale info' when
   * someone else wrote this machine's stream: fetch the streams first).
   */
  async publish(options: RemoteCallOptions = {}): Promise<PushResult> {
    if (!this.ws.head) throw new RefNotFoundError({ ref: this.ws.ref }, 'nothing to publish: the branch has no commit yet');
    const machine = await this.machine();
    return pushRemote(this.ws.repo, this.ws.ref, { ...options, refs: [`${this.ws.ref}:${STREAMS}${machine}/${this.ws.branch}`], force: 'with-lease' });
  }

  /** Fetches every machine's streams to refs/gitmodel/remotes/<remote>/streams/<machine>/<branch>. */
  async fetch(options: RemoteCallOptions & { prune?: boolean } = {}): Promise<FetchResult> {
    return fetchRemote(this.ws.repo, { ...options, refs: [streamsFetchSpec(options.remote ?? 'origin')] });
  }

  /** The streams fetched from a remote (this machine's too), by machine then branch, counted against the workspace's branch. */
  async list(options: { remote?: string } = {}): Promise<StreamInfo[]> {
    const repo = this.ws.repo;
    const read = async (oid: string) => {
      const c = await repo.readCommit(oid);
      return { parents: c.parents, time: c.committer.timestamp };
    };
    const out: StreamInfo[] = [];
    for (const { name, ref, oid } of await listRefs(repo, remoteStreams(options.remote ?? 'origin'))) {
      const slash = name.indexOf('/');
      if (slash < 0) continue; // not <machine>/<branch>: not written by gitmodel
      const commit = await repo.readCommit(oid);
      const { ahead, behind } = await aheadBehind(read, oid, this.ws.head);
      out.push({ machine: name.slice(0, slash), branch: name.slice(slash + 1), ref, head: oid, date: new Date(commit.committer.timestamp * 1000), ahead, behind });
    }
    return out;
  }

  /**
   * Merges each other machine's stream of this branch into it (ws.merge(): a fast-forward, or a
   * two-parent merge commit per machine), in machine order; stops at the first that leaves
   * conflicts. With `squash`, the merge commits made are replaced by one commit. Staged changes:
   * StagedChangesError, as ws.merge() (none when there is nothing to merge).
   */
  async merge(options: StreamMergeOptions = {}): Promise<StreamMergeResult> {
    const ws = this.ws;
    const me = await this.machine();
    const streams = (await this.list({ remote: options.remote })).filter(
      (s) => s.branch === ws.branch && s.machine !== me && (!options.machines || options.machines.includes(s.machine)),
    );
    const original = ws.head;
    const merged: StreamMergeResult['merged'] = [];
    for (const s of streams) {
      const result = await ws.merge(s.ref, { onConflict: options.onConflict, message: `Merge stream '${s.machine}/${s.branch}'` });
      merged.push({ machine: s.machine, result });
      if (result.status !== 'conflicts') continue;
      if (options.squash) await this.undo(original);
      return { merged, conflicts: { machine: s.machine, result } };
    }
    if (!options.squash || !merged.some((m) => m.result.status === 'merged')) return { merged };
    // one commit with the merged tree over the head before: the merge commits become unreachable
    const head = ws.head!;
    const message = options.message ?? `Squash streams of ${merged.map((m) => m.machine).join(', ')}`;
    const who = ws.checkCommit({ message });
    const tree = (await ws.repo.readCommit(head)).tree;
    const commit = await ws.repo.writeCommit({ tree, parents: original ? [original] : [], author: who.author, committer: who.committer, message });
    await ws.repo.refs.update(ws.ref, commit, head, { who: who.committer, message: `streams: ${message.split('\n')[0]}` });
    await ws.discard();
    return { merged, commit };
  }

  /** Aborts the merge left in progress and moves the branch back to `original` (compare-and-swap). */
  private async undo(original: string | null): Promise<void> {
    const ws = this.ws;
    await ws.discard();
    const now = ws.head;
    if (now !== original) {
      if (original) await ws.repo.refs.update(ws.ref, original, now, { who: ws.checkCommit({ message: 'undo' }).committer, message: 'streams: squash undone' });
      else if (now) await ws.repo.refs.delete(ws.ref, now);
    }
    await ws.discard();
  }
}
