// Git commit objects: canonical bytes in, parsed fields out. Parsed commits are cached
// (Repository.readCommit), so they are readonly: whoever hands one out copies it.
import { CorruptObjectError } from '../errors.js';
import { utf8 } from '../util/bytes.js';
import { normalizeMessage, parseHeaders } from './message.js';
import { formatPerson, parsePerson, type Person } from './person.js';

export interface CommitData {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Person;
  readonly committer: Person;
  /** as stored: git's own format ends it with a newline */
  readonly message: string;
}

export interface Commit extends CommitData {
  readonly oid: string;
}

export function serializeCommit(c: CommitData): Uint8Array {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${formatPerson(c.author)}`, `committer ${formatPerson(c.committer)}`);
  return utf8(`${lines.join('\n')}\n\n${normalizeMessage(c.message)}`);
}

export function parseCommit(oid: string, content: Uint8Array): Commit {
  const { headers, message } = parseHeaders(content);
  const commit: { -readonly [K in keyof Commit]?: Commit[K] } & { parents: string[] } = { oid, parents: [], message };
  for (const [key, value] of headers) {
    if (key === 'tree') commit.tree = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = parsePerson(value, oid);
    else if (key === 'committer') commit.committer = parsePerson(value, oid);
  }
  if (!commit.tree || !commit.author || !commit.committer) {
    throw new CorruptObjectError({ path: oid, reason: 'commit lacks a tree, author or committer' });
  }
  return commit as Commit;
}

