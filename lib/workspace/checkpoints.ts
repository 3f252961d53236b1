// Checkpoints, as pscp makes them: a commit of the workspace index (staged changes included) with
// the branch head as parent, kept under refs/checkpoints/<name> so that branches and `git log`
// stay clean. Making one moves no branch and keeps the staged changes staged. Read one with
// `{ at: 'checkpoints/<name>' }` (or just the name), compare with ws.diff(name, 'HEAD').
import { ConfigurationError, RefExistsError } from '../errors.js';
import { displayMessage, normalizeMessage } from '../git/message.js';
import { assertAbsent, assertRefName, createRef, deleteRef, listRefs, type RefContext } from './named-refs.js';
import { CHECKPOINTS, checkpointsFetchSpec, remoteCheckpoints } from './remote-namespaces.js';
import { fetchRemote, pushRemote, type FetchResult, type PushResult, type RemoteCallOptions } from './remotes.js';

export interface CheckpointInfo {
  name: string;
  ref: string;
  /** its commit */
  oid: string;
  /** when it was made (its committer time) */
  date: Date;
  /** without the newline git's format ends it with */
  message: string;
}

/** The index, its objects written to the store, as a checkpoint commits it. */
export interface StoredIndex {
  tree: string;
  parent: string | null;
}

const PREFIX = CHECKPOINTS;

export interface CheckpointPushOptions extends RemoteCallOptions {
  /** which checkpoints (default: every one) */
  names?: string[];
  /** replace a remote checkpoint of the same name that holds another commit (default: PushRejectedError 'already exists') */
  force?: boolean;
}

/** A time as a ref name: ISO 8601 without the colons git refuses (2026-05-01T120000.123Z). */
function timeName(date: Date): string {
  return date.toISOString().replaceAll(':', '');
}

export class Checkpoints {
  constructor(
    private readonly ws: RefContext,
    /** writes the index's new objects and says what to commit */
    private readonly storeIndex: () => Promise<StoredIndex>,
  ) {}

  /** Commits the index under refs/checkpoints/<name> (default: the time, made unique). */
  async create(name?: string, options: { message?: string } = {}): Promise<CheckpointInfo> {
    const { repo } = this.ws;
    if (name !== undefined) {
      assertRefName(name);
      await assertAbsent(repo, PREFIX + name);
    }
    const { tree, parent } = await this.storeIndex();
    const who = this.ws.who();
    const base = name ?? timeName(new Date(who.timestamp * 1000));
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      const message = options.message ?? `checkpoint ${candidate}`;
      const oid = await repo.writeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message });
      try {
        await createRef(repo, PREFIX + candidate, oid);
        return { name: candidate, ref: PREFIX + candidate, oid, date: new Date(who.timestamp * 1000), message: displayMessage(normalizeMessage(message)) };
      } catch (error) {
        if (name !== undefined || !(error instanceof RefExistsError)) throw error;
      }
    }
  }

  /**
   * Every checkpoint, oldest first; with `remote`, those fetched from it (checkpoints.fetch()),
   * kept under refs/gitmodel/remotes/<remote>/checkpoints/.
   */
  async list(options: { remote?: string } = {}): Promise<CheckpointInfo[]> {
    const out: CheckpointInfo[] = [];
    const prefix = options.remote === undefined ? PREFIX : remoteCheckpoints(options.remote);
    for (const { name, ref, oid } of await listRefs(this.ws.repo, prefix)) {
      const commit = await this.ws.repo.readCommit(oid);
      out.push({ name, ref, oid, date: new Date(commit.committer.timestamp * 1000), message: displayMessage(commit.message) });
    }
    return out.sort((a, b) => a.date.getTime() - b.date.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Pushes checkpoints (all, or `names`) to the same names on a remote (default 'origin'). A
   * checkpoint is immutable: one the remote has under the same name with another commit is
   * refused (PushRejectedError, reason 'already exists') unless `force`; nothing is pushed then.
   */
  async push(options: CheckpointPushOptions = {}): Promise<PushResult> {
    const { names, force, ...call } = options;
    for (const name of names ?? []) assertRefName(name);
    const refs = names ? names.map((n) => `${PREFIX}${n}:${PREFIX}${n}`) : [`${PREFIX}*:${PREFIX}*`];
    return pushRemote(this.ws.repo, this.ws.ref, { ...call, refs, force: force === true });
  }

  /**
   * Fetches a remote's checkpoints to refs/gitmodel/remotes/<remote>/checkpoints/<name> (never
   * over local ones); read them as `<remote>/checkpoints/<name>`.
   */
  async fetch(options: RemoteCallOptions & { prune?: boolean } = {}): Promise<FetchResult> {
    return fetchRemote(this.ws.repo, { ...options, refs: [checkpointsFetchSpec(options.remote ?? 'origin')] });
  }

  /** Deletes a checkpoint; returns its commit. */
  async delete(name: string): Promise<string> {
    assertRefName(name);
    return deleteRef(this.ws.repo, PREFIX + name);
  }

  /**
   * Deletes the checkpoints older than `olderThan`, or all but the newest `keep` (with both: the
   * old ones that are not among the newest `keep`); returns their names. Objects only they used
   * become unreferenced; `git gc` removes them after its grace period (now: `git gc --prune=now`).
   */
  async gc(options: { olderThan?: Date; keep?: number }): Promise<string[]> {
    const { olderThan, keep } = options;
    if (olderThan === undefined && keep === undefined) {
      throw new ConfigurationError('checkpoints.gc() needs olderThan (a Date) or keep (how many of the newest to keep)');
    }
    const all = await this.list();
    const doomed = all
      .slice(0, keep === undefined ? all.length : Math.max(0, all.length - keep))
      .filter((c) => olderThan === undefined || c.date < olderThan);
    for (const c of doomed) await this.ws.repo.refs.delete(c.ref, c.oid);
    return doomed.map((c) => c.name);
  }
}
