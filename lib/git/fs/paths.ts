// Path arithmetic for '/'-separated absolute paths (what the FileSystem port speaks), without
// node:path: joining, and a path's directory and last part.

/** The parts joined with '/', empty parts and doubled slashes dropped. */
export function join(...parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (!part) continue;
    out = out === '' ? part : out.endsWith('/') ? out + part.replace(/^\/+/, '') : `${out}/${part.replace(/^\/+/, '')}`;
  }
  return out;
}

/** The directory a path is in (`/a/b` → `/a`, `/a` → `/`). */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  return slash === 0 ? '/' : trimmed.slice(0, slash);
}

/** The last part of a path. */
export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
