// `npm run bench`: the standard workload (../shared/BENCHMARK.md) through gitmodel, the git CLI
// and isomorphic-git used directly, each system in its own process (so peak RSS is its own), on
// the same records; one table of figures and gitmodel : reference ratios.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runGit } from './git-cli.js';
import { runGitmodel, runGitmodelVariant } from './gitmodel.js';
import { runIsogit } from './isogit.js';
import type { Figures } from './measure.js';
import { fetchChild, runSync, syncTable, type SyncRow } from './sync.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    e: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
    /** gitmodel's main run (W1–W6) in the sharded layout instead of one flat folder */
    sharded: { type: 'boolean', default: false },
    systems: { type: 'string', default: 'gitmodel,git,isogit' },
    steps: { type: 'string', default: 'W1,W2,W3,W4,W5,W6,mem,sync,queries' },
    /** the query steps' N (bench/queries.ts: Q1–Q7 with the git reference in the same run) */
    'queries-n': { type: 'string', default: '100000' },
    /** the sync step's 100,000-record workloads too (S3, S5; minutes) */
    'sync-big': { type: 'boolean', default: false },
    child: { type: 'string' },
    dir: { type: 'string' },
    url: { type: 'string' },
  },
});
const n = Number(values.n);
const e = Number(values.e);
const steps = new Set(values.steps!.split(','));

/** The W2 variants gitmodel runs in processes of their own, and the table row each fills. */
const VARIANTS: Record<string, keyof Figures> = { sharded: 'w2s', atomic: 'w2a', 'sharded-atomic': 'w2sa' };

async function child(system: string, dir: string): Promise<Figures> {
  if (system === 'gitmodel') return runGitmodel(dir, n, e, steps, values.sharded);
  if (system.startsWith('gitmodel:')) return runGitmodelVariant(dir, n, e, system.slice('gitmodel:'.length));
  if (system === 'git') return runGit(dir, n, e, steps);
  if (system === 'isogit') return runIsogit(dir, n, e, steps);
  throw new Error(`unknown system ${system}`);
}

interface Row {
  step: string;
  key: keyof Figures;
  unit: string;
  /** true when more is better (rates) */
  higher: boolean;
  target: string;
}

const ROWS: Row[] = [
  { step: 'W1', key: 'w1', unit: 'ms', higher: false, target: '≤ 1.0× git' },
  { step: 'W2', key: 'w2', unit: 'commits/s', higher: true, target: '≥ 1.0× git' },
  { step: 'W2', key: 'w2s', unit: 'commits/s, sharded', higher: true, target: '≥ 1,000/s' },
  { step: 'W2', key: 'w2a', unit: "commits/s, durability 'atomic'", higher: true, target: '' },
  { step: 'W2', key: 'w2sa', unit: "commits/s, sharded, 'atomic'", higher: true, target: '' },
  { step: 'W3', key: 'w3warm', unit: 'gets/s, warm', higher: true, target: '≥ 200,000/s' },
  { step: 'W3', key: 'w3cold', unit: 'gets/s, new process', higher: true, target: '' },
  { step: 'W3', key: 'w3first', unit: 'ms, cold first get', higher: false, target: '≤ 50 ms' },
  { step: 'W4', key: 'w4', unit: 'ms', higher: false, target: '≤ 1.0× git' },
  { step: 'W4', key: 'w4versions', unit: 'versions', higher: true, target: '101' },
  { step: 'W5', key: 'w5', unit: 'ms', higher: false, target: '' },
  { step: 'W6', key: 'w6', unit: 'records/s', higher: true, target: '≥ 1.0× git' },
  { step: 'mem', key: 'memImport', unit: 'MiB peak RSS after W1 (import)', higher: false, target: '≤ 300 MiB at N=100k' },
  { step: 'mem', key: 'mem', unit: 'MiB peak RSS, whole run', higher: false, target: '' },
];

function fmt(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

function ratio(gm: number | undefined, ref: number | undefined): string {
  return gm === undefined || ref === undefined || ref === 0 ? '—' : `${(gm / ref).toFixed(2)}×`;
}

function table(results: Record<string, Figures>): string {
  const gm = results.gitmodel ?? {};
  const lines = [
    `N = ${n.toLocaleString('en-US')}, E = ${e}${values.sharded ? ', gitmodel in the sharded layout' : ''}; ratios are gitmodel : reference (for times lower is better, for rates higher)`,
    '',
    '| step | figure | gitmodel | git CLI | gitmodel : git | isomorphic-git | gitmodel : isomorphic-git | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const g = gm[row.key] as number | undefined;
    const c = results.git?.[row.key] as number | undefined;
    const i = results.isogit?.[row.key] as number | undefined;
    if (g === undefined && c === undefined && i === undefined) continue;
    const refForRatio = (ref: number | undefined) => (row.key === 'w4versions' ? undefined : ref);
    lines.push(`| ${row.step} | ${row.unit} | ${fmt(g)} | ${fmt(c)} | ${ratio(g, refForRatio(c))} | ${fmt(i)} | ${ratio(g, refForRatio(i))} | ${row.target} |`);
  }
  const notes = Object.entries(results).flatMap(([system, f]) => (f.notes ?? []).map((note) => `- ${system}: ${note}`));
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

if (values.child === 'sync') {
  console.log(JSON.stringify(await runSync(join(values.dir!, 'sync'), n, values['sync-big']!)));
} else if (values.child === 'sync-fetch') {
  console.log(JSON.stringify(await fetchChild(values.dir!, values.url!)));
} else if (values.child) {
  console.log(JSON.stringify(await child(values.child, values.dir!)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-bench-'));
  const results: Record<string, Figures> = {};
  const run = <T = Figures>(system: string): T => {
    if (!values.json) process.stderr.write(`running ${system}…\n`);
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', system, '--dir', dir, '--n', String(n), '--e', String(e), '--steps', values.steps!, ...(values['sync-big'] ? ['--sync-big'] : []), ...(values.sharded ? ['--sharded'] : [])],
      { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return JSON.parse(out);
  };
  let sync: SyncRow[] | undefined;
  let queries: string | undefined;
  try {
    // the sync step compares gitmodel with git inside one process (the same server for both)
    if (steps.has('sync')) sync = run<SyncRow[]>('sync');
    for (const system of values.systems!.split(',').filter(Boolean)) {
      results[system] = run(system);
      if (system === 'gitmodel' && steps.has('W2')) {
        for (const [variant, key] of Object.entries(VARIANTS)) {
          (results.gitmodel as Record<string, unknown>)[key] = run(`gitmodel:${variant}`).w2;
        }
      }
    }
    if (steps.has('queries')) {
      if (!values.json) process.stderr.write('running queries…\n');
      // its own process and records (three indexed fields), at its own N
      const script = join(dirname(fileURLToPath(import.meta.url)), 'queries.js');
      queries = execFileSync(process.execPath, ['--expose-gc', script, '--n', values['queries-n']!], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(values.json ? JSON.stringify({ n, e, results, sync, queries }, null, 2) : [...(Object.keys(results).length ? [table(results), ''] : []), ...(sync ? [syncTable(sync)] : []), ...(queries ? ['', queries] : [])].join('\n'));
}
