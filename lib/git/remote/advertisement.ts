// What a git server advertises at discovery (protocol v0/v1): its refs, the objects annotated
// tags peel to, its capabilities and symbolic refs — read from the pkt-lines of
// `GET info/refs?service=…`, the empty repository's `capabilities^{}` line included.
import { RemoteProtocolError } from './errors.js';
import { packetText, type PacketReader } from './pkt-line.js';

/** The oid of "no object": `old` of a ref to create, `new` of a ref to delete. */
export const ZERO_OID = '0000000000000000000000000000000000000000';

/** 40 lower-case hex digits. */
export const OID = /^[0-9a-f]{40}$/;

export type Service = 'git-upload-pack' | 'git-receive-pack';

/** What a server advertises at discovery. */
export interface Advertisement {
  service: Service;
  /** ref name → oid, in the server's order; HEAD when the server shows it; empty for an empty repository */
  refs: Map<string, string>;
  /** annotated tag → the object it peels to (the `<tag>^{}` lines) */
  peeled: Map<string, string>;
  /** capability name → its value ('' for a flag); `symref` values are in `symrefs` */
  capabilities: Map<string, string>;
  /** symbolic refs the server names: HEAD → refs/heads/main */
  symrefs: Map<string, string>;
}

/** The advertisement: an optional "# service=" block, an optional "version 1", then ref lines up to a flush. */
export async function parseAdvertisement(reader: PacketReader, service: Service, url: string): Promise<Advertisement> {
  const bad = (detail: string) => new RemoteProtocolError({ url, reason: 'unexpected', detail });
  const out: Advertisement = { service, refs: new Map(), peeled: new Map(), capabilities: new Map(), symrefs: new Map() };
  let packet = await reader.expect('the advertisement');
  if (typeof packet !== 'string' && packetText(packet).startsWith('# service=')) {
    if (packetText(packet) !== `# service=${service}`) throw bad(`announced ${JSON.stringify(packetText(packet))}`);
    do packet = await reader.expect('the end of the service line');
    while (packet !== 'flush');
    packet = await reader.expect('the ref list');
  }
  if (typeof packet !== 'string' && packetText(packet) === 'version 1') packet = await reader.expect('the ref list');
  let first = true;
  while (packet !== 'flush') {
    if (typeof packet === 'string') throw bad(`unexpected ${packet} packet in the ref list`);
    const line = packetText(packet);
    if (line.startsWith('ERR ')) throw new RemoteProtocolError({ url, reason: 'server-error', detail: line.slice(4) });
    if (line.startsWith('version ')) {
      throw new RemoteProtocolError({ url, reason: 'unsupported', detail: `protocol ${line} was not asked for` });
    }
    if (line.startsWith('shallow ')) {
      // a shallow server's boundary commits: nothing to fetch by
      packet = await reader.expect('the end of the ref list');
      continue;
    }
    const nul = line.indexOf('\0');
    const refPart = nul < 0 ? line : line.slice(0, nul);
    if (first && nul >= 0) parseCapabilities(line.slice(nul + 1), out, url);
    first = false;
    const oid = refPart.slice(0, 40);
    const name = refPart.slice(41);
    if (!OID.test(oid) || refPart[40] !== ' ' || name === '') throw bad(`bad ref line ${JSON.stringify(refPart.slice(0, 100))}`);
    if (name === 'capabilities^{}') {
      // an empty repository: only capabilities
    } else if (name.endsWith('^{}')) out.peeled.set(name.slice(0, -3), oid);
    else out.refs.set(name, oid);
    packet = await reader.expect('the end of the ref list');
  }
  return out;
}

function parseCapabilities(text: string, out: Advertisement, url: string): void {
  for (const token of text.split(' ')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1);
    if (name === 'symref') {
      const colon = value.indexOf(':');
      if (colon > 0) out.symrefs.set(value.slice(0, colon), value.slice(colon + 1));
    } else out.capabilities.set(name, value);
  }
  const format = out.capabilities.get('object-format');
  if (format !== undefined && format !== 'sha1') {
    throw new RemoteProtocolError({ url, reason: 'unsupported', detail: `the repository uses ${format} object ids; gitmodel reads sha1 repositories` });
  }
}
