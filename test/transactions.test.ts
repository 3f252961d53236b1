// ws.transaction(fn): everything fn saves or deletes is one commit when it returns, and nothing at
// all (the index restored exactly, staged changes from before included) when it throws.
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  DuplicateIdError,
  ReadOnlyRefError,
  ValidationError,
  Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught } from './history-helpers.js';

async function open(path = newRepoPath()): Promise<{ ws: Workspace; path: string }> {
  const ws = await Workspace.open(path);
  ws.register(Page, Author);
  return { ws, path };
}

/** A workspace whose main has pages a, b, c. */
async function withPages(): Promise<{ ws: Workspace; path: string }> {
  const ctx = await open();
  for (const slug of ['a', 'b', 'c']) await new Page({ slug, title: slug.toUpperCase() }).save();
  await ctx.ws.commit({ message: 'three pages' });
  return ctx;
}

function changedFiles(path: string, rev = 'main'): string[] {
  return git(path, 'diff-tree', '--no-commit-id', '--name-status', '-r', `${rev}~1`, rev).trim().split('\n');
}

/** What a rolled-back transaction must leave exactly as it was. */
async function state(ws: Workspace, path: string) {
  return {
    hasChanges: ws.hasChanges(),
    diff: await ws.diff(),
    pages: (await Page.all()).map((p) => ({ slug: p.slug, title: p.title, cover: p.cover ? [...p.cover] : p.cover })),
    head: ws.head,
    disk: snapshot(path),
  };
}

/** The staged index's tree, as a checkpoint commits it. */
async function indexTree(ws: Workspace, path: string): Promise<string> {
  const cp = await ws.checkpoints.create();
  return git(path, 'rev-parse', `${cp.oid}^{tree}`).trim();
}

describe('ws.transaction', () => {
  it('commits everything saved and deleted inside as one commit and returns its oid', async () => {
    const { ws, path } = await withPages();
    const oid = await ws.transaction(
      async () => {
        const a = await Page.get('a');
        a.title = 'A2';
        // a commit asked for inside only stages: the transaction commits once, at the end
        expect(await a.save({ commit: true, message: 'ignored' })).toBeNull();
        expect(await Page.delete('b', { commit: true })).toBeNull();
        await new Page({ slug: 'd', title: 'D', cover: new Uint8Array([1, 2]) }).save();
        expect(await ws.commit({ message: 'deferred' })).toBeNull();
        expect(git(path, 'rev-list', '--count', 'main').trim()).toBe('1');
      },
      { message: 'Edit pages together' },
    );
    expect(oid).toBe(git(path, 'rev-parse', 'main').trim());
    expect(ws.head).toBe(oid);
    expect(git(path, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['Edit pages together', 'three pages']);
    expect(changedFiles(path)).toEqual(['M\tpage/a/data.json', 'D\tpage/b/data.json', 'A\tpage/d/cover', 'A\tpage/d/data.json']);
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(path);
  });

  it('commits the changes staged before it too, as ws.commit() would; nothing changed → null and no commit', async () => {
    const { ws, path } = await withPages();
    await new Page({ slug: 'before', title: 'Staged earlier' }).save();
    const oid = await ws.transaction(async () => {
      await new Page({ slug: 'inside', title: 'In the transaction' }).save();
    });
    expect(git(path, 'log', '-1', '--format=%s', 'main').trim()).toBe('Transaction');
    expect(changedFiles(path, oid!)).toEqual(['A\tpage/before/data.json', 'A\tpage/inside/data.json']);
    expect(await ws.transaction(async () => {})).toBeNull();
    const a = await Page.get('a');
    expect(await ws.transaction(() => a.save())).toBeNull(); // saved unchanged: nothing to commit
    expect(git(path, 'rev-parse', 'main').trim()).toBe(oid);
  });

  it('a throw inside restores the index exactly, staged changes from before included, and commits nothing', async () => {
    const { ws, path } = await withPages();
    // staged before the transaction: a change, a deletion, a new object with a blob file
    const a = await Page.get('a');
    a.title = 'A staged';
    await a.save();
    await Page.delete('b');
    await new Page({ slug: 'x', title: 'X', cover: new Uint8Array([9, 9, 9]) }).save();
    const tree = await indexTree(ws, path);
    const before = await state(ws, path);

    const boom = new Error('boom');
    const error = await caught(() =>
      ws.transaction(async () => {
        const a2 = await Page.get('a');
        a2.title = 'A in the transaction';
        await a2.save();
        await Page.delete('c');
        await Page.delete('x');
        await new Page({ slug: 'b', title: 'B again' }).save();
        const moved = await Page.get('a');
        moved.slug = 'a-moved';
        await moved.save();
        await ws.discard(); // undone too
        await new Page({ slug: 'y', title: 'Y' }).save();
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(await state(ws, path)).toEqual(before);
    expect(await indexTree(ws, path)).toBe(tree);
    // and the restored index commits as it would have
    await ws.commit({ message: 'the staged changes' });
    expect(changedFiles(path)).toEqual(['M\tpage/a/data.json', 'D\tpage/b/data.json', 'A\tpage/x/cover', 'A\tpage/x/data.json']);
    expectFsckClean(path);
  });

  it('a rollback after a checkpoint inside (which stores the index) still restores the index exactly', async () => {
    const { ws, path } = await withPages();
    await new Page({ slug: 'x', title: 'X', cover: new Uint8Array([1]) }).save();
    const tree = await indexTree(ws, path);
    const { disk: _, ...before } = await state(ws, path);
    await caught(() =>
      ws.transaction(async () => {
        const x = await Page.get('x');
        x.title = 'X changed';
        await x.save();
        await ws.checkpoints.create('inside');
        await Page.delete('a');
        throw new Error('fails after the checkpoint');
      }),
    );
    const { disk: __, ...after } = await state(ws, path);
    expect(after).toEqual(before);
    expect(await indexTree(ws, path)).toBe(tree);
    await ws.commit({ message: 'x' });
    expect(changedFiles(path)).toEqual(['A\tpage/x/cover', 'A\tpage/x/data.json']);
    expectFsckClean(path);
  });

  it('a nested transaction joins the outer one; its own throw undoes only its changes', async () => {
    const { ws, path } = await withPages();
    const oid = await ws.transaction(async () => {
      await new Page({ slug: 'outer', title: 'O' }).save();
      expect(await ws.transaction(async () => void (await new Page({ slug: 'inner', title: 'I' }).save()))).toBeNull();
      const error = await caught(() =>
        ws.transaction(async () => {
          await Page.delete('a');
          await new Page({ slug: 'undone', title: 'U' }).save();
          throw new Error('inner fails');
        }),
      );
      expect(error.message).toBe('inner fails');
      expect(await Page.exists('a')).toBe(true);
      expect(await Page.exists('undone')).toBe(false);
    });
    expect(changedFiles(path, oid!)).toEqual(['A\tpage/inner/data.json', 'A\tpage/outer/data.json']);

    // an outer throw undoes what a nested transaction that returned had staged
    const before = await state(ws, path);
    await caught(() =>
      ws.transaction(async () => {
        await ws.transaction(async () => void (await Page.delete('c')));
        throw new Error('outer fails');
      }),
    );
    expect(await state(ws, path)).toEqual(before);
  });

  it('saves started inside at once (Promise.all) run one at a time: the duplicate check still holds', async () => {
    const { ws, path } = await withPages();
    const results = await ws.transaction(async () => {
      const settled = await Promise.allSettled([
        new Page({ slug: 'same', title: 'first' }).save(),
        new Page({ slug: 'same', title: 'second' }).save(),
        new Page({ slug: 'other', title: 'other' }).save(),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateIdError);
    });
    expect(results).toMatch(/^[0-9a-f]{40}$/);
    expect((await Page.get('same')).title).toBe('first');
    expect(changedFiles(path)).toEqual(['A\tpage/other/data.json', 'A\tpage/same/data.json']);
  });

  it('a save rejected inside and caught leaves the rest of the transaction to commit', async () => {
    const { ws, path } = await withPages();
    await ws.transaction(async () => {
      await new Page({ slug: 'good', title: 'Good' }).save();
      expect(await caught(() => new Page({ slug: 'bad', title: '' }).save())).toBeInstanceOf(ValidationError);
    });
    expect(changedFiles(path)).toEqual(['A\tpage/good/data.json']);
  });

  it("the workspace's other writers wait for the transaction, and are not part of its commit", async () => {
    const { ws, path } = await withPages();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = ws.transaction(async () => {
      await new Page({ slug: 'mine', title: 'M' }).save();
      entered();
      await gate;
    });
    await inside;
    // started outside the transaction's call chain: queued behind it
    let outsideDone = false;
    const outside = new Page({ slug: 'outside', title: 'O' }).save().then(() => (outsideDone = true));
    await Page.get('a'); // reads do not wait
    expect(outsideDone).toBe(false);
    release();
    const oid = await transaction;
    await outside;
    expect(changedFiles(path, oid!)).toEqual(['A\tpage/mine/data.json']);
    expect(await ws.diff()).toEqual([{ model: 'page', id: 'outside', status: 'added', paths: ['page/outside/data.json'] }]);
  });

  it('a commit the branch moved under goes on top; a conflict at its commit restores the index and writes nothing', async () => {
    const { ws, path } = await withPages();
    const other = await Workspace.open(path);
    other.register(Page, Author);
    // another writer changes c; this transaction changes a: re-applied on top
    const c = await Page.get('c');
    c.title = 'C by the other writer';
    await c.save({ commit: true });
    ws.register(Page, Author);
    const oid = await ws.transaction(async () => {
      const a = await Page.get('a');
      a.title = 'A by the transaction';
      await a.save();
    });
    expect(git(path, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['Transaction', 'Save page c', 'three pages']);
    expect(ws.head).toBe(oid);

    // now the other writer, whose head is behind, changes a too: a conflict in its transaction
    other.register(Page, Author);
    await new Page({ slug: 'staged-before', title: 'S' }).save();
    const before = await state(other, path);
    const error = await caught(() =>
      other.transaction(async () => {
        const a = await Page.get('a');
        a.title = 'A by the other writer';
        await a.save();
        await new Page({ slug: 'z', title: 'Z' }).save();
      }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.data.objects).toEqual([{ model: 'page', id: 'a', paths: ['page/a/data.json'] }]);
    expect(await state(other, path)).toEqual(before);
    expectFsckClean(path);
  });

  it('refuses to run in a read-only workspace, and refuses switch, undo and redo inside', async () => {
    const { ws, path } = await withPages();
    await ws.tags.create('v1');
    const ro = await Workspace.open(path, { branch: 'v1' });
    let ran = false;
    expect(await caught(() => ro.transaction(() => void (ran = true)))).toBeInstanceOf(ReadOnlyRefError);
    expect(ran).toBe(false);

    ws.register(Page, Author);
    await ws.branches.create('other');
    const before = await state(ws, path);
    for (const move of [() => ws.switch('other'), () => ws.undo(), () => ws.redo()]) {
      const error = await caught(() =>
        ws.transaction(async () => {
          await new Page({ slug: 'n', title: 'N' }).save();
          await move();
        }),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(await state(ws, path)).toEqual(before);
    }
    expect(ws.branch).toBe('main');
  });
});
