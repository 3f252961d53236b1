// `gitmodel serve`: a read-only web view. GET only (405 otherwise), on 127.0.0.1 unless --host
// says otherwise; the JSON routes call the same reads as the commands, in-process; the page
// (serve-page.ts) renders every repository value as text, never as HTML.
import type { Context } from './context.js';
import { diffVersion } from './diffs.js';
import { type HttpAnswer, listen } from './node-io.js';
import { blame, objectVersions } from './history-reads.js';
import { listModels, listObjects } from './reads.js';
import { PAGE } from './serve-page.js';
import { errorInfo } from './errors.js';

const json = (status: number, value: unknown): HttpAnswer => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) });

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** The answer to one request: a route's JSON, the page, or an error as JSON with its code. */
export async function answer(ctx: Context, method: string, url: string): Promise<HttpAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { ...json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'this view is read-only: GET only' } }), headers: { allow: 'GET, HEAD' } };
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const q = (name: string) => searchParams.get(name) ?? undefined;
  const need = (name: string) => {
    const v = q(name);
    if (v === undefined || v === '') throw Object.assign(new Error(`the query needs ${name}=`), { code: 'USAGE' });
    return v;
  };
  try {
    switch (pathname) {
      case '/':
        return { status: 200, type: 'text/html; charset=utf-8', body: PAGE, headers: { 'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'none'" } };
      case '/api/models':
        return json(200, await listModels(ctx, q('at')));
      case '/api/objects':
        return json(200, await collect(listObjects(ctx, need('model'), q('at'))));
      case '/api/history':
        return json(200, await collect(objectVersions(ctx, { rev: q('at') ?? 'HEAD', model: need('model'), id: need('id') })));
      case '/api/diff':
        return json(200, await diffVersion(ctx, need('model'), need('id'), need('to'), q('from')));
      case '/api/blame':
        return json(200, await blame(ctx, { rev: q('at') ?? 'HEAD', model: need('model'), id: need('id') }));
      default:
        return json(404, { error: { code: 'NOT_FOUND', message: `no route ${pathname}` } });
    }
  } catch (error) {
    const info = errorInfo(error);
    return json(info.exit === 3 ? 404 : info.exit === 64 ? 400 : 500, { error: { code: info.code, message: info.message, ...info.data } });
  }
}

/** Serves until the process is stopped; prints the URL (tests read it from stdout). */
export async function serve(ctx: Context, host: string, port: number): Promise<void> {
  const server = await listen(host, port, (request) => answer(ctx, request.method, request.url));
  await ctx.out.value({ url: server.url }, () => `serving ${ctx.globals.repo} read-only at ${server.url}`);
  await new Promise(() => {}); // until the process is stopped
}
