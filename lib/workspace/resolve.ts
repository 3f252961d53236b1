// Revisions as a workspace names them: what `git rev-parse` accepts, `HEAD` being the workspace's
// own ref, and a checkpoint by its bare name after every branch, tag and oid. The CLI resolves
// revisions through this too, without opening a workspace.
import { RefNotFoundError } from '../errors.js';
import type { Repository } from '../git/repository.js';

/** A commit oid for a revision; `head` is the ref `HEAD` stands for (a workspace's branch). */
export async function resolveAt(repo: Repository, at: string, head?: string): Promise<string> {
  try {
    return await repo.resolve(at, head);
  } catch (error) {
    if (!(error instanceof RefNotFoundError)) throw error;
    return repo.resolve(`checkpoints/${at}`).catch(() => Promise.reject(error));
  }
}
