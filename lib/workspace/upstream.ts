// A branch's upstream, kept in the repository's config exactly as `git push -u` and `git branch
// --set-upstream-to` write it (`branch.<name>.remote`, `branch.<name>.merge`), so `git status -sb`,
// `@{u}` and `git pull` by hand agree with ws.pull() and ws.sync().
import { ConfigurationError } from '../errors.js';
import type { Repository } from '../git/repository.js';
import { expandRef, matchRef, parseRefspec } from '../git/remote/refspec.js';

export interface Upstream {
  /** the remote's name */
  remote: string;
  /** the branch on the remote (`refs/heads/main`) */
  merge: string;
}

/** The branch's upstream as configured, or null. */
export async function readUpstream(repo: Repository, branch: string): Promise<Upstream | null> {
  const config = await repo.config();
  const remote = config.getString(`branch.${branch}.remote`);
  const merge = config.getString(`branch.${branch}.merge`);
  return remote && merge ? { remote, merge } : null;
}

/** The keys of the branch's `[branch "<name>"]` section, with their values. */
async function branchSection(repo: Repository, branch: string): Promise<[string, string][]> {
  const config = await repo.config();
  const prefix = `branch.${branch}.`;
  const entries: [string, string][] = [];
  for (const { key, value } of config.entries) {
    const name = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
    if (name !== undefined && !name.includes('.') && value !== null) entries.push([name, value]);
  }
  return entries;
}

function editableConfig(repo: Repository): NonNullable<Repository['backend']['editConfig']> {
  const backend = repo.backend;
  if (!backend.editConfig) throw new TypeError(`${backend.describe} has no editable config`);
  return (edits) => backend.editConfig!(edits);
}

/** Writes the branch's upstream (null: removes it), keeping any other key of its `[branch "<name>"]` section. */
export async function writeUpstream(repo: Repository, branch: string, upstream: Upstream | null): Promise<void> {
  const edit = editableConfig(repo);
  const kept = (await branchSection(repo, branch)).filter(([name]) => name !== 'remote' && name !== 'merge');
  const entries: [string, string][] = upstream ? [...kept, ['remote', upstream.remote], ['merge', upstream.merge]] : kept;
  await edit([{ section: 'branch', subsection: branch, entries: entries.length ? entries : null }]);
}

/**
 * Moves the branch's whole `[branch "<from>"]` section (upstream and any other key) to `to`, as
 * `git branch -m` does; nothing when it has none (or the backend keeps no config).
 */
export async function moveBranchConfig(repo: Repository, from: string, to: string): Promise<void> {
  const entries = await branchSection(repo, from);
  if (!entries.length) return;
  await editableConfig(repo)([
    { section: 'branch', subsection: from, entries: null },
    { section: 'branch', subsection: to, entries },
  ]);
}

/** The branches whose upstream is on `remote` (what `git remote remove` unsets). */
export async function branchesTracking(repo: Repository, remote: string): Promise<string[]> {
  const config = await repo.config();
  const out: string[] = [];
  for (const key of config.keys()) {
    const m = /^branch\.(.+)\.remote$/.exec(key);
    if (m && config.getString(key) === remote) out.push(m[1]);
  }
  return out;
}

/**
 * The remote-tracking ref a remote's fetch refspecs store `merge` in (what `@{u}` names), or a
 * ConfigurationError when none of them fetches it.
 */
export function trackingRef(remote: { name: string; fetch: readonly string[] }, merge: string): string {
  for (const line of remote.fetch) {
    const spec = parseRefspec(line);
    if (spec.dst === undefined) continue;
    const middle = spec.pattern ? matchRef(spec.src, merge) : spec.src === merge ? '' : undefined;
    if (middle !== undefined) return expandRef(spec.dst, middle);
  }
  throw new ConfigurationError(`the fetch refspecs of remote ${JSON.stringify(remote.name)} (${remote.fetch.join(', ') || 'none'}) do not fetch ${merge}`);
}
