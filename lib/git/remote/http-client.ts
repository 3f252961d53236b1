// The HTTP client the smart protocol is spoken through, in isomorphic-git's shape, so that
// `isomorphic-git/http/node`, `isomorphic-git/http/web`, a user's own client or ours
// (node-http.ts) plug in unchanged, and a browser build needs nothing of Node. Types only, plus
// the credential callback and header helpers every client and the protocol share.

/** One request. A body given as an array can be sent again (a redirect, a retry); an async iterable streams once. */
export interface GitHttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: AsyncIterable<Uint8Array> | Uint8Array[];
  signal?: AbortSignalLike;
}

/**
 * What the protocol reads of an AbortSignal (a real one fits): declared here so that the types
 * gitmodel publishes need neither the DOM nor Node's lib.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** What redirectAllowed reads of a URL (a WHATWG URL fits). */
export interface UrlParts {
  readonly origin: string;
  readonly protocol: string;
  readonly hostname: string;
}

export interface GitHttpResponse {
  /** the URL finally answered, after any redirect the client followed */
  url: string;
  method?: string;
  statusCode: number;
  statusMessage: string;
  /** names in lower case */
  headers: Record<string, string>;
  /** streamed as it arrives; undefined or empty for no body */
  body?: AsyncIterable<Uint8Array>;
}

export interface HttpClient {
  request(request: GitHttpRequest): Promise<GitHttpResponse>;
}

/** What onAuth answers: credentials for Basic auth, headers of its own (a bearer token), or stop. */
export type GitAuth = { username?: string; password?: string; headers?: Record<string, string>; cancel?: boolean };

/** isomorphic-git's onAuth: called when the server asks for credentials (401), `attempt` counting from 1. */
export type AuthCallback = (url: string, context: { attempt: number }) => GitAuth | void | Promise<GitAuth | void>;

/** A header's value whatever the case of its name. */
export function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/** The header of HTTP Basic authentication (RFC 7617, UTF-8). */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * Whether a redirect from `from` to `to` may be followed (and credentials sent on): the same
 * origin, or http upgraded to https on the same host; never to another host, never https → http.
 */
export function redirectAllowed(from: UrlParts, to: UrlParts): boolean {
  if (to.origin === from.origin) return true;
  return from.protocol === 'http:' && to.protocol === 'https:' && to.hostname === from.hostname;
}

/** Reads and drops the rest of a response body (a keep-alive connection is free again after it). */
export async function discardBody(response: GitHttpResponse): Promise<void> {
  if (!response.body) return;
  try {
    for await (const _ of response.body) {
      // drained
    }
  } catch {
    // a body we did not want failing is not an error of the call
  }
}
