// git's smart-HTTP protocol (v0/v1), client side: discovery of a repository's refs, the
// upload-pack request that fetches a pack, the receive-pack request that pushes one. Spoken over
// any HttpClient of isomorphic-git's shape; knows nothing of object storage: the pack to fetch is
// handed out as a stream, the pack to push is taken as one. Credentials come from the URL's
// user:password or from onAuth when the server answers 401, and are kept for the next requests
// of this remote. Wire formats: design/sync-merge.md, "Wire formats".
import { OID, parseAdvertisement, ZERO_OID, type Advertisement, type Service } from './advertisement.js';
import {
  RemoteAuthError,
  RemoteNotFoundError,
  RemoteProtocolError,
  RemoteUnreachableError,
  redactUrl,
  type RemotePhase,
} from './errors.js';
import {
  basicAuthorization,
  discardBody,
  header,
  redirectAllowed,
  type AbortSignalLike,
  type AuthCallback,
  type GitHttpResponse,
  type HttpClient,
} from './http-client.js';
import { FLUSH_PKT, PacketReader, PktLineDecoder, lostConnection, packetText, pktLine, sideBand, type Packet } from './pkt-line.js';
import { readPushReport, type RefUpdate } from './push-report.js';

/** gitmodel's version as it introduces itself to servers (agent=…). Keep in step with package.json. */
export const GITMODEL_VERSION = '0.1.0';
export const AGENT = `gitmodel/${GITMODEL_VERSION}`;

export interface RemoteProgress {
  phase: 'discover' | 'receive' | 'send';
  /** discover: refs advertised; receive, send: bytes so far */
  loaded: number;
  total?: number;
  bytes?: number;
}

export interface SmartHttpOptions {
  /** the repository's URL (`https://host/path/repo.git`); a user:password in it is used as Basic credentials */
  url: string;
  http: HttpClient;
  /** called on 401/403 for credentials (isomorphic-git's shape) */
  onAuth?: AuthCallback;
  /** onAuth calls before giving up with RemoteAuthError; default 3 */
  maxAuthAttempts?: number;
  /** headers sent with every request (a bearer token) */
  headers?: Record<string, string>;
  onProgress?: (progress: RemoteProgress) => void;
  /** text the server sends for a human (side-band 2: hook output, "remote: …" lines) */
  onMessage?: (text: string) => void;
  signal?: AbortSignalLike;
}

export interface FetchResponse {
  /** the commits the server said we have in common (at most one: multi_ack is not asked for) */
  acks: string[];
  /** the pack's bytes as they arrive (views: copy what you keep). Iterate it to the end, once. */
  pack: AsyncIterable<Uint8Array>;
}

/** One repository on a smart-HTTP server. */
export class SmartHttpRemote {
  /** the URL without credentials (what messages and onAuth show) */
  readonly url: string;
  private base: string;
  private auth: Record<string, string> = {};
  private authAttempts = 0;

  constructor(private readonly options: SmartHttpOptions) {
    const url = new URL(options.url);
    if (url.username || url.password) {
      this.auth = { authorization: basicAuthorization(decodeURIComponent(url.username), decodeURIComponent(url.password)) };
      url.username = '';
      url.password = '';
    }
    this.url = url.href;
    this.base = url.href.replace(/\/+$/, '');
  }

  /** GET info/refs?service=…: the refs and capabilities the server advertises. */
  async discover(service: Service): Promise<Advertisement> {
    const url = `${this.base}/info/refs?service=${service}`;
    const res = await this.request('discover', { url, method: 'GET', headers: {} });
    this.followRedirect(url, res.url, `/info/refs?service=${service}`);
    await this.expectOk(res, 'discover', `application/x-${service}-advertisement`);
    const reader = this.reader(res, 'discover');
    const advertisement = await parseAdvertisement(reader, service, this.url);
    await reader.close();
    this.options.onProgress?.({ phase: 'discover', loaded: advertisement.refs.size });
    return advertisement;
  }

  /**
   * POST git-upload-pack: asks for `wants` (oids the server advertised), telling it `haves` (oids
   * we have, newest first) so that it leaves out what we already hold. Returns once the server
   * has answered NAK/ACK; the pack then streams from `pack`.
   */
  async fetchPack(request: { advertisement: Advertisement; wants: readonly string[]; haves?: readonly string[] }): Promise<FetchResponse> {
    const caps = request.advertisement.capabilities;
    if (!caps.has('side-band-64k')) {
      throw new RemoteProtocolError({ url: this.url, reason: 'unsupported', detail: 'the server does not offer side-band-64k' });
    }
    const wants = [...new Set(request.wants)];
    if (wants.length === 0) throw new TypeError('fetchPack needs at least one oid to want');
    for (const oid of [...wants, ...(request.haves ?? [])]) if (!OID.test(oid)) throw new TypeError(`${JSON.stringify(oid)} is not an oid`);
    const asked = ['side-band-64k', 'ofs-delta', 'no-progress', `agent=${AGENT}`].filter((c) => caps.has(c.split('=')[0]));
    const body: Uint8Array[] = [pktLine(`want ${wants[0]} ${asked.join(' ')}\n`)];
    for (const oid of wants.slice(1)) body.push(pktLine(`want ${oid}\n`));
    body.push(FLUSH_PKT);
    for (const oid of request.haves ?? []) body.push(pktLine(`have ${oid}\n`));
    body.push(pktLine('done\n'));

    const res = await this.request('negotiate', {
      url: `${this.base}/git-upload-pack`,
      method: 'POST',
      headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
      body,
    });
    await this.expectOk(res, 'negotiate', 'application/x-git-upload-pack-result');
    const reader = this.reader(res, 'negotiate');
    const acks: string[] = [];
    for (;;) {
      const packet = await reader.expect('NAK or ACK');
      const text = typeof packet === 'string' ? packet : packetText(packet);
      if (text === 'NAK') break;
      if (text.startsWith('ACK ')) {
        acks.push(text.slice(4, 44));
        break; // without multi_ack, one ACK and then the pack
      }
      if (text.startsWith('ERR ')) throw new RemoteProtocolError({ url: this.url, reason: 'server-error', detail: text.slice(4) });
      throw new RemoteProtocolError({ url: this.url, reason: 'unexpected', detail: `expected NAK or ACK, got ${JSON.stringify(text.slice(0, 80))}` });
    }
    reader.phase = 'receive';
    return { acks, pack: this.packStream(reader) };
  }

  /**
   * POST git-receive-pack: the ref updates, then the pack (none when every update is a delete).
   * Each update applies only if the server's ref is still `old` (compare-and-swap on the
   * server). Resolves with the updates the server made; a PushRejectedError names the refused
   * ones (with `atomic`, the server refuses all when one fails). The server must advertise
   * `ofs-delta` for a pack with OFS_DELTA entries (see `advertisement.capabilities`).
   */
  async sendPack(request: {
    advertisement: Advertisement;
    updates: readonly RefUpdate[];
    pack?: AsyncIterable<Uint8Array> | Uint8Array[];
    atomic?: boolean;
  }): Promise<RefUpdate[]> {
    const caps = request.advertisement.capabilities;
    const updates = request.updates;
    if (updates.length === 0) return [];
    if (!caps.has('report-status')) throw new RemoteProtocolError({ url: this.url, reason: 'unsupported', detail: 'the server does not offer report-status' });
    if (request.atomic && !caps.has('atomic')) throw new RemoteProtocolError({ url: this.url, reason: 'unsupported', detail: 'the server does not offer atomic pushes' });
    const deletesOnly = updates.every((u) => u.new === ZERO_OID);
    if (updates.some((u) => u.new === ZERO_OID) && !caps.has('delete-refs')) {
      throw new RemoteProtocolError({ url: this.url, reason: 'unsupported', detail: 'the server does not allow deleting refs' });
    }
    if (!deletesOnly && request.pack === undefined) throw new TypeError('sendPack needs a pack for updates that are not deletes');
    for (const u of updates) if (!OID.test(u.old) || !OID.test(u.new)) throw new TypeError(`bad oid in the update of ${u.ref}`);

    const asked = ['report-status', 'side-band-64k', ...(request.atomic ? ['atomic'] : []), `agent=${AGENT}`].filter((c) => caps.has(c.split('=')[0]));
    const commands: Uint8Array[] = updates.map((u, i) => pktLine(`${u.old} ${u.new} ${u.ref}${i === 0 ? `\0${asked.join(' ')}` : ''}\n`));
    commands.push(FLUSH_PKT);
    let pack = deletesOnly ? undefined : request.pack;
    // a streamed pack cannot be sent again after a 401: while onAuth may still be asked (no
    // credentials accepted yet, as when the discovery was anonymous) it is collected first
    if (pack !== undefined && !Array.isArray(pack) && this.options.onAuth && Object.keys(this.auth).length === 0) {
      const parts: Uint8Array[] = [];
      for await (const part of pack) parts.push(part);
      pack = parts;
    }
    const body = pack === undefined ? commands : Array.isArray(pack) ? [...commands, ...pack] : this.counted(commands, pack);

    const res = await this.request('send', {
      url: `${this.base}/git-receive-pack`,
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
      body,
    });
    await this.expectOk(res, 'send', 'application/x-git-receive-pack-result');
    const reader = this.reader(res, 'send');
    const lines = caps.has('side-band-64k') ? await this.sideBandLines(reader) : await plainLines(reader);
    return readPushReport(lines, updates, this.url);
  }

  // -------------------------------------------------------------------------------------------

  /** One HTTP request, with credentials: asks onAuth on 401/403 and tries again while it may. */
  private async request(
    phase: RemotePhase,
    req: { url: string; method: string; headers: Record<string, string>; body?: Uint8Array[] | AsyncIterable<Uint8Array> },
  ): Promise<GitHttpResponse> {
    const { http, signal } = this.options;
    for (;;) {
      let res: GitHttpResponse;
      try {
        res = await http.request({
          url: req.url,
          method: req.method,
          headers: { 'user-agent': `git/${AGENT}`, ...this.options.headers, ...req.headers, ...this.auth },
          body: req.body,
          signal,
        });
      } catch (error) {
        throw lostConnection(error, { url: this.url, phase, signal });
      }
      if (res.statusCode !== 401 && res.statusCode !== 403) return res;
      await discardBody(res);
      const canRetry = req.body === undefined || Array.isArray(req.body);
      const max = this.options.maxAuthAttempts ?? 3;
      if (!this.options.onAuth || !canRetry || this.authAttempts >= max) {
        throw new RemoteAuthError({ url: this.url, status: res.statusCode, attempts: this.authAttempts });
      }
      this.authAttempts++;
      const auth = await this.options.onAuth(this.url, { attempt: this.authAttempts });
      if (!auth || auth.cancel) throw new RemoteAuthError({ url: this.url, cancelled: true, attempts: this.authAttempts });
      this.auth = auth.headers
        ? Object.fromEntries(Object.entries(auth.headers).map(([k, v]) => [k.toLowerCase(), v]))
        : { authorization: basicAuthorization(auth.username ?? '', auth.password ?? '') };
    }
  }

  /** A 200 with the content type of a smart server, or the typed error its status means. */
  private async expectOk(res: GitHttpResponse, phase: RemotePhase, contentType: string): Promise<void> {
    const status = res.statusCode;
    if (status === 200) {
      const type = (header(res.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (type === contentType) return;
      await discardBody(res);
      throw new RemoteProtocolError({
        url: this.url,
        reason: 'not-smart-http',
        detail: `the server answered ${JSON.stringify(type || 'no content type')}, not ${contentType}: a dumb HTTP server or no git server (gitmodel needs smart HTTP)`,
      });
    }
    await discardBody(res);
    if (status === 404) throw new RemoteNotFoundError({ url: this.url });
    if (status >= 500) throw new RemoteUnreachableError({ url: this.url, phase, status });
    if (status >= 300 && status < 400) {
      throw new RemoteProtocolError({ url: this.url, reason: 'redirect-refused', detail: `redirect to ${redactUrl(header(res.headers, 'location') ?? '?')} not followed: another origin, or not a GET` });
    }
    throw new RemoteProtocolError({ url: this.url, reason: 'http-status', detail: `HTTP ${status} ${res.statusMessage}` });
  }

  /** After a redirected discovery, the later requests go where it ended (git does the same), within the origin rules. */
  private followRedirect(asked: string, answered: string, suffix: string): void {
    if (!answered || answered === asked) return;
    if (!redirectAllowed(new URL(asked), new URL(answered))) {
      throw new RemoteProtocolError({ url: this.url, reason: 'redirect-refused', detail: `the client followed a redirect to ${redactUrl(answered)}, another origin` });
    }
    if (answered.endsWith(suffix)) this.base = answered.slice(0, -suffix.length);
  }

  private reader(res: GitHttpResponse, phase: RemotePhase): PacketReader {
    return new PacketReader(res.body ?? emptyBody(), { url: this.url, phase, signal: this.options.signal });
  }

  /** The pack: side-band 1 up to its flush, counted for onProgress; the connection is released at the end. */
  private async *packStream(reader: PacketReader): AsyncGenerator<Uint8Array, void, undefined> {
    let bytes = 0;
    try {
      for await (const chunk of sideBand(reader, { url: this.url, onMessage: this.options.onMessage, skipAcks: true })) {
        bytes += chunk.length;
        this.options.onProgress?.({ phase: 'receive', loaded: bytes, bytes });
        yield chunk;
      }
    } finally {
      await reader.close();
    }
  }

  /** The request body of a push: commands, then the pack as it is produced, counted for onProgress. */
  private async *counted(commands: Uint8Array[], pack: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    yield* commands;
    let bytes = 0;
    for await (const chunk of pack) {
      bytes += chunk.length;
      this.options.onProgress?.({ phase: 'send', loaded: bytes, bytes });
      yield chunk;
    }
  }

  /** The report-status lines carried in side-band 1 (pkt-lines inside pkt-lines). */
  private async sideBandLines(reader: PacketReader): Promise<Packet[]> {
    const inner = new PktLineDecoder();
    const lines: Packet[] = [];
    for await (const chunk of sideBand(reader, { url: this.url, onMessage: this.options.onMessage })) {
      lines.push(...inner.push(chunk).map((p) => (typeof p === 'string' ? p : p.slice())));
    }
    await reader.close();
    if (inner.partial) throw new RemoteProtocolError({ url: this.url, reason: 'report-status', detail: 'the report ends inside a pkt-line' });
    return lines;
  }
}

/** Report lines sent without side-band: pkt-lines up to the flush. */
async function plainLines(reader: PacketReader): Promise<Packet[]> {
  const lines: Packet[] = [];
  for (;;) {
    const packet = await reader.expect('the end of the push report');
    lines.push(packet);
    if (packet === 'flush') break;
  }
  await reader.close();
  return lines;
}

async function* emptyBody(): AsyncGenerator<Uint8Array, void, undefined> {}
