// What branches, tags and checkpoints share: checked names, and refs created or deleted as
// compare-and-swap, with "exists" and "missing" as typed errors.
import { InvalidRefNameError, RefExistsError, RefNotFoundError, StaleBranchError } from '../errors.js';
import type { Person } from '../git/person.js';
import { refNameProblem } from '../git/ref-names.js';
import type { Repository } from '../git/repository.js';

/** What the ref collections need from their workspace. */
export interface RefContext {
  readonly repo: Repository;
  /** the workspace's own ref (refs/heads/<branch>, or refs/tags/<tag> when read-only) */
  readonly ref: string;
  /** a revision to a commit oid, `HEAD` being the workspace's ref */
  resolve(at: string): Promise<string>;
  /** the workspace's default author, dated now */
  who(): Person;
}

export function assertRefName(name: string, problem: (name: string) => string | undefined = refNameProblem): void {
  const reason = problem(name);
  if (reason) throw new InvalidRefNameError({ name, reason });
}

/** Throws RefExistsError when the ref exists: checked before writing objects for it (createRef checks again). */
export async function assertAbsent(repo: Repository, ref: string): Promise<void> {
  const oid = await repo.refs.read(ref);
  if (oid) throw new RefExistsError({ ref, oid });
}

/** Creates a ref that must not exist yet (RefExistsError when it does, even if made meanwhile). */
export async function createRef(repo: Repository, ref: string, oid: string, who?: Person, message?: string): Promise<void> {
  try {
    await repo.refs.update(ref, oid, null, who && { who, message: message ?? '' });
  } catch (error) {
    if (error instanceof StaleBranchError && error.data.actual) throw new RefExistsError({ ref, oid: error.data.actual });
    throw error;
  }
}

/** Deletes a ref that must exist; returns the oid it pointed at. */
export async function deleteRef(repo: Repository, ref: string): Promise<string> {
  const oid = await repo.refs.read(ref);
  if (!oid) throw new RefNotFoundError({ ref });
  await repo.refs.delete(ref, oid);
  return oid;
}

/** The refs under a prefix with their short names and the oids they point at. */
export async function listRefs(repo: Repository, prefix: string): Promise<{ name: string; ref: string; oid: string }[]> {
  const out = [];
  for (const ref of await repo.refs.list(prefix)) {
    const oid = await repo.refs.read(ref);
    if (oid) out.push({ name: ref.slice(prefix.length), ref, oid });
  }
  return out;
}
