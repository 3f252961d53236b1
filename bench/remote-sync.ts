// Fetch and push of N records (one commit) over smart HTTP against git http-backend, gitmodel vs
// the git CLI on the same server, and to/from a local bare repository by path. Not asserted
// anywhere: figures for docs/SYNC.md. Run: npx tsx bench/remote-sync.ts [N]
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Field, Model, Workspace } from '../lib/index.js';

const run = promisify(execFile);
const N = Number(process.argv[2] ?? 10_000);
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'B', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'B', GIT_COMMITTER_EMAIL: 'b@x', GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: ENV, maxBuffer: 1 << 28 });

class Rec extends Model<Rec> {
  @Field({ id: true, type: String }) key!: string;
  @Field({ type: String }) title: string = '';
  @Field({ type: Number }) views: number = 0;
}

async function time<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  console.log(`${label.padEnd(44)} ${(performance.now() - t).toFixed(0).padStart(6)} ms`);
  return r;
}

const root = mkdtempSync(join(tmpdir(), 'gm-sync-'));
execFileSync('git', ['init', '-q', '--bare', '-b', 'main', 'a.git'], { cwd: root, env: ENV });
execFileSync('git', ['init', '-q', '--bare', '-b', 'main', 'b.git'], { cwd: root, env: ENV });
execFileSync('git', ['init', '-q', '--bare', '-b', 'main', 'local.git'], { cwd: root, env: ENV });
// test/servers/git-http-backend.mjs, as test/git-server.ts starts it (that file needs vitest)
const child = spawn(process.execPath, [join(import.meta.dirname ?? '.', '..', 'test', 'servers', 'git-http-backend.mjs')], {
  env: { ...ENV, GIT_PROJECT_ROOT: root },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve) => {
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { port: number }).port);
  });
});
const server = { url: `http://127.0.0.1:${port}`, stop: async () => void child.kill() };
try {
  const ws = await Workspace.open(join(root, 'src.git'), { author: { name: 'B', email: 'b@x' } });
  ws.register(Rec);
  await ws.transaction(async () => {
    for (let i = 0; i < N; i++) await new Rec({ key: `r${String(i).padStart(6, '0')}`, title: `record ${i}`, views: i }).save();
  });
  await ws.commit({ message: `${N} records` });
  await ws.remotes.add('origin', `${server.url}/a.git`);
  await ws.remotes.add('local', join(root, 'local.git'));
  console.log(`${N} records, one commit`);
  await time('gitmodel push (HTTP)', () => ws.push());
  await time('git push (HTTP, same data)', () => git(join(root, 'src.git'), 'push', '-q', `${server.url}/b.git`, 'main'));
  await time('gitmodel push (local path)', () => ws.push({ remote: 'local' }));
  await time('git push (local path)', () => git(join(root, 'src.git'), 'push', '-q', join(root, 'local2.git'), 'main').catch(async () => {
    await git(root, 'init', '-q', '--bare', 'local2.git');
    return git(join(root, 'src.git'), 'push', '-q', join(root, 'local2.git'), 'main');
  }));
  const dst = await Workspace.open(join(root, 'dst.git'));
  await dst.remotes.add('origin', `${server.url}/a.git`);
  await dst.remotes.add('local', join(root, 'local.git'));
  const f = await time('gitmodel fetch (HTTP)', () => dst.fetch());
  console.log(`  ${f.objects} objects, ${f.bytes} bytes`);
  await git(root, 'init', '-q', '--bare', 'cli.git');
  await time('git fetch (HTTP)', () => git(join(root, 'cli.git'), 'fetch', '-q', `${server.url}/a.git`, '+refs/heads/*:refs/remotes/origin/*'));
  const dst2 = await Workspace.open(join(root, 'dst2.git'));
  await dst2.remotes.add('local', join(root, 'local.git'));
  await time('gitmodel fetch (local path)', () => dst2.fetch({ remote: 'local' }));
  await git(root, 'init', '-q', '--bare', 'cli2.git');
  await time('git fetch (local path)', () => git(join(root, 'cli2.git'), 'fetch', '-q', join(root, 'local.git'), '+refs/heads/*:refs/remotes/origin/*'));
  // an incremental push: 10 records changed
  for (let i = 0; i < 10; i++) await new Rec({ key: `n${i}`, title: 'new', views: -i }).save();
  await ws.commit({ message: 'ten added' });
  await time('gitmodel push (HTTP), 10 added', () => ws.push());
  await time('gitmodel fetch (HTTP), 10 added', () => dst.fetch());
} finally {
  await server.stop();
}
