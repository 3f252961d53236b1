// ws.merge() at scale (design 6, M1–M3 through the whole stack): N pages, two branches each
// changing `changed` of them (different objects), `overlap` of them changed on both sides (different
// fields), merged with a merge commit. Prints the merge's time next to `git merge-tree
// --write-tree` on the same commits, and checks that both trees agree.
//   npm run build && node dist/bench/merge.js [--n 10000] [--changed 1000] [--overlap 100] [--shard 0]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Model, Workspace } from '../lib/index.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const N = arg('n', 10_000);
const CHANGED = arg('changed', 1_000);
const OVERLAP = arg('overlap', 100);
const SHARD = arg('shard', 0);

@Model({ name: 'page', ...(SHARD ? { shard: SHARD } : {}) })
class Page extends Model<Page> {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() body: string = '';
  @Field() views: number = 0;
}

const id = (i: number) => `page-${String(i).padStart(6, '0')}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-merge-bench-'));
  try {
    const path = join(dir, 'data.git');
    const ws = await Workspace.open(path, { durability: 'atomic', author: { name: 'Bench', email: 'bench@example.com' } });
    ws.register(Page);
    await ws.transaction(async () => {
      for (let i = 0; i < N; i++) await new Page({ slug: id(i), title: `Page ${i}` }).save();
    }, { message: 'import' });
    await ws.branches.create('feature');
    // spread over the folder: every (N / changed)th object, theirs offset by one
    const step = Math.floor(N / (2 * CHANGED + OVERLAP));
    const edit = async (i: number, change: Partial<Page>) => {
      const p = await Page.get(id(i));
      Object.assign(p, change);
      await p.save();
    };
    await ws.switch('feature');
    await ws.transaction(async () => {
      for (let k = 0; k < CHANGED; k++) await edit((2 * k + 1) * step, { title: `theirs ${k}` });
      for (let k = 0; k < OVERLAP; k++) await edit((2 * CHANGED + k) * step, { views: 1 });
    }, { message: 'theirs' });
    const theirs = ws.head!;
    await ws.switch('main');
    await ws.transaction(async () => {
      for (let k = 0; k < CHANGED; k++) await edit(2 * k * step, { title: `ours ${k}` });
      for (let k = 0; k < OVERLAP; k++) await edit((2 * CHANGED + k) * step, { title: 'ours' });
    }, { message: 'ours' });
    const ours = ws.head!;

    const dry0 = performance.now();
    const dry = await ws.merge('feature', { dryRun: true });
    const dryMs = performance.now() - dry0;
    const t0 = performance.now();
    const result = await ws.merge('feature');
    const ms = performance.now() - t0;
    const g0 = performance.now();
    // (title and views are not adjacent lines: git's text merge is clean too; exit 1 would mean conflicts)
    const gitTree = spawnSync('git', ['--git-dir', path, 'merge-tree', '--write-tree', ours, theirs], { encoding: 'utf8' }).stdout.split('\n')[0];
    const gitMs = performance.now() - g0;
    const tree = execFileSync('git', ['--git-dir', path, 'rev-parse', `${result.commit}^{tree}`], { encoding: 'utf8' }).trim();
    console.log(
      JSON.stringify({
        n: N,
        changedPerSide: CHANGED,
        overlap: OVERLAP,
        shard: SHARD,
        status: result.status,
        changes: result.changes.length,
        conflicts: result.conflicts.length,
        mergeMs: Math.round(ms),
        dryRunMs: Math.round(dryMs),
        dryChanges: dry.changes.length,
        gitMergeTreeMs: Math.round(gitMs),
        sameTreeAsGit: tree === gitTree,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
