// Commits as the public API shows them: identities with Dates instead of git's raw seconds.
import type { Commit } from '../git/commit.js';
import { displayMessage } from '../git/message.js';
import type { Person } from '../git/person.js';

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
  /** this caller's own array: changing it changes nothing else */
  parents: string[];
  /** without the one newline git's format ends a message with: "subject\n\nbody" */
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
    parents: [...c.parents],
    message: displayMessage(c.message),
    author: identity(c.author),
    committer: identity(c.committer),
  };
}
