// zlib (RFC 1950) inflate in plain JavaScript, for small streams: a pack of 20,000 small entries
// is 20,000 inflates, and Node's inflateSync sets up a zlib stream object for each (tens of µs,
// more than the data takes); this decodes a 100-byte entry in a few µs. It also says where the
// stream ends, which a pack walk needs. Canonical Huffman decoding after RFC 1951: codes of up to
// 9 bits through a lookup table, longer ones bit by bit (as tinf does); stored, fixed and dynamic
// blocks, the Adler-32 checked. Any damage throws InflateError.

export class InflateError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InflateError';
  }
}

interface Tree {
  /** how many codes have each length 0..15 */
  counts: Uint16Array;
  /** symbols ordered by code */
  symbols: Uint16Array;
  /**
   * the codes of up to FAST bits by their next FAST input bits (LSB first): symbol << 4 | length;
   * 0 for a longer code, decoded bit by bit from `counts` and `symbols`
   */
  fast: Uint16Array;
  /** the table's width: FAST, or less when every code is shorter (fewer slots to fill) */
  mask: number;
}

const FAST = 9;
const FAST_MASK = (1 << FAST) - 1;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Scratch of build() and dynamicTrees(), made at the first inflate (nothing runs at import):
 * inflating is synchronous, so one set serves every call.
 */
interface Scratch {
  offsets: Uint16Array;
  lengths: Uint8Array;
  /** i's FAST bits reversed: a code of `len` bits, shifted up to FAST bits and reversed, is its slot */
  reversed: Uint16Array;
  /** the trees of a dynamic block, rebuilt by each */
  lit: Tree;
  dist: Tree;
  clen: Tree;
}
let scratch: Scratch | undefined;
function scratchOf(): Scratch {
  if (scratch) return scratch;
  const reversed = new Uint16Array(1 << FAST);
  for (let i = 0; i <= FAST_MASK; i++) {
    let r = 0;
    for (let bit = 0; bit < FAST; bit++) r |= ((i >> bit) & 1) << (FAST - 1 - bit);
    reversed[i] = r;
  }
  return (scratch = { offsets: new Uint16Array(16), lengths: new Uint8Array(288 + 32), reversed, lit: tree(288), dist: tree(30), clen: tree(19) });
}

function tree(size: number): Tree {
  return { counts: new Uint16Array(16), symbols: new Uint16Array(size), fast: new Uint16Array(1 << FAST), mask: FAST_MASK };
}

/** Fills `t` with the canonical code for these code lengths; throws on an over-subscribed set. */
function build(t: Tree, lengths: Uint8Array, from: number, count: number): void {
  t.counts.fill(0);
  for (let i = 0; i < count; i++) t.counts[lengths[from + i]]++;
  t.counts[0] = 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - t.counts[len];
    if (left < 0) throw new InflateError('invalid code lengths');
  }
  const { offsets, reversed: REVERSED } = scratchOf();
  for (let len = 1, sum = 0; len < 16; len++) {
    offsets[len] = sum;
    sum += t.counts[len];
  }
  for (let i = 0; i < count; i++) if (lengths[from + i]) t.symbols[offsets[lengths[from + i]]++] = i;
  // the lookup table: each short code, bit-reversed (deflate sends codes MSB first into an LSB-first
  // stream), in every slot whose low bits it is
  const counts = t.counts;
  let width = FAST;
  while (width > 1 && counts[width] === 0 && (width === FAST ? !hasLonger(counts) : true)) width--;
  const mask = (1 << width) - 1;
  const fast = t.fast;
  const symbols = t.symbols;
  fast.fill(0, 0, mask + 1);
  t.mask = mask;
  let code = 0;
  let index = 0;
  for (let len = 1; len <= width; len++) {
    for (let n = counts[len]; n > 0; n--, code++, index++) {
      const entry = (symbols[index] << 4) | len;
      for (let slot = REVERSED[code << (FAST - len)]; slot <= mask; slot += 1 << len) fast[slot] = entry;
    }
    code <<= 1;
  }
}

function hasLonger(counts: Uint16Array): boolean {
  for (let len = FAST + 1; len < 16; len++) if (counts[len]) return true;
  return false;
}

let fixed: { lit: Tree; dist: Tree } | undefined;
function fixedTrees(): { lit: Tree; dist: Tree } {
  if (fixed) return fixed;
  const lengths = new Uint8Array(288 + 30);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  lengths.fill(5, 288, 318);
  const lit = tree(288);
  const dist = tree(30);
  build(lit, lengths, 0, 288);
  build(dist, lengths, 288, 30);
  return (fixed = { lit, dist });
}

/**
 * The input as bits, LSB first. Whole bytes are read ahead (up to 32 bits held) so a code is found
 * with one table look-up; `end()` says where the consumed bits end.
 */
class Reader {
  bits = 0;
  count = 0;
  constructor(
    readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    const data = this.data;
    while (this.count <= 24 && this.pos < data.length) {
      this.bits |= data[this.pos++] << this.count;
      this.count += 8;
    }
  }

  take(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) {
      this.fill();
      if (this.count < n) throw new InflateError('unexpected end of stream');
    }
    const value = this.bits & ((1 << n) - 1);
    this.bits >>>= n;
    this.count -= n;
    return value;
  }

  decode(t: Tree): number {
    if (this.count < FAST) this.fill();
    const entry = t.fast[this.bits & t.mask];
    if (entry !== 0) {
      const len = entry & 15;
      if (len > this.count) throw new InflateError('unexpected end of stream');
      this.bits >>>= len;
      this.count -= len;
      return entry >> 4;
    }
    // a code longer than the table: bit by bit (canonical codes, as tinf decodes)
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.take(1);
      const count = t.counts[len];
      if (code - first < count) return t.symbols[index + code - first];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new InflateError('invalid code');
  }

  /** Drops the bits left of the current byte; the bytes read ahead are given back. */
  align(): void {
    this.pos -= this.count >> 3;
    this.bits = 0;
    this.count = 0;
  }
}

class Output {
  at: number;
  /** where output may end: the stated size's end, or the buffer's */
  end: number;
  constructor(
    public bytes: Uint8Array,
    private readonly fixedSize: boolean,
    /** where the output starts in `bytes` (a caller's buffer) */
    readonly start = 0,
    size = bytes.length - start,
  ) {
    this.at = start;
    this.end = start + size;
  }

  room(n: number): void {
    if (this.at + n <= this.end) return;
    if (this.fixedSize) throw new InflateError('more output than the stated size');
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    bigger.set(this.bytes.subarray(0, this.at));
    this.bytes = bigger;
    this.end = bigger.length;
  }
}

function adler32(data: Uint8Array, start: number, end: number): number {
  let a = 1;
  let b = 0;
  for (let i = start; i < end; ) {
    const stop = Math.min(i + 3800, end);
    for (; i < stop; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Decodes one block's symbols. The bit reader's and the output's state live in locals for the
 * loop (written back before a slow-path call and at the end): most of a pack's streams are under
 * 100 bytes, so this runs mostly before V8 optimizes it, where each property access and method
 * call per symbol cost more than the decoding.
 */
function inflateBlock(r: Reader, out: Output, lit: Tree, dist: Tree): void {
  const data = r.data;
  const n = data.length;
  let bits = r.bits;
  let count = r.count;
  let pos = r.pos;
  let bytes = out.bytes;
  let at = out.at;
  let end = out.end;
  // each turn decodes one symbol: a literal/length, or (after a length) its distance
  let tree = lit;
  let length = 0;
  for (;;) {
    while (count <= 24 && pos < n) {
      bits |= data[pos++] << count;
      count += 8;
    }
    let sym: number;
    const entry = tree.fast[bits & tree.mask];
    if (entry !== 0) {
      const len = entry & 15;
      if (len > count) throw new InflateError('unexpected end of stream');
      bits >>>= len;
      count -= len;
      sym = entry >> 4;
    } else {
      r.bits = bits;
      r.count = count;
      r.pos = pos;
      sym = r.decode(tree);
      ({ bits, count, pos } = r);
    }
    if (tree === lit) {
      if (sym < 256) {
        if (at >= end) {
          out.at = at;
          out.room(1);
          ({ bytes, end } = out);
        }
        bytes[at++] = sym;
        continue;
      }
      if (sym === 256) break;
      const l = sym - 257;
      if (l >= 29) throw new InflateError('invalid length code');
      const le = LENGTH_EXTRA[l];
      if (count < le) throw new InflateError('unexpected end of stream');
      length = LENGTH_BASE[l] + (bits & ((1 << le) - 1));
      bits >>>= le;
      count -= le;
      tree = dist;
      continue;
    }
    tree = lit;
    if (sym >= 30) throw new InflateError('invalid distance code');
    const extra = DIST_EXTRA[sym];
    if (extra > 0 && count < extra) {
      while (count <= 24 && pos < n) {
        bits |= data[pos++] << count;
        count += 8;
      }
    }
    if (count < extra) throw new InflateError('unexpected end of stream');
    const distance = DIST_BASE[sym] + (bits & ((1 << extra) - 1));
    bits >>>= extra;
    count -= extra;
    if (distance > at - out.start) throw new InflateError('distance too far back');
    if (at + length > end) {
      out.at = at;
      out.room(length);
      ({ bytes, end } = out);
    }
    for (let i = 0; i < length; i++, at++) bytes[at] = bytes[at - distance];
  }
  r.bits = bits;
  r.count = count;
  r.pos = pos;
  out.at = at;

}

function dynamicTrees(r: Reader, lit: Tree, dist: Tree): void {
  const hlit = r.take(5) + 257;
  const hdist = r.take(5) + 1;
  const hclen = r.take(4) + 4;
  if (hlit > 286 || hdist > 30) throw new InflateError('too many codes');
  const { lengths, clen } = scratchOf();
  lengths.fill(0);
  for (let i = 0; i < hclen; i++) lengths[CLEN_ORDER[i]] = r.take(3);
  build(clen, lengths, 0, 19);
  lengths.fill(0, 0, 19);
  for (let n = 0; n < hlit + hdist; ) {
    const sym = r.decode(clen);
    if (sym < 16) {
      lengths[n++] = sym;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (sym === 16) {
      if (n === 0) throw new InflateError('repeat with no previous length');
      value = lengths[n - 1];
      repeat = 3 + r.take(2);
    } else if (sym === 17) repeat = 3 + r.take(3);
    else repeat = 11 + r.take(7);
    if (n + repeat > hlit + hdist) throw new InflateError('too many code lengths');
    lengths.fill(value, n, n + repeat);
    n += repeat;
  }
  if (lengths[256] === 0) throw new InflateError('no end-of-block code');
  build(lit, lengths, 0, hlit);
  build(dist, lengths, hlit, hdist);
}

/**
 * Inflates the zlib stream at `data[offset]`. `size`, when known, is the exact output size (one
 * allocation, and more output is an error). Returns the output and the stream's compressed length.
 * With `into` and a size that fits there from `intoAt`, the output is written there (no allocation;
 * a pack walk reuses one buffer for thousands of small entries) and `data` is a view of it.
 */
export function inflateZlib(data: Uint8Array, offset: number, size?: number, into?: Uint8Array, intoAt = 0): { data: Uint8Array; consumed: number } {
  if (offset + 2 > data.length) throw new InflateError('unexpected end of stream');
  const cmf = data[offset];
  const flg = data[offset + 1];
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0) throw new InflateError('incorrect header check');
  if (flg & 0x20) throw new InflateError('a preset dictionary is not supported');
  const r = new Reader(data, offset + 2);
  const out = size !== undefined && into && intoAt + size <= into.length ? new Output(into, true, intoAt, size) : new Output(new Uint8Array(size ?? 1024), size !== undefined);
  for (let last = 0; !last; ) {
    last = r.take(1);
    const type = r.take(2);
    if (type === 0) {
      // stored: the rest of the current byte is dropped
      r.align();
      if (r.pos + 4 > data.length) throw new InflateError('unexpected end of stream');
      const len = data[r.pos] | (data[r.pos + 1] << 8);
      const nlen = data[r.pos + 2] | (data[r.pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) throw new InflateError('invalid stored block lengths');
      r.pos += 4;
      if (r.pos + len > data.length) throw new InflateError('unexpected end of stream');
      out.room(len);
      out.bytes.set(data.subarray(r.pos, r.pos + len), out.at);
      out.at += len;
      r.pos += len;
    } else if (type === 1) {
      const f = fixedTrees();
      inflateBlock(r, out, f.lit, f.dist);
    } else if (type === 2) {
      const { lit, dist } = scratchOf();
      dynamicTrees(r, lit, dist);
      inflateBlock(r, out, lit, dist);
    } else throw new InflateError('invalid block type');
  }
  // bits left over belong to the last byte consumed; the Adler-32 starts at the next byte
  r.align();
  const end = r.pos;
  if (end + 4 > data.length) throw new InflateError('unexpected end of stream');
  const expected = ((data[end] << 24) | (data[end + 1] << 16) | (data[end + 2] << 8) | data[end + 3]) >>> 0;
  const length = out.at - out.start;
  if (size !== undefined && length !== size) throw new InflateError(`${length} bytes, not the stated ${size}`);
  if (adler32(out.bytes, out.start, out.at) !== expected) throw new InflateError('incorrect data check');
  const result = out.start > 0 || out.bytes === into ? out.bytes.subarray(out.start, out.at) : out.at === out.bytes.length ? out.bytes : out.bytes.slice(0, out.at);
  return { data: result, consumed: end + 4 - offset };
}
