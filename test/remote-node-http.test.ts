// The Node HttpClient (lib/git/remote/node-http.ts): the keep-alive reset met in practice (a
// request on a socket the server closed while our event loop was busy) retried on a fresh socket
// with a streamed body sent again; redirects kept to the same origin; streamed request and
// response bodies; abort. The server runs in a child process, so that it closes idle sockets on
// time while this process is blocked, as a real server does. The fetch() client (web-http.ts, the
// browser's default) is run here too on Node's fetch, the same WHATWG API; test/browser.test.ts
// runs it in Chromium against git http-backend.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpClient, redirectAllowed } from '../lib/git/remote/http-client.js';
import { nodeHttpClient, type NodeHttpClient } from '../lib/git/remote/node-http.js';
import { webHttpClient } from '../lib/git/remote/web-http.js';

const SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
let connections = 0;
const seen = [];
let received = 0;
let release;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  seen.push({ path: url.pathname, host: req.headers.host, authorization: req.headers.authorization ?? null, method: req.method });
  const route = url.pathname;
  if (route === '/state') return res.end(JSON.stringify({ connections, seen }));
  if (route === '/received') return res.end(String(received));
  if (route === '/release') { release?.(); return res.end('ok'); }
  if (route === '/echo') {
    const hash = crypto.createHash('sha1');
    let length = 0;
    req.on('data', (c) => { hash.update(c); length += c.length; received += c.length; });
    req.on('end', () => res.end(JSON.stringify({ length, sha1: hash.digest('hex') })));
    return;
  }
  if (route === '/to-same') { res.writeHead(302, { location: '/echo' }); return res.end(); }
  if (route === '/to-other') { res.writeHead(302, { location: 'http://localhost:' + server.address().port + '/echo' }); return res.end(); }
  if (route === '/held') {
    res.write('first');
    release = () => res.end('second');
    return;
  }
  if (route === '/drip') {
    const t = setInterval(() => res.write('x'), 20);
    res.on('close', () => clearInterval(t));
    return;
  }
  res.end('ok');
});
server.on('connection', () => connections++);
// Idle sockets closed after 100 ms, without the Keep-Alive: timeout hint (with one, Node's agent
// stops reusing sockets on time by itself — when its event loop is free to run the timer)
server.keepAliveTimeout = 0;
server.on('request', (req, res) => {
  clearTimeout(req.socket.idle);
  res.on('finish', () => { req.socket.idle = setTimeout(() => req.socket.destroy(), 100); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;

let child: ChildProcess | undefined;
let client: NodeHttpClient | undefined;
afterEach(() => {
  client?.close();
  child?.kill();
  child = client = undefined;
});

async function start(): Promise<string> {
  child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => {
    let out = '';
    child!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).port);
    });
  });
  return `http://127.0.0.1:${port}`;
}

async function text(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of body ?? []) parts.push(c);
  return Buffer.concat(parts).toString();
}

/** Blocks this process's event loop, as a long synchronous object walk does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // the server (another process) closes the idle keep-alive socket meanwhile
  }
}

/** /held's first part arrives while the server holds the rest, which comes once released. */
async function expectStreamedResponse(http: HttpClient, url: string): Promise<void> {
  const res = await http.request({ url: `${url}/held` });
  const it = res.body![Symbol.asyncIterator]();
  expect(Buffer.from((await it.next()).value).toString()).toBe('first');
  await text((await http.request({ url: `${url}/release` })).body);
  let rest = '';
  for (let step = await it.next(); !step.done; step = await it.next()) rest += Buffer.from(step.value).toString();
  expect(rest).toBe('second');
}

const payload = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
async function* chunked(bytes: Uint8Array, size = 16_384): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
const sha1 = async (bytes: Uint8Array) => (await import('node:crypto')).createHash('sha1').update(bytes).digest('hex');

describe('the Node HttpClient', () => {
  it('retries once on a fresh socket when a reused keep-alive socket was closed by the server, resending a streamed body', async () => {
    const url = await start();
    client = nodeHttpClient();
    expect(await text((await client.request({ url: `${url}/hello` })).body)).toBe('ok');
    busy(400); // > keepAliveTimeout: the socket in the pool is dead, and this process has not noticed
    const res = await client.request({ url: `${url}/echo`, method: 'POST', body: chunked(payload) });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await text(res.body))).toEqual({ length: payload.length, sha1: await sha1(payload) });
    const state = JSON.parse(await text((await client.request({ url: `${url}/state` })).body));
    expect(state.seen.filter((s: { path: string }) => s.path === '/echo')).toHaveLength(1);
    // /hello's socket, found dead; the retry's own fresh socket; a new pooled one for /state
    expect(state.connections).toBe(3);
  });

  it('the same trap without the retry (a streamed body that may not be kept) fails with ECONNRESET', async () => {
    const url = await start();
    client = nodeHttpClient({ replayLimit: 0 });
    await text((await client.request({ url: `${url}/hello` })).body);
    busy(400);
    const err = await client.request({ url: `${url}/echo`, method: 'POST', body: chunked(payload) }).catch((e) => e);
    expect(['ECONNRESET', 'EPIPE']).toContain(err.code);
  });

  it('retries an array body the same way', async () => {
    const url = await start();
    client = nodeHttpClient();
    await text((await client.request({ url: `${url}/hello` })).body);
    busy(400);
    const res = await client.request({ url: `${url}/echo`, method: 'POST', body: [payload.subarray(0, 10), payload.subarray(10)] });
    expect(JSON.parse(await text(res.body)).length).toBe(payload.length);
  });

  it('streams the request body: the server has the first chunk before the second is made', async () => {
    const url = await start();
    client = nodeHttpClient();
    const probe = nodeHttpClient();
    try {
      const first = new Uint8Array(50_000).fill(1);
      async function* body(): AsyncGenerator<Uint8Array> {
        yield first;
        for (let i = 0; i < 200; i++) {
          const n = Number(await text((await probe.request({ url: `${url}/received` })).body));
          if (n >= first.length) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        const n = Number(await text((await probe.request({ url: `${url}/received` })).body));
        yield new TextEncoder().encode(`seen:${n}`);
      }
      const res = await client.request({ url: `${url}/echo`, method: 'POST', body: body() });
      expect(JSON.parse(await text(res.body)).length).toBe(first.length + `seen:${first.length}`.length);
    } finally {
      probe.close();
    }
  });

  it('streams the response body: the first part arrives while the server still holds the rest', async () => {
    const url = await start();
    client = nodeHttpClient();
    await expectStreamedResponse(client, url);
  });

  it('follows a redirect within the origin, keeping Authorization; not one to another host', async () => {
    const url = await start();
    client = nodeHttpClient();
    const same = await client.request({ url: `${url}/to-same`, headers: { Authorization: 'Basic c2VjcmV0' } });
    expect(same.statusCode).toBe(200);
    expect(same.url).toBe(`${url}/echo`);
    await text(same.body);
    const other = await client.request({ url: `${url}/to-other`, headers: { Authorization: 'Basic c2VjcmV0' } });
    expect(other.statusCode).toBe(302);
    expect(other.headers.location).toMatch(/^http:\/\/localhost:/);
    await text(other.body);
    const state = JSON.parse(await text((await client.request({ url: `${url}/state` })).body));
    const echoes = state.seen.filter((s: { path: string }) => s.path === '/echo');
    expect(echoes).toEqual([{ path: '/echo', host: new URL(url).host, authorization: 'Basic c2VjcmV0', method: 'GET' }]);
  });

  it('does not follow redirects of a POST', async () => {
    const url = await start();
    client = nodeHttpClient();
    const res = await client.request({ url: `${url}/to-same`, method: 'POST', body: [new Uint8Array(3)] });
    expect(res.statusCode).toBe(302);
    await text(res.body);
  });

  it('redirect rule: same origin, or http → https on the same host; never another host, never https → http', () => {
    const u = (s: string) => new URL(s);
    expect(redirectAllowed(u('https://h/a'), u('https://h/b'))).toBe(true);
    expect(redirectAllowed(u('http://h/a'), u('https://h/a'))).toBe(true);
    expect(redirectAllowed(u('https://h/a'), u('http://h/a'))).toBe(false);
    expect(redirectAllowed(u('https://h/a'), u('https://evil/a'))).toBe(false);
    expect(redirectAllowed(u('https://h/a'), u('https://h:8443/a'))).toBe(false);
    expect(redirectAllowed(u('http://h/a'), u('https://other/a'))).toBe(false);
  });

  it('an AbortSignal stops a response being streamed', async () => {
    const url = await start();
    client = nodeHttpClient();
    const controller = new AbortController();
    const res = await client.request({ url: `${url}/drip`, signal: controller.signal });
    const err = await (async () => {
      let n = 0;
      for await (const _ of res.body!) if (++n === 3) controller.abort();
    })().catch((e) => e);
    expect(err?.name).toBe('AbortError');
  });

  it('a connection refused rejects with ECONNREFUSED (smart-http turns it into RemoteUnreachableError)', async () => {
    client = nodeHttpClient();
    const url = await start();
    child!.kill();
    await new Promise((r) => child!.once('exit', r));
    const err = await client.request({ url: `${url}/hello` }).catch((e) => e);
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe('the fetch() HttpClient (web-http.ts), on Node\'s fetch', () => {
  it('streams the response body: the first part arrives while the server still holds the rest', async () => {
    const url = await start();
    await expectStreamedResponse(webHttpClient(), url);
  });

  it('sends a streamed request body whole, byte for byte', async () => {
    const url = await start();
    const res = await webHttpClient().request({ url: `${url}/echo`, method: 'POST', body: chunked(payload) });
    expect(JSON.parse(await text(res.body))).toEqual({ length: payload.length, sha1: await sha1(payload) });
  });

  it('follows a GET redirect (the final url is reported, for the protocol to check); not a POST one', async () => {
    const url = await start();
    const web = webHttpClient();
    const same = await web.request({ url: `${url}/to-same` });
    expect(same.statusCode).toBe(200);
    expect(same.url).toBe(`${url}/echo`);
    await text(same.body);
    // Node's fetch shows the 302 itself; a browser's hides it (opaque), reported as a 307
    const post = await web.request({ url: `${url}/to-same`, method: 'POST', body: [new Uint8Array(3)] });
    expect(post.statusCode).toBe(302);
    await text(post.body);
    const state = JSON.parse(await text((await web.request({ url: `${url}/state` })).body));
    expect(state.seen.filter((s: { path: string }) => s.path === '/echo').map((s: { method: string }) => s.method)).toEqual(['GET']);
  });

  it('an AbortSignal stops a response being streamed, with the signal\'s reason', async () => {
    const url = await start();
    const controller = new AbortController();
    const res = await webHttpClient().request({ url: `${url}/drip`, signal: controller.signal });
    const reason = new Error('stopped by the caller');
    const err = await (async () => {
      let n = 0;
      for await (const _ of res.body!) if (++n === 3) controller.abort(reason);
    })().catch((e) => e);
    expect(err).toBe(reason);
  });

  it('a connection refused rejects (smart-http turns it into RemoteUnreachableError)', async () => {
    const url = await start();
    child!.kill();
    await new Promise((r) => child!.once('exit', r));
    await expect(webHttpClient().request({ url: `${url}/echo` })).rejects.toBeInstanceOf(TypeError);
  });
});
