// Annotated tag objects: canonical bytes in, parsed fields out.
import { CorruptObjectError } from '../errors.js';
import { utf8 } from '../util/bytes.js';
import { normalizeMessage, parseHeaders } from './message.js';
import { formatPerson, parsePerson, type Person } from './person.js';

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
  return utf8(`${lines.join('\n')}\n\n${normalizeMessage(t.message)}`);
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
