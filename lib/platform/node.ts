// The platform on Node: node:crypto for sha1 and unique names, node:zlib for deflate, inflate and
// crc32, node:async_hooks for async context. With lib/git/fs/node-fs.ts, the only files that
// import Node's built-ins. Results are handed out as plain Uint8Arrays (views of Node's Buffers),
// so no Buffer, whose slice() shares memory, travels further.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as nodeCrypto from 'node:crypto';
import { hostname } from 'node:os';
import { crc32, deflateSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { CorruptObjectError } from '../errors.js';
import { inflateZlib } from '../util/inflate.js';
import type { Platform } from './platform.js';

function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

const { createHash, randomBytes } = nodeCrypto;
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
/** joining the parts of a larger object would cost more than the Hash object saves */
const ONE_SHOT_MAX = 64 * 1024;

const STORE: ZlibOptions = { level: 0 };
const FAST: ZlibOptions = { level: 1 };
// Most of a small deflate's cost is setting up zlib's state: an input under 4 KiB needs no larger
// window, and a 4 KiB window with memLevel 2 sets up ~20% faster with the same output.
const FAST_SMALL: ZlibOptions = { level: 1, windowBits: 12, memLevel: 2 };

/** Up to this output size inflateAt decodes in JavaScript; above it, zlib's speed per byte wins
 *  (a 14 KB folder took 1/8 of the time, and a push of 900 such folders spent most of its walk
 *  inflating them in JavaScript). Measured again on JSON data files, CPU per inflate with the
 *  garbage each leaves: JavaScript 9 / 12 / 14 / 21 µs at 128 / 256 / 512 / 1,024 bytes, zlib
 *  13 / 16 / 14 / 16 µs (its stream object per call): an index build's ~400-byte files inflate
 *  here, ~15% of the build's CPU. */
const SMALL_INFLATE = 512;

export const nodePlatform: Platform = {
  sha1(...parts) {
    // a small object (most of them) in one call of crypto.hash (Node 20.12+), without a Hash
    // object: ~4x faster than createHash for a 100-byte blob
    if (oneShot) {
      if (parts.length === 1) return oneShot('sha1', parts[0], 'hex');
      let total = 0;
      for (const part of parts) total += part.length;
      if (total <= ONE_SHOT_MAX) {
        const joined = new Uint8Array(total);
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.length;
        }
        return oneShot('sha1', joined, 'hex');
      }
    }
    const hash = createHash('sha1');
    for (const part of parts) hash.update(part);
    return hash.digest('hex');
  },
  sha1Hasher() {
    const hash = createHash('sha1');
    return {
      update: (data) => void hash.update(data),
      digest: () => plain(hash.digest()),
    };
  },
  deflate(data, level) {
    if (level !== 0 && data.length < 4096) {
      // an output buffer of about the input's size, not zlib's default 16 KiB chunk: a 16 KiB
      // allocation per small object (tens of thousands in an import) fragments the native heap
      // (peak RSS) and costs ~20% of the call; a larger output just takes a second chunk
      return plain(deflateSync(data, { ...FAST_SMALL, chunkSize: Math.max(64, data.length + 64) }));
    }
    return plain(deflateSync(data, level === 0 ? STORE : FAST));
  },
  inflate(data, size) {
    // with the size known, one output buffer instead of 16 KiB chunks concatenated
    return plain(size === undefined ? inflateSync(data) : inflateSync(data, { chunkSize: Math.max(64, size) }));
  },
  inflateAt(data, offset, size, where, into, intoAt) {
    // small entries (most of a pack) in JavaScript: inflateSync's per-call setup costs more than
    // their data (lib/util/inflate.ts)
    if (size !== undefined && size <= SMALL_INFLATE) {
      try {
        return inflateZlib(data, offset, size, into, intoAt);
      } catch (error) {
        throw new CorruptObjectError({ path: where ?? `zlib stream at ${offset}`, reason: `does not inflate (${(error as Error).message})` });
      }
    }
    // info: the engine's bytesWritten is the input it consumed, which ends where the stream ends
    const input = data.subarray(offset);
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      // with the size known, output stops there: a stream that inflates further (a zlib bomb) fails at once
      const options: ZlibOptions & { info: true } = { info: true, ...(size === undefined ? {} : { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) }) };
      result = inflateSync(input, options) as unknown as typeof result;
    } catch (error) {
      throw new CorruptObjectError({ path: where ?? `zlib stream at ${offset}`, reason: `does not inflate (${(error as Error).message})` });
    }
    if (size !== undefined && result.buffer.length !== size) {
      throw new CorruptObjectError({ path: where ?? `zlib stream at ${offset}`, reason: `${result.buffer.length} bytes, not the stated ${size}` });
    }
    // a stream cut short throws above ("unexpected end of file"): bytes consumed end at its Adler-32
    return { data: plain(result.buffer), consumed: result.engine.bytesWritten };
  },
  crc32(data) {
    return crc32(data) >>> 0;
  },
  randomId() {
    return `${process.pid}-${randomBytes(6).toString('hex')}`;
  },
  asyncContext: <T>() => new AsyncLocalStorage<T>(),
  environment: () => process.env,
  hostname: () => hostname(),
};
