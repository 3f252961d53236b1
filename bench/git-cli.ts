// The workload through the git CLI: fast-import for writes, log/diff for history, cat-file --batch
// for reads. Only the git processes are timed; the input streams are built beforehand.
import { execFileSync, spawnSync } from 'node:child_process';
import type { Figures } from './measure.js';
import { editTarget, getId, record, recordBytes, W3_GETS } from './records.js';

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com' };

function timed(args: string[], input?: Buffer | string): [number, Buffer] {
  const start = performance.now();
  const result = spawnSync('git', args, { input, env: ENV, maxBuffer: 1 << 30 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return [ms, result.stdout];
}

function commitHeader(message: string, seq: number): string {
  return `commit refs/heads/main\ncommitter bench <bench@example.com> ${1767225600 + seq} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`;
}

function fileCommand(path: string, bytes: Buffer): Buffer[] {
  return [Buffer.from(`M 100644 inline ${path}\ndata ${bytes.length}\n`), bytes, Buffer.from('\n')];
}

export function runGit(dir: string, n: number, e: number, steps: Set<string>): Figures {
  const repo = `${dir}/git.git`;
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: ENV });
  const git = ['--git-dir', repo];
  const importStream: Buffer[] = [Buffer.from(commitHeader(`import ${n} records`, 0))];
  for (let i = 0; i < n; i++) importStream.push(...fileCommand(`page/page-${i}/data.json`, recordBytes(record(i))));
  const [w1] = timed([...git, 'fast-import', '--quiet'], Buffer.concat(importStream));
  const editStream: Buffer[] = [];
  for (let j = 1; j <= e; j++) {
    const i = editTarget(j);
    editStream.push(Buffer.from(commitHeader(`edit page-${i} rev ${j}`, j)));
    if (j === 1) editStream.push(Buffer.from('from refs/heads/main^0\n'));
    editStream.push(...fileCommand(`page/page-${i}/data.json`, recordBytes(record(i, j))));
  }
  const [w2ms] = timed([...git, 'fast-import', '--quiet'], Buffer.concat(editStream));
  const figures: Figures = { w1, w2: (e / w2ms) * 1000, notes: [] };
  if (steps.has('W3')) {
    const requests = Array.from({ length: W3_GETS }, (_, k) => `main:page/${getId(k, n)}/data.json\n`).join('');
    const [ms] = timed([...git, 'cat-file', '--batch'], requests);
    figures.w3cold = (W3_GETS / ms) * 1000;
    [figures.w3first] = timed([...git, 'cat-file', '--batch'], `main:page/${getId(0, n)}/data.json\n`);
  }
  if (steps.has('W4')) {
    const [ms, out] = timed([...git, 'log', '--format=%H', 'main', '--', 'page/page-0/data.json']);
    figures.w4 = ms;
    figures.w4versions = out.toString().trim().split('\n').length;
    // git's best case, what a well-kept server runs: the same log over a commit-graph with
    // changed-path Bloom filters (written untimed, as maintenance would have)
    timed([...git, 'commit-graph', 'write', '--reachable', '--changed-paths']);
    [figures.w4graph] = timed([...git, 'log', '--format=%H', 'main', '--', 'page/page-0/data.json']);
  }
  if (steps.has('W5')) [figures.w5] = timed([...git, 'diff', `main~${e}`, 'main', '--', 'page/page-0/data.json']);
  if (steps.has('W6')) {
    const requests = Array.from({ length: n }, (_, i) => `main:page/page-${i}/data.json\n`).join('');
    const [ms] = timed([...git, 'cat-file', '--batch'], requests);
    figures.w6 = (n / ms) * 1000;
  }
  return figures;
}
