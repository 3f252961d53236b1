// A mirror of the repository on a remote, as gitstore backs up and restores one: every ref but
// remote-tracking ones, the redo stack and merges in progress, pushed forcing with the remote's extra refs deleted in
// one atomic push (backup), or fetched into the same names with the local extra refs deleted
// (restore). Both say what they change ({ create, update, delete }) and do nothing with dryRun.
// docs/SYNC.md, "Mirror".
import { BranchCheckedOutError, MergeInProgressError, StagedChangesError } from '../errors.js';
import type { Repository } from '../git/repository.js';
import type { MergingInfo } from './merge.js';
import { MERGE_REFS } from './merge-state.js';
import { REMOTE_NAMESPACES } from './remote-namespaces.js';
import { fetchRemote, listRemoteRefs, pushRemote, Remotes, type RemoteCallOptions } from './remotes.js';
import { redoRef } from './undo.js';

/** One ref a mirror creates (old null), moves, or deletes (new null). */
export interface MirrorChange {
  ref: string;
  old: string | null;
  new: string | null;
}

/** What a backup or restore changes on its target (gitstore's MirrorDiff). */
export interface MirrorDiff {
  create: MirrorChange[];
  update: MirrorChange[];
  delete: MirrorChange[];
}

export interface MirrorOptions extends Omit<RemoteCallOptions, 'remote'> {
  /** compute the diff, change nothing */
  dryRun?: boolean;
}

/** What a mirror needs of its workspace. */
export interface MirrorHost {
  readonly repo: Repository;
  readonly ref: string;
  readonly branch: string;
  readonly merging: MergingInfo | null;
  hasChanges(): boolean;
  /** reads the branch as it is now (after a restore moved it) */
  discard(): Promise<void>;
}

const REDO = redoRef('');

/** Whether a ref belongs in a mirror: not a remote-tracking ref (of branches or of gitmodel's namespaces), not the redo stack, not a merge in progress (this repository's work). */
export function mirrored(ref: string): boolean {
  return ref.startsWith('refs/') && !ref.startsWith('refs/remotes/') && !ref.startsWith(REMOTE_NAMESPACES) && !ref.startsWith(REDO) && !ref.startsWith(MERGE_REFS);
}

async function localMirrorRefs(repo: Repository): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const ref of await repo.refs.list('refs/')) {
    if (!mirrored(ref)) continue;
    const oid = await repo.refs.read(ref);
    if (oid) refs.set(ref, oid);
  }
  return refs;
}

/** What makes `target` equal `source`. */
function diff(source: ReadonlyMap<string, string>, target: ReadonlyMap<string, string>): MirrorDiff {
  const out: MirrorDiff = { create: [], update: [], delete: [] };
  for (const [ref, oid] of source) {
    const had = target.get(ref);
    if (had === undefined) out.create.push({ ref, old: null, new: oid });
    else if (had !== oid) out.update.push({ ref, old: had, new: oid });
  }
  for (const [ref, oid] of target) if (!source.has(ref)) out.delete.push({ ref, old: oid, new: null });
  return out;
}

/** `ws.remotes`: the remotes in config, and mirror backups to / restores from any of them (or a URL or path). */
export class MirroringRemotes extends Remotes {
  constructor(private readonly host: MirrorHost) {
    super(host.repo, host.branch);
  }

  /**
   * Makes the remote (a configured name, a URL or a path) hold exactly this repository's refs:
   * heads, tags (annotated ones as their tag objects), checkpoints, refs/gitmodel/* but redo/ and merge/,
   * each pushed forcing, and the remote's other refs of those namespaces deleted, in one atomic
   * push — should any update fail, none is made (PushRejectedError, RemoteUnreachableError).
   */
  async backup(urlOrRemote: string, options: MirrorOptions = {}): Promise<MirrorDiff> {
    const { dryRun, ...call } = options;
    const repo = this.host.repo;
    const local = await localMirrorRefs(repo);
    const remote = new Map([...(await listRemoteRefs(repo, { ...call, remote: urlOrRemote }))].filter(([ref]) => mirrored(ref)));
    const changes = diff(local, remote);
    if (dryRun || changes.create.length + changes.update.length + changes.delete.length === 0) return changes;
    const refs = [...changes.create, ...changes.update].map((c) => `+${c.ref}:${c.ref}`).concat(changes.delete.map((c) => `:${c.ref}`));
    await pushRemote(repo, this.host.ref, { ...call, remote: urlOrRemote, refs, force: true, atomic: true });
    return changes;
  }

  /**
   * Makes this repository hold exactly the remote's refs (the namespaces backup() writes):
   * fetched into the same names (objects verified first), then the local refs the remote lacks
   * deleted. Refused while changes are staged (StagedChangesError), while merging, or when a ref it
   * would change is a branch checked out in a working tree (BranchCheckedOutError).
   */
  async restore(urlOrRemote: string, options: MirrorOptions = {}): Promise<MirrorDiff> {
    const { dryRun, ...call } = options;
    const { repo, merging } = this.host;
    if (merging) throw new MergeInProgressError({ branch: this.host.branch, theirs: merging.theirs, action: 'restore a mirror' });
    if (this.host.hasChanges()) throw new StagedChangesError({ branch: this.host.branch, action: 'restore a mirror' });
    const remote = new Map([...(await listRemoteRefs(repo, { ...call, remote: urlOrRemote }))].filter(([ref]) => mirrored(ref)));
    const changes = diff(remote, await localMirrorRefs(repo));
    const checkedOut = await repo.checkedOut();
    for (const c of [...changes.update, ...changes.delete]) {
      const path = checkedOut.get(c.ref);
      if (path !== undefined) throw new BranchCheckedOutError({ branch: c.ref.replace(/^refs\/heads\//, ''), path });
    }
    if (dryRun) return changes;
    const fetch = [...changes.create, ...changes.update].map((c) => `+${c.ref}:${c.ref}`);
    // the objects first (verified and stored), then every ref in one transaction: all move or none
    if (fetch.length) await fetchRemote(repo, { ...call, remote: urlOrRemote, refs: fetch }, { objectsOnly: true });
    const all = [...changes.create, ...changes.update, ...changes.delete];
    const who = { name: 'gitmodel', email: 'gitmodel@localhost', timestamp: Math.floor(Date.now() / 1000), tzOffset: 0 };
    await repo.refs.transaction(all.map((c) => ({ name: c.ref, next: c.new, expected: c.old })), { who, message: `mirror restore from ${urlOrRemote}` });
    await this.host.discard();
    return changes;
  }
}
