// Starts test/servers/git-http-backend.mjs (the real `git http-backend` on 127.0.0.1) in a child
// process for one test, with the fault injections it offers; stopped by the returned function.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { GIT_ENV } from './helpers.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'git-http-backend.mjs');

export interface GitServerOptions {
  /** "user:password": Basic auth required */
  auth?: string;
  /** cut git-upload-pack responses after this many bytes */
  cutAfter?: number;
  /** flip the byte at this offset of git-upload-pack responses */
  flipAt?: number;
  /** fail git-receive-pack before running it, or drop the connection after it ran */
  failReceive?: 'before' | 'after';
}

export interface GitServer {
  /** http://127.0.0.1:<port> — a repository <root>/x.git is at `${url}/x.git` */
  url: string;
  /** requests served so far, by kind */
  stats(): Promise<{ discover: number; uploadPack: number; receivePack: number }>;
  stop(): Promise<void>;
}

export async function startGitServer(root: string, options: GitServerOptions = {}): Promise<GitServer> {
  const env: Record<string, string> = { ...(GIT_ENV as Record<string, string>), GIT_PROJECT_ROOT: root };
  if (options.auth) env.AUTH = options.auth;
  if (options.cutAfter !== undefined) env.CUT_AFTER = String(options.cutAfter);
  if (options.flipAt !== undefined) env.FLIP_AT = String(options.flipAt);
  if (options.failReceive) env.FAIL_RECEIVE = options.failReceive;
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`git server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as { discover: number; uploadPack: number; receivePack: number },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** A startGitServer for the tests of one file: each server is stopped after the test that started it. */
export function serverPerTest(): (root: string, options?: GitServerOptions) => Promise<GitServer> {
  const servers: GitServer[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.stop();
  });
  return async (root, options = {}) => {
    const server = await startGitServer(root, options);
    servers.push(server);
    return server;
  };
}

/**
 * An HTTP client whose git-receive-pack replies break after 6 bytes (ECONNRESET): the server has
 * run receive-pack, the report is lost. (The server's own failReceive: 'after' may still deliver
 * a report written before it closes; this loses it every time.)
 */
export function losingReceivePackReports(inner: HttpClient): HttpClient {
  return {
    async request(req) {
      const res = await inner.request(req);
      if (!req.url.endsWith('/git-receive-pack')) return res;
      const body = res.body!;
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body) {
            yield chunk.subarray(0, 6);
            throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
          }
        })(),
      };
    },
  };
}
