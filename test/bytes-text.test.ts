// fromUtf8 decodes short ASCII names a byte at a time and everything else through TextDecoder:
// both give what Buffer#toString('utf8') gives, for any bytes and any range.
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../lib/util/bytes.js';

describe('fromUtf8', () => {
  it('matches Buffer#toString for ASCII, multi-byte, malformed and BOM-led bytes, short and long, at any range', () => {
    const samples = ['page-12345', 'data.json', '', 'é', 'note-0007-é', '\uFEFFbom', '日本語の名前', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), `${'a'.repeat(30)}é`];
    const cases: Uint8Array[] = samples.map((s) => new Uint8Array(Buffer.from(s)));
    // malformed: a lone continuation byte, a cut sequence, an overlong encoding
    cases.push(Uint8Array.of(0x61, 0x80, 0x62), Uint8Array.of(0x61, 0xc3), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xff));
    for (const bytes of cases) {
      expect(fromUtf8(bytes)).toBe(Buffer.from(bytes).toString('utf8'));
      const padded = new Uint8Array(bytes.length + 6);
      padded.set(bytes, 3);
      expect(fromUtf8(padded, 3, 3 + bytes.length)).toBe(Buffer.from(bytes).toString('utf8'));
    }
  });
});
