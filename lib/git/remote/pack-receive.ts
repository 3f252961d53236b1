// Receiving a pack from a server: its bytes streamed to a sink (a temporary file, as they
// arrive, never the whole pack in memory) while its header is checked and every byte hashed, so
// that a cut or damaged transfer is refused before anything is indexed or any ref moves. The
// sink is closed only after the trailer matched and aborted otherwise. Indexing the objects
// (every object hashed, deltas resolved, connectivity) is the sink's job, with lib/git's pack
// reader: this file needs no storage.
import { readUInt32BE, toHex } from '../../util/bytes.js';
import { RemoteProtocolError } from './errors.js';

/** A streaming sha1 (lib/platform's Sha1Hasher has this shape). */
export interface Sha1Hasher {
  update(data: Uint8Array): void;
  /** the 20-byte digest */
  digest(): Uint8Array;
}

/** Where the pack's bytes go, in order, trailer included. */
export interface PackSink {
  write(chunk: Uint8Array): void | Promise<void>;
  /** Every byte was written and the trailer matched: index, rename, publish. */
  close(received: ReceivedPack): void | Promise<void>;
  /** The transfer failed or was damaged: throw the bytes away (the error follows to the caller). */
  abort(reason: unknown): void | Promise<void>;
}

export interface ReceivedPack {
  /** pack format version: 2 or 3 */
  version: number;
  /** the object count the header announces (checked against the entries by the indexer) */
  objects: number;
  /** bytes received, header and trailer included */
  bytes: number;
  /** the trailer: sha1 of every byte before it, hex */
  checksum: string;
}

const HEADER = 12;
const TRAILER = 20;

/**
 * Streams a pack to `sink`, checking its header and its trailer sha1. Returns what was received
 * after `sink.close()`; on any failure (the stream's own, a bad header, a checksum mismatch, the
 * sink's) calls `sink.abort()` and throws: RemoteProtocolError 'pack-header' / 'pack-truncated' /
 * 'pack-checksum', or the stream's error (a lost connection) as it is.
 */
export async function receivePack(
  pack: AsyncIterable<Uint8Array>,
  sink: PackSink,
  options: { hasher: () => Sha1Hasher; url?: string },
): Promise<ReceivedPack> {
  const hash = options.hasher();
  const head = new Uint8Array(HEADER);
  /** the last 20 bytes seen: the trailer, once the stream ends; hashed when more bytes follow */
  const tail = new Uint8Array(TRAILER);
  let tailLength = 0;
  let bytes = 0;
  let objects = -1;
  let version = 0;
  try {
    for await (const chunk of pack) {
      if (chunk.length === 0) continue;
      if (bytes < HEADER) {
        const take = Math.min(HEADER - bytes, chunk.length);
        head.set(chunk.subarray(0, take), bytes);
        if (bytes + take === HEADER) ({ version, objects } = readHeader(head, options.url));
      }
      bytes += chunk.length;
      await sink.write(chunk);
      // hash everything but the last 20 bytes, which may be the trailer
      if (chunk.length >= TRAILER) {
        if (tailLength > 0) hash.update(tail.subarray(0, tailLength));
        hash.update(chunk.subarray(0, chunk.length - TRAILER));
        tail.set(chunk.subarray(chunk.length - TRAILER));
        tailLength = TRAILER;
      } else {
        const overflow = tailLength + chunk.length - TRAILER;
        if (overflow > 0) {
          hash.update(tail.subarray(0, overflow));
          tail.copyWithin(0, overflow, tailLength);
          tailLength -= overflow;
        }
        tail.set(chunk, tailLength);
        tailLength += chunk.length;
      }
    }
    if (bytes < HEADER + TRAILER) {
      throw new RemoteProtocolError({ url: options.url, reason: 'pack-truncated', detail: `${bytes} bytes are no pack` });
    }
    const expected = toHex(hash.digest());
    const trailer = toHex(tail);
    if (expected !== trailer) {
      throw new RemoteProtocolError({ url: options.url, reason: 'pack-checksum', detail: `trailer ${trailer}, bytes hash to ${expected}` });
    }
    const received: ReceivedPack = { version, objects, bytes, checksum: trailer };
    await sink.close(received);
    return received;
  } catch (error) {
    try {
      await sink.abort(error);
    } catch {
      // the transfer's error is the one to report
    }
    throw error;
  }
}

function readHeader(head: Uint8Array, url: string | undefined): { version: number; objects: number } {
  const magic = head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x43 && head[3] === 0x4b; // "PACK"
  const version = readUInt32BE(head, 4);
  const objects = readUInt32BE(head, 8);
  if (!magic || (version !== 2 && version !== 3)) {
    throw new RemoteProtocolError({ url, reason: 'pack-header', detail: `not a version 2 or 3 pack (starts ${toHex(head, 0, 8)})` });
  }
  return { version, objects };
}
