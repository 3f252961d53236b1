// A repository kept in memory (dulwich's MemoryObjectStore and DictRefsContainer): for tests, for
// short-lived work, and as the second implementation that keeps the storage seam honest. Objects
// are copied on the way in and on the way out, so no caller shares bytes with the store; refs
// move by compare-and-swap as on disk; there is no working tree and no reflog.
import { InvalidRefNameError, RefNotFoundError, StaleBranchError } from '../../errors.js';
import { GitConfig, canonicalKey } from '../config.js';
import { isOid, type GitObject, type PendingObject } from '../object.js';
import type { ConfigEdit, DerivedFiles, ObjectDatabase, RefStore, RefUpdate, RepositoryBackend } from '../ports.js';
import { transactionProblem } from '../ref-names.js';
import { findEntry, INDEX_ABOVE, TreeOffsets } from '../tree-entry.js';
import type { TreeEntry } from '../tree.js';

export class MemoryObjectDatabase implements ObjectDatabase {
  private readonly objects = new Map<string, GitObject>();

  async read(oid: string): Promise<GitObject | undefined> {
    const object = this.objects.get(oid);
    return object && { type: object.type, content: object.content.slice() };
  }

  async has(oid: string): Promise<boolean> {
    return this.objects.has(oid);
  }

  async write(objects: readonly PendingObject[]): Promise<void> {
    // copied and checked first, stored after: all or nothing
    const copies = objects.map((o) => {
      if (!isOid(o.oid)) throw new TypeError(`${JSON.stringify(o.oid)} is not an oid`);
      return [o.oid, { type: o.type, content: o.content.slice() }] as const;
    });
    for (const [oid, object] of copies) if (!this.objects.has(oid)) this.objects.set(oid, object);
  }

  async expand(prefix: string): Promise<string | undefined> {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]{4,40}$/.test(p)) return undefined;
    let found: string | undefined;
    for (const oid of this.objects.keys()) {
      if (!oid.startsWith(p)) continue;
      if (found !== undefined) return undefined;
      found = oid;
    }
    return found;
  }

  /** Searched in the stored bytes, which are never handed out; with `table`, a large tree through
   *  a table of offsets over a copy, which the caller keeps for the next lookups. */
  async readTreeEntry(tree: string, name: string, table = true): Promise<{ entry?: TreeEntry; offsets?: TreeOffsets } | undefined> {
    const object = this.objects.get(tree);
    if (!object || object.type !== 'tree') return undefined;
    if (!table || object.content.length <= INDEX_ABOVE) return { entry: findEntry(object.content, name, tree) };
    const offsets = new TreeOffsets(object.content.slice(), tree);
    return { entry: offsets.find(name), offsets };
  }

  /** How many objects are stored. */
  get size(): number {
    return this.objects.size;
  }
}

type RefValue = { oid: string } | { symbolic: string };

export class MemoryRefStore implements RefStore {
  private readonly refs = new Map<string, RefValue>();

  constructor(initialBranch = 'main') {
    this.refs.set('HEAD', { symbolic: `refs/heads/${initialBranch}` });
  }

  async read(name: string): Promise<string | null> {
    let value = this.refs.get(name);
    for (let depth = 0; value && 'symbolic' in value; depth++) {
      if (depth === 5) throw new RefNotFoundError({ ref: name }, 'symbolic ref loop');
      value = this.refs.get(value.symbolic);
    }
    return value ? value.oid : null;
  }

  async symbolicTarget(name: string): Promise<string | undefined> {
    const value = this.refs.get(name);
    return value && 'symbolic' in value ? value.symbolic : undefined;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.refs.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  async update(name: string, next: string, expected: string | null, _log?: unknown, after?: Promise<unknown>): Promise<void> {
    await after;
    if (expected === null) await this.assertNoClash(name);
    this.check(name, expected, await this.read(name));
    // as on disk, the ref named is written: HEAD itself is detached, never the branch it names
    this.refs.set(name, { oid: next });
  }

  async delete(name: string, expected: string): Promise<void> {
    this.check(name, expected, await this.read(name));
    this.refs.delete(name);
  }

  async transaction(updates: readonly RefUpdate[]): Promise<void> {
    const problem = transactionProblem(updates, this.refs.keys());
    if (problem) throw new InvalidRefNameError(problem);
    // nothing is awaited between the checks and the writes: no other writer comes in between
    for (const u of updates) {
      const value = this.refs.get(u.name);
      this.check(u.name, u.expected, value && 'oid' in value ? value.oid : null);
    }
    for (const u of updates) {
      if (u.next === null) this.refs.delete(u.name);
      else this.refs.set(u.name, { oid: u.next });
    }
  }

  async assertNoClash(name: string): Promise<void> {
    const parts = name.split('/');
    for (let n = 3; n < parts.length; n++) {
      const above = parts.slice(0, n).join('/');
      if (this.refs.has(above)) throw clash(name, above);
    }
    const below = await this.list(`${name}/`);
    if (below.length) throw clash(name, below[0]);
  }

  private check(name: string, expected: string | null, actual: string | null): void {
    if (actual !== expected) throw new StaleBranchError({ branch: name.replace(/^refs\/heads\//, ''), expected, actual });
  }
}

function clash(name: string, existing: string): InvalidRefNameError {
  return new InvalidRefNameError({
    name,
    reason: `it clashes with the existing ref ${existing}: git keeps refs as files, so a name cannot also be a folder of others`,
  });
}

export interface MemoryBackendOptions {
  /** the branch HEAD names (default 'main') */
  initialBranch?: string;
  /** config entries, `section.key` or `section.sub.key` → value: `{ 'user.name': 'Ada' }` */
  config?: Readonly<Record<string, string>>;
}

/** A repository in memory: objects, refs and config, nothing on disk. */
export class MemoryBackend implements RepositoryBackend {
  readonly objects = new MemoryObjectDatabase();
  readonly refs: MemoryRefStore;
  readonly describe = 'a repository in memory';
  private settings: GitConfig;
  private readonly derivedFiles = new Map<string, Uint8Array>();
  /** Derived files (query indexes) in a map, copied in and out like objects. */
  readonly derived: DerivedFiles = {
    read: async (name) => this.derivedFiles.get(name)?.slice(),
    write: async (name, bytes) => void this.derivedFiles.set(name, bytes.slice()),
    remove: async (name) => void this.derivedFiles.delete(name),
    list: async (folder) =>
      [...this.derivedFiles.keys()]
        .filter((name) => name.startsWith(`${folder}/`) && !name.slice(folder.length + 1).includes('/'))
        .map((name) => name.slice(folder.length + 1))
        .sort(),
  };

  constructor(options: MemoryBackendOptions = {}) {
    this.refs = new MemoryRefStore(options.initialBranch);
    this.settings = new GitConfig(Object.entries(options.config ?? {}).map(([key, value]) => ({ key: canonicalKey(key), value })));
  }

  async config(): Promise<GitConfig> {
    return this.settings;
  }

  async checkedOut(): Promise<ReadonlyMap<string, string>> {
    return new Map();
  }

  /** Replaces or removes config sections in the map. */
  async editConfig(edits: readonly ConfigEdit[]): Promise<void> {
    let entries = [...this.settings.entries];
    for (const edit of edits) {
      const prefix = canonicalKey(`${edit.section}.${edit.subsection === undefined ? '' : `${edit.subsection}.`}x`).slice(0, -1);
      entries = entries.filter((e) => !(e.key.startsWith(prefix) && !e.key.slice(prefix.length).includes('.')));
      for (const [key, value] of edit.entries ?? []) entries.push({ key: canonicalKey(`${prefix}${key}`), value });
    }
    this.settings = new GitConfig(entries);
  }
}
