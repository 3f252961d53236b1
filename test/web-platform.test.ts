// The browser's platform (lib/platform/web.ts) computes what Node's does: the same SHA-1, zlib that
// each side can read, the same CRC-32. Run in Node, where both exist to compare.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../lib/platform/node.js';
import { webPlatform } from '../lib/platform/web.js';
import { toHex } from '../lib/util/bytes.js';

const bytes = fc.uint8Array({ maxLength: 3000 });

describe('the browser platform', () => {
  it('sha1 and the streaming hasher equal Node crypto, at every block boundary', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(webPlatform.sha1(data)).toBe(nodePlatform.sha1(data));
      const hasher = webPlatform.sha1Hasher();
      hasher.update(data.subarray(0, n >> 1));
      hasher.update(data.subarray(n >> 1));
      expect(toHex(hasher.digest())).toBe(nodePlatform.sha1(data));
    }
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(webPlatform.sha1(a, b)).toBe(nodePlatform.sha1(a, b));
      }),
    );
  });

  it('zlib streams are read by the other side; a window past the stream is ignored; crc32 agrees', () => {
    fc.assert(
      fc.property(bytes, fc.constantFrom(0 as const, 1 as const), (data, level) => {
        expect(nodePlatform.inflate(webPlatform.deflate(data, level))).toEqual(data);
        const fromNode = nodePlatform.deflate(data, level);
        expect(webPlatform.inflate(fromNode)).toEqual(data);
        const window = new Uint8Array(fromNode.length + 40).fill(0xab);
        window.set(fromNode);
        expect(webPlatform.inflate(window, data.length)).toEqual(data);
        expect(webPlatform.crc32(data)).toBe(nodePlatform.crc32(data));
      }),
    );
  });

  it('a cut zlib stream throws (the pack parser finds where a stream ends by this)', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);
    const z = nodePlatform.deflate(data, 1);
    expect(() => webPlatform.inflate(z.subarray(0, z.length >> 1), data.length)).toThrow();
  });

  it('random ids differ and have no async context', () => {
    expect(webPlatform.randomId()).not.toBe(webPlatform.randomId());
    expect(webPlatform.asyncContext).toBeUndefined();
  });
});
