// What the browser's file systems (IndexedDB on a page, OPFS in a worker) share: absolute path
// arithmetic without a working directory, the version a directory shows as its mtime, and a
// growing buffer for files written in pieces.
import { concatBytes } from '../../util/bytes.js';

/** `paths` joined and normalized to an absolute path (`.` and `..` resolved; relative to `/`). */
export function resolvePath(...paths: string[]): string {
  const parts: string[] = [];
  for (const path of paths) {
    if (path.startsWith('/')) parts.length = 0;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part);
    }
  }
  return `/${parts.join('/')}`;
}

/** The parts of an absolute path (`/a/b` → ['a', 'b']). */
export function partsOf(path: string): string[] {
  return resolvePath(path).split('/').filter(Boolean);
}

/**
 * A directory's "mtime" where the store keeps none: a number that changes whenever its listing
 * does, whoever changed it (another tab or worker). The pack set re-lists objects/pack when it
 * changes, as it does on Node when the directory's mtime moves.
 */
export function listingVersion(names: Iterable<string>): number {
  let h = 0x811c9dc5;
  for (const name of [...names].sort()) {
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x2f, 0x01000193);
  }
  return h >>> 0;
}

/** Bytes appended in pieces (NewFile.write is synchronous), joined once at the end. */
export class Chunks {
  private parts: Uint8Array[] = [];

  push(bytes: Uint8Array): void {
    // a copy: the caller may reuse its buffer after write() returns
    this.parts.push(bytes.slice());
  }

  join(): Uint8Array {
    return concatBytes(this.parts);
  }
}

/** A RandomAccessFile over bytes held in memory (a file read whole once). */
export function memoryFile(bytes: Uint8Array): { read(position: number, length: number): Uint8Array; size(): number; close(): void } {
  return {
    read: (position, length) => bytes.slice(position, Math.min(bytes.length, position + length)),
    size: () => bytes.length,
    close() {},
  };
}
