// Ids become path segments, so each is checked before anything is read or written with it.
import { UnsafeIdError } from '../errors.js';

const MAX_ID_BYTES = 200;
/** Names git gives meaning to: as folders, `git fsck --strict` rejects some of them (gitmodulesBlob). */
const RESERVED = new Set(['.git', '.gitmodules', '.gitattributes', '.gitignore', '.mailmap']);
/** Their NTFS 8.3 short names, which git fsck treats as the same names (hasDotgit, gitmodulesBlob). */
const SHORT_NAMES = /^(git|gitmod|gitatt|gitign|mailma|gi7eba|gi7d29|gi250a|maba30)~[0-9]+$/i;
/** Code points HFS+ ignores in names, so `.g\u200cit` is `.git` on a Mac (git's is_hfs_dotgit). */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;
/** Windows device names, which no folder can have, with or without an extension. */
const DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Plain ASCII ids of ordinary length, not ending in a dot, need only this test (the common case,
 *  checked on every read) and the device-name one. */
const PLAIN = /^[A-Za-z0-9_-](?:[A-Za-z0-9._+=@,-]{0,98}[A-Za-z0-9_+=@,-])?$/;

/** Why an id is unsafe as a path segment, or undefined when it is fine. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id === 'string' && PLAIN.test(id) && !DEVICES.test(id)) return undefined;
  if (typeof id !== 'string') return `an id is a string, not ${id === null ? 'null' : typeof id}`;
  if (id === '') return 'it is empty';
  if (id === '.' || id === '..') return 'it is a relative path';
  if (id.includes('/') || id.includes('\\')) return 'it contains a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(id)) return 'it contains a control character';
  if (/[<>:"|?*]/.test(id)) return 'it contains one of < > : " | ? * (not allowed in Windows file names)';
  if (/[. ]$/.test(id)) return 'it ends with a dot or a space (Windows drops them, so two ids would share a folder)';
  if (DEVICES.test(id)) return 'it is a Windows device name';
  const folded = id.replace(HFS_IGNORED, '').toLowerCase();
  if (RESERVED.has(folded) || SHORT_NAMES.test(id)) return 'it is a name git reserves (or how Windows or macOS would spell one)';
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
