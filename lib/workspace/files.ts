// Plain files outside every model (python-gitmodel's add_blob / remove): staged in the same index
// as the objects and committed with them. A model's folder belongs to its objects, so a path
// inside one is refused.
import { FileNotFoundError, UnsafePathError } from '../errors.js';
import { pathProblem } from '../git/path-names.js';
import type { Transaction } from './mutex.js';
import type { TreeReader } from './snapshot.js';
import type { StageOp } from './staged-tree.js';

/** What the files need from their workspace. */
export interface FilesHost {
  readonly autoCommit: boolean;
  /** the model whose folder (or layout) the path belongs to, if any */
  modelAt(path: string): string | undefined;
  /** whether a folder is the folder all of one model's objects live in */
  isModelFolder(path: string): boolean;
  reader(at?: string): Promise<TreeReader>;
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>, tx?: Transaction): Promise<T>;
  transaction(fn: (tx: Transaction) => unknown, options: { message: string; author?: FileWriteOptions['author']; tx?: Transaction }): Promise<string | null>;
}

export interface FileWriteOptions {
  /** commit right away (default: only stage, unless the workspace was opened with `autoCommit`) */
  commit?: boolean;
  message?: string;
  author?: { name: string; email: string; date?: Date; tzOffset?: number };
  /** the transaction this write is made in (needed where the host has no async context: browsers) */
  tx?: Transaction;
}

export class Files {
  constructor(private readonly host: FilesHost) {}

  /** Stages a file (bytes, or a string written as UTF-8), replacing what is there. */
  async write(path: string, content: Uint8Array | string, options: FileWriteOptions = {}): Promise<string | null> {
    this.assertPlain(path);
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new UnsafePathError({ path, reason: 'the content is a Uint8Array or a string' });
    }
    // a copy taken now (not Buffer#slice, which shares memory): the caller may change theirs
    // while this write waits for the index
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
    if (options.commit ?? this.host.autoCommit) {
      return this.host.transaction((tx) => this.write(path, data, { ...options, commit: false, tx }), {
        message: options.message ?? `Write ${path}`,
        author: options.author,
        tx: options.tx,
      });
    }
    await this.host.exclusive(async (stage) => {
      const reader = await this.host.reader();
      if ((await reader.stat(path)) === 'dir') throw new UnsafePathError({ path, reason: 'a folder is there' });
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const above = parts.slice(0, i).join('/');
        const stat = await reader.stat(above);
        if (stat === undefined) break;
        if (stat !== 'dir') throw new UnsafePathError({ path, reason: `${above} is a file, not a folder` });
      }
      await stage([{ path, data }]);
    }, options.tx);
    return null;
  }

  /** The file's bytes, staged changes included (or as of `at`); FileNotFoundError when absent. */
  async read(path: string, options: { at?: string } = {}): Promise<Uint8Array> {
    this.assertPlain(path);
    const reader = await this.host.reader(options.at);
    const stat = await reader.stat(path);
    if (!stat || stat === 'dir') throw new FileNotFoundError({ path, at: options.at });
    return (await reader.readFile(path))!; // readers hand out copies
  }

  /** The file as UTF-8 text. */
  async readText(path: string, options: { at?: string } = {}): Promise<string> {
    return new TextDecoder().decode(await this.read(path, options));
  }

  async exists(path: string, options: { at?: string } = {}): Promise<boolean> {
    this.assertPlain(path);
    const stat = await (await this.host.reader(options.at)).stat(path);
    return stat !== undefined && stat !== 'dir';
  }

  /** Stages the file's removal; FileNotFoundError when there is none. */
  async remove(path: string, options: FileWriteOptions = {}): Promise<string | null> {
    this.assertPlain(path);
    if (options.commit ?? this.host.autoCommit) {
      return this.host.transaction((tx) => this.remove(path, { ...options, commit: false, tx }), {
        message: options.message ?? `Remove ${path}`,
        author: options.author,
        tx: options.tx,
      });
    }
    await this.host.exclusive(async (stage) => {
      const stat = await (await this.host.reader()).stat(path);
      if (!stat || stat === 'dir') throw new FileNotFoundError({ path });
      await stage([{ path, remove: true }]);
    }, options.tx);
    return null;
  }

  /**
   * Paths of the plain files below a folder (default: all of them), sorted; the files of models'
   * objects are not listed. Staged changes included, or as of `at`.
   */
  async list(prefix = '', options: { at?: string } = {}): Promise<string[]> {
    const folder = prefix.replace(/\/+$/, '');
    if (folder !== '') {
      const problem = pathProblem(folder);
      if (problem) throw new UnsafePathError({ path: prefix, reason: problem });
    }
    const reader = await this.host.reader(options.at);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      if (this.host.isModelFolder(dir)) return;
      for (const [name, kind] of await reader.list(dir)) {
        const path = dir ? `${dir}/${name}` : name;
        if (kind === 'dir') await walk(path);
        else if (this.host.modelAt(path) === undefined) out.push(path);
      }
    };
    const stat = folder === '' ? 'dir' : await reader.stat(folder);
    if (stat === 'dir') await walk(folder);
    else if (stat && this.host.modelAt(folder) === undefined) out.push(folder);
    return out.sort();
  }

  private assertPlain(path: string): void {
    const problem = pathProblem(path);
    if (problem) throw new UnsafePathError({ path: String(path), reason: problem });
    const model = this.host.modelAt(path);
    if (model !== undefined) {
      throw new UnsafePathError({ path, model, reason: `it is inside the folder of model ${model}, whose objects own it: save it as a field (Field.blob()) or choose a path outside` });
    }
  }
}
