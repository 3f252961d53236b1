// Ids become path segments, so each is checked before anything is read or written with it.
import { UnsafeIdError } from '../errors.js';

const MAX_ID_BYTES = 200;
/** Names git gives meaning to: as folders, `git fsck --strict` rejects some of them (gitmodulesBlob). */
const RESERVED = new Set(['.git', '.gitmodules', '.gitattributes', '.gitignore', '.mailmap']);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Plain ASCII ids of ordinary length need only this one test (the common case, checked per read). */
const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9._ ~+=@,-]{0,99}$/;

/** Why an id is unsafe as a path segment, or undefined when it is fine. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id === 'string' && PLAIN.test(id)) return undefined;
  if (typeof id !== 'string') return `an id is a string, not ${id === null ? 'null' : typeof id}`;
  if (id === '') return 'it is empty';
  if (id === '.' || id === '..') return 'it is a relative path';
  if (id.includes('/') || id.includes('\\')) return 'it contains a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(id)) return 'it contains a control character';
  if (RESERVED.has(id.toLowerCase())) return 'it is a name git reserves';
  // a lone surrogate has no UTF-8 form: the folder would be named with U+FFFD instead
  if (LONE_SURROGATE.test(id)) return 'it is not well-formed Unicode (it has a lone surrogate)';
  if (id !== id.normalize('NFC')) return 'it is not in Unicode normalization form C (use id.normalize("NFC"))';
  if (Buffer.byteLength(id) > MAX_ID_BYTES) return `it is longer than ${MAX_ID_BYTES} bytes`;
  return undefined;
}

export function assertSafeId(model: string, id: unknown): asserts id is string {
  const problem = idProblem(id);
  if (problem) throw new UnsafeIdError({ model, id: String(id), reason: problem });
}
