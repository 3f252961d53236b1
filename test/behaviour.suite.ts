// The library's behaviour through its public API only, with no look at the files underneath: run
// against every storage backend (the git directory on disk, memory), so a backend that passes the
// contract suite also carries the whole library (test/behaviour.test.ts).
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DuplicateIdError,
  NotFoundError,
  RefNotFoundError,
  UnmergedBranchError,
  ValidationError,
  type Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';

/** Opens a workspace on a new, empty repository of the backend under test; `again` opens a second one on the same repository. */
export interface BackendUnderTest {
  fresh(): Promise<{ ws: Workspace; again: (options?: { branch?: string }) => Promise<Workspace> }>;
}

export function behaviourSuite(name: string, backend: BackendUnderTest): void {
  async function start() {
    const { ws, again } = await backend.fresh();
    ws.register(Page, Author);
    return { ws, again };
  }

  describe(`behaviour on ${name}`, () => {
    it('saves, reads staged and committed, deletes; rejected saves change nothing', async () => {
      const { ws } = await start();
      const ada = new Author({ handle: 'ada', name: 'Ada', email: 'ada@example.com' });
      await ada.save();
      const page = new Page({ slug: 'home', title: 'Home', author: ada, cover: new Uint8Array([1, 2]) });
      await page.save();
      expect(ws.hasChanges()).toBe(true);
      expect((await Page.get('home')).title).toBe('Home');
      const first = await ws.commit({ message: 'first' });
      expect(first).toMatch(/^[0-9a-f]{40}$/);
      const read = await Page.get('home');
      expect([...read.cover!]).toEqual([1, 2]);
      expect((await read.author!.load()).name).toBe('Ada');
      expect(read.oid).toMatch(/^[0-9a-f]{40}$/);
      await expect(new Page({ slug: 'home', title: 'Again' }).save()).rejects.toBeInstanceOf(DuplicateIdError);
      await expect(new Page({ slug: 'bad', title: '' }).save()).rejects.toBeInstanceOf(ValidationError);
      expect(ws.hasChanges()).toBe(false);
      await Page.delete('home', { commit: true });
      await expect(Page.get('home')).rejects.toBeInstanceOf(NotFoundError);
      expect((await Page.get('home', { at: first! })).title).toBe('Home');
      expect((await Page.all()).map((p) => p.slug)).toEqual([]);
    });

    it('history, diff and blame of an object', async () => {
      const { ws } = await start();
      const page = new Page({ slug: 'a', title: 'One' });
      await page.save({ commit: true, message: 'one' });
      page.title = 'Two';
      await page.save({ commit: true, message: 'two' });
      const versions = await Page.history('a');
      expect(versions.map((v) => [v.status, v.object?.title, v.commit.message])).toEqual([
        ['modified', 'Two', 'two'],
        ['created', 'One', 'one'],
      ]);
      const diff = await Page.diff('a', 'HEAD~1', 'HEAD');
      expect(diff.changes).toEqual([{ field: 'title', from: 'One', to: 'Two' }]);
      const blame = await Page.blame('a');
      expect(blame.find((b) => b.field === 'title')!.commit.message).toBe('two');
      expect((await ws.diff('HEAD~1', 'HEAD')).map((c) => `${c.status} ${c.id}`)).toEqual(['modified a']);
      const walked: string[] = [];
      for await (const c of ws.walk()) walked.push(c.message);
      expect(walked).toEqual(['two', 'one']);
    });

    it('branches, tags, switching, checkpoints', async () => {
      const { ws } = await start();
      await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
      await ws.branches.create('draft');
      await ws.switch('draft');
      const draftOnly = await new Page({ slug: 'b', title: 'B' }).save({ commit: true });
      await ws.switch('main');
      expect(await Page.exists('b')).toBe(false);
      expect(await Page.exists('b', { at: 'draft' })).toBe(true);
      await expect(ws.branches.delete('draft')).rejects.toBeInstanceOf(UnmergedBranchError);
      await ws.tags.create('v1', { at: draftOnly!, message: 'release' });
      expect((await ws.tags.list()).map((t) => [t.name, t.message])).toEqual([['v1', 'release']]);
      await ws.branches.delete('draft');
      expect((await ws.branches.list()).map((b) => b.name)).toEqual(['main']);
      await new Page({ slug: 'c', title: 'C' }).save();
      await ws.checkpoints.create('wip');
      expect(ws.hasChanges()).toBe(true);
      expect(await Page.exists('c', { at: 'wip' })).toBe(true);
      await expect(Page.get('a', { at: 'nope' })).rejects.toBeInstanceOf(RefNotFoundError);
    });

    it('transactions, restore, undo and redo', async () => {
      const { ws } = await start();
      const first = await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
      // calls inside pass the transaction's handle: a host without async context (a browser) needs it
      await expect(
        ws.transaction(async (tx) => {
          await new Page({ slug: 'b', title: 'B' }).save({ tx });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(ws.hasChanges()).toBe(false);
      await ws.transaction(async (tx) => {
        await new Page({ slug: 'b', title: 'B' }).save({ tx });
        await Page.delete('a', { tx });
      }, { message: 'swap' });
      expect((await Page.all()).map((p) => p.slug)).toEqual(['b']);
      await Page.restore('a', { from: first!, commit: true });
      expect((await Page.all()).map((p) => p.slug)).toEqual(['a', 'b']);
      await ws.undo();
      expect((await Page.all()).map((p) => p.slug)).toEqual(['b']);
      await ws.redo();
      expect((await Page.all()).map((p) => p.slug)).toEqual(['a', 'b']);
    });

    it('a second workspace commits meanwhile: other objects are re-applied, the same one conflicts', async () => {
      const { ws, again } = await start();
      await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
      const other = await again();
      other.register(Page, Author);
      const page = await Page.get('a');
      page.title = 'Theirs';
      await page.save({ commit: true });
      ws.register(Page, Author);
      await new Page({ slug: 'b', title: 'B' }).save({ commit: true }); // re-applied on their commit
      expect((await Page.get('a')).title).toBe('Theirs');
      expect(await Page.exists('b')).toBe(true);
      // an object changed on both sides: the other workspace commits it, this one has it staged
      const stale = await Page.get('a');
      stale.title = 'Mine';
      await stale.save();
      other.register(Page, Author);
      const theirs = await Page.get('a');
      theirs.title = 'Theirs again';
      await theirs.save({ commit: true });
      ws.register(Page, Author);
      await expect(ws.commit({ message: 'mine' })).rejects.toBeInstanceOf(ConflictError);
    });

    it('plain files beside the objects', async () => {
      const { ws } = await start();
      await ws.files.write('notes/readme.txt', 'hello', { commit: true });
      expect(await ws.files.readText('notes/readme.txt')).toBe('hello');
      expect(await ws.files.list()).toEqual(['notes/readme.txt']);
    });
  });
}
