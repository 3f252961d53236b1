// A FileSystem on the Origin Private File System, for a dedicated worker: a git directory
// (GitDirBackend) runs on it unchanged. Packs are read through synchronous access handles (a
// positional read costs microseconds), files are written through them and flushed when durable,
// and renames are FileSystemHandle.move(). OPFS has no exclusive create and no links, so those
// (git's lock-file protocol) run under a Web Lock named by the path: serialized against every other
// worker and tab of the origin. Directories have no mtime: theirs is a version of their listing.
import { concatBytes } from '../../util/bytes.js';
import type { DirEntry, FileStat, FileSystem, NewFile, RandomAccessFile } from '../ports.js';
import { listingVersion, partsOf, resolvePath } from './browser-fs.js';

// The little of OPFS and Web Locks used here, typed by hand: the project compiles without DOM types.
interface SyncAccessHandle {
  read(into: Uint8Array, options: { at: number }): number;
  write(bytes: Uint8Array, options: { at: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}
interface FileHandle {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<{ size: number; lastModified: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  createSyncAccessHandle(options?: { mode: 'readwrite' | 'read-only' }): Promise<SyncAccessHandle>;
  move(parent: DirectoryHandle, name: string): Promise<void>;
}
interface DirectoryHandle {
  readonly kind: 'directory';
  readonly name: string;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  values(): AsyncIterable<FileHandle | DirectoryHandle>;
}
interface Navigator {
  storage: { getDirectory(): Promise<DirectoryHandle> };
  locks: { request<T>(name: string, body: () => Promise<T>): Promise<T> };
}
const nav = (globalThis as unknown as { navigator: Navigator }).navigator;

function absent(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  // NotFoundError: no such entry; TypeMismatchError: a file where a directory is asked for, or the reverse
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

/** Writes `bytes` at `at` (the end with 'end') through a sync access handle, flushed and closed. */
async function writeWhole(handle: FileHandle, bytes: Uint8Array, at: number | 'end'): Promise<void> {
  const sync = await handle.createSyncAccessHandle();
  try {
    const start = at === 'end' ? sync.getSize() : at;
    for (let done = 0; done < bytes.length; ) done += sync.write(bytes.subarray(done), { at: start + done });
    sync.flush();
  } finally {
    sync.close();
  }
}

class OpfsFile implements RandomAccessFile {
  constructor(private handle: SyncAccessHandle | undefined) {}

  read(position: number, length: number): Uint8Array {
    const into = new Uint8Array(length);
    const n = this.open().read(into, { at: position });
    return n === length ? into : into.subarray(0, n);
  }

  size(): number {
    return this.open().getSize();
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }

  private open(): SyncAccessHandle {
    if (!this.handle) throw new Error('the file is closed');
    return this.handle;
  }
}

export class OpfsFileSystem implements FileSystem {
  /** files another worker held open when they were removed: removed again at the next remove() */
  private readonly held = new Set<string>();

  private constructor(private readonly root: DirectoryHandle) {}

  /** The origin's private file system (in a dedicated worker: sync access handles exist only there). */
  static async open(): Promise<OpfsFileSystem> {
    return new OpfsFileSystem(await nav.storage.getDirectory());
  }

  private async dir(path: string, create = false): Promise<DirectoryHandle | undefined> {
    let dir = this.root;
    for (const part of partsOf(path)) {
      const next = await orUndefined(dir.getDirectoryHandle(part, { create }));
      if (!next) return undefined;
      dir = next;
    }
    return dir;
  }

  /** The directory holding `path` and the name in it; undefined when that directory is absent. */
  private async parent(path: string, create = false): Promise<{ dir: DirectoryHandle; name: string } | undefined> {
    const parts = partsOf(path);
    const name = parts.pop();
    if (name === undefined) return undefined;
    const dir = await this.dir(`/${parts.join('/')}`, create);
    return dir && { dir, name };
  }

  private async entry(path: string): Promise<FileHandle | DirectoryHandle | undefined> {
    const at = await this.parent(path);
    if (!at) return partsOf(path).length === 0 ? this.root : undefined;
    return (await orUndefined<FileHandle | DirectoryHandle>(at.dir.getFileHandle(at.name))) ?? (await orUndefined(at.dir.getDirectoryHandle(at.name)));
  }

  private async file(path: string): Promise<FileHandle | undefined> {
    const at = await this.parent(path);
    return at && orUndefined(at.dir.getFileHandle(at.name));
  }

  /** Runs `body` holding the origin-wide lock on `path`: exclusive creates and appends. */
  private locked<T>(path: string, body: () => Promise<T>): Promise<T> {
    return nav.locks.request(`gitmodel-opfs:${resolvePath(path)}`, body);
  }

  resolve(...paths: string[]): string {
    return resolvePath(...paths);
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const handle = await this.file(path);
    // another worker may remove the file between any two of these steps: gone is undefined, as ENOENT is on Node
    const file = handle && (await orUndefined(handle.getFile()));
    return file && orUndefined(file.arrayBuffer().then((buffer) => new Uint8Array(buffer)));
  }

  async open(path: string): Promise<RandomAccessFile | undefined> {
    const handle = await this.file(path);
    // read-only handles: many readers (other workers) may have the same pack open
    const sync = handle && (await orUndefined(handle.createSyncAccessHandle({ mode: 'read-only' })));
    return sync && new OpfsFile(sync);
  }

  async stat(path: string): Promise<FileStat | undefined> {
    const entry = await this.entry(path);
    if (!entry) return undefined;
    if (entry.kind === 'directory') return { isDirectory: true, size: 0, mtimeMs: listingVersion((await this.list(path)).map((e) => e.name)) };
    const file = await orUndefined(entry.getFile());
    return file && { isDirectory: false, size: file.size, mtimeMs: file.lastModified };
  }

  async list(path: string): Promise<DirEntry[]> {
    const dir = await this.dir(path);
    if (!dir) return [];
    const out: DirEntry[] = [];
    try {
      for await (const entry of dir.values()) out.push({ name: entry.name, isDirectory: entry.kind === 'directory' });
    } catch (error) {
      if (absent(error)) return []; // the directory went while it was listed
      throw error;
    }
    return out;
  }

  async mkdirp(path: string): Promise<void> {
    await this.dir(path, true);
  }

  createFile(path: string): Promise<NewFile | undefined> {
    return this.locked(path, async () => {
      const at = await this.parent(path, true);
      if (!at || (await this.entry(path))) return undefined;
      const handle = await at.dir.getFileHandle(at.name, { create: true });
      const sync = await handle.createSyncAccessHandle();
      let size = 0;
      let open = true;
      const close = () => {
        if (open) sync.close();
        open = false;
      };
      return {
        write(bytes: Uint8Array) {
          for (let done = 0; done < bytes.length; ) done += sync.write(bytes.subarray(done), { at: size + done });
          size += bytes.length;
        },
        async close(durable: boolean) {
          try {
            if (durable) sync.flush();
          } finally {
            close();
          }
        },
        abort: async () => {
          close();
          await this.remove(path);
        },
      };
    });
  }

  link(from: string, to: string): Promise<boolean> {
    // no links in OPFS: `to` is created (exclusively, under its lock) as a copy of the finished `from`
    return this.locked(to, async () => {
      if (await this.entry(to)) return false;
      const data = await this.readFile(from);
      if (!data) throw new Error(`${from}: no such file`);
      const at = (await this.parent(to, true))!;
      await writeWhole(await at.dir.getFileHandle(at.name, { create: true }), data, 0);
      return true;
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const entry = await this.entry(from);
    if (!entry) throw new Error(`${from}: no such file or directory`);
    const at = (await this.parent(to, true))!;
    // move() replaces a file at the destination (a ref renamed over its old value)
    if (entry.kind === 'file') return entry.move(at.dir, at.name);
    // Chromium cannot move a directory (a new repository built beside its place): it is copied,
    // each folder's files after its subfolders, so HEAD appears last and a copy cut short is not
    // taken for a repository; then the original goes
    if (await this.entry(to)) throw new Error(`${to} exists`);
    await this.copyDirectory(entry, await at.dir.getDirectoryHandle(at.name, { create: true }));
    await this.removeDirectory(from, { recursive: true });
  }

  private async copyDirectory(from: DirectoryHandle, to: DirectoryHandle): Promise<void> {
    const files: FileHandle[] = [];
    for await (const entry of from.values()) {
      if (entry.kind === 'directory') await this.copyDirectory(entry, await to.getDirectoryHandle(entry.name, { create: true }));
      else files.push(entry);
    }
    for (const file of files) {
      const data = new Uint8Array(await (await file.getFile()).arrayBuffer());
      await writeWhole(await to.getFileHandle(file.name, { create: true }), data, 0);
    }
  }

  async syncDirectory(): Promise<void> {
    // OPFS has no directory flush: a move is atomic by specification, and files are flushed before it
  }

  append(path: string, bytes: Uint8Array): Promise<void> {
    return this.locked(path, async () => {
      const at = (await this.parent(path, true))!;
      await writeWhole(await at.dir.getFileHandle(at.name, { create: true }), bytes, 'end');
    });
  }

  async remove(path: string): Promise<void> {
    for (const held of [...this.held]) if (await this.tryRemove(held)) this.held.delete(held);
    if (!(await this.tryRemove(path))) this.held.add(resolvePath(path));
  }

  /**
   * Removes a file; false when another worker holds it open (a pack it reads, with its sync access
   * handle: OPFS, unlike POSIX, cannot unlink an open file). Such a file is removed by a later
   * remove() of this file system, once the other side closed it (its pack set lets go of a pack
   * whose index is gone): maintenance removes a pack's index first, so no reader finds the pack.
   */
  private async tryRemove(path: string): Promise<boolean> {
    const at = await this.parent(path);
    try {
      if (at) await at.dir.removeEntry(at.name);
      return true;
    } catch (error) {
      if (absent(error)) return true;
      if ((error as { name?: string }).name === 'NoModificationAllowedError') return false;
      throw error;
    }
  }

  async removeDirectory(path: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    const at = await this.parent(path);
    if (!at || (await this.entry(path))?.kind !== 'directory') return false;
    try {
      await at.dir.removeEntry(at.name, { recursive: options.recursive ?? false });
      return true;
    } catch (error) {
      // InvalidModificationError: not empty
      if ((error as { name?: string }).name === 'InvalidModificationError' || absent(error)) return false;
      throw error;
    }
  }
}

