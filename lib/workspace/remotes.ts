// Remotes, fetch and push (design/sync-merge.md §4.1, §4.2). Remotes live in the repository's
// config as git writes them (`git remote -v` sees them). A fetch over smart HTTP verifies the
// pack's trailer (receivePack) as it streams to a temporary file, parses every entry, hashes every
// object, checks the count and that everything the new tips reach is there (connectivity), renames the pack
// into place with its index, and only then moves each remote-tracking ref by compare-and-swap. A
// local path or file:// URL is opened as a repository and the missing objects copied as one pack of
// its stored entries (pack-send.ts). A push sends each ref's advertised value as `old`, so the
// server applies it only if the ref has not moved meanwhile.
import { StaleBranchError } from '../errors.js';
import { parseCommit } from '../git/commit.js';
import { indexPack, type PackBytes } from '../git/fs/pack-parse.js';
import { copyObjects, missingObjects, streamPack, type BaseTrees, type Outgoing } from '../git/fs/pack-send.js';
import type { PendingObject } from '../git/object.js';
import type { PackIndexRecords } from '../git/ports.js';
import type { Repository } from '../git/repository.js';
import { Repository as RepositoryClass } from '../git/repository.js';
import { ZERO_OID, type Advertisement } from '../git/remote/advertisement.js';
import { defaultHttpClient } from '../git/remote/default-http.js';
import { Connectivity } from '../git/remote/connectivity.js';
import { InvalidRemoteError, PushRejectedError, RemoteNotFoundError, RemoteProtocolError } from '../git/remote/errors.js';
import type { AbortSignalLike, AuthCallback, HttpClient } from '../git/remote/http-client.js';
import { receivePack } from '../git/remote/pack-receive.js';
import { mapFetch, mapPush, parseRefspec, sourcesOf } from '../git/remote/refspec.js';
import { SmartHttpRemote, type RemoteProgress } from '../git/remote/smart-http.js';
import { isAncestor } from '../merge/merge-base.js';
import { platform } from '../platform/current.js';
import { concatBytes, fromHex, hexInto, toHex } from '../util/bytes.js';
import { OidTable } from '../util/oid-table.js';
import { acceptableRemoteRef, CHECKPOINTS, checkpointsFetchSpec, REMOTE_NAMESPACES, trackingRef } from './remote-namespaces.js';
import { branchesTracking, readUpstream, writeUpstream, type Upstream } from './upstream.js';

export interface RemoteInfo {
  name: string;
  url: string;
  pushUrl?: string;
  fetch: string[];
  push: string[];
}

export interface AddRemoteOptions {
  /** fetch refspecs (default `+refs/heads/*:refs/remotes/<name>/*`) */
  fetch?: string[];
  push?: string[];
  /** allow `user:password@` in the URL (it is written to config in clear); default false */
  allowCredentialsInUrl?: boolean;
  /**
   * also fetch the remote's checkpoints (to refs/gitmodel/remotes/<name>/checkpoints/*) and push
   * the local ones, with the branch (`push = HEAD`), so `git fetch` / `git push` by hand do the same
   */
  checkpoints?: boolean;
  /** make it the workspace branch's upstream (`branch.<name>.remote`/`.merge`, as `git push -u`) */
  upstream?: boolean;
}

export interface RemoteCallOptions {
  /** the remote's name (default: the branch's upstream remote, else 'origin') */
  remote?: string;
  /** credentials when the server asks (never written anywhere) */
  onAuth?: AuthCallback;
  /** headers sent with every request (a bearer token) */
  headers?: Record<string, string>;
  onProgress?: (progress: RemoteProgress) => void;
  signal?: AbortSignalLike;
  /** the HTTP client (isomorphic-git's shape); default: the entry's (Node: node:http/https) */
  http?: HttpClient;
}

/** The largest object a fetch accepts by default (10x a save's default maxFileSize; a flat folder of a million objects is ~36 MB). */
const MAX_RECEIVED_OBJECT = 1024 * 1024 * 1024;

export interface FetchOptions extends RemoteCallOptions {
  /** the largest object (or delta) a received pack may hold, in bytes (default 1 GiB): bigger is RemoteProtocolError, nothing inflated */
  maxObjectSize?: number;
  /** refspecs; default: the remote's `fetch` lines */
  refs?: string[];
  /** delete the remote-tracking refs these refspecs fill whose source the remote no longer has (git fetch --prune) */
  prune?: boolean;
}

export interface RefMove {
  ref: string;
  old: string | null;
  new: string;
}

export interface FetchResult {
  remote: string;
  url: string;
  updated: RefMove[];
  /** remote-tracking refs deleted by `prune` */
  pruned: string[];
  /** objects received (HTTP) or copied (local) */
  objects: number;
  /** pack bytes received (0 for a local path) */
  bytes: number;
}

export interface PushOptions extends RemoteCallOptions {
  /** refspecs (`main`, `refs/heads/a:refs/heads/b`, `:refs/heads/gone` deletes); default: the workspace's branch to the same name */
  refs?: string[];
  /** true: overwrite whatever the remote has; 'with-lease': only if it is still at our remote-tracking value */
  force?: boolean | 'with-lease';
  /** all updates or none (receive-pack's `atomic`; a local path checks every ref first and undoes a partial update) */
  atomic?: boolean;
}

export interface PushResult {
  updated: RefMove[];
  /** remote refs that already had the value pushed */
  upToDate: string[];
  /** remote refs deleted (`:ref` refspecs), with the value they had; present when there were some */
  deleted?: { ref: string; old: string }[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `ws.remotes`: the remotes in the repository's config. */
export class Remotes {
  /** `branch`: the workspace's branch, whose upstream `add({ upstream })` and `setUpstream` set */
  constructor(private readonly repo: Repository, private readonly branch?: string) {}

  async list(): Promise<RemoteInfo[]> {
    const config = await this.repo.config();
    const names = new Set<string>();
    for (const key of config.keys()) {
      const m = /^remote\.(.+)\.url$/.exec(key);
      if (m) names.add(m[1]);
    }
    return [...names].map((name) => ({
      name,
      url: config.getString(`remote.${name}.url`) ?? '',
      ...(config.getString(`remote.${name}.pushurl`) ? { pushUrl: config.getString(`remote.${name}.pushurl`) } : {}),
      fetch: config.getAll(`remote.${name}.fetch`).filter((v): v is string => v !== null),
      push: config.getAll(`remote.${name}.push`).filter((v): v is string => v !== null),
    }));
  }

  async get(name: string): Promise<RemoteInfo> {
    const found = (await this.list()).find((r) => r.name === name);
    if (!found) throw new RemoteNotFoundError({ remote: name });
    return found;
  }

  async add(name: string, url: string, options: AddRemoteOptions = {}): Promise<RemoteInfo> {
    if (!NAME.test(name)) throw new InvalidRemoteError({ remote: name, reason: 'name' });
    checkUrl(url, options.allowCredentialsInUrl ?? false);
    if ((await this.list()).some((r) => r.name === name)) throw new InvalidRemoteError({ remote: name, reason: 'exists' });
    const fetch = [...(options.fetch ?? [`+refs/heads/*:refs/remotes/${name}/*`]), ...(options.checkpoints ? [checkpointsFetchSpec(name)] : [])];
    const push = [...(options.push ?? (options.checkpoints ? ['HEAD'] : [])), ...(options.checkpoints ? [`${CHECKPOINTS}*:${CHECKPOINTS}*`] : [])];
    for (const spec of [...fetch, ...push]) parseRefspec(spec);
    await this.edit(name, [['url', url], ...fetch.map((f) => ['fetch', f] as [string, string]), ...push.map((p) => ['push', p] as [string, string])]);
    if (options.upstream) await this.setUpstream(name);
    return { name, url, fetch, push };
  }

  /**
   * Makes `remote`'s `merge` branch (default: the same name) the upstream of the workspace's
   * branch (or `branch`), as `git branch --set-upstream-to` does: pull, sync and push default to it.
   */
  async setUpstream(remote: string, options: { branch?: string; merge?: string } = {}): Promise<Upstream> {
    const branch = options.branch ?? this.branch;
    if (branch === undefined) throw new TypeError('setUpstream needs { branch } here (ws.remotes knows its workspace branch)');
    await this.get(remote);
    const merge = options.merge === undefined ? `refs/heads/${branch}` : options.merge.startsWith('refs/') ? options.merge : `refs/heads/${options.merge}`;
    parseRefspec(merge);
    const upstream = { remote, merge };
    await writeUpstream(this.repo, branch, upstream);
    return upstream;
  }

  /** The upstream of the workspace's branch (or `branch`): `{ remote, merge }`, or null when none is set. */
  upstream(branch = this.branch): Promise<Upstream | null> {
    if (branch === undefined) throw new TypeError('upstream() needs a branch name here');
    return readUpstream(this.repo, branch);
  }

  async setUrl(name: string, url: string, options: { allowCredentialsInUrl?: boolean } = {}): Promise<void> {
    checkUrl(url, options.allowCredentialsInUrl ?? false);
    const remote = await this.get(name);
    await this.edit(name, [
      ['url', url],
      ...(remote.pushUrl ? [['pushurl', remote.pushUrl] as [string, string]] : []),
      ...remote.fetch.map((f) => ['fetch', f] as [string, string]),
      ...remote.push.map((p) => ['push', p] as [string, string]),
    ]);
  }

  /**
   * Removes the remote's section, the upstreams on it (as `git remote remove`), and its
   * remote-tracking refs (refs/remotes/<name>/*, refs/gitmodel/remotes/<name>/*).
   */
  async remove(name: string): Promise<void> {
    await this.get(name);
    await this.edit(name, null);
    for (const branch of await branchesTracking(this.repo, name)) await writeUpstream(this.repo, branch, null);
    const refs = [...(await this.repo.refs.list(`refs/remotes/${name}/`)), ...(await this.repo.refs.list(`${REMOTE_NAMESPACES}${name}/`))];
    for (const ref of refs) {
      const oid = await this.repo.refs.read(ref);
      if (oid) await this.repo.refs.delete(ref, oid);
    }
  }

  private async edit(name: string, entries: [string, string][] | null): Promise<void> {
    const backend = this.repo.backend;
    if (!backend.editConfig) throw new TypeError(`${backend.describe} has no editable config`);
    await backend.editConfig([{ section: 'remote', subsection: name, entries }]);
  }
}

function checkUrl(url: string, allowCredentials: boolean): void {
  if (url.length === 0 || /[\0\n]/.test(url)) throw new InvalidRemoteError({ url, reason: 'url' });
  if (!allowCredentials && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
    throw new InvalidRemoteError({ url, reason: 'credentials' });
  }
}

function isHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** A local path for a path or file:// URL. */
function localPath(url: string): string {
  if (/^file:\/\//i.test(url)) return decodeURIComponent(url.replace(/^file:\/\/(localhost)?/i, ''));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new RemoteProtocolError({ url, reason: 'unsupported', detail: 'only http(s), file:// and local paths are supported' });
  return url;
}

async function openLocal(url: string): Promise<Repository> {
  try {
    return await RepositoryClass.open(localPath(url), { create: false });
  } catch (error) {
    throw Object.assign(new RemoteNotFoundError({ url }), { cause: error });
  }
}

/**
 * A configured remote, or, as `git fetch <url>` takes one, a URL or path that names no configured
 * remote (`anonymous`: no refspecs, no remote-tracking refs).
 */
async function remoteOf(repo: Repository, name: string): Promise<RemoteInfo & { anonymous?: boolean }> {
  const found = (await new Remotes(repo).list()).find((r) => r.name === name);
  if (found) return found;
  if (!NAME.test(name) && (/^[a-z][a-z0-9+.-]*:\/\//i.test(name) || /[/\\]/.test(name))) return { name, url: name, fetch: [], push: [], anonymous: true };
  throw new RemoteNotFoundError({ remote: name });
}

/**
 * The refs a remote has (`git ls-remote`), names a server sends that are not valid ref names
 * left out (acceptableRemoteRef).
 */
export async function listRemoteRefs(repo: Repository, options: RemoteCallOptions = {}): Promise<Map<string, string>> {
  const info = await remoteOf(repo, options.remote ?? 'origin');
  let refs: Map<string, string>;
  if (isHttp(info.url)) {
    const { remote, release } = smartRemote(info.url, options);
    try {
      refs = (await remote.discover('git-upload-pack')).refs;
    } finally {
      release();
    }
  } else refs = await localRefs(await openLocal(info.url));
  return new Map([...refs].filter(([name]) => acceptableRemoteRef(name)));
}

function smartRemote(url: string, options: RemoteCallOptions): { remote: SmartHttpRemote; release(): void } {
  const made = options.http ? { client: options.http, release() {} } : defaultHttpClient();
  const remote = new SmartHttpRemote({ url, http: made.client, onAuth: options.onAuth, headers: options.headers, onProgress: options.onProgress, signal: options.signal });
  return { remote, release: () => made.release() };
}

const readNode = (repo: Repository) => async (oid: string) => {
  const c = await repo.readCommit(oid);
  return { parents: c.parents, time: c.committer.timestamp };
};

/**
 * What a repository surely has, read from `repo`: the commits reachable from `tips`, and the tips'
 * root trees, which the walk compares folder by folder (pack-send.ts's `base`): reading every tree
 * of a 100,000-record tip here cost more than the push.
 */
async function knownObjects(repo: Repository, tips: readonly string[]): Promise<{ known: Set<string>; base: BaseTrees }> {
  const known = new Set<string>();
  const stack = [...tips];
  const tipSet = new Set(tips);
  const roots: string[] = [];
  while (stack.length) {
    const oid = stack.pop()!;
    if (known.has(oid)) continue;
    const object = await repo.tryReadObject(oid);
    if (!object) continue;
    known.add(oid);
    if (object.type === 'tag') {
      const target = /^object ([0-9a-f]{40})/.exec(new TextDecoder().decode(object.content.subarray(0, 60)));
      if (target) {
        tipSet.add(target[1]);
        stack.push(target[1]);
      }
      continue;
    }
    if (object.type !== 'commit') continue;
    const commit = parseCommit(oid, object.content);
    if (tipSet.has(oid)) {
      roots.push(commit.tree);
      known.add(commit.tree);
    }
    stack.push(...commit.parents);
  }
  return { known, base: { roots, read: (oid) => repo.tryReadObject(oid) } };
}

/** Moves a remote-tracking ref to `next` by compare-and-swap; one moved meanwhile to a descendant of ours is kept. */
async function moveTracking(repo: Repository, ref: string, next: string, who: string): Promise<RefMove | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const old = await repo.refs.read(ref);
    if (old === next) return undefined;
    try {
      await repo.refs.update(ref, next, old, { who: { name: 'gitmodel', email: 'gitmodel@localhost', timestamp: Math.floor(Date.now() / 1000), tzOffset: 0 }, message: who });
      return { ref, old, new: next };
    } catch (error) {
      if (!(error instanceof StaleBranchError)) throw error;
      const now = await repo.refs.read(ref);
      if (now && (await repo.hasObject(now)) && (await isAncestor(readNode(repo), next, now).catch(() => false))) return undefined;
    }
  }
  throw new StaleBranchError({ branch: ref, expected: null, actual: await repo.refs.read(ref) });
}

/** The refs of a local repository, as an advertisement would list them. */
async function localRefs(repo: Repository): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const head = await repo.refs.read('HEAD').catch(() => null);
  if (head) refs.set('HEAD', head);
  for (const name of await repo.refs.list('refs/')) {
    const oid = await repo.refs.read(name);
    if (oid) refs.set(name, oid);
  }
  return refs;
}

/**
 * Receives a pack and stores it, verified, before any ref moves: streamed to a temporary file as it
 * arrives where the object database takes one (a git directory: memory bounded by the read window
 * and the delta-base cache, not the pack), else held in memory; its trailer checked, every entry
 * hashed, the count and connectivity checked, then published (or, thin or in memory, its objects
 * written as one batch). Any failure removes what was received.
 */
async function receiveAndStore(repo: Repository, pack: AsyncIterable<Uint8Array>, wants: readonly string[], url: string, maxObjectSize: number): Promise<{ objects: number; bytes: number }> {
  const odb = repo.backend.objects;
  const incoming = odb.receivePack ? await odb.receivePack() : undefined;
  const chunks: Uint8Array[] = [];
  const received = await receivePack(
    pack,
    incoming
      ? { write: (chunk) => incoming.write(chunk), close: () => {}, abort: () => incoming.abort() }
      : { write: (chunk) => void chunks.push(chunk.slice()), close: () => {}, abort: () => void (chunks.length = 0) },
    { hasher: () => platform().sha1Hasher(), url },
  );
  try {
    const links = new Connectivity();
    /** the objects to write() when the pack cannot be stored as received */
    let batch: PendingObject[] | undefined = incoming ? undefined : [];
    const index = (source: Uint8Array | PackBytes) =>
      indexPack(source, {
        external: (oid) => repo.tryReadObject(oid),
        name: `pack from ${url}`,
        maxObjectSize,
        visit: (object) => {
          links.visit(object);
          batch?.push({ type: object.type, oid: object.oid, content: object.content.slice() });
        },
      }).catch((error: unknown) => {
        throw Object.assign(new RemoteProtocolError({ url, reason: 'unexpected', detail: (error as Error).message }), { cause: error });
      });
    const source = incoming ? await incoming.written() : concatBytes(chunks.splice(0));
    // indexed and checked in a scope of its own: the pack's reader (its caches, the deltas kept) is
    // let go before publishing, which needs only the records
    const verified = async (): Promise<PackIndexRecords> => {
      let indexed = await index(source);
      if (indexed.count !== received.objects) throw new RemoteProtocolError({ url, reason: 'unexpected', detail: `${indexed.count} objects, ${received.objects} announced` });
      if (incoming && indexed.thin) {
        // a base outside the pack (never asked for: no thin-pack capability): its objects as a new pack
        batch = [];
        indexed = await index(source);
      }
      await links.check(repo, { has: (oid) => indexed.table.has(oid), read: (oid) => indexed.read(oid) }, wants, url);
      const { count, oids, crcs, offsets } = indexed;
      return { count, oids, crcs, offsets };
    };
    const indexed = await verified();
    if (batch) await repo.writeObjects(batch);
    if (incoming && !batch) await incoming.publish(indexed, fromHex(received.checksum));
    else await incoming?.abort();
  } catch (error) {
    await incoming?.abort().catch(() => undefined);
    throw error;
  }
  return { objects: received.objects, bytes: received.bytes };
}

/** `objectsOnly`: store the objects the refspecs need and move no ref (a mirror restore moves them all as one). */
export async function fetchRemote(repo: Repository, options: FetchOptions = {}, { objectsOnly = false } = {}): Promise<FetchResult> {
  const name = options.remote ?? 'origin';
  const info = await remoteOf(repo, name);
  const refspecs = options.refs ?? info.fetch;
  let objects = 0;
  let bytes = 0;
  let advertised: Map<string, string>;
  const targets: { dst: string; oid: string; force: boolean }[] = [];
  const plan = (refs: Map<string, string>) => {
    // a name the server sent that git could not hold never becomes a ref (nor a file path)
    const names = [...refs.keys()].filter(acceptableRemoteRef);
    for (const m of mapFetch(refspecs, names)) if (m.dst && acceptableRemoteRef(m.dst)) targets.push({ dst: m.dst, oid: refs.get(m.src)!, force: m.force });
  };
  if (isHttp(info.url)) {
    const { remote, release } = smartRemote(info.url, options);
    try {
      const adv = await remote.discover('git-upload-pack');
      advertised = adv.refs;
      plan(advertised);
      const wants: string[] = [];
      for (const t of targets) if (!wants.includes(t.oid) && !(await repo.hasObject(t.oid))) wants.push(t.oid);
      if (wants.length > 0) {
        const haves: string[] = [];
        for (const [, oid] of await localRefs(repo)) if (!haves.includes(oid) && (await repo.hasObject(oid))) haves.push(oid);
        const response = await remote.fetchPack({ advertisement: adv, wants, haves: haves.slice(0, 256) });
        const stored = await receiveAndStore(repo, response.pack, wants, remote.url, options.maxObjectSize ?? MAX_RECEIVED_OBJECT);
        objects = stored.objects;
        bytes = stored.bytes;
      }
    } finally {
      release();
    }
  } else {
    const other = await openLocal(info.url);
    advertised = await localRefs(other);
    plan(advertised);
    const { known, base } = await knownObjects(repo, [...new Set((await localRefs(repo)).values())]);
    const missing = await missingObjects(other, targets.map((t) => t.oid), (oid) => known.has(oid), base);
    objects = (await copyObjects(other, repo, missing)).objects;
  }
  const updated: RefMove[] = [];
  for (const t of objectsOnly ? [] : targets) {
    const old = await repo.refs.read(t.dst);
    if (old === t.oid) continue;
    if (old && !t.force && !(await isAncestor(readNode(repo), old, t.oid).catch(() => false))) continue; // not a fast-forward: git refuses it too
    const moved = await moveTracking(repo, t.dst, t.oid, `fetch ${name}`);
    if (moved) updated.push(moved);
  }
  const pruned = options.prune ? await pruneTracking(repo, refspecs, advertised) : [];
  return { remote: name, url: info.url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1'), updated, pruned, objects, bytes };
}

/**
 * Deletes the remote-tracking refs the pattern refspecs fill whose every source is gone from the
 * remote (git fetch --prune); a symbolic ref (`refs/remotes/origin/HEAD`) is left alone, and one
 * moved meanwhile is not deleted (compare-and-swap).
 */
async function pruneTracking(repo: Repository, refspecs: readonly string[], advertised: Map<string, string>): Promise<string[]> {
  const pruned: string[] = [];
  const prefixes = new Set<string>();
  for (const line of refspecs) {
    const spec = parseRefspec(line);
    if (spec.pattern && spec.dst) prefixes.add(spec.dst.slice(0, spec.dst.indexOf('*')));
  }
  for (const prefix of prefixes) {
    for (const ref of await repo.refs.list(prefix)) {
      const sources = sourcesOf(refspecs, ref);
      if (pruned.includes(ref) || sources.length === 0 || sources.some((s) => advertised.has(s))) continue;
      if (await repo.refs.symbolicTarget(ref)) continue;
      const oid = await repo.refs.read(ref);
      if (!oid) continue;
      try {
        await repo.refs.delete(ref, oid);
        pruned.push(ref);
      } catch (error) {
        if (!(error instanceof StaleBranchError)) throw error;
      }
    }
  }
  return pruned;
}

/**
 * The ref updates of a push to a local repository, each by compare-and-swap as receive-pack
 * applies them. `atomic`: every ref is checked first, and should one move meanwhile the updates
 * already made are undone (by compare-and-swap again), so the refs end as they were.
 */
async function applyLocally(dest: Repository, updates: readonly { ref: string; old: string; new: string }[], atomic: boolean, url: string): Promise<void> {
  const log = () => ({ who: { name: 'gitmodel', email: 'gitmodel@localhost', timestamp: Math.floor(Date.now() / 1000), tzOffset: 0 }, message: 'push' });
  const move = (ref: string, from: string, to: string) =>
    to === ZERO_OID ? dest.refs.delete(ref, from) : dest.refs.update(ref, to, from === ZERO_OID ? null : from, log());
  const refuse = (ref: string, accepted: string[]) => new PushRejectedError({ url, refs: [{ ref, reason: 'failed to update ref (it moved)' }], accepted });
  if (atomic) {
    // one transaction: every ref checked under its lock, then all written at once (or none)
    const nullable = (oid: string) => (oid === ZERO_OID ? null : oid);
    try {
      await dest.refs.transaction(updates.map((u) => ({ name: u.ref, next: nullable(u.new), expected: nullable(u.old) })), log());
    } catch (error) {
      if (!(error instanceof StaleBranchError)) throw error;
      for (const u of updates) if (((await dest.refs.read(u.ref)) ?? ZERO_OID) !== u.old) throw refuse(u.ref, []);
      throw refuse(updates[0].ref, []);
    }
    return;
  }
  const done: (typeof updates)[number][] = [];
  for (const u of updates) {
    try {
      await move(u.ref, u.old, u.new);
      done.push(u);
    } catch (error) {
      if (atomic) for (const d of done.reverse()) await move(d.ref, d.new, d.old).catch(() => undefined);
      // moved since we looked: compare-and-swap refused it, as receive-pack would
      if (error instanceof StaleBranchError) throw refuse(u.ref, atomic ? [] : done.map((d) => d.ref));
      throw error;
    }
  }
}

export async function pushRemote(repo: Repository, branchRef: string, options: PushOptions = {}): Promise<PushResult> {
  const name = options.remote ?? 'origin';
  const info = await remoteOf(repo, name);
  // `HEAD` in a push refspec (git's `push = HEAD`) is the workspace's branch
  const refspecs = (options.refs ?? (info.push.length ? info.push : [`${branchRef}:${branchRef}`])).map((s) => s.replace(/^(\+?)HEAD(?=:|$)/, `$1${branchRef}`));
  const local = await localRefs(repo);
  local.delete('HEAD');
  const mappings = mapPush(refspecs, local.keys());
  const tracking = (dst: string) => (info.anonymous ? undefined : trackingRef(name, dst));

  let remoteRefs: Map<string, string>;
  let http: { remote: SmartHttpRemote; release(): void; adv: Advertisement } | undefined;
  let other: Repository | undefined;
  if (isHttp(info.url)) {
    const made = smartRemote(info.url, options);
    try {
      const adv = await made.remote.discover('git-receive-pack');
      http = { ...made, adv };
    } catch (error) {
      made.release();
      throw error;
    }
    remoteRefs = http.adv.refs;
  } else {
    other = await openLocal(info.url);
    remoteRefs = await localRefs(other);
  }
  try {
    const updates: { ref: string; old: string; new: string }[] = [];
    const upToDate: string[] = [];
    const rejected: { ref: string; reason: string }[] = [];
    for (const m of mappings) {
      const theirs = remoteRefs.get(m.dst!) ?? ZERO_OID;
      if (m.src === '') {
        if (theirs === ZERO_OID) rejected.push({ ref: m.dst!, reason: 'remote ref does not exist' });
        else updates.push({ ref: m.dst!, old: theirs, new: ZERO_OID });
        continue;
      }
      const next = local.get(m.src)!;
      if (theirs === next) {
        upToDate.push(m.dst!);
        continue;
      }
      let old = theirs;
      if (options.force === 'with-lease') {
        const lease = tracking(m.dst!) ? await repo.refs.read(tracking(m.dst!)!) : null;
        if ((lease ?? ZERO_OID) !== theirs) {
          rejected.push({ ref: m.dst!, reason: 'stale info' });
          continue;
        }
        old = lease ?? ZERO_OID;
      } else if (options.force !== true && !m.force && theirs !== ZERO_OID && m.dst!.startsWith(CHECKPOINTS)) {
        // a checkpoint is immutable once made (as git treats tags): another commit under its name is refused
        rejected.push({ ref: m.dst!, reason: 'already exists' });
        continue;
      } else if (options.force !== true && !m.force && theirs !== ZERO_OID) {
        const known = await repo.hasObject(theirs);
        if (!known || !(await isAncestor(readNode(repo), theirs, next).catch(() => false))) {
          rejected.push({ ref: m.dst!, reason: known ? 'non-fast-forward' : 'fetch first' });
          continue;
        }
      }
      updates.push({ ref: m.dst!, old, new: next });
    }
    const url = info.url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
    if (rejected.length) throw new PushRejectedError({ url, refs: rejected, accepted: [] });
    if (updates.length === 0) return { updated: [], upToDate };
    const sent = updates.filter((u) => u.new !== ZERO_OID).map((u) => u.new);

    // what the remote has: the commits reachable from its refs we know, and their tips' trees
    let objects: Outgoing[];
    if (other) {
      const dest = other;
      // the updated refs' values first: the walk compares folders with the first tip's
      const { known, base } = await knownObjects(dest, [...new Set([...updates.map((u) => u.old), ...remoteRefs.values()])].filter((o) => o !== ZERO_OID));
      // git's receive.denyCurrentBranch: a branch checked out in a working tree is not moved under it
      const checkedOut = await dest.checkedOut();
      const busy = updates.filter((u) => checkedOut.has(u.ref));
      if (busy.length) throw new PushRejectedError({ url, refs: busy.map((u) => ({ ref: u.ref, reason: 'branch is currently checked out' })), accepted: [] });
      objects = await missingObjects(repo, sent, (oid) => known.has(oid), base);
      await copyObjects(repo, dest, objects);
      await applyLocally(dest, updates, options.atomic ?? false, url);
    } else {
      const tips: string[] = [];
      // the updated refs' values first: the walk compares folders with the first tip's
      for (const oid of new Set([...updates.map((u) => u.old), ...remoteRefs.values()])) if (oid !== ZERO_OID && (await repo.hasObject(oid))) tips.push(oid);
      const { known, base } = await knownObjects(repo, tips);
      objects = await missingObjects(repo, sent, (oid) => known.has(oid), base);
      // streamed: the server indexes each entry while the next is made
      await http!.remote.sendPack({ advertisement: http!.adv, updates, pack: sent.length ? streamPack(repo, objects).body : undefined, atomic: options.atomic });
    }
    const updated: RefMove[] = updates.filter((u) => u.new !== ZERO_OID).map((u) => ({ ref: u.ref, old: u.old === ZERO_OID ? null : u.old, new: u.new }));
    const deleted = updates.filter((u) => u.new === ZERO_OID).map((u) => ({ ref: u.ref, old: u.old }));
    for (const u of updates) {
      const t = tracking(u.ref);
      if (!t) continue;
      if (u.new !== ZERO_OID) await moveTracking(repo, t, u.new, `update by push`).catch(() => undefined);
      else {
        const had = await repo.refs.read(t);
        if (had) await repo.refs.delete(t, had).catch(() => undefined);
      }
    }
    return { updated, upToDate, ...(deleted.length ? { deleted } : {}) };
  } finally {
    http?.release();
  }
}
