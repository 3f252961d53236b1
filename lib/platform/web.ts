// The platform in a browser (a page or a worker): SHA-1 in JavaScript (lib/util/sha1.ts), zlib by
// fflate, CRC-32 from a table, random ids from crypto.getRandomValues. No Node built-in and no
// async context: a browser has no AsyncLocalStorage, so transactions take an explicit handle
// (workspace/mutex.ts). Nothing runs at import: the CRC table is built at the first call.
import { unzlibSync, zlibSync } from 'fflate';
import { CorruptObjectError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { inflateZlib } from '../util/inflate.js';
import { Sha1, sha1Hex } from '../util/sha1.js';
import type { Platform } from './platform.js';

let crcTable: Uint32Array | undefined;

function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The Web Crypto API's one synchronous call, typed here: the project compiles without DOM types. */
const webCrypto = (globalThis as unknown as { crypto: { getRandomValues<T extends Uint8Array>(array: T): T } }).crypto;

export const webPlatform: Platform = {
  sha1: sha1Hex,
  sha1Hasher() {
    const hash = new Sha1();
    return { update: (data) => void hash.update(data), digest: () => hash.digest() };
  },
  deflate(data, level) {
    // fflate's mem 1..2 (a 4 KiB-ish hash table) sets up faster for small inputs, as Node's FAST_SMALL does
    return zlibSync(data, { level, mem: data.length < 4096 ? 2 : 8 });
  },
  inflate(data, size) {
    // with the size known, fflate writes into one buffer of that size (~10x faster than growing);
    // the trailing bytes of a window are ignored: inflating stops at the stream's last block
    return size === undefined ? unzlibSync(data) : unzlibSync(data, { out: new Uint8Array(size) });
  },
  inflateAt(data, offset, size, where, into, intoAt) {
    // fflate does not say where a stream ends; lib/util/inflate.ts does (the Node platform's small-entry path)
    try {
      return inflateZlib(data, offset, size, into, intoAt);
    } catch (error) {
      throw new CorruptObjectError({ path: where ?? `zlib stream at ${offset}`, reason: `does not inflate (${(error as Error).message})` });
    }
  },
  crc32,
  randomId() {
    return toHex(webCrypto.getRandomValues(new Uint8Array(8)));
  },
};
