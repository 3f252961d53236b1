// Commits as the public API shows them: identities with Dates instead of git's raw seconds.
import type { Commit, Person } from '../git/commit.js';

export interface Identity {
  name: string;
  email: string;
  date: Date;
  /** minutes east of UTC */
  tzOffset: number;
}

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  author: Identity;
  committer: Identity;
}

function identity(p: Person): Identity {
  return { name: p.name, email: p.email, date: new Date(p.timestamp * 1000), tzOffset: p.tzOffset };
}

export function commitInfo(c: Commit): CommitInfo {
  return {
    oid: c.oid,
    tree: c.tree,
    parents: c.parents,
    message: c.message,
    author: identity(c.author),
    committer: identity(c.committer),
  };
}
