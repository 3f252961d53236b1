// The `sync` step of `npm run bench` (design/sync-merge.md §6): push and fetch through gitmodel
// and through the git CLI against the same `git http-backend` server (test/servers/, a process of
// its own), in the same run, on the same commits. Each row is one workload, timed for both.
//   S1 push N records (one commit) to an empty remote        S2 fetch them into an empty repository
//   S4 push 100 commits x 10 records onto them (flat folder)  S6 fetch that increment
//   S7 an up-to-date fetch and push: requests counted at the server (1 GET, 0 POST each)
// Run by bench/run.ts in a process of its own (`--child sync`). With --sync-big: S3 fetch 100,000 records into an empty repository (its own process: peak RSS
// growth against the pack's size), S5 push 20 commits x 50 records onto 100,000 (sharded), S6b
// fetch that increment.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Workspace } from '../lib/index.js';
import { peakRssMiB } from './measure.js';
import { Page, ShardedPage } from './models.js';
import { record } from './records.js';

const run = promisify(execFile);
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: ENV, maxBuffer: 1 << 28 });

export interface SyncRow {
  id: string;
  workload: string;
  /** gitmodel and git CLI ms */
  gitmodel?: number;
  git?: number;
  target: string;
  note?: string;
}

/** test/servers/git-http-backend.mjs, found upwards from here (bench/ runs from dist/ too). */
function serverScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'test', 'servers', 'git-http-backend.mjs');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('test/servers/git-http-backend.mjs not found');
  }
}

async function startServer(root: string): Promise<{ url: string; stats(): Promise<Record<string, number>>; stop(): void }> {
  const child = spawn(process.execPath, [serverScript()], { env: { ...ENV, GIT_PROJECT_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`the git server exited (${code})`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { port: number }).port);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as Record<string, number>,
    stop: () => void child.kill(),
  };
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await f();
  return performance.now() - start;
}

function packBytes(gitDir: string): number {
  const dir = join(gitDir, 'objects', 'pack');
  return readdirSync(dir).filter((f) => f.endsWith('.pack')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** `count` commits, each changing `per` records (spread over the N) to a new revision. */
async function commits(ws: Workspace, cls: typeof Page, n: number, count: number, per: number, salt: number): Promise<void> {
  for (let c = 0; c < count; c++) {
    await ws.transaction(async () => {
      for (let k = 0; k < per; k++) {
        const i = ((c * per + k) * 7919 + salt) % n;
        const page = await cls.get(`page-${i}`);
        Object.assign(page, record(i, salt + c + 1));
        await page.save();
      }
    }, { message: `edit ${c}` });
  }
}

async function importRecords(path: string, cls: typeof Page, n: number): Promise<Workspace> {
  const ws = await Workspace.open(path, { author: { name: 'bench', email: 'bench@example.com' }, durability: 'atomic' });
  ws.register(cls);
  await ws.transaction(async () => {
    for (let i = 0; i < n; i++) await new cls(record(i)).save();
  }, { message: `import ${n}` });
  return ws;
}

/** The S3 child: fetch `url` into a new repository; prints ms and peak RSS growth (MiB). */
export async function fetchChild(dir: string, url: string): Promise<{ ms: number; rssGrowth: number }> {
  const ws = await Workspace.open(join(dir, 's3-gitmodel.git'));
  await ws.remotes.add('origin', url);
  const before = process.memoryUsage().rss / 1048576;
  const ms = await timed(() => ws.fetch());
  return { ms, rssGrowth: peakRssMiB() - before };
}

export async function runSync(dir: string, n: number, big: boolean): Promise<SyncRow[]> {
  const rows: SyncRow[] = [];
  mkdirSync(dir, { recursive: true });
  for (const name of ['gm.git', 'cli.git']) await git(dir, 'init', '-q', '--bare', '-b', 'main', name);
  const server = await startServer(dir);
  try {
    const ws = await importRecords(join(dir, 'src.git'), Page, n);
    const src = join(dir, 'src.git');
    await ws.remotes.add('origin', `${server.url}/gm.git`);

    rows.push({
      id: 'S1',
      workload: `push ${n.toLocaleString('en-US')} records to an empty remote`,
      gitmodel: await timed(() => ws.push()),
      git: await timed(() => git(src, 'push', '-q', `${server.url}/cli.git`, 'main')),
      target: '≤ 1.5×',
    });

    // both fetch from cli.git, the repository git wrote
    const dst = await Workspace.open(join(dir, 'dst-gitmodel.git'));
    await dst.remotes.add('origin', `${server.url}/cli.git`);
    await git(dir, 'init', '-q', '--bare', 'dst-cli.git');
    const cliFetch = () => git(join(dir, 'dst-cli.git'), 'fetch', '-q', `${server.url}/cli.git`, '+refs/heads/*:refs/remotes/origin/*');
    rows.push({ id: 'S2', workload: `fetch ${n.toLocaleString('en-US')} records into an empty repository`, gitmodel: await timed(() => dst.fetch()), git: await timed(cliFetch), target: '≤ 1.5×' });

    await commits(ws, Page, n, 100, 10, 1);
    rows.push({
      id: 'S4',
      workload: `push 100 commits × 10 records onto ${n.toLocaleString('en-US')} (flat)`,
      gitmodel: await timed(() => ws.push()),
      git: await timed(() => git(src, 'push', '-q', `${server.url}/cli.git`, 'main')),
      target: '≤ 1.5×',
    });
    rows.push({ id: 'S6', workload: 'fetch that increment', gitmodel: await timed(() => dst.fetch()), git: await timed(cliFetch), target: '≤ 1.0×' });

    const before = await server.stats();
    const upToDate = await timed(async () => {
      await dst.fetch();
      await ws.push();
    });
    const after = await server.stats();
    const gets = after.discover - before.discover;
    const posts = after.uploadPack - before.uploadPack + (after.receivePack - before.receivePack);
    rows.push({ id: 'S7', workload: 'up-to-date fetch, then up-to-date push', gitmodel: upToDate, target: '1 GET, 0 POST each', note: `${gets} GET, ${posts} POST for the two` });

    if (big) {
      const BIG = 100_000;
      const bigWs = await importRecords(join(dir, 'big.git'), ShardedPage, BIG);
      const bigSrc = join(dir, 'big.git');
      for (const name of ['big-gm.git', 'big-cli.git']) await git(dir, 'init', '-q', '--bare', '-b', 'main', name);
      await git(bigSrc, 'push', '-q', join(dir, 'big-gm.git'), 'main');
      await git(bigSrc, 'push', '-q', join(dir, 'big-cli.git'), 'main');
      // S3 in a process of its own: its peak RSS is the fetch's
      const out = await run(process.execPath, [...process.execArgv, process.argv[1], '--child', 'sync-fetch', '--dir', dir, '--url', `${server.url}/big-cli.git`], { maxBuffer: 1 << 24 });
      const s3 = JSON.parse(out.stdout) as { ms: number; rssGrowth: number };
      await git(dir, 'init', '-q', '--bare', 's3-cli.git');
      const s3git = await timed(() => git(join(dir, 's3-cli.git'), 'fetch', '-q', `${server.url}/big-cli.git`, '+refs/heads/*:refs/remotes/origin/*'));
      const pack = packBytes(join(dir, 'big-cli.git')) / 1048576;
      rows.push({
        id: 'S3',
        workload: 'fetch 100,000 records into an empty repository',
        gitmodel: s3.ms,
        git: s3git,
        target: '≤ 2×, RSS + ≤ 2× pack',
        note: `peak RSS +${s3.rssGrowth.toFixed(0)} MiB for a ${pack.toFixed(0)} MiB pack`,
      });

      const bigDst = await Workspace.open(join(dir, 's3-gitmodel.git'));
      await bigWs.remotes.add('origin', `${server.url}/big-gm.git`);
      await commits(bigWs, ShardedPage, BIG, 20, 50, 2);
      rows.push({
        id: 'S5',
        workload: 'push 20 commits × 50 records onto 100,000 (sharded)',
        gitmodel: await timed(() => bigWs.push()),
        git: await timed(() => git(bigSrc, 'push', '-q', `${server.url}/big-cli.git`, 'main')),
        target: '≤ 1.5×',
      });
      rows.push({
        id: 'S6b',
        workload: 'fetch that increment',
        gitmodel: await timed(() => bigDst.fetch()),
        git: await timed(() => git(join(dir, 's3-cli.git'), 'fetch', '-q', `${server.url}/big-cli.git`, '+refs/heads/*:refs/remotes/origin/*')),
        target: '≤ 1.0×',
      });
    }
  } finally {
    server.stop();
  }
  return rows;
}

export function syncTable(rows: SyncRow[]): string {
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v).toLocaleString('en-US')} ms`);
  const lines = [
    'sync: gitmodel and the git CLI against the same git http-backend on 127.0.0.1',
    '',
    '| id | workload | gitmodel | git CLI | gitmodel : git | target | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ratio = r.gitmodel !== undefined && r.git ? `${(r.gitmodel / r.git).toFixed(2)}×` : '—';
    lines.push(`| ${r.id} | ${r.workload} | ${ms(r.gitmodel)} | ${ms(r.git)} | ${ratio} | ${r.target} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}
