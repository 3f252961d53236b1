// The HttpClient over the WHATWG fetch() (browsers, workers, Deno, Node 18+): the browser entry's
// default. What differs from node-http.ts, each forced by fetch:
// - a streamed request body is gathered first and sent as one buffer: Chromium streams an upload
//   (`duplex: 'half'`) only over HTTP/2 or QUIC and refuses it on HTTP/1.1, and a push's pack
//   is already built in memory by then anyway;
// - redirects of GET/HEAD are followed by the browser (which drops Authorization on a cross-origin
//   hop); the protocol checks the final `url` against redirectAllowed. Other methods are not
//   followed: fetch hides such a redirect (an opaque response), so it is reported as a 307 for
//   the protocol to refuse;
// - `user-agent` is the browser's own (a page cannot set it), so it is not sent.
import { concatBytes } from '../../util/bytes.js';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from './http-client.js';

/** What the client needs of fetch(), declared here so that the published types need no DOM lib. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  signal?: unknown;
  redirect: 'follow' | 'manual';
  credentials: 'omit' | 'same-origin' | 'include';
  cache: 'no-store';
}

interface FetchResponse {
  url: string;
  status: number;
  statusText: string;
  type: string;
  headers: { forEach(callback: (value: string, name: string) => void): void };
  body: { getReader(): StreamReader } | null;
}

interface StreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

export interface WebHttpOptions {
  /** default: globalThis.fetch */
  fetch?: FetchLike;
  /** cookies and the browser's HTTP auth: 'same-origin' by default (fetch's own default) */
  credentials?: 'omit' | 'same-origin' | 'include';
}

export function webHttpClient(options: WebHttpOptions = {}): HttpClient {
  const credentials = options.credentials ?? 'same-origin';
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const doFetch = options.fetch ?? (globalThis as unknown as { fetch?: FetchLike }).fetch;
      if (!doFetch) throw new TypeError('gitmodel: no fetch() on this host; pass { http } (an isomorphic-git HttpClient)');
      const method = (req.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers ?? {})) {
        if (name.toLowerCase() !== 'user-agent') headers[name.toLowerCase()] = value;
      }
      const body = req.body === undefined ? undefined : await gather(req.body);
      const follow = method === 'GET' || method === 'HEAD';
      const res = await doFetch(req.url, { method, headers, body, signal: req.signal, redirect: follow ? 'follow' : 'manual', credentials, cache: 'no-store' });
      const responseHeaders: Record<string, string> = {};
      res.headers.forEach((value, name) => (responseHeaders[name.toLowerCase()] = value));
      const hidden = res.type === 'opaqueredirect';
      return {
        url: hidden ? req.url : res.url || req.url,
        method,
        statusCode: hidden ? 307 : res.status,
        statusMessage: hidden ? 'redirect not followed' : res.statusText,
        headers: responseHeaders,
        body: res.body ? chunks(res.body.getReader(), req.signal as { aborted: boolean; reason?: unknown } | undefined) : undefined,
      };
    },
  };
}

/** A request body as one buffer (see the top of the file for why not a stream). */
async function gather(body: AsyncIterable<Uint8Array> | Uint8Array[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/**
 * The response body as it arrives. A consumer that stops early (a return or a throw out of its
 * for-await) cancels the stream, so the connection is not left reading; an abort ends it with the
 * signal's reason rather than the browser's AbortError.
 */
async function* chunks(reader: StreamReader, signal: { aborted: boolean; reason?: unknown } | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  let finished = false;
  try {
    for (;;) {
      const step = await reader.read();
      if (step.done) {
        finished = true;
        return;
      }
      if (step.value && step.value.length) yield step.value;
    }
  } catch (error) {
    finished = true;
    throw signal?.aborted ? signal.reason : error;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
