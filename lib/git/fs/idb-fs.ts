// A FileSystem in IndexedDB, for a page's main thread (where OPFS has no synchronous access): a
// git directory (GitDirBackend) runs on it unchanged. Files are whole values keyed by path, and
// directories are records of their own; every operation that must be atomic — an exclusive create,
// a link, a rename (of a directory too: a new repository appears whole), an append — is one
// IndexedDB transaction, which also serializes it against other tabs. A file opened for
// positional reads (a pack) is read whole once and sliced in memory. Each write transaction asks
// for 'strict' durability (flushed before it completes).
import { concatBytes } from '../../util/bytes.js';
import type { DirEntry, FileStat, FileSystem, NewFile, RandomAccessFile } from '../ports.js';
import { Chunks, listingVersion, memoryFile, partsOf, resolvePath } from './browser-fs.js';

// The little of IndexedDB used here, typed by hand: the project compiles without DOM types.
interface Request<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
type KeyRange = unknown;
interface Store {
  get(key: string): Request<unknown>;
  put(value: unknown, key: string): Request<unknown>;
  delete(key: string | KeyRange): Request<unknown>;
  getAllKeys(range: KeyRange): Request<string[]>;
}
interface Transaction {
  objectStore(name: string): Store;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  readonly error: unknown;
  abort(): void;
}
interface Database {
  transaction(stores: string[], mode: 'readonly' | 'readwrite', options?: { durability: 'strict' | 'relaxed' }): Transaction;
  createObjectStore(name: string): unknown;
  close(): void;
}
interface OpenRequest extends Request<Database> {
  onupgradeneeded: (() => void) | null;
}
interface Globals {
  indexedDB: { open(name: string, version: number): OpenRequest; deleteDatabase(name: string): Request<unknown> };
  IDBKeyRange: { bound(lower: string, upper: string): KeyRange };
}
const web = globalThis as unknown as Globals;

const FILES = 'files';
const DIRS = 'dirs';

interface FileRecord {
  data: Uint8Array;
  mtimeMs: number;
}

function request<T>(r: Request<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** The keys strictly below a directory (children and deeper). */
function below(dir: string): KeyRange {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  return web.IDBKeyRange.bound(prefix, `${prefix}\uffff`);
}

function childName(dir: string, key: string): string | undefined {
  const rest = key.slice(dir === '/' ? 1 : dir.length + 1);
  return rest.includes('/') ? undefined : rest;
}

/** One transaction's stores. */
interface Stores {
  files: Store;
  dirs: Store;
}

export class IndexedDbFileSystem implements FileSystem {
  private constructor(
    private readonly db: Database,
    /** the database's name, for messages */
    readonly name: string,
  ) {}

  /** Opens (creating) the IndexedDB database `name` as a file system. */
  static async open(name = 'gitmodel'): Promise<IndexedDbFileSystem> {
    const r = web.indexedDB.open(name, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(FILES);
      r.result.createObjectStore(DIRS);
    };
    return new IndexedDbFileSystem(await request(r), name);
  }

  /** Deletes the database `name` and everything in it. */
  static async destroy(name = 'gitmodel'): Promise<void> {
    await request(web.indexedDB.deleteDatabase(name));
  }

  close(): void {
    this.db.close();
  }

  /** Runs `body` in one transaction and resolves once that transaction has completed. */
  private async run<T>(mode: 'readonly' | 'readwrite', body: (s: Stores) => Promise<T>): Promise<T> {
    const t = this.db.transaction([FILES, DIRS], mode, { durability: 'strict' });
    const done = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
    let result: T;
    try {
      result = await body({ files: t.objectStore(FILES), dirs: t.objectStore(DIRS) });
    } catch (error) {
      done.catch(() => {});
      try {
        t.abort();
      } catch {
        // already finished
      }
      throw error;
    }
    await done;
    return result;
  }

  private async exists(s: Stores, path: string): Promise<'file' | 'dir' | undefined> {
    if ((await request(s.files.get(path))) !== undefined) return 'file';
    if (path === '/' || (await request(s.dirs.get(path))) !== undefined) return 'dir';
    return undefined;
  }

  /** Records every directory above `path` (and `path` itself with `self`). */
  private async mkdirs(s: Stores, path: string, self: boolean): Promise<void> {
    const parts = partsOf(path);
    for (let i = 1; i <= parts.length - (self ? 0 : 1); i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if ((await request(s.files.get(dir))) !== undefined) throw new Error(`${dir} is a file, not a directory`);
      await request(s.dirs.put({ mtimeMs: Date.now() }, dir));
    }
  }

  private async children(s: Stores, dir: string): Promise<DirEntry[]> {
    const [files, dirs] = await Promise.all([request(s.files.getAllKeys(below(dir))), request(s.dirs.getAllKeys(below(dir)))]);
    const out: DirEntry[] = [];
    for (const key of files) {
      const name = childName(dir, key);
      if (name !== undefined) out.push({ name, isDirectory: false });
    }
    for (const key of dirs) {
      const name = childName(dir, key);
      if (name !== undefined) out.push({ name, isDirectory: true });
    }
    return out;
  }

  resolve(...paths: string[]): string {
    return resolvePath(...paths);
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const record = await this.run('readonly', (s) => request(s.files.get(resolvePath(path))));
    return (record as FileRecord | undefined)?.data;
  }

  async open(path: string): Promise<RandomAccessFile | undefined> {
    const data = await this.readFile(path);
    return data && memoryFile(data);
  }

  stat(path: string): Promise<FileStat | undefined> {
    const abs = resolvePath(path);
    return this.run('readonly', async (s) => {
      const file = (await request(s.files.get(abs))) as FileRecord | undefined;
      if (file) return { isDirectory: false, size: file.data.length, mtimeMs: file.mtimeMs };
      if ((await this.exists(s, abs)) !== 'dir') return undefined;
      return { isDirectory: true, size: 0, mtimeMs: listingVersion((await this.children(s, abs)).map((e) => e.name)) };
    });
  }

  list(dir: string): Promise<DirEntry[]> {
    return this.run('readonly', (s) => this.children(s, resolvePath(dir)));
  }

  mkdirp(dir: string): Promise<void> {
    return this.run('readwrite', (s) => this.mkdirs(s, dir, true));
  }

  async createFile(path: string): Promise<NewFile | undefined> {
    const abs = resolvePath(path);
    const created = await this.run('readwrite', async (s) => {
      if ((await this.exists(s, abs)) !== undefined) return false;
      await this.mkdirs(s, abs, false);
      // the name is taken now, empty, so a second exclusive create fails while this one is written
      await request(s.files.put({ data: new Uint8Array(0), mtimeMs: Date.now() } satisfies FileRecord, abs));
      return true;
    });
    if (!created) return undefined;
    const chunks = new Chunks();
    return {
      write: (bytes) => chunks.push(bytes),
      close: async () => {
        await this.run('readwrite', (s) => request(s.files.put({ data: chunks.join(), mtimeMs: Date.now() } satisfies FileRecord, abs)));
      },
      abort: () => this.remove(abs),
    };
  }

  link(from: string, to: string): Promise<boolean> {
    const [src, dst] = [resolvePath(from), resolvePath(to)];
    return this.run('readwrite', async (s) => {
      if ((await this.exists(s, dst)) !== undefined) return false;
      const record = (await request(s.files.get(src))) as FileRecord | undefined;
      if (!record) throw new Error(`${src}: no such file`);
      await request(s.files.put({ data: record.data, mtimeMs: Date.now() } satisfies FileRecord, dst));
      return true;
    });
  }

  rename(from: string, to: string): Promise<void> {
    const [src, dst] = [resolvePath(from), resolvePath(to)];
    return this.run('readwrite', async (s) => {
      const kind = await this.exists(s, src);
      if (kind === undefined) throw new Error(`${src}: no such file or directory`);
      await this.mkdirs(s, dst, false);
      if (kind === 'file') {
        const record = (await request(s.files.get(src))) as FileRecord;
        await request(s.files.put(record, dst));
        await request(s.files.delete(src));
        return;
      }
      // a directory (a new repository built beside its place) moves whole, in this one transaction
      if ((await this.exists(s, dst)) !== undefined) throw new Error(`${dst} exists`);
      for (const store of [s.files, s.dirs]) {
        for (const key of await request(store.getAllKeys(below(src)))) {
          await request(store.put(await request(store.get(key)), dst + key.slice(src.length)));
        }
        await request(store.delete(below(src)));
      }
      await request(s.dirs.put({ mtimeMs: Date.now() }, dst));
      await request(s.dirs.delete(src));
    });
  }

  async syncDirectory(): Promise<void> {
    // every write transaction is 'strict': nothing is left to flush
  }

  append(path: string, bytes: Uint8Array): Promise<void> {
    const abs = resolvePath(path);
    return this.run('readwrite', async (s) => {
      const record = (await request(s.files.get(abs))) as FileRecord | undefined;
      const data = concatBytes([record?.data ?? new Uint8Array(0), bytes]);
      await request(s.files.put({ data, mtimeMs: Date.now() } satisfies FileRecord, abs));
    });
  }

  remove(path: string): Promise<void> {
    return this.run('readwrite', async (s) => void (await request(s.files.delete(resolvePath(path)))));
  }

  removeDirectory(path: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    const abs = resolvePath(path);
    return this.run('readwrite', async (s) => {
      if ((await this.exists(s, abs)) !== 'dir') return false;
      if (options.recursive) {
        await request(s.files.delete(below(abs)));
        await request(s.dirs.delete(below(abs)));
      } else if ((await this.children(s, abs)).length > 0) return false;
      await request(s.dirs.delete(abs));
      return true;
    });
  }
}
