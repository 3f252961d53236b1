// The answer to a push (receive-pack's report-status): "unpack ok" or the unpacker's error, then
// "ok <ref>" or "ng <ref> <reason>" for each update. Every update the server did not make is
// named in a PushRejectedError, with those it made, so the caller can still record them.
import { PushRejectedError, RemoteProtocolError } from './errors.js';
import { packetText, type Packet } from './pkt-line.js';

/** One ref update of a push. */
export interface RefUpdate {
  ref: string;
  /** the value the server must still have (ZERO_OID: the ref must not exist) */
  old: string;
  /** the value to set (ZERO_OID: delete the ref) */
  new: string;
}

/** "unpack ok", then "ok <ref>" or "ng <ref> <reason>" per update, then a flush. */
export function readPushReport(lines: readonly Packet[], updates: readonly RefUpdate[], url: string): RefUpdate[] {
  const text = lines.map((p) => (typeof p === 'string' ? p : packetText(p)));
  const bad = (detail: string) => new RemoteProtocolError({ url, reason: 'report-status', detail });
  if (text.length === 0 || !text[0].startsWith('unpack ')) throw bad(`expected "unpack …", got ${JSON.stringify(text[0] ?? 'nothing')}`);
  if (text[text.length - 1] !== 'flush') throw bad('the report has no closing flush');
  const unpack = text[0].slice('unpack '.length);
  const status = new Map<string, string | null>();
  for (const line of text.slice(1, -1)) {
    if (line.startsWith('ok ')) status.set(line.slice(3), null);
    else if (line.startsWith('ng ')) {
      const space = line.indexOf(' ', 3);
      status.set(space < 0 ? line.slice(3) : line.slice(3, space), space < 0 ? 'rejected' : line.slice(space + 1));
    } else throw bad(`unexpected line ${JSON.stringify(line.slice(0, 80))}`);
  }
  if (unpack !== 'ok') throw new RemoteProtocolError({ url, reason: 'unpack-failed', detail: unpack });
  const rejected: { ref: string; reason: string }[] = [];
  const accepted: RefUpdate[] = [];
  for (const u of updates) {
    const s = status.get(u.ref);
    if (s === undefined) rejected.push({ ref: u.ref, reason: 'not reported' });
    else if (s === null) accepted.push(u);
    else rejected.push({ ref: u.ref, reason: s });
  }
  if (rejected.length > 0) throw new PushRejectedError({ url: url, refs: rejected, accepted: accepted.map((u) => u.ref) });
  return accepted;
}
