// Commit walking with filters, for ws.walk(): by path (git's history simplification, as
// `git log -- <path>`), author, message and committer time.
import type { Commit } from '../git/commit.js';
import { displayMessage } from '../git/message.js';
import { walkCommits } from '../git/log.js';
import type { Repository } from '../git/repository.js';
import { olderThan, walkPath } from './path-walk.js';

export interface CommitFilter {
  /** only commits that changed this path ('' is the whole tree) */
  path?: string;
  /** a substring of, or a pattern matching, the author's `Name <email>` */
  author?: string | RegExp;
  /** a substring of, or a pattern matching, the message (as CommitInfo shows it: no trailing newline) */
  message?: string | RegExp;
  /** committed at or after this time; the walk does not go back past older commits */
  since?: Date;
  /** committed at or before this time */
  until?: Date;
}

function matches(text: string, pattern: string | RegExp | undefined): boolean {
  if (pattern === undefined) return true;
  // search() ignores a pattern's lastIndex, so a /g pattern matches the same way every time
  return typeof pattern === 'string' ? text.includes(pattern) : text.search(pattern) !== -1;
}

function accepts(commit: Commit, filter: CommitFilter): boolean {
  return (
    !olderThan(commit, filter.since) &&
    (filter.until === undefined || commit.committer.timestamp * 1000 <= filter.until.getTime()) &&
    matches(`${commit.author.name} <${commit.author.email}>`, filter.author) &&
    matches(displayMessage(commit.message), filter.message)
  );
}

async function* pathCommits(repo: Repository, start: string, path: string, since?: Date): AsyncGenerator<Commit> {
  for await (const change of walkPath(repo, start, path, { since })) yield change.commit;
}

export async function* walkFiltered(repo: Repository, start: string, filter: CommitFilter = {}): AsyncGenerator<Commit> {
  const commits =
    filter.path !== undefined
      ? pathCommits(repo, start, filter.path, filter.since)
      : walkCommits((oid) => repo.readCommit(oid), [start], (c) => (olderThan(c, filter.since) ? [] : c.parents));
  for await (const commit of commits) if (accepts(commit, filter)) yield commit;
}
