// What a git object is: its type and content, and the oid git gives it (sha1 of a header and the
// content). Pure: hashing goes through the installed platform, and nothing runs at import.
import { platform } from '../platform/current.js';
import { utf8 } from '../util/bytes.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject {
  readonly type: ObjectType;
  readonly content: Uint8Array;
}

/** An object to be written, with its oid already computed. */
export interface PendingObject extends GitObject {
  readonly oid: string;
}

/** The empty tree's oid (sha1 of `tree 0\0`), which git knows without storing it. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const OID = /^[0-9a-f]{40}$/;

export function isOid(value: string): boolean {
  return OID.test(value);
}

/** `<type> <length>\0`, the header an object is hashed (and stored loose) with. */
export function objectHeader(type: ObjectType, length: number): Uint8Array {
  return utf8(`${type} ${length}\0`);
}

/** Room `writeObjectHeader` needs before an object's content: the longest type, 16 digits and two bytes. */
export const OBJECT_HEADER_ROOM = 32;

/**
 * Writes `<type> <length>\0` into `out` so that it ends at `end` (where the content starts) and
 * returns where it starts: an object inflated at `OBJECT_HEADER_ROOM` into a buffer is then
 * hashed in one piece, without joining the header and the content.
 */
export function writeObjectHeader(type: ObjectType, length: number, out: Uint8Array, end: number): number {
  let at = end;
  out[--at] = 0;
  do {
    out[--at] = 0x30 + (length % 10);
    length = Math.floor(length / 10);
  } while (length > 0);
  out[--at] = 0x20;
  for (let i = type.length - 1; i >= 0; i--) out[--at] = type.charCodeAt(i);
  return at;
}

/** The oid git gives this object: sha1 of `<type> <length>\0<content>`. */
export function hashObject(type: ObjectType, content: Uint8Array): string {
  return platform().sha1(objectHeader(type, content.length), content);
}

/** A pending object: the content with the oid git gives it. */
export function pendingObject(type: ObjectType, content: Uint8Array): PendingObject {
  return { type, oid: hashObject(type, content), content };
}
