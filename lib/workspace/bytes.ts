// Copies of file bytes at the boundary between callers and the store, so that no buffer is ever
// shared between them: the index keeps copies of what it is given, readers hand out copies of
// what the index and the object cache hold.

/** A copy for the store to keep: a buffer of its own, shared with nothing. */
export function storeCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Small copies cut from slabs that hold nothing but copies of one kind, as Node's Buffer pool
 * does: a new ArrayBuffer per copy costs ~3 µs and ~150 bytes of bookkeeping, more than a
 * small file or tree itself.
 */
class Slabs {
  private slab: ArrayBuffer | undefined;
  private used = 0;

  constructor(private readonly size: number) {}

  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > this.size / 8) return new Uint8Array(bytes);
    if (!this.slab || this.used + bytes.length > this.size) {
      this.slab = new ArrayBuffer(this.size);
      this.used = 0;
    }
    const copy = new Uint8Array(this.slab, this.used, bytes.length);
    copy.set(bytes);
    this.used += (bytes.length + 7) & ~7;
    return copy;
  }
}

/** Copies handed to callers: a caller who reaches past its view through `.buffer` finds other callers' copies, never the store's bytes. */
const callerSlabs = new Slabs(32 * 1024);

/** A copy for a caller: its bytes are the caller's to change. */
export function callerCopy(bytes: Uint8Array): Uint8Array {
  return callerSlabs.copy(bytes);
}

/** Stored trees the index keeps as bytes (a folder written ahead of its commit): never handed to callers. */
const treeSlabs = new Slabs(64 * 1024);

/** A copy of a small stored tree's bytes for the index to keep. */
export function keptTreeCopy(bytes: Uint8Array): Uint8Array {
  return treeSlabs.copy(bytes);
}
