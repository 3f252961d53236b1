// A smart-HTTP git server for tests: `git http-backend` (the real one) behind node:http on
// 127.0.0.1, in a process of its own (a server in the test's own process would deadlock against
// any synchronous git call the test makes). Prints `{"port": N}` on its first stdout line.
//
// Environment:
//   GIT_PROJECT_ROOT  the folder whose repositories are served (required), as /<name>.git
//   AUTH              "user:password": answer 401 without that Basic authorization
//   CUT_AFTER         cut every POST response to git-upload-pack after this many body bytes
//   FLIP_AT           flip one byte at this offset of every POST response to git-upload-pack
//   FAIL_RECEIVE      "before": answer 500 to git-receive-pack without running it;
//                     "after": run it, then destroy the connection before the reply arrives
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const root = process.env.GIT_PROJECT_ROOT;
if (!root) throw new Error('GIT_PROJECT_ROOT is required');
const auth = process.env.AUTH ? `Basic ${Buffer.from(process.env.AUTH).toString('base64')}` : undefined;
const cutAfter = process.env.CUT_AFTER ? Number(process.env.CUT_AFTER) : undefined;
const flipAt = process.env.FLIP_AT ? Number(process.env.FLIP_AT) : undefined;
const failReceive = process.env.FAIL_RECEIVE;

/** Counts of requests by kind, answered at GET /__stats (a test asserts work done, not time). */
const stats = { discover: 0, uploadPack: 0, receivePack: 0 };

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/__stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  if (auth && req.headers.authorization !== auth) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
    res.end();
    return;
  }
  const uploadPack = req.method === 'POST' && url.pathname.endsWith('/git-upload-pack');
  const receivePack = req.method === 'POST' && url.pathname.endsWith('/git-receive-pack');
  if (url.pathname.endsWith('/info/refs')) stats.discover++;
  if (uploadPack) stats.uploadPack++;
  if (receivePack) stats.receivePack++;
  if (receivePack && failReceive === 'before') {
    req.resume();
    res.writeHead(500);
    res.end('failing on purpose');
    return;
  }
  const cgi = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: req.headers['content-length'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: req.headers['git-protocol'] ?? '',
      REMOTE_USER: 'tester',
      REMOTE_ADDR: '127.0.0.1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
    },
  });
  // a CGI that exits before reading the body must not take the server down (EPIPE)
  cgi.stdin.on('error', () => {});
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  let sent = 0;
  cgi.stdout.on('data', (chunk) => {
    if (!headersDone) {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      chunk = head.subarray(end + 4);
    }
    if (uploadPack && flipAt !== undefined && flipAt >= sent && flipAt < sent + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[flipAt - sent] ^= 0xff;
    }
    if (uploadPack && cutAfter !== undefined && sent + chunk.length > cutAfter) {
      res.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
      res.socket?.destroy();
      cgi.kill();
      return;
    }
    sent += chunk.length;
    res.write(chunk);
  });
  cgi.on('close', () => {
    if (!headersDone) {
      if (!res.headersSent) res.writeHead(502);
      res.end();
      return;
    }
    if (receivePack && failReceive === 'after') {
      res.socket?.destroy();
      return;
    }
    res.end();
  });
  cgi.stderr.resume();
});

server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
