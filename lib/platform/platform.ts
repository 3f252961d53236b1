// What gitmodel asks of its host besides storage: hashing, zlib, checksums, unique names, async
// context and the environment. Types only: lib/platform/node.ts implements them with Node's
// built-ins; a browser's implementation can use WebAssembly or JavaScript ones. Every primitive but
// inflateMany (another thread) is synchronous, because the hot paths (hashing a tree, inflating a
// pack entry) do no I/O.

/** The environment git reads (GIT_AUTHOR_NAME, HOME, GIT_CONFIG_GLOBAL, ...). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A sha1 computed over data given in pieces (a pack is hashed as it is written). */
export interface Sha1Hasher {
  update(data: Uint8Array): void;
  /** the 20-byte digest; the hasher is done after this */
  digest(): Uint8Array;
}

/** Values carried along an async call chain (AsyncLocalStorage's shape). */
export interface AsyncContext<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

export interface Platform {
  /** sha1 of the parts joined, as 40 lower-case hex digits */
  sha1(...parts: Uint8Array[]): string;
  /** a streaming sha1 */
  sha1Hasher(): Sha1Hasher;
  /**
   * zlib format (RFC 1950). Level 0 stores (large trees, docs/PERFORMANCE.md), 1 compresses fast;
   * an implementation may use a smaller window for small inputs (the output stays valid zlib).
   */
  deflate(data: Uint8Array, level: 0 | 1): Uint8Array;
  /**
   * zlib format. `size`, when known (pack entries), is the exact output size; bytes after the end
   * of the stream are ignored (a pack reader passes a window that runs past the entry).
   */
  inflate(data: Uint8Array, size?: number): Uint8Array;
  /**
   * Inflates the one zlib stream starting at `data[offset]` and says where it ended: `consumed` is
   * its compressed length (header, deflate data, Adler-32). Bytes after it are left alone, so a
   * pack's entries are walked with one inflate each. `size`, when known, is the exact output size.
   * A damaged or cut stream, or one of another size, throws CorruptObjectError (path: `where`). lib/util/inflate.ts does this in
   * plain JavaScript for a host whose zlib does not report it. `into`: a buffer the output may be
   * written to from `intoAt` when `size` fits there (the returned `data` is then a view of it; an
   * implementation may also ignore it and allocate).
   */
  inflateAt(data: Uint8Array, offset: number, size?: number, where?: string, into?: Uint8Array, intoAt?: number): { data: Uint8Array; consumed: number };
  /**
   * Inflates several zlib streams on another thread (Node: a worker), so a bulk read uses a second
   * core: stream i starts at `starts[i]` in `data` and inflates to exactly `sizes[i]` bytes (bytes
   * after its end, up to `starts[i + 1]`, are ignored). Resolves to the outputs one after another;
   * rejects when any stream does not inflate to its size (the caller then reads those entries one
   * at a time, for the error). `data` may be transferred (detached). Absent on a host without
   * workers: callers inflate on their own thread with `inflateAt`.
   */
  inflateMany?(data: Uint8Array, starts: Uint32Array, sizes: Uint32Array): Promise<Uint8Array>;
  /** CRC-32 (as zlib computes it), unsigned */
  crc32(data: Uint8Array): number;
  /** a name part unlikely to be used by any other process or call (temporary and lock files) */
  randomId(): string;
  /**
   * Makes a store carried along async calls (AsyncLocalStorage on Node); absent where the host has
   * none. Each call makes a new one.
   */
  readonly asyncContext?: <T>() => AsyncContext<T>;
  /** the process environment (Node: process.env), read at each call; absent where there is none */
  environment?(): Environment;
  /** this host's name (Node: os.hostname()); absent where there is none (a browser) */
  hostname?(): string;
}
