// Packs made by hand for fetch tests, and an HTTP client that serves one: hostile or broken packs
// reach the fetch exactly as a server would send them.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodeEntryHeader } from '../lib/git/fs/pack-format.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { FLUSH_PKT, pktLine } from '../lib/git/remote/pkt-line.js';

export const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A pack of raw entries: each its header and bytes as given (already deflated). */
export function pack(entries: Uint8Array[]): Uint8Array {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const body = concat([head, ...entries]);
  return concat([body, createHash('sha1').update(body).digest()]);
}

/** An object's loose form hashed: its oid (hex) and its pack entry (undeltified). */
export function entryOf(type: 'blob' | 'tree' | 'commit', content: Uint8Array): { oid: string; entry: Uint8Array } {
  const code = { commit: 1, tree: 2, blob: 3 }[type];
  const oid = createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
  return { oid, entry: concat([encodeEntryHeader(code, content.length), deflateSync(content)]) };
}

/** A client that advertises `main` at `tip` and answers any fetch with `packBytes`. */
export function serving(tip: string, packBytes: Uint8Array): HttpClient {
  return {
    async request(req) {
      const service = /service=(git-[a-z-]+)/.exec(req.url)?.[1];
      const lines: Uint8Array[] = service
        ? [pktLine(`# service=${service}\n`), FLUSH_PKT, pktLine(`${tip} refs/heads/main\0side-band-64k ofs-delta\n`), FLUSH_PKT]
        : [pktLine('NAK\n'), ...chunks(packBytes).map((c) => pktLine(concat([Uint8Array.from([1]), c]))), FLUSH_PKT];
      return {
        url: req.url,
        statusCode: 200,
        statusMessage: 'OK',
        headers: { 'content-type': service ? `application/x-${service}-advertisement` : 'application/x-git-upload-pack-result' },
        body: (async function* () {
          yield* lines;
        })(),
      };
    },
  };
}

function chunks(bytes: Uint8Array, size = 60_000): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}
