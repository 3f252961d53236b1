// pkt-lines and side-band-64k (lib/git/remote/pkt-line.ts): encoding as git does, decoding
// whatever the chunk boundaries, special packets, damaged lengths, a cut stream, band 2 and 3.
import { describe, expect, it } from 'vitest';
import { RemoteProtocolError, RemoteUnreachableError } from '../lib/git/remote/errors.js';
import { FLUSH_PKT, PacketReader, PktLineDecoder, packetText, pktLine, sideBand, type Packet } from '../lib/git/remote/pkt-line.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);
const show = (p: Packet) => (typeof p === 'string' ? p : dec.decode(p));

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('pkt-line encoding', () => {
  it('writes the length in four lower-case hex digits, itself included', () => {
    expect(dec.decode(pktLine('want 1234\n'))).toBe('000ewant 1234\n');
    expect(dec.decode(pktLine(''))).toBe('0004');
    expect(dec.decode(FLUSH_PKT)).toBe('0000');
    expect(dec.decode(pktLine('x'.repeat(65516))).slice(0, 4)).toBe('fff0');
    expect(() => pktLine(new Uint8Array(65517))).toThrow(RangeError);
  });

  it('packetText drops one trailing newline', () => {
    expect(packetText(bytes('NAK\n'))).toBe('NAK');
    expect(packetText(bytes('NAK'))).toBe('NAK');
  });
});

describe('the streaming decoder', () => {
  const stream = concat([
    pktLine('# service=git-upload-pack\n'),
    FLUSH_PKT,
    pktLine('hello\n'),
    bytes('0001'),
    pktLine(''),
    bytes('0002'),
    pktLine(new Uint8Array(70_000 % 65516).fill(7)),
    FLUSH_PKT,
  ]);
  const expected = ['# service=git-upload-pack\n', 'flush', 'hello\n', 'delim', '', 'response-end', '\x07'.repeat(70_000 % 65516), 'flush'];

  it('gives the same packets whatever the chunk boundaries (every split point, and byte by byte)', () => {
    for (let cut = 0; cut <= stream.length; cut += cut < 64 ? 1 : 97) {
      const d = new PktLineDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))].map(show);
      expect(got, `split at ${cut}`).toEqual(expected);
      expect(d.partial).toBe(false);
    }
    const d = new PktLineDecoder();
    const got: Packet[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)));
    expect(got.map(show)).toEqual(expected);
  });

  it('hands out views of the chunk for packets inside it', () => {
    const chunk = pktLine('abc');
    const [p] = new PktLineDecoder().push(chunk) as Uint8Array[];
    expect(p.buffer).toBe(chunk.buffer);
  });

  it('refuses a length that is not hex, or impossible', () => {
    expect(() => new PktLineDecoder().push(bytes('00zzabc'))).toThrow(RemoteProtocolError);
    expect(() => new PktLineDecoder().push(bytes('0003'))).toThrow(/impossible length 3/);
    expect(() => new PktLineDecoder().push(bytes('fff1'))).toThrow(/impossible length/);
    const err = (() => {
      try {
        new PktLineDecoder().push(bytes('<htm'));
      } catch (e) {
        return e as RemoteProtocolError;
      }
    })();
    expect(err?.data.reason).toBe('pkt-line');
  });

  it('a PacketReader reports a body that ends inside a packet as a cut connection', async () => {
    const whole = pktLine('hello world\n');
    const reader = new PacketReader(chunks(whole.subarray(0, 7)), { url: 'http://x/r.git', phase: 'receive' });
    const err = await reader.next().catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data).toMatchObject({ phase: 'receive', cause: 'cut' });
  });

  it('a PacketReader turns a failing body into RemoteUnreachableError with its code', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield pktLine('a');
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    }
    const reader = new PacketReader(failing(), { url: 'http://x/r.git', phase: 'negotiate' });
    expect(show((await reader.next())!)).toBe('a');
    const err = await reader.next().catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data).toMatchObject({ phase: 'negotiate', cause: 'ECONNRESET' });
  });
});

describe('side-band-64k', () => {
  const band = (n: number, payload: Uint8Array | string) => pktLine(concat([new Uint8Array([n]), typeof payload === 'string' ? bytes(payload) : payload]));

  it('yields band 1, hands band 2 to onMessage, stops at the flush', async () => {
    const messages: string[] = [];
    const reader = new PacketReader(chunks(band(2, 'Counting objects\r'), band(1, 'PACK'), band(1, 'more'), FLUSH_PKT, pktLine('after')), { url: 'u', phase: 'receive' });
    const data: string[] = [];
    for await (const d of sideBand(reader, { onMessage: (t) => messages.push(t) })) data.push(dec.decode(d));
    expect(data).toEqual(['PACK', 'more']);
    expect(messages).toEqual(['Counting objects\r']);
    expect(show((await reader.next())!)).toBe('after');
  });

  it('band 3 is a RemoteProtocolError carrying the server message', async () => {
    const reader = new PacketReader(chunks(band(1, 'PA'), band(3, 'upload-pack: not our ref 1234\n')), { url: 'u', phase: 'receive' });
    const err = await (async () => {
      for await (const _ of sideBand(reader)) {
        // consumed
      }
    })().catch((e) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect(err.data).toMatchObject({ reason: 'server-error', detail: 'upload-pack: not our ref 1234' });
  });

  it('an unknown band is a protocol error, a missing flush a cut connection', async () => {
    const drain = async (r: PacketReader) => {
      for await (const _ of sideBand(r)) {
        // consumed
      }
    };
    const unknown = await drain(new PacketReader(chunks(band(5, 'x')), { url: 'u', phase: 'receive' })).catch((e) => e);
    expect(unknown.data.reason).toBe('side-band');
    const cut = await drain(new PacketReader(chunks(band(1, 'x')), { url: 'u', phase: 'receive' })).catch((e) => e);
    expect(cut).toBeInstanceOf(RemoteUnreachableError);
  });
});
