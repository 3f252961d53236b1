// Revision expressions resolved as `git rev-parse` resolves them: a full or abbreviated oid, a ref
// name (tags before branches, as git looks them up), then any `~N` / `^N` suffixes; annotated
// tags peeled down to their commit.
import { RefNotFoundError } from '../errors.js';
import type { Commit } from './commit.js';
import { isOid, type GitObject } from './object.js';
import { parseTag } from './tag.js';

/** What resolving needs of a repository. */
export interface RevisionSource {
  readCommit(oid: string): Promise<Readonly<Commit>>;
  tryReadObject(oid: string): Promise<GitObject | undefined>;
  hasObject(oid: string): Promise<boolean>;
  readRef(name: string): Promise<string | null>;
  expand(prefix: string): Promise<string | undefined>;
}

/** The commit `rev` names. `HEAD` means `head` when given (a workspace's own branch). */
export async function resolveRevision(repo: RevisionSource, rev: string, head?: string): Promise<string> {
  const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev);
  const base = m?.[1] ?? rev;
  if (!base) throw new RefNotFoundError({ ref: rev }, 'empty revision');
  let oid = await resolveBase(repo, base === 'HEAD' && head ? head : base);
  if (oid === undefined) throw new RefNotFoundError({ ref: rev });
  oid = await peelToCommit(repo, oid, rev);
  for (const step of (m?.[2] ?? '').match(/[~^]\d*/g) ?? []) {
    const n = step.length > 1 ? Number(step.slice(1)) : 1;
    if (step[0] === '~') {
      for (let i = 0; i < n; i++) oid = await parent(repo, oid, 0, rev);
    } else if (n > 0) oid = await parent(repo, oid, n - 1, rev);
  }
  return oid;
}

async function parent(repo: RevisionSource, oid: string, index: number, rev: string): Promise<string> {
  const p = (await repo.readCommit(oid)).parents[index];
  if (!p) throw new RefNotFoundError({ ref: rev }, 'the history is not that long');
  return p;
}

async function resolveBase(repo: RevisionSource, name: string): Promise<string | undefined> {
  if (isOid(name) && (await repo.hasObject(name))) return name;
  const candidates = name.startsWith('refs/') || /^[A-Z_]+$/.test(name) ? [name] : [];
  candidates.push(`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`);
  for (const ref of candidates) {
    if (/(^|\/)\.\.?(\/|$)|\.\./.test(ref)) continue;
    const oid = await repo.readRef(ref).catch(() => null);
    if (oid) return oid;
  }
  if (/^[0-9a-f]{4,39}$/.test(name)) return repo.expand(name);
  return undefined;
}

/** Follows annotated tags down to the commit they name; RefNotFoundError (naming `rev`) when they name none. */
export async function peelToCommit(repo: Pick<RevisionSource, 'tryReadObject'>, oid: string, rev: string): Promise<string> {
  for (let depth = 0; depth < 10; depth++) {
    const object = await repo.tryReadObject(oid);
    if (!object) throw new RefNotFoundError({ ref: rev }, `object ${oid} is missing`);
    if (object.type === 'commit') return oid;
    if (object.type !== 'tag') throw new RefNotFoundError({ ref: rev }, `it names a ${object.type}, not a commit`);
    oid = parseTag(oid, object.content).object;
  }
  throw new RefNotFoundError({ ref: rev }, 'tag chain too deep');
}
