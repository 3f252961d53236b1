// git's pkt-line framing, which every message of the smart protocol is made of: encoding, a
// streaming decoder (chunks in as they arrive, packets out, a packet split across chunks put
// together), and the side-band-64k demultiplexer that separates pack data from progress text and
// fatal errors. Payloads are handed out as views of the received chunks where a packet lies
// inside one chunk, so a pack streams through without being copied twice.
import type { AbortSignalLike } from './http-client.js';
import { fromUtf8, utf8 } from '../../util/bytes.js';
import { GitModelError } from '../../errors.js';
import { RemoteProtocolError, RemoteUnreachableError, type RemotePhase } from './errors.js';

/** The largest packet git sends or accepts: 4 length digits + 65516 bytes (LARGE_PACKET_MAX). */
export const MAX_PACKET = 65520;

/** Packets that carry no data: "0000" (flush), "0001" (delim, protocol v2), "0002" (response end, v2). */
export type SpecialPacket = 'flush' | 'delim' | 'response-end';

/** A data packet's payload, or a special packet. */
export type Packet = Uint8Array | SpecialPacket;

const HEX = '0123456789abcdef';

/** One data packet: its length in 4 hex digits, then the bytes (a string is sent as UTF-8). */
export function pktLine(data: string | Uint8Array): Uint8Array {
  const payload = typeof data === 'string' ? utf8(data) : data;
  const length = payload.length + 4;
  if (length > MAX_PACKET) throw new RangeError(`a pkt-line holds at most ${MAX_PACKET - 4} bytes, not ${payload.length}`);
  const out = new Uint8Array(length);
  out[0] = HEX.charCodeAt(length >> 12);
  out[1] = HEX.charCodeAt((length >> 8) & 15);
  out[2] = HEX.charCodeAt((length >> 4) & 15);
  out[3] = HEX.charCodeAt(length & 15);
  out.set(payload, 4);
  return out;
}

/** The flush packet "0000": the end of a list. */
export const FLUSH_PKT: Uint8Array = utf8('0000');

/** A data packet's text without its trailing newline (git's packet_read with PACKET_READ_CHOMP_NEWLINE). */
export function packetText(packet: Uint8Array): string {
  const end = packet.length > 0 && packet[packet.length - 1] === 10 ? packet.length - 1 : packet.length;
  return fromUtf8(packet, 0, end);
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** The length a 4-digit header at `bytes[at]` announces; a RemoteProtocolError when it is not one. */
function headerLength(bytes: Uint8Array, at: number): number {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const digit = hexDigit(bytes[at + i]);
    if (digit < 0) {
      throw new RemoteProtocolError({ reason: 'pkt-line', detail: `bad length ${JSON.stringify(fromUtf8(bytes.subarray(at, at + 4)))}` });
    }
    length = length * 16 + digit;
  }
  if (length === 3 || length > MAX_PACKET) {
    throw new RemoteProtocolError({ reason: 'pkt-line', detail: `impossible length ${length}` });
  }
  return length;
}

/**
 * Turns a byte stream into packets, whatever the chunk boundaries: feed chunks with push(), each
 * returning the packets completed by it; `partial` says whether bytes of an unfinished packet are
 * held (a stream that ends then was cut).
 */
export class PktLineDecoder {
  /** the unfinished packet: its header (4 bytes) until the length is known, then the whole packet */
  private carry: Uint8Array | undefined;
  private filled = 0;

  get partial(): boolean {
    return this.carry !== undefined;
  }

  push(chunk: Uint8Array): Packet[] {
    const out: Packet[] = [];
    let at = 0;
    if (this.carry !== undefined) {
      at = this.fillCarry(chunk, out);
      if (this.carry !== undefined) return out;
    }
    while (at < chunk.length) {
      if (chunk.length - at < 4) {
        this.carry = new Uint8Array(4);
        this.carry.set(chunk.subarray(at));
        this.filled = chunk.length - at;
        break;
      }
      const length = headerLength(chunk, at);
      if (length < 4) {
        out.push(length === 0 ? 'flush' : length === 1 ? 'delim' : 'response-end');
        at += 4;
      } else if (at + length <= chunk.length) {
        out.push(chunk.subarray(at + 4, at + length));
        at += length;
      } else {
        this.carry = new Uint8Array(length);
        this.carry.set(chunk.subarray(at));
        this.filled = chunk.length - at;
        break;
      }
    }
    return out;
  }

  /** Completes the carried packet from the start of `chunk`; returns how many bytes it took. */
  private fillCarry(chunk: Uint8Array, out: Packet[]): number {
    let carry = this.carry!;
    let at = 0;
    if (carry.length === 4 && this.filled < 4) {
      // the header itself was split
      const take = Math.min(4 - this.filled, chunk.length);
      carry.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      at = take;
      if (this.filled < 4) return at;
      const length = headerLength(carry, 0);
      if (length <= 4) {
        this.carry = undefined;
        out.push(length === 0 ? 'flush' : length === 1 ? 'delim' : length === 2 ? 'response-end' : new Uint8Array(0));
        return at;
      }
      const whole = new Uint8Array(length);
      whole.set(carry);
      carry = this.carry = whole;
    }
    const take = Math.min(carry.length - this.filled, chunk.length - at);
    carry.set(chunk.subarray(at, at + take), this.filled);
    this.filled += take;
    if (this.filled === carry.length) {
      this.carry = undefined;
      out.push(carry.subarray(4));
    }
    return at + take;
  }
}

/**
 * Packets pulled one at a time from a response body. A body that fails (a reset, an abort) or
 * ends inside a packet is a RemoteUnreachableError for `phase` with the URL (the connection was
 * lost); an abort is rethrown as the signal's reason.
 */
export class PacketReader {
  private readonly decoder = new PktLineDecoder();
  private readonly iterator: AsyncIterator<Uint8Array>;
  private queue: Packet[] = [];
  private head = 0;
  private ended = false;

  constructor(
    body: AsyncIterable<Uint8Array>,
    private readonly where: { url: string; phase: RemotePhase; signal?: AbortSignalLike },
  ) {
    this.iterator = body[Symbol.asyncIterator]();
  }

  /** The phase a lost connection is reported in from now on. */
  set phase(phase: RemotePhase) {
    this.where.phase = phase;
  }

  /** The next packet, or undefined at the end of the body. */
  async next(): Promise<Packet | undefined> {
    while (this.head === this.queue.length) {
      if (this.ended) return undefined;
      let step: IteratorResult<Uint8Array>;
      try {
        step = await this.iterator.next();
      } catch (error) {
        throw lostConnection(error, this.where);
      }
      if (step.done) {
        this.ended = true;
        if (this.decoder.partial) throw this.cut('the response ended inside a pkt-line');
        return undefined;
      }
      this.queue = this.decoder.push(step.value);
      this.head = 0;
    }
    return this.queue[this.head++];
  }

  /** The next packet, which must be there: the end of the body here means the response was cut. */
  async expect(what: string): Promise<Packet> {
    const packet = await this.next();
    if (packet === undefined) throw this.cut(`the response ended before ${what}`);
    return packet;
  }

  /** Stops reading: the rest of the body is not wanted (frees the connection). */
  async close(): Promise<void> {
    this.ended = true;
    await this.iterator.return?.();
  }

  cut(detail: string): RemoteUnreachableError {
    return new RemoteUnreachableError({ url: this.where.url, phase: this.where.phase, cause: 'cut' }, new Error(detail));
  }
}

/**
 * A transport failure as this layer reports it: an error with an errno-like `code` (any
 * HttpClient's: ECONNREFUSED, ECONNRESET, ...) or a TypeError (fetch's "failed to fetch") is the
 * remote being unreachable; an abort is rethrown as the signal's reason; anything else (our typed
 * errors, a failing request body) passes through as it is.
 */
export function lostConnection(error: unknown, where: { url: string; phase: RemotePhase; signal?: AbortSignalLike }): unknown {
  if (where.signal?.aborted) return where.signal.reason;
  if (error instanceof GitModelError || !(error instanceof Error) || error.name === 'AbortError') return error;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' && !(error instanceof TypeError)) return error;
  return new RemoteUnreachableError({ url: where.url, phase: where.phase, cause: typeof code === 'string' ? code : 'network' }, error);
}

/** Band numbers of side-band-64k: the pack, progress text for a human, a fatal error. */
const BAND_DATA = 1;
const BAND_PROGRESS = 2;
const BAND_ERROR = 3;

/**
 * Demultiplexes side-band packets up to the flush that ends them: yields band 1's bytes (views,
 * not copies), hands band 2's text to `onMessage`, and turns band 3 into a RemoteProtocolError
 * ('server-error'). A body that ends before the flush was cut (RemoteUnreachableError).
 */
export async function* sideBand(
  reader: PacketReader,
  options: { url?: string; onMessage?: (text: string) => void; skipAcks?: boolean } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  let started = false;
  for (;;) {
    const packet = await reader.expect('the end of the side-band stream');
    if (packet === 'flush') return;
    // more ACK/NAK lines may precede the pack when several haves were common (upload-pack's
    // stateless answer to `done`); they are negotiation, not bands
    if (options.skipAcks && !started && typeof packet !== 'string' && /^(ACK [0-9a-f]{40}( \w+)?|NAK)\n?$/.test(fromUtf8(packet))) continue;
    started = true;
    if (typeof packet === 'string' || packet.length === 0) {
      throw new RemoteProtocolError({ url: options.url, reason: 'side-band', detail: `unexpected ${typeof packet === 'string' ? packet : 'empty'} packet` });
    }
    const band = packet[0];
    if (band === BAND_DATA) {
      if (packet.length > 1) yield packet.subarray(1);
    } else if (band === BAND_PROGRESS) {
      options.onMessage?.(fromUtf8(packet, 1));
    } else if (band === BAND_ERROR) {
      throw new RemoteProtocolError({ url: options.url, reason: 'server-error', detail: fromUtf8(packet, 1).trim() });
    } else {
      throw new RemoteProtocolError({ url: options.url, reason: 'side-band', detail: `unknown band ${band}` });
    }
  }
}
