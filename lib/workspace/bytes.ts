// Copies of file bytes at the boundary between callers and the store, so that no buffer is ever
// shared between them: the index keeps copies of what it is given, readers hand out copies of
// what the index and the object cache hold.

/** A copy for the store to keep: a buffer of its own, shared with nothing. */
export function storeCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Small copies handed to callers are cut from slabs that hold nothing but such copies, as Node's
 * Buffer pool does (a new ArrayBuffer per read costs ~3 µs, most of a warm read): a caller who
 * reaches past its view through `.buffer` finds other callers' copies, never the store's bytes.
 */
const SLAB = 32 * 1024;
const SMALL = SLAB / 8;
let slab: ArrayBuffer | undefined;
let used = 0;

/** A copy for a caller: its bytes are the caller's to change. */
export function callerCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.length > SMALL) return new Uint8Array(bytes);
  if (!slab || used + bytes.length > SLAB) {
    slab = new ArrayBuffer(SLAB);
    used = 0;
  }
  const copy = new Uint8Array(slab, used, bytes.length);
  copy.set(bytes);
  used += (bytes.length + 7) & ~7;
  return copy;
}
