// The workload through gitmodel's public API.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Durability, Workspace } from '../lib/index.js';
import { type Figures, peakRssMiB, time } from './measure.js';
import { Page as Flat, ShardedPage } from './models.js';
import { editTarget, getId, record, recordBytes, W3_GETS } from './records.js';

type PageClass = typeof Flat;

async function importAndEdit(
  path: string,
  cls: PageClass,
  n: number,
  e: number,
  durability: Durability = 'fsync',
): Promise<{ w1: number; w2: number; ws: Workspace; memImport: number }> {
  const ws = await Workspace.open(path, { author: { name: 'bench', email: 'bench@example.com' }, durability });
  ws.register(cls);
  const [w1] = await time(async () => {
    for (let i = 0; i < n; i++) await new cls(record(i)).save();
    await ws.commit({ message: `import ${n} records` });
  });
  const memImport = peakRssMiB();
  const [w2ms] = await time(async () => {
    for (let j = 1; j <= e; j++) {
      const i = editTarget(j);
      const page = await cls.get(`page-${i}`);
      Object.assign(page, record(i, j));
      await page.save({ commit: true, message: `edit page-${i} rev ${j}` });
    }
  });
  return { w1, w2: (e / w2ms) * 1000, ws, memImport };
}

/** The main run; `sharded` runs W1–W6 with the sharded layout (`--sharded`) instead of the flat one. */
export async function runGitmodel(dir: string, n: number, e: number, steps: Set<string>, sharded = false): Promise<Figures> {
  const figures: Figures = { notes: [] };
  const path = `${dir}/gitmodel.git`;
  const Page: PageClass = sharded ? ShardedPage : Flat;
  const { w1, w2, ws, memImport } = await importAndEdit(path, Page, n, e);
  figures.w1 = w1;
  figures.w2 = w2;
  figures.memImport = memImport;
  if (steps.has('W3')) {
    const [ms] = await time(async () => {
      for (let k = 0; k < W3_GETS; k++) await Page.get(getId(k, n));
    });
    figures.w3warm = (W3_GETS / ms) * 1000;
    const coldGet = (...args: string[]) =>
      JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL('./cold-get.js', import.meta.url)), path, String(n), sharded ? 'sharded' : 'flat', ...args], { encoding: 'utf8' }));
    const cold = coldGet();
    figures.w3first = cold.first;
    figures.w3cold = cold.rate;
    figures.w3firstLast = coldGet('last').first;
  }
  const statics = Page as unknown as {
    history?: (id: string) => AsyncIterable<unknown>;
    diff?: (id: string, from: string, to: string) => Promise<unknown>;
  };
  if (steps.has('W4')) {
    if (statics.history) {
      const [ms, versions] = await time(async () => {
        let count = 0;
        for await (const _ of statics.history!.call(Page, 'page-0')) count++;
        return count;
      });
      figures.w4 = ms;
      figures.w4versions = versions;
    } else figures.notes!.push('W4: Page.history is not in the API yet');
  }
  if (steps.has('W5')) {
    if (statics.diff) {
      const first = (await ws.resolve(`HEAD~${e}`));
      [figures.w5] = await time(() => statics.diff!.call(Page, 'page-0', first, 'HEAD'));
    } else figures.notes!.push('W5: Page.diff is not in the API yet');
  }
  if (steps.has('W6')) {
    const [ms, count] = await time(async () => {
      let count = 0;
      for await (const _ of Page.all()) count++;
      return count;
    });
    if (count !== n) throw new Error(`W6 scanned ${count} records, expected ${n}`);
    figures.w6 = (n / ms) * 1000;
  }
  figures.mem = peakRssMiB();
  if (steps.has('W4') && statics.history) {
    // as git's reference: the same history over a commit-graph with Bloom filters, written untimed
    // by maintenance (which also merges the packs, so it runs after every other step)
    await ws.maintain();
    [figures.w4graph] = await time(async () => {
      for await (const _ of statics.history!.call(Page, 'page-0'));
    });
  }
  if (steps.has('W6')) figures.w6json = jsonParseRate(n);
  return figures;
}

/**
 * Records/s of JSON.parse over the scan's own bytes (decoded to text, as a read must): the floor
 * of a scan's cost. Up to 100,000 records, made untimed and after the run's peak RSS is taken.
 */
function jsonParseRate(n: number): number {
  const files = Array.from({ length: Math.min(n, 100_000) }, (_, i) => new Uint8Array(recordBytes(record(i))));
  const text = new TextDecoder();
  let fields = 0;
  const start = performance.now();
  for (const bytes of files) fields += Object.keys(JSON.parse(text.decode(bytes))).length;
  const ms = performance.now() - start;
  if (fields !== files.length * 6) throw new Error(`JSON.parse saw ${fields} fields`);
  return (files.length / ms) * 1000;
}

/**
 * W2 again in a process of its own (so the main run's peak RSS is its own): with the sharded
 * layout, and/or with durability 'atomic' (no fsync; what git does for loose objects and refs).
 */
export async function runGitmodelVariant(dir: string, n: number, e: number, variant: string): Promise<Figures> {
  const sharded = variant.includes('sharded');
  const durability: Durability = variant.includes('atomic') ? 'atomic' : 'fsync';
  const { w2 } = await importAndEdit(`${dir}/gitmodel-${variant}.git`, sharded ? ShardedPage : Flat, n, e, durability);
  return { w2 };
}
