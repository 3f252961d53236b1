// Whether a name is safe as one segment of a path in a git tree: one that git fsck --strict
// accepts, that every disk a checkout may land on (Windows, macOS, Linux) can hold as itself, and
// that cannot climb out of its folder. Model ids and plain files' paths are checked with it.

/** Names git gives meaning to: as folders, `git fsck --strict` rejects some of them (gitmodulesBlob). */
const RESERVED = new Set(['.git', '.gitmodules', '.gitattributes', '.gitignore', '.mailmap']);
/** Their NTFS 8.3 short names, which git fsck treats as the same names (hasDotgit, gitmodulesBlob). */
const SHORT_NAMES = /^(git|gitmod|gitatt|gitign|mailma|gi7eba|gi7d29|gi250a|maba30)~[0-9]+$/i;
/** Code points HFS+ ignores in names, so `.g\u200cit` is `.git` on a Mac (git's is_hfs_dotgit). */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;
/** Windows device names, which no folder can have, with or without an extension. */
const DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Plain ASCII names of ordinary length, not ending in a dot, need only this test (the common
 *  case: ids are checked on every read) and the device-name one. */
const PLAIN = /^[A-Za-z0-9_-](?:[A-Za-z0-9._+=@,-]{0,98}[A-Za-z0-9_+=@,-])?$/;

const encoder = new TextEncoder();

/** Why a name is unsafe as one path segment, or undefined when it is fine. */
export function segmentProblem(name: unknown, maxBytes: number): string | undefined {
  if (typeof name === 'string' && PLAIN.test(name) && !DEVICES.test(name)) return undefined;
  if (typeof name !== 'string') return `it is a string, not ${name === null ? 'null' : typeof name}`;
  if (name === '') return 'it is empty';
  if (name === '.' || name === '..') return 'it is a relative path';
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'it contains a control character';
  if (/[<>:"|?*]/.test(name)) return 'it contains one of < > : " | ? * (not allowed in Windows file names)';
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space (Windows drops them, so two names would share a folder)';
  if (DEVICES.test(name)) return 'it is a Windows device name';
  const folded = name.replace(HFS_IGNORED, '').toLowerCase();
  if (RESERVED.has(folded) || SHORT_NAMES.test(name)) return 'it is a name git reserves (or how Windows or macOS would spell one)';
  // a lone surrogate has no UTF-8 form: the file would be named with U+FFFD instead
  if (LONE_SURROGATE.test(name)) return 'it is not well-formed Unicode (it has a lone surrogate)';
  if (name !== name.normalize('NFC')) return 'it is not in Unicode normalization form C (use .normalize("NFC"))';
  if (encoder.encode(name).length > maxBytes) return `it is longer than ${maxBytes} bytes`;
  return undefined;
}

/** The longest file name most file systems hold (ext4, NTFS, APFS: 255 bytes or UTF-16 units). */
export const MAX_SEGMENT_BYTES = 255;

/** Why a slash-separated relative path is unsafe, or undefined when every segment is fine. */
export function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return `a path is a string, not ${path === null ? 'null' : typeof path}`;
  if (path === '') return 'it is empty';
  if (path.startsWith('/')) return 'it is absolute (paths are relative to the root of the tree)';
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment, MAX_SEGMENT_BYTES);
    if (problem) return `${segment === '' ? 'it has an empty segment (a doubled or trailing /)' : `its segment ${JSON.stringify(segment)}: ${problem}`}`;
  }
  return undefined;
}
