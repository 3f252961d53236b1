// The HttpClient on Node (node:http, node:https): the one file of lib/git/remote/ that imports
// Node's built-ins. What it adds to a plain request, each for a reason met in practice
// (design/sync-merge.md, "Traps already met" and §4.1):
// - keep-alive sockets of its own, and one retry on a fresh socket when a reused one turns out to
//   be dead (ECONNRESET/EPIPE with `reusedSocket`, no response yet: the server saw nothing). A
//   streamed body is sent again from the chunks kept while sending, up to `replayLimit` bytes;
// - redirects of GET/HEAD followed only within the same origin (or http → https on the same host),
//   never from https to http, so `Authorization` never reaches another host; any other redirect
//   is returned as it is, for the caller to refuse;
// - request and response bodies streamed with backpressure; an AbortSignal that stops both.
import * as http from 'node:http';
import * as https from 'node:https';
import { redirectAllowed, type GitHttpRequest, type GitHttpResponse, type HttpClient } from './http-client.js';

export interface NodeHttpOptions {
  /** redirects followed for one GET or HEAD; default 5 */
  maxRedirects?: number;
  /** bytes of a streamed request body kept for a retry after a keep-alive reset; default 4 MiB */
  replayLimit?: number;
}

export interface NodeHttpClient extends HttpClient {
  /** Closes the idle keep-alive sockets (requests still work afterwards, on new ones). */
  close(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function nodeHttpClient(options: NodeHttpOptions = {}): NodeHttpClient {
  const maxRedirects = options.maxRedirects ?? 5;
  const replayLimit = options.replayLimit ?? 4 * 1024 * 1024;
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  async function request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const first = new URL(req.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = req.body === undefined ? undefined : Array.isArray(req.body) ? req.body : new StreamedBody(req.body, replayLimit);
    if (Array.isArray(body)) headers['content-length'] = String(body.reduce((n, chunk) => n + chunk.length, 0));
    let url = first;
    for (let redirects = 0; ; redirects++) {
      const res = await send(url, method, headers, body, req.signal as AbortSignal | undefined);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && location && (method === 'GET' || method === 'HEAD') && redirects < maxRedirects) {
        const next = new URL(location, url);
        if (redirectAllowed(first, next)) {
          res.resume();
          url = next;
          continue;
        }
      }
      return {
        url: url.href,
        method,
        statusCode: res.statusCode ?? 0,
        statusMessage: res.statusMessage ?? '',
        headers: flatHeaders(res.headers),
        body: plainChunks(res, req.signal as AbortSignal | undefined),
      };
    }
  }

  /** One request, sent again once on a fresh socket when a reused keep-alive socket was dead. */
  async function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array[] | StreamedBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<http.IncomingMessage> {
    const attempt = (fresh: boolean) => {
      const agent = fresh ? false : agents[url.protocol as 'http:' | 'https:'];
      const module = url.protocol === 'https:' ? https : http;
      const req = module.request(url, { method, headers, agent, signal });
      let responded = false;
      const response = new Promise<http.IncomingMessage>((resolve, reject) => {
        req.on('response', (res) => {
          responded = true;
          if (body instanceof StreamedBody) body.release();
          resolve(res);
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (responded) return; // the response stream reports it
          const code = error.code;
          const retry = !fresh && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && !(body instanceof StreamedBody && !body.replayable);
          reject(retry ? new DeadSocket(error) : error);
        });
      });
      return { response, pumped: pump(req, body) };
    };
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`cannot request ${url.protocol} URLs over HTTP`);
    const first = attempt(false);
    try {
      return await first.response;
    } catch (error) {
      if (!(error instanceof DeadSocket)) throw error;
      await first.pumped; // everything it pulled from the body is kept: the retry sends it again
      return await attempt(true).response;
    }
  }

  return {
    request,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** The request met a keep-alive socket the server had already closed: safe to send again. */
class DeadSocket extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

/**
 * An async-iterable request body pulled once, whose chunks are kept (not copied) until the server
 * answers, so that a request reset before any answer can send them again. Past `limit` bytes it
 * stops keeping them and can no longer be sent again.
 */
class StreamedBody {
  private readonly source: AsyncIterator<Uint8Array>;
  kept: Uint8Array[] = [];
  private keptBytes = 0;
  replayable = true;

  constructor(body: AsyncIterable<Uint8Array>, private readonly limit: number) {
    this.source = body[Symbol.asyncIterator]();
  }

  async pull(): Promise<Uint8Array | undefined> {
    const step = await this.source.next();
    if (step.done) return undefined;
    if (this.replayable) {
      this.keptBytes += step.value.length;
      if (this.keptBytes > this.limit) this.release();
      else this.kept.push(step.value);
    }
    return step.value;
  }

  /** The server answered (or too much was sent): nothing will be sent again. */
  release(): void {
    this.replayable = false;
    this.kept = [];
  }
}

/** Writes the body with backpressure and ends the request; a failing body destroys it with that error. */
async function pump(req: http.ClientRequest, body: Uint8Array[] | StreamedBody | undefined): Promise<void> {
  try {
    if (body === undefined) {
      req.end();
      return;
    }
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
      return;
    }
    for (const chunk of body.kept.slice()) {
      if (req.destroyed) return;
      if (!req.write(chunk)) await drained(req);
    }
    for (;;) {
      if (req.destroyed) return;
      const chunk = await body.pull();
      if (chunk === undefined) break;
      if (req.destroyed) return;
      if (!req.write(chunk)) await drained(req);
    }
    if (!req.destroyed) req.end();
  } catch (error) {
    req.destroy(error as Error);
  }
}

function drained(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The response's chunks as plain Uint8Arrays (views of Node's Buffers: no Buffer travels
 * further). An abort ends it with the signal's reason, not Node's "aborted".
 */
async function* plainChunks(res: http.IncomingMessage, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
