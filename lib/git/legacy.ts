// The object-store and ref calls of before the storage seam, kept while their callers in
// workspace/ and model/ move to Repository's own methods and the RefStore port. Removed after.
import { CorruptObjectError } from '../errors.js';
import type { GitObject, PendingObject } from './object.js';
import type { MaintenanceResult, RefStore } from './ports.js';
import type { Person } from './person.js';
import type { TreeEntry } from './tree.js';

interface CachedReads {
  tryReadObject(oid: string): Promise<GitObject | undefined>;
  hasObject(oid: string): Promise<boolean>;
  writeObjects(objects: readonly PendingObject[]): Promise<void>;
  readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined>;
  expand(prefix: string): Promise<string | undefined>;
  maintain(options?: { full?: boolean }): Promise<MaintenanceResult>;
}

export interface LegacyObjects {
  read(oid: string): Promise<GitObject>;
  tryRead(oid: string): Promise<GitObject | undefined>;
  has(oid: string): Promise<boolean>;
  write(objects: readonly PendingObject[]): Promise<void>;
  readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined>;
  expand(prefix: string): Promise<string | undefined>;
  maintain(options?: { full?: boolean }): Promise<MaintenanceResult>;
}

export function legacyObjects(repo: CachedReads): LegacyObjects {
  return {
    async read(oid) {
      const object = await repo.tryReadObject(oid);
      if (!object) throw new CorruptObjectError({ path: oid, reason: 'object is missing from the repository' });
      return object;
    },
    tryRead: (oid) => repo.tryReadObject(oid),
    has: (oid) => repo.hasObject(oid),
    write: (objects) => repo.writeObjects(objects),
    readTreeEntry: (tree, name) => repo.readTreeEntry(tree, name),
    expand: (prefix) => repo.expand(prefix),
    maintain: (options) => repo.maintain(options),
  };
}

export interface LegacyRefs extends Omit<RefStore, 'update' | 'clearStaleLocks'> {
  update(name: string, next: string, expected: string | null, who?: Person, message?: string): Promise<void>;
  clearStaleLocks(olderThanMs?: number): Promise<string[]>;
}

export function legacyRefs(refs: RefStore): LegacyRefs {
  return {
    read: (name) => refs.read(name),
    symbolicTarget: (name) => refs.symbolicTarget(name),
    list: (prefix) => refs.list(prefix),
    update: (name, next, expected, who, message = '') => refs.update(name, next, expected, who && { who, message }),
    delete: (name, expected) => refs.delete(name, expected),
    assertNoClash: (name) => refs.assertNoClash(name),
    clearStaleLocks: async (olderThanMs) => (await refs.clearStaleLocks?.(olderThanMs)) ?? [],
  };
}
