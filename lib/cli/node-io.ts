// What the command line takes from Node, in one file (test/layers.test.ts allows node: imports
// here): arguments and environment, the standard streams, gitmodel.json, and the HTTP server of
// `serve`. The rest of lib/cli/ sees only these small interfaces.
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs, styleText } from 'node:util';
import { gitDirOpener } from '../git/fs/discover.js';
import { nodeFileSystem } from '../git/fs/node-fs.js';
import { installPathOpener } from '../git/repository.js';
import { installPlatform } from '../platform/current.js';
import { shortLivedNodePlatform } from '../platform/node.js';

export { parseArgs };

/** Installs what the library's Node entry installs, without importing the entry (and its class-validator);
 *  the platform for a short-lived process (inflates through zlib, platform/node.ts). */
export function installNode(): void {
  installPlatform(shortLivedNodePlatform);
  installPathOpener(gitDirOpener(nodeFileSystem));
}

/** A stream the CLI writes to: text or bytes, waiting when the reader is slower (a pipe to `head`). */
export interface Sink {
  readonly isTTY: boolean;
  write(chunk: string | Uint8Array): Promise<void>;
}

function sink(stream: NodeJS.WriteStream): Sink {
  return {
    isTTY: stream.isTTY === true,
    write: (chunk) =>
      new Promise((done, fail) => {
        if (stream.write(chunk)) done();
        else {
          stream.once('drain', done);
          stream.once('error', fail);
        }
      }),
  };
}

export const stdout: Sink = sink(process.stdout);
export const stderr: Sink = sink(process.stderr);

// a reader that stops early (`gitmodel log | head`) is not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

export const argv = (): string[] => process.argv.slice(2);
export const env = (name: string): string | undefined => process.env[name];
export const cwd = (): string => process.cwd();
export const absolute = (path: string): string => resolve(path);

export function setExitCode(code: number): void {
  process.exitCode = code;
}

/** Colour for a stream: `--color always|never`, else NO_COLOR / FORCE_COLOR, else whether it is a terminal. */
export function colorizer(mode: string, stream: Sink): (style: 'red' | 'green' | 'yellow' | 'dim' | 'bold', text: string) => string {
  const on =
    mode === 'always' ||
    (mode !== 'never' && !env('NO_COLOR') && (env('FORCE_COLOR') !== undefined ? env('FORCE_COLOR') !== '0' : stream.isTTY));
  // validateStream off: the choice is made here, for the stream written to (Node 20.20 would check stdout)
  const style = styleText as (format: string, text: string, options: { validateStream: boolean }) => string;
  return on ? (format, text) => style(format, text, { validateStream: false }) : (_format, text) => text;
}

/** A JSON file's text, or undefined when there is none (gitmodel.json). */
export function readTextIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export interface HttpRequest {
  method: string;
  url: string;
}
export interface HttpAnswer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** Serves answers from `handle` on host:port; resolves with the URL once listening. */
export async function listen(host: string, port: number, handle: (request: HttpRequest) => Promise<HttpAnswer>): Promise<{ url: string; close(): void }> {
  // loaded here: only `serve` needs an HTTP server, and every other command starts faster without it
  const { createServer } = await import('node:http');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle({ method: req.method ?? 'GET', url: req.url ?? '/' }).then(
      (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...answer.headers });
        res.end(answer.body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(String(error));
      },
    );
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const address = server.address();
      const at = typeof address === 'object' && address ? address.port : port;
      const shown = host.includes(':') ? `[${host}]` : host;
      done({ url: `http://${shown}:${at}/`, close: () => server.close() });
    });
  });
}
