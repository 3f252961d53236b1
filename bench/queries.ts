// Query steps Q1–Q7 (docs/QUERIES.md, ../shared/design/queries.md §5.10) on the standard records,
// with three indexed fields. The repository is written with `git fast-import` (the same canonical
// bytes gitmodel writes), so the figures are the queries' own, not the import's.
//   npm run build && node dist/bench/queries.js --n 100000
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Field, Model, Workspace } from '../lib/index.js';
import { time } from './measure.js';
// the same records with no index beyond the id: the W2 reference for commits with indexes
import { Page as PlainPage } from './models.js';
import { record, recordBytes } from './records.js';

@Model({ name: 'page' })
class IndexedPage extends Model {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() content!: string;
  @Field({ index: true }) published!: boolean;
  @Field({ type: [String], index: true }) tags!: string[];
  @Field({ index: true }) updatedAt!: Date;
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    child: { type: 'string' },
    /** write the records here once and reuse them in later runs (kept; index files removed before each run) */
    repo: { type: 'string' },
  },
});
const n = Number(values.n);
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const START = Date.UTC(2026, 0, 1);
/** 1% of the rows: updatedAt is minute i */
const onePercent = { updatedAt: { gte: new Date(START + (n / 2) * 60000), lt: new Date(START + (n / 2 + n / 100) * 60000) } };

/**
 * The records as one commit, with git's plumbing: blobs through fast-import (its own trees are
 * quadratic in a folder's size), each object's folder and the model folder through mktree --batch.
 */
function writeRepo(path: string): void {
  const git = (args: string[], input?: Buffer | string) =>
    execFileSync('git', args, { cwd: path, env: ENV, input, maxBuffer: 1 << 30, encoding: 'utf8' });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', path], { env: ENV });
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const data = recordBytes(record(i));
    parts.push(Buffer.from(`blob\nmark :${i + 1}\ndata ${data.length}\n`), data, Buffer.from('\n'));
  }
  const marks = join(path, 'marks');
  git(['fast-import', '--quiet', `--export-marks=${marks}`], Buffer.concat(parts));
  const blob = new Map(readFileSync(marks, 'utf8').trim().split('\n').map((l) => [Number(l.slice(1, l.indexOf(' '))), l.slice(l.indexOf(' ') + 1)]));
  const folders = git(['mktree', '--batch'], Array.from({ length: n }, (_, i) => `100644 blob ${blob.get(i + 1)}\tdata.json\n\n`).join('')).trim().split('\n');
  const page = git(['mktree'], folders.map((oid, i) => `040000 tree ${oid}\tpage-${i}\n`).join('')).trim();
  const root = git(['mktree'], `040000 tree ${page}\tpage\n`).trim();
  const commit = git(['commit-tree', root, '-m', 'records']).trim();
  git(['update-ref', 'refs/heads/main', commit]);
  // where a run with --repo starts again
  git(['update-ref', 'refs/bench/records', commit]);
  // one pack without deltas, as gitmodel's own commits leave a repository (fast-import deltifies blobs)
  git(['repack', '-a', '-d', '-f', '-q', '--window=0']);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** CPU milliseconds of the repeated steps' runs, by step: under load a step's wall time is mostly waiting for a core. */
const cpuOf = new Map<string, number>();

async function repeat(times: number, task: () => Promise<unknown>, step?: string): Promise<number> {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = process.cpuUsage();
    ms.push((await time(task))[0]);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  if (step) cpuOf.set(step, median(cpu));
  return median(ms);
}

function indexBytes(path: string): number {
  let total = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.gmix')) total += statSync(join(dir, e.name)).size;
    }
  };
  walk(join(path, 'gitmodel'));
  return total;
}

if (values.child) {
  // Q5: a new process, an index file present, one object changed since it was written
  const [ms, ids] = await time(async () => {
    const ws = await Workspace.open(values.child!);
    ws.register(IndexedPage);
    return IndexedPage.findIds({ where: onePercent });
  });
  console.log(JSON.stringify({ ms, ids: ids.length }));
  process.exit(0);
}

const dir = values.repo ? undefined : mkdtempSync(join(tmpdir(), 'gitmodel-qbench-'));
const path = values.repo ?? join(dir!, 'repo.git');
const out: [string, string][] = [];
const report = (step: string, figure: string) => {
  out.push([step, figure]);
  console.error(`${step}: ${figure}`);
};
try {
  if (!values.repo || !existsSync(join(path, 'HEAD'))) writeRepo(path);
  else {
    rmSync(join(path, 'gitmodel'), { recursive: true, force: true });
    execFileSync('git', ['update-ref', 'refs/heads/main', 'refs/bench/records'], { cwd: path });
  }
  const [gitMs] = await time(async () => {
    execFileSync('sh', ['-c', 'git ls-tree -r main | awk \'{print $3}\' | git cat-file --batch > /dev/null'], { cwd: path, env: ENV, maxBuffer: 1 << 30 });
  });
  const ws = await Workspace.open(path);
  ws.register(IndexedPage);
  global.gc?.();
  // typed arrays live outside the JS heap: both counted
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heapBefore = used();
  const [buildMs, total] = await time(() => IndexedPage.count());
  if (total !== n) throw new Error(`count ${total} != ${n}`);
  global.gc?.();
  global.gc?.();
  // includes the decoded-object cache the build filled (up to 20,000 records), which is not the index's
  const heapAfter = used();
  report('Q6 build from scratch (3 fields)', `${buildMs.toFixed(0)} ms; git ls-tree -r \\| cat-file --batch ${gitMs.toFixed(0)} ms (${(buildMs / gitMs).toFixed(2)}×)`);
  report('memory', `${(ws.indexes.status()[0].bytes / n).toFixed(0)} B per row held by the index (status().bytes); the process grew ${((heapAfter - heapBefore) / n).toFixed(0)} B per row over the build (heap and array buffers${global.gc ? ', gc before and after' : ', no --expose-gc'}: with the repository's caches)`);
  if (process.env.QUERIES_BENCH_BUILD_ONLY) process.exit(0);
  report('index file', `${(indexBytes(path) / n).toFixed(0)} B per row`);
  const q1 = await repeat(101, () => IndexedPage.findIds({ where: onePercent }), 'q1');
  report('Q1 1% range as ids, warm', `${q1.toFixed(2)} ms, CPU ${cpuOf.get('q1')!.toFixed(2)} ms (${(await IndexedPage.findIds({ where: onePercent })).length} ids)`);
  await IndexedPage.find({ where: onePercent });
  const q2 = await repeat(21, () => IndexedPage.find({ where: onePercent }).toArray(), 'q2');
  report('Q2 same, as model objects, warm', `${q2.toFixed(1)} ms, CPU ${cpuOf.get('q2')!.toFixed(1)} ms`);
  const q3 = await repeat(21, () => IndexedPage.count({ where: { published: true } }), 'q3');
  report('Q3 count on an indexed equality', `${q3.toFixed(2)} ms`);
  const q4 = await repeat(21, () => IndexedPage.findIds({ where: { published: true, tags: { has: 't3' } }, orderBy: { updatedAt: 'desc' }, limit: 20 }));
  report('Q4 filtered top 20 ordered by an indexed field', `${q4.toFixed(2)} ms`);
  // Q7: a one-object commit, then the query that brings the index up to it
  const upkeep: number[] = [];
  const upkeepCpu: number[] = [];
  const commits: number[] = [];
  for (let j = 1; j <= 20; j++) {
    const page = await IndexedPage.get(`page-${j * 37}`);
    Object.assign(page, record(j * 37, j));
    commits.push((await time(() => page.save({ commit: true, message: `edit ${j}` })))[0]);
    const before = process.cpuUsage();
    upkeep.push((await time(() => IndexedPage.count({ where: { published: true } })))[0] - q3);
    const used = process.cpuUsage(before);
    upkeepCpu.push((used.user + used.system) / 1000 - cpuOf.get('q3')!);
  }
  report('Q7 upkeep after a one-object commit', `${median(upkeep).toFixed(2)} ms, CPU ${median(upkeepCpu).toFixed(2)} ms (the commit itself: ${median(commits).toFixed(1)} ms)`);
  // W2 with three indexed fields against the same commits without indexes, in alternating rounds
  // of one workspace each: each catches up and makes one commit untimed first (re-reading the
  // folder the other moved), and an indexed round's commit is followed by the query that brings
  // the index up to it, so upkeep is in its figure. Compared by the median commit: the
  // repository's own maintenance (a repack every so many commits) lands in one commit of either
  // kind and would decide a comparison of totals
  const plainWs = await Workspace.open(path);
  plainWs.register(PlainPage);
  const edit = async (cls: typeof IndexedPage | typeof PlainPage, j: number) => {
    const page = await cls.get(`page-${(j * 7919) % n}`);
    Object.assign(page, record((j * 7919) % n, j));
    await page.save({ commit: true, message: `w2 ${j}` });
  };
  const w2 = { indexed: { ms: [] as number[], cpu: [] as number[] }, plain: { ms: [] as number[], cpu: [] as number[] } };
  for (let r = 0; r < 6; r++) {
    const indexed = r % 2 === 0;
    await (indexed ? ws : plainWs).discard();
    await edit(indexed ? IndexedPage : PlainPage, 1000 + r);
    if (indexed) await IndexedPage.count({ where: { published: true } });
    for (let k = 0; k < 10; k++) {
      const j = 100 + r * 10 + k;
      const cpu = process.cpuUsage();
      const [ms] = await time(async () => {
        await edit(indexed ? IndexedPage : PlainPage, j);
        if (indexed) await IndexedPage.count({ where: { published: true } });
      });
      const used = process.cpuUsage(cpu);
      const into = indexed ? w2.indexed : w2.plain;
      into.ms.push(ms);
      into.cpu.push((used.user + used.system) / 1000);
    }
  }
  await ws.discard();
  const rate = (ms: number[]) => 1000 / median(ms);
  report(
    'W2 commits/s with three indexed fields (each followed by an indexed count) : without, from the median commit',
    `${rate(w2.indexed.ms).toFixed(1)} : ${rate(w2.plain.ms).toFixed(1)} commits/s (${(rate(w2.indexed.ms) / rate(w2.plain.ms)).toFixed(2)}×; CPU ${median(w2.indexed.cpu).toFixed(1)} : ${median(w2.plain.cpu).toFixed(1)} ms a commit, ${(median(w2.plain.cpu) / median(w2.indexed.cpu)).toFixed(2)}×)`,
  );
  // Q5 needs a file of a tree close to the head: rebuild writes one for the head now
  await ws.indexes.rebuild();
  await IndexedPage.count();
  const page = await IndexedPage.get('page-5');
  page.title = 'changed after the index file';
  await page.save({ commit: true, message: 'one more' });
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--n', String(n), '--child', path], { encoding: 'utf8' });
  const q5 = JSON.parse(child.stdout);
  report('Q5 first query in a new process, index file present', `${q5.ms.toFixed(0)} ms from Workspace.open to ${q5.ids} ids`);
  console.log(`Queries (bench/queries.ts), N = ${n.toLocaleString('en-US')}, three indexed fields\n\n| step | figure |\n| --- | --- |\n${out.map(([s, f]) => `| ${s} | ${f} |`).join('\n')}`);
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
