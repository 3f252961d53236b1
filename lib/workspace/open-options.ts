// What Workspace.open takes, checked before anything is read or created.
import { ConfigurationError } from '../errors.js';
import type { Durability } from '../git/ports.js';
import { branchNameProblem } from '../git/ref-names.js';
import { assertRefName } from './named-refs.js';
import { checkSignature, type Signature } from './signature.js';

export interface OpenOptions {
  /** create a bare repository when the path holds none (default true) */
  create?: boolean;
  /** the branch to read and commit (default: the one HEAD names, else `main`); a tag opens read-only */
  branch?: string;
  /** the default author of this workspace's commits (default: the author git would use: GIT_AUTHOR_NAME
   *  and GIT_AUTHOR_EMAIL, else author.* and user.* from the repository's, the user's and the system's
   *  config, else EMAIL; `gitmodel <gitmodel@localhost>` where git would find nothing) */
  author?: Signature;
  /**
   * 'fsync' (default): every object file and ref is flushed to disk before it is renamed into
   * place, and its directory after, so a commit that returned survives a power cut (see
   * docs/GUARANTEES.md). 'atomic': files are still written
   * whole and renamed into place (a killed process never corrupts the repository), but flushing
   * is left to the operating system, as git does by default for loose objects and refs; several
   * times faster per commit.
   */
  durability?: Durability;
  /** the largest file (a data file or a blob field's file) a save may stage, in bytes (default 100 MiB) */
  maxFileSize?: number;
  /**
   * A `branch` that does not exist in a repository with commits is a RefNotFoundError (a typo
   * would otherwise start an unrelated history); with `createBranch: true` it is created, at
   * `from` (any revision) or at HEAD's commit. An empty repository's first commit creates it anyway.
   */
  createBranch?: boolean;
  /** where `createBranch` creates the branch (default: HEAD's commit) */
  from?: string;
  /**
   * A missing `branch` is opened unborn, with no history of its own, and its first commit has no
   * parent (as `git switch --orphan`): a data branch beside a project's code, say.
   */
  orphan?: boolean;
  /**
   * Every save(), delete() and restore() is its own commit, as if `{ commit: true }` were given
   * (default false: they only stage, and ws.commit() commits). Inside ws.transaction() they still
   * only stage; the transaction commits once.
   */
  autoCommit?: boolean;
  /**
   * Model.find() refuses (UnindexedQueryError) a query that would read objects to filter or order
   * them because a field it names has no index: for CI and production (default false).
   */
  refuseScans?: boolean;
  /**
   * Bytes of memory the workspace's caches may hold (default 192 MiB): two thirds for decoded
   * data files (an object whose file has a few hundred bytes weighs ~1 KB decoded, so ~130,000
   * objects by default), a third for objects, trees and commits read. Larger keeps more of a big
   * repository decoded for repeated reads; smaller saves memory.
   */
  cacheSize?: number;
  /**
   * Bytes staging may hold in memory before it writes the staged files to the object store, ahead
   * of the commit and unreferenced until it: the files' bytes plus ~600 bytes a file for the nodes
   * that hold them. A spill also writes the small folders it completes (a folder per object) and
   * keeps each as its oid and bytes, so an import of a million objects in one commit holds no more
   * than this of their files and nodes, and ~250 bytes an object after that (not inside a
   * transaction, whose rollback needs the folders whole). Default 8 MiB: each spill's writing
   * makes garbage in proportion to it, and the V8 heap grows to hold it (peak RSS of a 100,000
   * object import under load: 502–510 MiB at 32 MiB, 355–398 MiB at 8 MiB). A discard leaves
   * them dangling, as git does.
   */
  stageMemory?: number;
}


/** git-pulsar's large-file guard: a repository is no place for files this large. */
const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;

const DEFAULT_CACHE_SIZE = 192 << 20;

const DEFAULT_STAGE_MEMORY = 8 << 20;

/** Refuses options that cannot work together, before anything is read or created; returns the file size limit, cache size and staging bound. */
export function checkOpenOptions(options: OpenOptions): { maxFileSize: number; cacheSize: number; stageMemory: number } {
  if (options.branch !== undefined) assertRefName(options.branch, branchNameProblem);
  if (options.author) checkSignature(options.author);
  if (options.durability !== undefined && !['fsync', 'atomic'].includes(options.durability)) {
    throw new ConfigurationError(`durability is 'fsync' or 'atomic', not ${JSON.stringify(options.durability)}`);
  }
  if (options.from !== undefined && !options.createBranch) {
    throw new ConfigurationError('from says where createBranch creates the branch: give { branch, createBranch: true, from }');
  }
  if (options.orphan && (options.createBranch || options.branch === undefined)) {
    throw new ConfigurationError('orphan opens a missing branch with no history: give { branch, orphan: true } without createBranch');
  }
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  if (typeof maxFileSize !== 'number' || !(maxFileSize > 0) || (!Number.isInteger(maxFileSize) && maxFileSize !== Infinity)) {
    throw new ConfigurationError(`maxFileSize is a number of bytes above 0 (or Infinity), not ${String(maxFileSize)}`);
  }
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (typeof cacheSize !== 'number' || !(cacheSize >= 0) || !Number.isFinite(cacheSize)) {
    throw new ConfigurationError(`cacheSize is a number of bytes (0 or more), not ${String(cacheSize)}`);
  }
  const stageMemory = options.stageMemory ?? DEFAULT_STAGE_MEMORY;
  if (typeof stageMemory !== 'number' || !(stageMemory >= 0)) {
    throw new ConfigurationError(`stageMemory is a number of bytes (0 or more, or Infinity), not ${String(stageMemory)}`);
  }
  return { maxFileSize, cacheSize, stageMemory };
}
