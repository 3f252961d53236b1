// The HTTP client remote calls use when they are given none: installed by the entry point (the
// Node entry installs node-http.ts's), like the platform, so that code above needs no node:.
import type { HttpClient } from './http-client.js';

/** Makes a client for one remote call; `release` is called when the call is done with it. */
export type HttpClientFactory = () => { client: HttpClient; release(): void };

let factory: HttpClientFactory | undefined;

export function installDefaultHttpClient(make: HttpClientFactory): void {
  factory = make;
}

/** A client for one call, or a TypeError saying to pass `http` when no default is installed. */
export function defaultHttpClient(): { client: HttpClient; release(): void } {
  if (!factory) throw new TypeError('gitmodel: no default HTTP client in this build; pass { http } (an isomorphic-git HttpClient)');
  return factory();
}
