// The workload through isomorphic-git used directly, the obvious way: writeBlob / writeTree /
// writeCommit per object, log({ filepath }), readBlob({ filepath }). Its reads are slow enough
// that W3 and W6 time a sample and report the rate (noted in the table).
import * as fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';
import { type Figures, peakRssMiB, time } from './measure.js';
import { editTarget, getId, record, recordBytes } from './records.js';

const SAMPLE = 300;
const author = { name: 'bench', email: 'bench@example.com', timestamp: 1767225600, timezoneOffset: 0 };

export async function runIsogit(dir: string, n: number, e: number, steps: Set<string>): Promise<Figures> {
  const gitdir = `${dir}/isogit.git`;
  const cache = {};
  await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  const pageEntries: TreeEntry[] = [];
  const idTree = async (blob: string) =>
    git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'data.json', oid: blob, type: 'blob' }] });
  const commitPage = async (message: string, parent: string[]) => {
    const page = await git.writeTree({ fs, gitdir, tree: pageEntries });
    const root = await git.writeTree({ fs, gitdir, tree: [{ mode: '040000', path: 'page', oid: page, type: 'tree' }] });
    const oid = await git.writeCommit({ fs, gitdir, commit: { message, tree: root, parent, author, committer: author } });
    await git.writeRef({ fs, gitdir, ref: 'refs/heads/main', value: oid, force: true });
    return oid;
  };
  const figures: Figures = { notes: [] };
  let head = '';
  [figures.w1] = await time(async () => {
    for (let i = 0; i < n; i++) {
      const blob = await git.writeBlob({ fs, gitdir, blob: recordBytes(record(i)) });
      pageEntries.push({ mode: '040000', path: `page-${i}`, oid: await idTree(blob), type: 'tree' });
    }
    head = await commitPage(`import ${n} records`, []);
  });
  const index = new Map(pageEntries.map((entry, i) => [entry.path, i]));
  const [w2ms] = await time(async () => {
    for (let j = 1; j <= e; j++) {
      const i = editTarget(j);
      const blob = await git.writeBlob({ fs, gitdir, blob: recordBytes(record(i, j)) });
      pageEntries[index.get(`page-${i}`)!] = { mode: '040000', path: `page-${i}`, oid: await idTree(blob), type: 'tree' };
      head = await commitPage(`edit page-${i} rev ${j}`, [head]);
    }
  });
  figures.w2 = (e / w2ms) * 1000;
  const read = (oid: string, id: string) => git.readBlob({ fs, gitdir, oid, filepath: `page/${id}/data.json`, cache });
  if (steps.has('W3')) {
    const [ms] = await time(async () => {
      for (let k = 0; k < SAMPLE; k++) await read(head, getId(k, n));
    });
    figures.w3warm = (SAMPLE / ms) * 1000;
    figures.notes!.push(`isomorphic-git W3/W6: rate over ${SAMPLE} reads`);
  }
  if (steps.has('W4')) {
    const [ms, log] = await time(() => git.log({ fs, gitdir, ref: 'main', filepath: 'page/page-0/data.json', cache }));
    figures.w4 = ms;
    figures.w4versions = log.length;
  }
  if (steps.has('W5')) {
    const first = (await git.log({ fs, gitdir, ref: 'main', cache })).at(-1)!.oid;
    [figures.w5] = await time(async () => {
      await read(first, 'page-0');
      await read(head, 'page-0');
    });
  }
  if (steps.has('W6')) {
    const [ms] = await time(async () => {
      for (let i = 0; i < Math.min(SAMPLE, n); i++) await read(head, `page-${i}`);
    });
    figures.w6 = (Math.min(SAMPLE, n) / ms) * 1000;
  }
  figures.mem = peakRssMiB();
  return figures;
}
