// W3 cold: a new process opens the repository, times its first get, then the standard gets.
// With `last`, it times only the first get of the id sorting last in the folder (the worst case
// of a large folder: the whole tree read and its table built) and stops.
import { Workspace } from '../lib/index.js';
import { Page as Flat, ShardedPage } from './models.js';
import { getId, W3_GETS } from './records.js';

const [path, n] = [process.argv[2], Number(process.argv[3])];
const Page = process.argv[4] === 'sharded' ? ShardedPage : Flat;
const last = process.argv[5] === 'last';
const start = performance.now();
const ws = await Workspace.open(path, { create: false });
ws.register(Page);
// page-(n - 1) is all nines for the standard sizes: the last name of the flat folder
await Page.get(last ? `page-${n - 1}` : getId(0, n));
const first = performance.now() - start;
if (last) {
  console.log(JSON.stringify({ first }));
} else {
  const t = performance.now();
  for (let k = 0; k < W3_GETS; k++) await Page.get(getId(k, n));
  console.log(JSON.stringify({ first, rate: (W3_GETS / (performance.now() - t)) * 1000 }));
}
