// W3 cold: a new process opens the repository, times its first get, then the standard gets.
import { Workspace } from '../lib/index.js';
import { Page as Flat, ShardedPage } from './models.js';
import { getId, W3_GETS } from './records.js';

const [path, n] = [process.argv[2], Number(process.argv[3])];
const Page = process.argv[4] === 'sharded' ? ShardedPage : Flat;
const start = performance.now();
const ws = await Workspace.open(path, { create: false });
ws.register(Page);
await Page.get(getId(0, n));
const first = performance.now() - start;
const t = performance.now();
for (let k = 0; k < W3_GETS; k++) await Page.get(getId(k, n));
console.log(JSON.stringify({ first, rate: (W3_GETS / (performance.now() - t)) * 1000 }));
