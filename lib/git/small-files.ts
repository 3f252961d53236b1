// Reading the small files a repository is made of (refs, HEAD, packed-refs, loose objects).
// Synchronous on purpose: Node's promise-based readFile is four thread-pool round trips (open,
// stat, read, close), 80-260 µs for a 41-byte ref here, against ~5 µs for readFileSync; a commit
// reads a dozen such files. The event loop is held for microseconds.
import { readdirSync, readFileSync } from 'node:fs';

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function absent(error: unknown): boolean {
  return ABSENT.has((error as NodeJS.ErrnoException).code ?? '');
}

/** The file's bytes, or undefined when there is no such file. */
export function readIfExists(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

/** The file's text, or undefined when there is no such file. */
export function readTextIfExists(path: string): string | undefined {
  const bytes = readIfExists(path);
  return bytes && new TextDecoder().decode(bytes);
}

/** The names in a directory, or none when there is no such directory. */
export function listIfExists(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    if (absent(error)) return [];
    throw error;
  }
}
