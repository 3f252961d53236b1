// The staged tree remembers the paths statNow() looked up (a warm read is one map lookup, not a
// walk). These tests pin down that the memory is invisible: after every kind of change (writes,
// removals that prune folders, rollbacks, resets, spills that fold folders) statNow() answers what
// the walk answers, in a folder large enough to be searched through its offset table.
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../lib/git/memory/memory-backend.js';
import { Repository } from '../lib/git/repository.js';
import { utf8 } from '../lib/util/bytes.js';
import { StagedTree } from '../lib/workspace/staged-tree.js';

const ids = Array.from({ length: 160 }, (_, i) => `o-${i}`);
const paths = [...ids.map((id) => `m/${id}/data.json`), 'm', 'm/o-7', 'm/o-7/other', 'm/none/data.json', 'x/y', ''];

function same(a: unknown, b: unknown): unknown {
  const shape = (x: unknown) => (x && typeof x === 'object' ? { oid: (x as { oid: string }).oid, mode: (x as { mode: string }).mode } : x);
  return expect(shape(a)).toEqual(shape(b));
}

/** statNow() (asked twice: the second answer is the remembered one) against the walk stat() does. */
async function expectSameLookups(tree: StagedTree): Promise<void> {
  for (const path of paths) {
    const walked = await tree.stat(path);
    const first = tree.statNow(path);
    const second = tree.statNow(path);
    expect(first).not.toBeNull();
    same(first, walked);
    same(second, walked);
  }
}

async function storedBase(repo: Repository): Promise<string> {
  const tree = new StagedTree(repo, null);
  await tree.apply(ids.map((id, i) => ({ path: `m/${id}/data.json`, data: utf8(`{"v": ${i}}\n`) })));
  await repo.writeObjects(tree.newObjects());
  tree.markStored();
  return tree.treeOid();
}

describe('statNow: remembered lookups', () => {
  it('answer what the walk answers after writes, removals, rollbacks, resets and spills', async () => {
    const repo = new Repository(new MemoryBackend());
    const base = await storedBase(repo);
    // a low spill bound: applies write their files ahead and fold the small folders they made
    const tree = new StagedTree(repo, base, 2_000);
    await expectSameLookups(tree);
    let seed = 11;
    // the high bits: the low ones of this generator repeat with a short period
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), (seed >> 12) % n);
    for (let step = 0; step < 120; step++) {
      const id = ids[random(40)];
      const choice = random(10);
      if (choice < 4) await tree.apply([{ path: `m/${id}/data.json`, data: utf8(`{"step": ${step}}\n`) }]);
      else if (choice < 6) await tree.apply([{ path: `m/${id}/data.json`, remove: true }]);
      else if (choice < 7) await tree.apply([{ path: `m/${id}/other`, data: utf8(`${step}`) }]);
      else if (choice < 9) {
        const savepoint = tree.savepoint();
        await tree.apply([{ path: `m/${id}/data.json`, remove: true }, { path: `m/${ids[random(40)]}/data.json`, data: utf8(`${step}`) }]);
        await expectSameLookups(tree);
        if (random(2)) savepoint.rollback();
        else savepoint.release();
      } else {
        // a commit's way: the objects written, then the index starts over from a stored tree
        await repo.writeObjects(tree.newObjects());
        tree.markStored();
        tree.reset(random(2) ? base : tree.treeOid());
      }
      await expectSameLookups(tree);
    }
  });

  it('a failed apply leaves no lookup remembered from before it', async () => {
    const repo = new Repository(new MemoryBackend());
    const tree = new StagedTree(repo, await storedBase(repo));
    await expectSameLookups(tree);
    // the second write puts a file under a file: the batch is undone, and the first one with it
    await expect(
      tree.apply([
        { path: 'm/o-1/data.json', remove: true },
        { path: 'm/o-2/data.json/x', data: utf8('x') },
      ]),
    ).rejects.toThrow(/expected a folder/);
    await expectSameLookups(tree);
    expect(tree.statNow('m/o-1/data.json')).toBeTruthy();
  });
});

describe('statNow: lookups not remembered', () => {
  it("a scan's lookups (remember: false) answer the same and are not kept; a get's are", async () => {
    const repo = new Repository(new MemoryBackend());
    const tree = new StagedTree(repo, await storedBase(repo));
    for (const path of paths) {
      const walked = await tree.stat(path);
      const once = tree.statNow(path, false);
      expect(once).not.toBeNull();
      same(once, walked);
    }
    expect(tree.remembered).toBe(0);
    tree.statNow('m/o-3/data.json');
    expect(tree.remembered).toBe(1);
    // a remembered path is still answered from memory when a scan asks
    same(tree.statNow('m/o-3/data.json', false), await tree.stat('m/o-3/data.json'));
    expect(tree.remembered).toBe(1);
  });

  it('Model.all() leaves nothing remembered; get() remembers what it looked up', async () => {
    const { Workspace, Model, Field } = await import('../lib/index.js');
    class Item extends Model {
      declare key: string;
      declare n: number;
    }
    Field({ id: true, type: String })(Item.prototype, 'key');
    Field({ type: Number })(Item.prototype, 'n');
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Item);
    for (let i = 0; i < 300; i++) await new Item({ key: `k${i}`, n: i }).save();
    await ws.commit({ message: 'items' });
    // the workspace's staged tree (private: what it remembers is not part of the API)
    const staged = (ws as unknown as { index: StagedTree }).index;
    const before = staged.remembered;
    let seen = 0;
    for await (const item of Item.all()) seen += item.n >= 0 ? 1 : 0;
    expect(seen).toBe(300);
    expect(staged.remembered).toBe(before);
    await Item.get('k7');
    await Item.get('k8');
    expect(staged.remembered).toBe(before + 2);
  });
});
