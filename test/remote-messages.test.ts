// The protocol's messages parsed from bytes (lib/git/remote/advertisement.ts, push-report.ts):
// the variants a real server may send that the git http-backend tests do not meet — "version 1",
// shallow lines, ERR, a sha256 repository, an unpacker error, a ref the report leaves out.
import { describe, expect, it } from 'vitest';
import { parseAdvertisement, ZERO_OID } from '../lib/git/remote/advertisement.js';
import { PushRejectedError, RemoteProtocolError } from '../lib/git/remote/errors.js';
import { FLUSH_PKT, PacketReader, pktLine, type Packet } from '../lib/git/remote/pkt-line.js';
import { readPushReport } from '../lib/git/remote/push-report.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function reader(...packets: (string | Uint8Array)[]): PacketReader {
  const bytes = packets.map((p) => (typeof p === 'string' ? pktLine(p) : p));
  return new PacketReader((async function* () { yield* bytes; })(), { url: 'http://h/r.git', phase: 'discover' });
}

const lines = (...texts: string[]): Packet[] => texts.map((t) => (t === 'flush' ? 'flush' : new TextEncoder().encode(`${t}\n`)));

describe('the advertisement', () => {
  it('reads "version 1", capabilities with values, several symrefs, shallow lines', async () => {
    const adv = await parseAdvertisement(
      reader('# service=git-upload-pack\n', FLUSH_PKT, 'version 1\n', `${A} HEAD\0multi_ack symref=HEAD:refs/heads/main symref=refs/remotes/x:refs/heads/x agent=git/2.45 object-format=sha1\n`, `${A} refs/heads/main\n`, `${B} refs/tags/t\n`, `${A} refs/tags/t^{}\n`, `shallow ${B}\n`, FLUSH_PKT),
      'git-upload-pack',
      'http://h/r.git',
    );
    expect([...adv.refs]).toEqual([
      ['HEAD', A],
      ['refs/heads/main', A],
      ['refs/tags/t', B],
    ]);
    expect(adv.peeled.get('refs/tags/t')).toBe(A);
    expect(adv.symrefs).toEqual(new Map([['HEAD', 'refs/heads/main'], ['refs/remotes/x', 'refs/heads/x']]));
    expect(adv.capabilities.get('agent')).toBe('git/2.45');
    expect(adv.capabilities.get('multi_ack')).toBe('');
  });

  it('refuses ERR, another service, protocol v2, sha256, a malformed ref line', async () => {
    const cases: [(string | Uint8Array)[], string][] = [
      [['ERR access denied\n'], 'server-error'],
      [['# service=git-receive-pack\n', FLUSH_PKT], 'unexpected'],
      [['version 2\n', 'ls-refs\n', FLUSH_PKT], 'unsupported'],
      [[`${A} capabilities^{}\0object-format=sha256\n`, FLUSH_PKT], 'unsupported'],
      [['not an oid refs/heads/main\n', FLUSH_PKT], 'unexpected'],
    ];
    for (const [packets, reason] of cases) {
      const err = await parseAdvertisement(reader(...packets), 'git-upload-pack', 'http://h/r.git').catch((e) => e);
      expect(err, reason).toBeInstanceOf(RemoteProtocolError);
      expect(err.data.reason).toBe(reason);
    }
  });
});

describe('the push report', () => {
  const updates = [
    { ref: 'refs/heads/a', old: ZERO_OID, new: A },
    { ref: 'refs/heads/b', old: A, new: B },
  ];

  it('returns the updates made when every ref is ok', () => {
    expect(readPushReport(lines('unpack ok', 'ok refs/heads/a', 'ok refs/heads/b', 'flush'), updates, 'u')).toEqual(updates);
  });

  it('names refused refs with their reasons, and those made; a ref left out counts as refused', () => {
    const err = (() => {
      try {
        readPushReport(lines('unpack ok', 'ng refs/heads/b pre-receive hook declined', 'flush'), updates, 'u');
      } catch (e) {
        return e as PushRejectedError;
      }
    })();
    expect(err).toBeInstanceOf(PushRejectedError);
    expect(err!.data.refs).toEqual([
      { ref: 'refs/heads/a', reason: 'not reported' },
      { ref: 'refs/heads/b', reason: 'pre-receive hook declined' },
    ]);
    expect(err!.message).not.toMatch(/fetch and merge/);
  });

  it('an unpacker error, or a report without unpack or flush, is a protocol error', () => {
    expect(() => readPushReport(lines('unpack index-pack abnormal exit', 'ng refs/heads/a unpacker error', 'flush'), updates, 'u')).toThrow(/unpack-failed/);
    expect(() => readPushReport(lines('ok refs/heads/a', 'flush'), updates, 'u')).toThrow(/report-status/);
    expect(() => readPushReport(lines('unpack ok', 'ok refs/heads/a'), updates, 'u')).toThrow(/report-status/);
  });
});
