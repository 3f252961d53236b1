// Git commit (and annotated tag) objects: canonical bytes in, parsed fields out. Parsed commits
// are cached (Repository.readCommit), so they are readonly: whoever hands one out copies it.
import { CorruptObjectError } from '../errors.js';

export interface Person {
  readonly name: string;
  readonly email: string;
  /** seconds since the epoch */
  readonly timestamp: number;
  /** minutes east of UTC, e.g. 120 for +0200 */
  readonly tzOffset: number;
}

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

function formatTz(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

export function formatPerson(p: Person): string {
  return `${p.name} <${p.email}> ${p.timestamp} ${formatTz(p.tzOffset)}`;
}

const PERSON = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/;

function parsePerson(line: string, where: string): Person {
  const m = PERSON.exec(line);
  if (!m) throw new CorruptObjectError({ path: where, reason: `malformed identity "${line}"` });
  const offset = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1], email: m[2], timestamp: Number(m[3]), tzOffset: m[4] === '-' ? -offset : offset };
}

/** Commit messages always end in one newline, as `git commit` writes them. */
export function normalizeMessage(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}

/** A stored message as the API shows it: without the one trailing newline git's format adds. */
export function displayMessage(stored: string): string {
  return stored.endsWith('\n') ? stored.slice(0, -1) : stored;
}

export function serializeCommit(c: CommitData): Uint8Array {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${formatPerson(c.author)}`, `committer ${formatPerson(c.committer)}`);
  return Buffer.from(`${lines.join('\n')}\n\n${normalizeMessage(c.message)}`);
}

/** Splits an object of header lines (continuations start with a space) and a message. */
function parseHeaders(content: Uint8Array): { headers: [string, string][]; message: string } {
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length) headers[headers.length - 1][1] += `\n${line.slice(1)}`;
    else {
      const space = line.indexOf(' ');
      headers.push([line.slice(0, space), line.slice(space + 1)]);
    }
  }
  return { headers, message: end < 0 ? '' : text.slice(end + 2) };
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

export interface TagData {
  readonly object: string;
  readonly type: string;
  readonly tag: string;
  readonly tagger?: Person;
  /** as stored: git's own format ends it with a newline */
  readonly message: string;
}

/** An annotated tag object's canonical bytes, as `git tag -a` writes them. */
export function serializeTag(t: TagData): Uint8Array {
  const lines = [`object ${t.object}`, `type ${t.type}`, `tag ${t.tag}`];
  if (t.tagger) lines.push(`tagger ${formatPerson(t.tagger)}`);
  return Buffer.from(`${lines.join('\n')}\n\n${normalizeMessage(t.message)}`);
}

export function parseTag(oid: string, content: Uint8Array): TagData {
  const { headers, message } = parseHeaders(content);
  const get = (key: string) => headers.find(([k]) => k === key)?.[1];
  const object = get('object');
  const type = get('type');
  if (!object || !type) throw new CorruptObjectError({ path: oid, reason: 'tag lacks an object or type' });
  const tagger = get('tagger');
  return { object, type, tag: get('tag') ?? '', tagger: tagger ? parsePerson(tagger, oid) : undefined, message };
}

/** The object an annotated tag points at. */
export function parseTagTarget(oid: string, content: Uint8Array): { object: string; type: string } {
  return parseTag(oid, content);
}
