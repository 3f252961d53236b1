// The browser demo: builds the bundle and models-example/browser-demo.ts into dist/browser-demo/,
// serves it on 127.0.0.1 and prints the URL. `npm run demo:browser [-- --port N --git URL]`:
// with --git, the page's /git/<repo>.git is that smart-HTTP server's <repo>.git (so the page syncs
// with its own origin, no CORS needed). serveSite is the static server test/browser.test.ts uses too.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAgainstBundle, buildBrowser } from './build-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// a typed response: Chromium takes an untyped one for a download and hangs (design/platform.md)
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The bundle, the demo's script built against it, and its page, into `dir`. */
export async function buildDemo(dir) {
  mkdirSync(dir, { recursive: true });
  await buildBrowser({ outfile: join(dir, 'gitmodel.js') });
  await buildAgainstBundle({ entry: join(root, 'models-example/browser-demo.ts'), outfile: join(dir, 'browser-demo.js') });
  copyFileSync(join(root, 'models-example/browser-demo.html'), join(dir, 'browser-demo.html'));
}

/**
 * Serves the files of `dir` on 127.0.0.1 (`port` 0: any free one); with `git` (a server's base
 * URL), requests under /git/ go to it, so a page reaches a git server at its own origin.
 * Resolves to { server, url }.
 */
export async function serveSite({ dir, port = 0, git }) {
  const upstream = git ? new URL(git) : undefined;
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (upstream && pathname.startsWith('/git/')) {
      const path = `${upstream.pathname.replace(/\/$/, '')}${req.url.slice('/git'.length)}`;
      const forward = request({ host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
      return;
    }
    const path = resolve(dir, `.${pathname}`);
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/plain', 'cache-control': 'no-store' }).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name) => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const dir = join(root, 'dist/browser-demo');
  await buildDemo(dir);
  const { url } = await serveSite({ dir, port: Number(arg('port') ?? 8765), git: arg('git') });
  console.log(`built ${relative(root, dir)}/; open ${url}/browser-demo.html (Ctrl-C stops)`);
}
