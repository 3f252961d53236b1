// A merge in progress outlives its workspace and its process (refs/gitmodel/merge/<branch>): another
// Workspace, another process, or the next run after a kill finds it with the same conflicts,
// settles them (resolutions made elsewhere kept, field by field), commits the two-parent merge or
// discards it exactly; two holders cannot both step it (compare-and-swap). Judged with the git CLI.
import { describe, expect, it } from 'vitest';
import { Field, type FieldConflict, MergeStateMovedError, Model, Ref, StaleBranchError, UnresolvedConflictsError, Workspace } from '../lib/index.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';
import { finished, useWorkers } from './worker-build.js';

class Page extends Model<Page> {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() content: string = '';
  @Field() views: number = 0;
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const REF = 'refs/gitmodel/merge/main';
const workers = useWorkers();

async function edit(ws: Workspace, slug: string, fields: Partial<Page>): Promise<void> {
  ws.register(Page);
  const page = await Page.get(slug);
  Object.assign(page, fields);
  await page.save();
}

/** main and feature both changed a's title and content and b's title; feature alone c's views. */
async function conflicting() {
  const path = newRepoPath();
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Page);
  for (const slug of ['a', 'b', 'c']) await new Page({ slug, title: slug.toUpperCase(), content: 'base' }).save();
  const root = (await ws.commit({ message: 'base' }))!;
  await ws.branches.create('feature');
  await ws.switch('feature');
  await edit(ws, 'a', { title: 'A feature', content: 'feature text' });
  await edit(ws, 'b', { title: 'B feature' });
  await edit(ws, 'c', { views: 7 });
  const f = (await ws.commit({ message: 'feature' }))!;
  await ws.switch('main');
  await edit(ws, 'a', { title: 'A main', content: 'main text' });
  await edit(ws, 'b', { title: 'B main' });
  const m = (await ws.commit({ message: 'main' }))!;
  return { path, ws, root, f, m };
}

const keysOf = (conflicts: readonly { kind: string; path: string; field?: string }[]) => conflicts.map((c) => [c.kind, c.path, c.field ?? null]);

async function open(path: string): Promise<Workspace> {
  return (await Workspace.open(path, { author: AUTHOR })).register(Page);
}

const refOf = (path: string) => git(path, 'for-each-ref', '--format=%(objectname)', REF).trim();
const show = (path: string, rev: string, file: string) => JSON.parse(git(path, 'show', `${rev}:${file}`));

describe('a merge in progress, across workspaces', () => {
  it('another workspace opened on the branch is merging, with the same conflicts, and commits the two-parent merge', async () => {
    const { path, ws, f, m, root } = await conflicting();
    const result = await ws.merge('feature');
    expect(keysOf(result.conflicts)).toEqual([
      ['field', 'page/a', 'title'],
      ['field', 'page/a', 'content'],
      ['field', 'page/b', 'title'],
    ]);
    // a commit [ours, theirs] whose tree is the merging index; fsck accepts it
    expect(git(path, 'rev-list', '--parents', '-n', '1', REF).trim().split(' ').slice(1)).toEqual([m, f]);
    expect(show(path, REF, 'page/c/data.json')).toMatchObject({ views: 7 });
    expectFsckClean(path);

    const other = await open(path);
    expect(other.merging).toMatchObject({ theirs: f, bases: [root] });
    expect(other.merging!.conflicts).toEqual(result.conflicts.map((c) => ({ ...c })));
    expect(other.hasChanges()).toBe(true);
    expect((await Page.get('c')).views).toBe(7);
    await expect(other.commit()).rejects.toBeInstanceOf(UnresolvedConflictsError);

    const left = await other.resolveConflict(other.merging!.conflicts[0], 'theirs');
    expect(keysOf(left)).toEqual(keysOf(result.conflicts.slice(1)));
    // typed again once rebuilt
    expect(other.merging!.conflicts[0]).toMatchObject({ kind: 'field', base: 'base', ours: 'main text', theirs: 'feature text', hasBase: true });
    expect(await other.resolveAll('ours')).toEqual([]);
    const commit = (await other.commit())!;
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${commit} ${m} ${f}`);
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature', content: 'main text' });
    expect(show(path, 'main', 'page/b/data.json')).toMatchObject({ title: 'B main' });
    expect(show(path, 'main', 'page/c/data.json')).toMatchObject({ views: 7 });
    expect(refOf(path)).toBe('');
    expect(other.merging).toBeNull();
    expectFsckClean(path);
    // a workspace opened now is not merging
    expect((await open(path)).merging).toBeNull();
  });

  it('field resolutions made in one workspace are kept when another settles the rest', async () => {
    const { path, ws, f } = await conflicting();
    await ws.merge('feature');
    await ws.resolveConflict({ kind: 'field', path: 'page/a', field: 'title' } as never, 'theirs');
    await ws.resolveConflict({ kind: 'field', path: 'page/b', field: 'title' } as never, { value: 'B by hand' });

    const other = await open(path);
    expect(keysOf(other.merging!.conflicts)).toEqual([['field', 'page/a', 'content']]);
    expect(await other.resolveConflict(other.merging!.conflicts[0], 'ours')).toEqual([]);
    await other.commit({ message: 'merged by another' });
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature', content: 'main text' });
    expect(show(path, 'main', 'page/b/data.json')).toMatchObject({ title: 'B by hand' });
    expect(git(path, 'log', '-1', '--format=%P %s', 'main').trim()).toBe(`${git(path, 'rev-parse', 'main^1').trim()} ${f} merged by another`);
    expectFsckClean(path);
  });

  it('discard from another workspace: the branch and index exactly as before, the ref removed', async () => {
    const { path, ws, m } = await conflicting();
    await ws.merge('feature');
    const other = await open(path);
    await other.discard();
    expect(other.merging).toBeNull();
    expect(other.hasChanges()).toBe(false);
    expect(other.head).toBe(m);
    expect(refOf(path)).toBe('');
    expect((await Page.get('a')).title).toBe('A main');
    // the first holder's next step finds the merge gone: refused, and it is no longer merging
    await expect(ws.resolveAll('theirs')).rejects.toBeInstanceOf(MergeStateMovedError);
    expect(ws.merging).toBeNull();
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(path);
  });

  it('two holders cannot both step it: the second is refused and shown the first one’s state', async () => {
    const { path, ws, m, f } = await conflicting();
    await ws.merge('feature');
    const a = await open(path);
    const b = await open(path);
    await a.resolveConflict(a.merging!.conflicts[0], 'theirs');
    const error = await b.resolveConflict(b.merging!.conflicts[1], 'theirs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeStateMovedError);
    expect((error as MergeStateMovedError).code).toBe('MERGE_STATE_MOVED');
    expect(keysOf(b.merging!.conflicts)).toEqual([
      ['field', 'page/a', 'content'],
      ['field', 'page/b', 'title'],
    ]);
    // both settle the rest; one commit wins, the other is StaleBranchError and nothing of it lands
    await a.resolveAll('ours');
    await b.resolveAll('theirs').catch(() => b.resolveAll('theirs'));
    const results = await Promise.allSettled([a.commit(), b.commit()]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(StaleBranchError);
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ').slice(1)).toEqual([m, f]);
    expect(refOf(path)).toBe('');
    expectFsckClean(path);
  });

  it('a merge started after another is stored on the same head is MergeInProgressError; a stale one is replaced', async () => {
    const { path, ws, m } = await conflicting();
    const late = await open(path);
    await ws.merge('feature');
    await expect(late.merge('feature')).rejects.toMatchObject({ code: 'MERGE_IN_PROGRESS' });
    expect(late.hasChanges()).toBe(false);
    // the branch moves on under the stored merge (a writer that did not know): the stored merge is ignored, kept until replaced
    const stored = refOf(path);
    git(path, 'update-ref', 'refs/heads/main', git(path, 'commit-tree', '-p', m, '-m', 'moved', `${m}^{tree}`).trim(), m);
    const fresh = await open(path);
    expect(fresh.merging).toBeNull();
    expect(refOf(path)).toBe(stored);
    expect((await fresh.merge('feature')).status).toBe('conflicts');
    expect(refOf(path)).not.toBe(stored);
    expectFsckClean(path);
  });
});

class Author extends Model<Author> {
  @Field({ id: true }) handle!: string;
}

class Order extends Model<Order> {
  @Field({ id: true }) code!: string;
  @Field() due!: Date;
  @Field() units: bigint = 0n;
  @Field.decimal() price = '0.00';
  @Field.ref(() => Author, { nullable: true }) owner: Ref<Author> | null = null;
  @Field({ type: [Date] }) stamps: Date[] = [];
}

describe('a merge in progress, typed after a reopen', () => {
  it('another workspace shows the conflicts\' Dates, bigints, decimals and references as the model decodes them, before any settling step', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: AUTHOR });
    ws.register(Author, Order);
    for (const handle of ['ada', 'bob', 'cy']) await new Author({ handle }).save();
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12));
    await new Order({ code: 'o1', due: day(1), units: 1n, price: '1.00', owner: Ref.to(Author, 'ada'), stamps: [day(1)] }).save();
    await ws.commit({ message: 'base' });
    await ws.branches.create('feature');
    const change = async (due: number, units: bigint, price: string, owner: string) => {
      const order = await Order.get('o1');
      Object.assign(order, { due: day(due), units, price, owner: Ref.to(Author, owner), stamps: [day(due), day(due + 1)] });
      await order.save();
    };
    await ws.switch('feature');
    await change(2, 20_000_000_000_000_000_000n, '2.50', 'bob');
    await ws.commit({ message: 'feature' });
    await ws.switch('main');
    await change(3, 30_000_000_000_000_000_000n, '3.75', 'cy');
    await ws.commit({ message: 'main' });
    const result = await ws.merge('feature');
    expect(keysOf(result.conflicts).map((k) => k[2]).sort()).toEqual(['due', 'owner', 'price', 'stamps', 'units']);

    const other = (await Workspace.open(path, { author: AUTHOR })).register(Author, Order);
    const conflicts = other.merging!.conflicts;
    // the same values the merge computed, without computing it again
    expect(conflicts).toEqual(result.conflicts);
    const byField = new Map(conflicts.map((c) => [(c as FieldConflict).field, c as FieldConflict]));
    expect(byField.get('due')).toMatchObject({ base: day(1), ours: day(3), theirs: day(2) });
    expect(byField.get('due')!.ours).toBeInstanceOf(Date);
    expect(byField.get('units')).toMatchObject({ base: 1n, ours: 30_000_000_000_000_000_000n, theirs: 20_000_000_000_000_000_000n });
    expect(byField.get('price')).toMatchObject({ base: '1.00', ours: '3.75', theirs: '2.50' });
    const owner = byField.get('owner')!;
    expect(owner.theirs).toBeInstanceOf(Ref);
    expect([(owner.base as Ref<Author>).id, (owner.ours as Ref<Author>).id, (owner.theirs as Ref<Author>).id]).toEqual(['ada', 'cy', 'bob']);
    expect(await (owner.theirs as Ref<Author>).load()).toBeInstanceOf(Author);
    expect((byField.get('stamps')!.theirs as Date[]).map((d) => d.toISOString())).toEqual([day(2).toISOString(), day(3).toISOString()]);
    expect((byField.get('stamps')!.theirs as Date[])[0]).toBeInstanceOf(Date);
    // a workspace without the models shows the stored JSON forms
    const bare = await Workspace.open(path, { author: AUTHOR });
    const stored = bare.merging!.conflicts.find((c) => (c as FieldConflict).field === 'units') as FieldConflict;
    expect(stored).toMatchObject({ ours: '30000000000000000000', theirs: '20000000000000000000' });
    // a value picked from them settles the conflict as the typed value would
    await other.resolveConflict(byField.get('units')!, { value: byField.get('units')!.theirs });
    await other.resolveAll('ours');
    await other.commit();
    expect((await Order.get('o1')).units).toBe(20_000_000_000_000_000_000n);
    expectFsckClean(path);
  });
});

describe('a merge in progress, across processes', () => {
  it('started in this process, finished by a child process', async () => {
    const { path, ws, m, f } = await conflicting();
    await ws.merge('feature');
    const run = await finished(workers.start('merge-stepper', [path, 'finish', 'theirs']));
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines).toContain(`merging ${f}`);
    expect(run.lines).toContain(`conflicts ${JSON.stringify(keysOf(ws.merging!.conflicts))}`);
    const commit = run.lines.find((l) => l.startsWith('commit '))!.slice(7);
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${commit} ${m} ${f}`);
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature', content: 'feature text' });
    // this workspace's state is stale now: its next step says so
    await expect(ws.resolveAll('ours')).rejects.toBeInstanceOf(MergeStateMovedError);
    expect(ws.merging).toBeNull();
    expect(ws.head).toBe(commit);
    expectFsckClean(path);
  });

  it('started by a process killed afterwards, finished here', async () => {
    const { path, m, f } = await conflicting();
    const child = workers.start('merge-stepper', [path, 'merge', 'feature']);
    const run = await finished(child, (line) => {
      if (line.startsWith('status ')) child.kill('SIGKILL');
    });
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(run.lines[0]).toBe(`stored ${refOf(path)}`);
    expectFsckClean(path);
    const ws = await open(path);
    expect(JSON.stringify(keysOf(ws.merging!.conflicts))).toBe(run.lines[1].slice('conflicts '.length));
    await ws.resolveAll('theirs');
    const commit = (await ws.commit())!;
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${commit} ${m} ${f}`);
    expectFsckClean(path);
  });

  it('killed at random points while merging, settling and committing: fsck clean, and the next run finishes it', async () => {
    const { path, m, f } = await conflicting();
    for (let trial = 0; trial < 4; trial++) {
      const child = workers.start('merge-stepper', [path, 'run', 'feature']);
      const run = await finished(child, (line) => {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), Math.random() * 300);
      });
      expectFsckClean(path);
      const head = git(path, 'rev-parse', 'main').trim();
      if (run.code === 0) {
        expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${head} ${m} ${f}`);
        break;
      }
      // killed: the branch is where it was, or at the finished merge; a stored merge is complete
      if (head !== m) expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${head} ${m} ${f}`);
      const stored = refOf(path);
      if (stored) expect(git(path, 'rev-list', '--parents', '-n', '1', stored).trim().split(' ').slice(1)).toEqual([m, f]);
      if (head !== m) break;
    }
    // whatever the kills left, one more run ends with the merge committed and no stored merge
    if (git(path, 'rev-parse', 'main').trim() === m) {
      const last = await finished(workers.start('merge-stepper', [path, 'run', 'feature']));
      expect(last.code, last.stderr).toBe(0);
    }
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ').slice(1)).toEqual([m, f]);
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature', content: 'feature text' });
    // a kill between the branch move and the ref's removal left it: the next open removes it
    expect((await open(path)).merging).toBeNull();
    expect(refOf(path)).toBe('');
    expectFsckClean(path);
  });
});
