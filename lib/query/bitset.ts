// A fixed-size set of row numbers as 32-bit words: AND, OR and NOT of predicates over 100,000 rows
// are a few thousand word operations.
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static all(size: number): Bitset {
    const set = new Bitset(size);
    set.words.fill(0xffffffff);
    set.trim();
    return set;
  }

  /** Clears the bits past `size` in the last word, so NOT and counts stay within the rows. */
  private trim(): void {
    const extra = this.size & 31;
    if (extra) this.words[this.words.length - 1] &= 0xffffffff >>> (32 - extra);
  }

  add(row: number): void {
    this.words[row >>> 5] |= 1 << (row & 31);
  }

  delete(row: number): void {
    this.words[row >>> 5] &= ~(1 << (row & 31));
  }

  has(row: number): boolean {
    return (this.words[row >>> 5] & (1 << (row & 31))) !== 0;
  }

  and(other: Bitset): Bitset {
    const out = new Bitset(this.size);
    for (let i = 0; i < out.words.length; i++) out.words[i] = this.words[i] & other.words[i];
    return out;
  }

  or(other: Bitset): Bitset {
    const out = new Bitset(this.size);
    for (let i = 0; i < out.words.length; i++) out.words[i] = this.words[i] | other.words[i];
    return out;
  }

  not(): Bitset {
    const out = new Bitset(this.size);
    for (let i = 0; i < out.words.length; i++) out.words[i] = ~this.words[i];
    out.trim();
    return out;
  }

  count(): number {
    let n = 0;
    for (let w of this.words) {
      w -= (w >>> 1) & 0x55555555;
      w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
      n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  /** The rows in ascending order (an array: a generator costs a step per row). */
  rows(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.words.length; i++) {
      let w = this.words[i];
      while (w) {
        out.push((i << 5) + 31 - Math.clz32(w & -w));
        w &= w - 1;
      }
    }
    return out;
  }
}
