// The file system on Node. Every method is async (the FileSystem port is, so a browser's can be),
// but calls Node's synchronous functions inside: a 41-byte ref costs ~5 µs through readFileSync
// against 80-260 µs through fs.promises (four thread-pool round trips), and a commit reads a dozen
// such files and writes a few. The event loop is held for microseconds. Flushes are the
// exception: an fsync takes milliseconds, so it runs on the thread pool, where the flushes of a
// pack and its index overlap, and other writers in the process go on meanwhile (group commit).
// With lib/platform/node.ts, the only file that imports Node's built-ins.
import {
  appendFileSync,
  closeSync,
  fstatSync,
  fsync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { resolve, sep } from 'node:path';
import type { DirEntry, FileStat, FileSystem, NewFile, RandomAccessFile } from '../ports.js';

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? '';
}

function absent(error: unknown): boolean {
  return ABSENT.has(code(error));
}

function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** fsync on the thread pool (see above). */
function flush(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

class NodeRandomAccessFile implements RandomAccessFile {
  constructor(private fd: number | undefined) {}

  read(position: number, length: number): Uint8Array {
    const fd = this.handle();
    const buf = Buffer.allocUnsafe(length);
    let n = 0;
    while (n < length) {
      const got = readSync(fd, buf, n, length - n, position + n);
      if (got === 0) break;
      n += got;
    }
    return plain(n === length ? buf : buf.subarray(0, n));
  }

  size(): number {
    return fstatSync(this.handle()).size;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error('the file is closed');
    return this.fd;
  }
}

class NodeNewFile implements NewFile {
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly fd: number,
  ) {}

  write(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
  }

  async close(durable: boolean): Promise<void> {
    try {
      if (durable) await flush(this.fd);
    } finally {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    rmSync(this.path, { force: true });
  }
}

export const nodeFileSystem: FileSystem = {
  resolve(...paths) {
    const path = resolve(...paths);
    return sep === '/' ? path : path.split(sep).join('/');
  },

  async readFile(path) {
    try {
      return plain(readFileSync(path));
    } catch (error) {
      // a directory where a file was expected reads as no file (a ref that is now a folder of refs)
      if (absent(error) || code(error) === 'EISDIR') return undefined;
      throw error;
    }
  },

  async open(path) {
    try {
      return new NodeRandomAccessFile(openSync(path, 'r'));
    } catch (error) {
      if (absent(error)) return undefined;
      throw error;
    }
  },

  async stat(path): Promise<FileStat | undefined> {
    try {
      const s = statSync(path);
      return { isDirectory: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs };
    } catch (error) {
      if (absent(error)) return undefined;
      throw error;
    }
  },

  async list(dir): Promise<DirEntry[]> {
    try {
      return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    } catch (error) {
      if (absent(error)) return [];
      throw error;
    }
  },

  async mkdirp(dir) {
    mkdirSync(dir, { recursive: true });
  },

  async createFile(path, options = {}) {
    try {
      return new NodeNewFile(path, openSync(path, 'wx', options.readOnly ? 0o444 : 0o666));
    } catch (error) {
      if (code(error) === 'EEXIST') return undefined;
      throw error;
    }
  },

  async link(from, to) {
    try {
      linkSync(from, to);
      return true;
    } catch (error) {
      if (code(error) === 'EEXIST') return false;
      throw error;
    }
  },

  async rename(from, to) {
    renameSync(from, to);
  },

  async syncDirectory(dir) {
    const fd = openSync(dir, 'r');
    try {
      await flush(fd);
    } finally {
      closeSync(fd);
    }
  },

  async append(path, bytes) {
    appendFileSync(path, bytes);
  },

  async remove(path) {
    try {
      unlinkSync(path);
    } catch (error) {
      if (!absent(error)) throw error;
    }
  },

  async removeDirectory(path, options = {}) {
    if (options.recursive) {
      rmSync(path, { recursive: true, force: true });
      return true;
    }
    try {
      rmdirSync(path);
      return true;
    } catch {
      return false;
    }
  },
};
