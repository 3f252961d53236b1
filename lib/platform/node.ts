// The platform on Node: node:crypto for sha1 and unique names, node:zlib for deflate, inflate and
// crc32, node:worker_threads for a second thread that inflates, node:async_hooks for async
// context. With lib/git/fs/node-fs.ts, the only files that import Node's built-ins. Results are
// handed out as plain Uint8Arrays (views of Node's Buffers), so no Buffer, whose slice() shares
// memory, travels further.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { crc32, deflateSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { CorruptObjectError } from '../errors.js';
import { inflateZlib } from '../util/inflate.js';
import type { Platform } from './platform.js';

function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

type Crypto = typeof import('node:crypto') & { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string };
let loaded: Crypto | undefined;
/** node:crypto on first use: loading it starts ~20 of Node's internal modules (~5 ms), and a
 *  command that only reads (`gitmodel show`, `blame`) hashes nothing. */
function crypto(): Crypto {
  return (loaded ??= builtin('node:crypto') as Crypto);
}

/** A built-in module loaded when first needed. getBuiltinModule from Node 20.16; before, a require
 *  made here (the CLI's bundle defines import.meta.url). */
function builtin(name: string): unknown {
  return process.getBuiltinModule?.(name) ?? createRequire(import.meta.url)(name);
}
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

/** Platform.inflateAt through node:zlib. */
function zlibInflateAt(data: Uint8Array, offset: number, size: number | undefined, where: string | undefined): { data: Uint8Array; consumed: number } {
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
}

// The worker's whole program (no file of its own, so it runs the same from lib/ and dist/): zlib's
// inflate per stream, each checked for its size, the outputs joined into one transferred buffer.
const INFLATE_WORKER = `
const { parentPort } = require('node:worker_threads');
const { inflateSync } = require('node:zlib');
parentPort.on('message', ({ id, data, starts, sizes }) => {
  try {
    let total = 0;
    for (let i = 0; i < sizes.length; i++) total += sizes[i];
    const out = new Uint8Array(total);
    for (let i = 0, at = 0; i < sizes.length; at += sizes[i++]) {
      const size = sizes[i];
      const got = inflateSync(data.subarray(starts[i], starts[i + 1]), { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) });
      if (got.length !== size) throw new Error('stream ' + i + ' inflates to ' + got.length + ' bytes, not ' + size);
      out.set(got, at);
    }
    parentPort.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

/** The one inflating worker, started on first use; it keeps the process alive only while it has work. */
class InflateWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (out: Uint8Array) => void; reject: (error: Error) => void }>();

  run(data: Uint8Array, starts: Uint32Array, sizes: Uint32Array): Promise<Uint8Array> {
    const worker = this.worker ?? this.start();
    const id = this.next++;
    const done = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    // a view of part of a larger buffer is copied: only a buffer of its own can be handed over
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    worker.postMessage({ id, data: own, starts, sizes }, [own.buffer as ArrayBuffer]);
    return done;
  }

  private start(): Worker {
    // node:worker_threads loaded here: only an index build uses it, and a command should not pay for it
    const { Worker: WorkerClass } = builtin('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new WorkerClass(INFLATE_WORKER, { eval: true });
    worker.unref();
    worker.on('message', ({ id, out, error }: { id: number; out?: Uint8Array; error?: string }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (out) waiting?.resolve(out);
      else waiting?.reject(new Error(error));
    });
    // a worker that dies (out of memory, terminated) fails what it held; the next call starts another
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inflating worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

const inflateWorker = new InflateWorker();

export const nodePlatform: Platform = {
  sha1(...parts) {
    // a small object (most of them) in one call of crypto.hash (Node 20.12+), without a Hash
    // object: ~4x faster than createHash for a 100-byte blob
    const { hash: oneShot, createHash } = crypto();
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
    const hash = crypto().createHash('sha1');
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
    return zlibInflateAt(data, offset, size, where);
  },
  inflateMany: (data, starts, sizes) => inflateWorker.run(data, starts, sizes),
  crc32(data) {
    return crc32(data) >>> 0;
  },
  randomId() {
    return `${process.pid}-${crypto().randomBytes(6).toString('hex')}`;
  },
  asyncContext: <T>() => new AsyncLocalStorage<T>(),
  environment: () => process.env,
  hostname: () => hostname(),
};

/**
 * The platform for a process that reads a little and exits (the `gitmodel` command): every inflate
 * through zlib. JavaScript's inflate is the faster only once V8 has optimized it; a command that
 * inflates a few hundred small objects runs it cold, mostly interpreted (a blame of 101 versions
 * took ~15% fewer instructions in all with zlib alone).
 */
export const shortLivedNodePlatform: Platform = { ...nodePlatform, inflateAt: zlibInflateAt };
