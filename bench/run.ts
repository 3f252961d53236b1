// `npm run bench`: the standard workload (../shared/BENCHMARK.md) through gitmodel, the git CLI
// and isomorphic-git used directly, each system in its own process (so peak RSS is its own), on
// the same records; one table of figures and gitmodel : reference ratios.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    /** gitmodel's main run in each of these layouts (flat, sharded), each in its own process */
    layouts: { type: 'string' },
    /** also run everything at this N, and show each figure's cost at --n : at --base (flat is 1.0) */
    base: { type: 'string' },
    /** print the table of a run saved with --json instead of running */
    render: { type: 'string' },
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
const saved = values.render ? JSON.parse(readFileSync(values.render, 'utf8')) : undefined;
const n: number = saved?.n ?? Number(values.n);
const e: number = saved?.e ?? Number(values.e);
const steps = new Set(values.steps!.split(','));

/** The W2 variants gitmodel runs in processes of their own, and the table row each fills. */
const VARIANTS: Record<string, keyof Figures> = { sharded: 'w2s', atomic: 'w2a', 'sharded-atomic': 'w2sa' };

async function child(system: string, dir: string): Promise<Figures> {
  if (system === 'gitmodel') return runGitmodel(dir, n, e, steps, values.sharded);
  if (system === 'gitmodel-sharded') return runGitmodel(dir, n, e, steps, true);
  if (system.startsWith('gitmodel:')) return runGitmodelVariant(dir, n, e, system.slice('gitmodel:'.length));
  if (system === 'git') return runGit(dir, n, e, steps);
  if (system === 'isogit') return runIsogit(dir, n, e, steps);
  throw new Error(`unknown system ${system}`);
}

interface Row {
  step: string;
  key: keyof Figures;
  /** the reference's figure to compare with, when not the same key */
  ref?: keyof Figures;
  /** a cost that grows with N by design (the import): its n : base ratio is per record */
  perRecord?: boolean;
  unit: string;
  /** true when more is better (rates) */
  higher: boolean;
  target: string;
}

const ROWS: Row[] = [
  { step: 'W1', key: 'w1', unit: 'ms', higher: false, target: '≤ 1.0× git', perRecord: true },
  { step: 'W2', key: 'w2', unit: 'commits/s', higher: true, target: '≥ 1.0× git' },
  { step: 'W2', key: 'w2s', unit: 'commits/s, sharded', higher: true, target: '≥ 1,000/s' },
  { step: 'W2', key: 'w2a', unit: "commits/s, durability 'atomic'", higher: true, target: '' },
  { step: 'W2', key: 'w2sa', unit: "commits/s, sharded, 'atomic'", higher: true, target: '' },
  { step: 'W3', key: 'w3warm', unit: 'gets/s, warm', higher: true, target: '≥ 200,000/s' },
  { step: 'W3', key: 'w3cold', unit: 'gets/s, new process', higher: true, target: '' },
  { step: 'W3', key: 'w3first', unit: 'ms, cold first get', higher: false, target: '≤ 50 ms' },
  { step: 'W3', key: 'w3firstLast', unit: 'ms, cold first get of the id sorting last', higher: false, target: '≤ 50 ms' },
  { step: 'W4', key: 'w4', unit: 'ms', higher: false, target: '≤ 1.0× git' },
  { step: 'W4', key: 'w4graph', unit: 'ms, over a commit-graph with Bloom filters (ws.maintain() / git commit-graph write)', higher: false, target: '≤ 0.5× git' },
  { step: 'W4', key: 'w4versions', unit: 'versions', higher: true, target: '101' },
  { step: 'W5', key: 'w5', unit: 'ms', higher: false, target: '' },
  { step: 'W6', key: 'w6', unit: 'records/s', higher: true, target: '≥ 1.0× git' },
  { step: 'W6', key: 'w6json', unit: 'records/s, JSON.parse of the same bytes (a scan\'s limit)', higher: true, target: '' },
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
  // the main run in the one layout asked for (--layouts sharded names it gitmodel-sharded)
  const gm = results.gitmodel ?? Object.entries(results).find(([system]) => system.startsWith('gitmodel'))?.[1] ?? {};
  const lines = [
    `N = ${n.toLocaleString('en-US')}, E = ${e}${values.sharded ? ', gitmodel in the sharded layout' : ''}; ratios are gitmodel : reference (for times lower is better, for rates higher)`,
    '',
    '| step | figure | gitmodel | git CLI | gitmodel : git | isomorphic-git | gitmodel : isomorphic-git | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const g = gm[row.key] as number | undefined;
    const c = results.git?.[row.ref ?? row.key] as number | undefined;
    const i = results.isogit?.[row.ref ?? row.key] as number | undefined;
    if (g === undefined && c === undefined && i === undefined) continue;
    const refForRatio = (ref: number | undefined) => (row.key === 'w4versions' ? undefined : ref);
    lines.push(`| ${row.step} | ${row.unit} | ${fmt(g)} | ${fmt(c)} | ${ratio(g, refForRatio(c))} | ${fmt(i)} | ${ratio(g, refForRatio(i))} | ${row.target} |`);
  }
  const notes = Object.entries(results).flatMap(([system, f]) => (f.notes ?? []).map((note) => `- ${system}: ${note}`));
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

/** What a figure costs at N = n against N = base: 1.0 is flat, 1.5 is half again (the import per record). */
function cost(row: Row, atBase: number | undefined, atN: number | undefined, base: number): string {
  if (atBase === undefined || atN === undefined || atBase === 0 || atN === 0) return '—';
  const grows = row.perRecord ? n / base : 1;
  return `${(row.higher ? atBase / atN : atN / atBase / grows).toFixed(2)}×`;
}

/** The scale table: each system's figures at N = base and N = n, and the cost ratio n : base. */
function scaleTable(byN: Map<number, Record<string, Figures>>, base: number): string {
  const [atBase, atN] = [byN.get(base)!, byN.get(n)!];
  const systems = Object.keys(atN);
  const k = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
  const lines = [
    `N = ${k(base)} against N = ${k(n)}, E = ${e}; cost ${k(n)} : ${k(base)} is time per operation (per record for W1) at ${k(n)} over the same at ${k(base)}: 1.00× is flat, the target ≤ 1.5×`,
    '',
    `| step | figure | ${systems.map((sys) => `${sys} ${k(base)} | ${sys} ${k(n)} | cost ${k(n)} : ${k(base)}`).join(' | ')} | gitmodel : git at ${k(n)} | target |`,
    `| --- | --- | ${systems.map(() => '--- | --- | ---').join(' | ')} | --- | --- |`,
  ];
  for (const row of ROWS) {
    const cells = systems.map((sys) => {
      if (row.key === 'w4versions') return `${fmt(atBase[sys]?.w4versions)} | ${fmt(atN[sys]?.w4versions)} | —`;
      const key = sys === 'git' ? (row.ref ?? row.key) : row.key;
      const [b, v] = [atBase[sys]?.[key] as number | undefined, atN[sys]?.[key] as number | undefined];
      return `${fmt(b)} | ${fmt(v)} | ${cost(row, b, v, base)}`;
    });
    if (cells.every((cell) => cell.startsWith('— | —'))) continue;
    const g = atN.gitmodel?.[row.key] as number | undefined;
    const c = row.key === 'w4versions' ? undefined : (atN.git?.[row.ref ?? row.key] as number | undefined);
    lines.push(`| ${row.step} | ${row.unit} | ${cells.join(' | ')} | ${ratio(g, c)} | ${row.target} |`);
  }
  return lines.join('\n');
}

if (values.child === 'sync') {
  console.log(JSON.stringify(await runSync(join(values.dir!, 'sync'), n, values['sync-big']!)));
} else if (values.child === 'sync-fetch') {
  console.log(JSON.stringify(await fetchChild(values.dir!, values.url!)));
} else if (saved) {
  const byN = new Map<number, Record<string, Figures>>([[n, saved.results]]);
  if (saved.base !== undefined) byN.set(saved.base, saved.baseResults);
  console.log(saved.base !== undefined ? scaleTable(byN, saved.base) : table(saved.results));
} else if (values.child) {
  console.log(JSON.stringify(await child(values.child, values.dir!)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-bench-'));
  const base = values.base ? Number(values.base) : undefined;
  const layouts = (values.layouts ?? (values.sharded ? 'sharded' : 'flat')).split(',');
  // each child in a folder of its own, removed after it: a million-record repository is large
  const run = <T = Figures>(system: string, size = n): T => {
    process.stderr.write(`running ${system}${base ? ` at ${size}` : ''}…\n`);
    const own = join(dir, `${size}-${system.replace(':', '-')}`);
    mkdirSync(own);
    try {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--child', system, '--dir', own, '--n', String(size), '--e', String(e), '--steps', values.steps!, ...(values['sync-big'] ? ['--sync-big'] : []), ...(values.sharded ? ['--sharded'] : [])],
        { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      // each child's figures as they come, so a run stopped before its end still tells something
      process.stderr.write(`${system} at ${size}: ${out}`);
      return JSON.parse(out);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  };
  /** every system at one size; gitmodel in each layout asked for (the flat one as 'gitmodel') */
  const runAll = (size: number): Record<string, Figures> => {
    const results: Record<string, Figures> = {};
    for (const system of values.systems!.split(',').filter(Boolean)) {
      if (system !== 'gitmodel') results[system] = run(system, size);
      else if (values.layouts) for (const layout of layouts) results[layout === 'flat' ? 'gitmodel' : `gitmodel-${layout}`] = run(layout === 'flat' ? 'gitmodel' : `gitmodel-${layout}`, size);
      else {
        results.gitmodel = run(system, size);
        // the W2 variants, in processes of their own (with --layouts, each layout's run has its W2)
        if (steps.has('W2')) for (const [variant, key] of Object.entries(VARIANTS)) (results.gitmodel as Record<string, unknown>)[key] = run(`gitmodel:${variant}`, size).w2;
      }
    }
    return results;
  };
  let sync: SyncRow[] | undefined;
  let queries: string | undefined;
  const byN = new Map<number, Record<string, Figures>>();
  try {
    // the sync step compares gitmodel with git inside one process (the same server for both)
    if (steps.has('sync')) sync = run<SyncRow[]>('sync');
    if (base !== undefined) byN.set(base, runAll(base));
    byN.set(n, runAll(n));
    if (steps.has('queries')) {
      process.stderr.write('running queries…\n');
      // its own process and records (three indexed fields), at its own N
      const script = join(dirname(fileURLToPath(import.meta.url)), 'queries.js');
      queries = execFileSync(process.execPath, ['--expose-gc', script, '--n', values['queries-n']!], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const results = byN.get(n)!;
  const tables = base !== undefined ? [scaleTable(byN, base)] : Object.keys(results).length ? [table(results)] : [];
  console.log(
    values.json
      ? JSON.stringify({ n, e, base, results, ...(base !== undefined ? { baseResults: byN.get(base) } : {}), sync, queries }, null, 2)
      : [...tables, '', ...(sync ? [syncTable(sync)] : []), ...(queries ? ['', queries] : [])].join('\n'),
  );
}
