// ws.merge(): fast-forward, up-to-date, two-parent merge commits, typed conflicts and the merging
// state (resolveConflict, resolveAll, commit, discard), refusals, criss-cross merges through a
// virtual base, symmetry, and history/blame across the merge — each judged with the git CLI.
import { Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Field,
  FastForwardImpossibleError,
  MemoryBackend,
  StaleBranchError,
  MergeInProgressError,
  Model,
  type MergeConflict,
  type Ref,
  StagedChangesError,
  UnrelatedHistoriesError,
  UnresolvedConflictsError,
  Workspace,
} from '../lib/index.js';
import { BIND, type ModelBinding } from '../lib/workspace/model-host.js';
import { expectFsckClean, git, newRepoPath, snapshot, tempDir } from './helpers.js';

class Page extends Model<Page> {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field() content: string = '';
  @Field() views: number = 0;
}

@ValidatorConstraint({ name: 'endAfterStart' })
class EndAfterStart implements ValidatorConstraintInterface {
  validate(end: number, args: ValidationArguments): boolean {
    return end >= (args.object as Span).start;
  }
  defaultMessage(): string {
    return 'end must not be before start';
  }
}

class Span extends Model<Span> {
  @Field({ id: true }) name!: string;
  @Field() start: number = 0;
  @Field() @Validate(EndAfterStart) end: number = 10;
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };

/** A repository snapshot without its objects (written merges leave unreachable ones) and without the refs named. */
function refsAndConfig(files: Map<string, string>, without: string[] = []): Map<string, string> {
  return new Map([...files].filter(([p]) => !/(^|\/)objects\//.test(p) && !without.some((ref) => p.endsWith(ref))));
}

/** A repository whose main has pages a, b, c; the workspace on main, a branch `feature` at the same commit. */
async function setup(ids = ['a', 'b', 'c'], span = false) {
  const path = newRepoPath();
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Page, Span);
  for (const slug of ids) await new Page({ slug, title: slug.toUpperCase() }).save();
  if (span) await new Span({ name: 's', start: 0, end: 10 }).save();
  const root = (await ws.commit({ message: 'base' }))!;
  await ws.branches.create('feature');
  return { path, ws, root };
}

/** Edits pages on a branch (switching to it and back), one commit; returns the commit. */
async function onBranch(ws: Workspace, branch: string, edit: () => Promise<unknown>, message = `edit on ${branch}`, back = 'main'): Promise<string> {
  await ws.switch(branch);
  await edit();
  const oid = (await ws.commit({ message }))!;
  await ws.switch(back);
  return oid;
}

async function setTitle(slug: string, title: string, extra: Partial<Page> = {}) {
  const p = await Page.get(slug);
  p.title = title;
  Object.assign(p, extra);
  await p.save();
}

function show(path: string, rev: string, file: string): unknown {
  return JSON.parse(git(path, 'show', `${rev}:${file}`));
}

function parents(path: string, rev = 'main'): string[] {
  return git(path, 'log', '-1', '--format=%P', rev).trim().split(' ').filter(Boolean);
}

describe('ws.merge: fast-forward and up-to-date', () => {
  it('fast-forwards a branch that is behind, by compare-and-swap, and reads the new head', async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A on feature'));
    const result = await ws.merge('feature');
    expect(result).toMatchObject({ status: 'fast-forward', theirs: f, commit: f, conflicts: [] });
    expect(result.changes).toEqual([{ model: 'page', id: 'a', status: 'modified', paths: ['page/a/data.json'] }]);
    expect(ws.head).toBe(f);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(f);
    expect((await Page.get('a')).title).toBe('A on feature');
    expectFsckClean(path);
  });

  it('is up to date with an ancestor, and moves nothing', async () => {
    const { path, ws, root } = await setup();
    await setTitle('a', 'A2');
    const head = await ws.commit({ message: 'ahead' });
    const result = await ws.merge('feature');
    expect(result).toMatchObject({ status: 'up-to-date', ours: head, theirs: root, bases: [root], changes: [], conflicts: [] });
    expect(git(path, 'rev-parse', 'main').trim()).toBe(head);
  });

  it("ff: 'never' makes a merge commit even when it could fast-forward; 'only' refuses a divergence", async () => {
    const { path, ws, root } = await setup();
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A on feature'));
    const never = await ws.merge('feature', { ff: 'never' });
    expect(never.status).toBe('merged');
    expect(parents(path)).toEqual([root, f]);
    expect(git(path, 'log', '-1', '--format=%s', 'main').trim()).toBe("Merge branch 'feature'");

    await onBranch(ws, 'feature', () => setTitle('b', 'B on feature'));
    await setTitle('c', 'C on main');
    const head = await ws.commit({ message: 'main moves' });
    await expect(ws.merge('feature', { ff: 'only' })).rejects.toBeInstanceOf(FastForwardImpossibleError);
    expect(ws.head).toBe(head);
    expect(ws.merging).toBeNull();
  });
});

describe('ws.merge: merge commits', () => {
  it('merges changes to different objects and different fields of one object into a two-parent commit', async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', async () => {
      await setTitle('a', 'A on feature');
      await setTitle('b', 'B', { views: 7 });
      await new Page({ slug: 'new', title: 'New' }).save();
    });
    await setTitle('c', 'C on main');
    await setTitle('b', 'B on main');
    const m = (await ws.commit({ message: 'main edits' }))!;
    const result = await ws.merge('feature');
    expect(result.status).toBe('merged');
    expect(result.conflicts).toEqual([]);
    expect(parents(path)).toEqual([m, f]);
    expect(result.commit).toBe(git(path, 'rev-parse', 'main').trim());
    expect(ws.head).toBe(result.commit);
    expect(git(path, 'log', '--graph', '--format=%s', 'main').split('\n')[0]).toMatch(/^\*\s+Merge branch 'feature'$/);
    expect(show(path, 'main', 'page/b/data.json')).toEqual({ slug: 'b', title: 'B on main', content: '', views: 7 });
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A on feature' });
    expect(show(path, 'main', 'page/c/data.json')).toMatchObject({ title: 'C on main' });
    expect(show(path, 'main', 'page/new/data.json')).toMatchObject({ title: 'New' });
    expect(result.changes.map((c) => `${c.id}:${c.status}`).sort()).toEqual(['a:modified', 'b:modified', 'new:added']);
    expectFsckClean(path);
    // git's own merge of the same commits agrees (canonical JSON: one field per line)
    const gitTree = git(path, 'merge-tree', '--write-tree', m, f).split('\n')[0];
    expect(git(path, 'rev-parse', 'main^{tree}').trim()).toBe(gitTree);
    expect(ws.hasChanges()).toBe(false);
  });

  it('is refused while changes are staged, on a read-only workspace, and inside a transaction', async () => {
    const { ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'x'));
    await setTitle('b', 'staged');
    await expect(ws.merge('feature')).rejects.toBeInstanceOf(StagedChangesError);
    await ws.discard();
    await expect(ws.transaction(() => ws.merge('feature'))).rejects.toThrow(/transaction/);
  });

  it('refuses unrelated histories unless allowUnrelated', async () => {
    const { path, ws } = await setup();
    const other = await Workspace.open(path, { branch: 'other', orphan: true, author: AUTHOR });
    other.register(Page);
    await new Page({ slug: 'z', title: 'Z' }).save();
    const z = (await other.commit({ message: 'unrelated' }))!;
    ws.register(Page, Span);
    await setTitle('a', 'A main');
    const m = (await ws.commit({ message: 'main' }))!;
    await expect(ws.merge('other')).rejects.toBeInstanceOf(UnrelatedHistoriesError);
    const result = await ws.merge('other', { allowUnrelated: true });
    expect(result).toMatchObject({ status: 'merged', bases: [] });
    expect(parents(path)).toEqual([m, z]);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['page/a/data.json', 'page/b/data.json', 'page/c/data.json', 'page/z/data.json']);
    expectFsckClean(path);
  });

  it('dryRun computes the result and touches nothing', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'A on feature'));
    await setTitle('b', 'B main');
    const head = await ws.commit({ message: 'main' });
    const before = snapshot(path);
    const dry = await ws.merge('feature', { dryRun: true });
    expect(dry.status).toBe('merged');
    expect(dry.commit).toBeUndefined();
    expect(dry.changes.map((c) => c.id)).toEqual(['a']);
    expect(snapshot(path)).toEqual(before);
    expect(ws.head).toBe(head);
    expect(ws.hasChanges()).toBe(false);
    expect(ws.merging).toBeNull();
    const conflicting = await onBranch(ws, 'feature', () => setTitle('b', 'B feature'));
    expect(conflicting).toBeTruthy();
    const dry2 = await ws.merge('feature', { dryRun: true });
    expect(dry2.status).toBe('conflicts');
    expect(ws.merging).toBeNull();
    expect(ws.hasChanges()).toBe(false);
  });

  it("commit: false stages the merge; ws.commit() makes the merge commit with git's message", async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A on feature'));
    await setTitle('b', 'B main');
    const m = (await ws.commit({ message: 'main' }))!;
    const result = await ws.merge('feature', { commit: false });
    expect(result.status).toBe('merged');
    expect(ws.merging).toEqual({ theirs: f, bases: [result.bases[0]], conflicts: [] });
    expect(ws.hasChanges()).toBe(true);
    expect((await Page.get('a')).title).toBe('A on feature');
    const oid = await ws.commit();
    expect(parents(path)).toEqual([m, f]);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(oid);
    expect(ws.merging).toBeNull();
  });
});

describe('ws.merge: conflicts and the merging state', () => {
  async function conflicting() {
    const s = await setup();
    const f = await onBranch(s.ws, 'feature', () => setTitle('a', 'A feature', { views: 3 }));
    await setTitle('a', 'A main', { content: 'main text' });
    const m = (await s.ws.commit({ message: 'main' }))!;
    return { ...s, f, m };
  }

  it('both sides changing one field is a typed conflict; the workspace is left merging', async () => {
    const { path, ws, f, m, root } = await conflicting();
    const before = snapshot(path);
    const result = await ws.merge('feature');
    expect(result.status).toBe('conflicts');
    expect(result.commit).toBeUndefined();
    expect(result.bases).toEqual([root]);
    expect(result.conflicts).toEqual([{ kind: 'field', model: 'page', id: 'a', path: 'page/a', field: 'title', base: 'A', ours: 'A main', theirs: 'A feature', hasBase: true }]);
    expect(ws.merging).toEqual({ theirs: f, bases: [root], conflicts: result.conflicts });
    // the merged object holds ours' value where it conflicts, both sides' other changes
    const staged = await Page.get('a');
    expect({ title: staged.title, content: staged.content, views: staged.views }).toEqual({ title: 'A main', content: 'main text', views: 3 });
    expect(git(path, 'rev-parse', 'main').trim()).toBe(m);
    // nothing written but the merge in progress, kept for other processes (refs/gitmodel/merge/main)
    expect(refsAndConfig(snapshot(path), ['refs/gitmodel/merge/main'])).toEqual(refsAndConfig(before));
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'refs/gitmodel/merge/main').trim().split(' ').slice(1)).toEqual([m, f]);

    await expect(ws.commit()).rejects.toBeInstanceOf(UnresolvedConflictsError);
    await expect(ws.merge('feature')).rejects.toBeInstanceOf(MergeInProgressError);
    await expect(ws.switch('feature')).rejects.toBeInstanceOf(MergeInProgressError);
    await expect(ws.undo()).rejects.toBeInstanceOf(MergeInProgressError);
    await expect(ws.redo()).rejects.toBeInstanceOf(MergeInProgressError);
  });

  it('resolveConflict + commit: the two-parent merge commit, with the chosen value', async () => {
    const { path, ws, f, m } = await conflicting();
    const { conflicts } = await ws.merge('feature');
    expect(await ws.resolveConflict(conflicts[0], 'theirs')).toEqual([]);
    expect(ws.merging!.conflicts).toEqual([]);
    const oid = await ws.commit({ message: 'Merged feature' });
    expect(parents(path)).toEqual([m, f]);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(oid);
    expect(git(path, 'log', '-1', '--format=%s', 'main').trim()).toBe('Merged feature');
    expect(show(path, 'main', 'page/a/data.json')).toEqual({ slug: 'a', title: 'A feature', content: 'main text', views: 3 });
    expect(ws.merging).toBeNull();
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(path);
  });

  it('a value given to resolveConflict is typed-checked, and base restores the base value', async () => {
    const { path, ws } = await conflicting();
    const { conflicts } = await ws.merge('feature');
    await expect(ws.resolveConflict(conflicts[0], { value: 42 })).rejects.toThrow(/title must be a string/);
    expect(ws.merging!.conflicts).toHaveLength(1);
    await ws.resolveConflict(conflicts[0], { value: 'Both' });
    await ws.commit();
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'Both' });
    expect(git(path, 'log', '-1', '--format=%s', 'main').trim()).toBe("Merge branch 'feature'");
  });

  it('resolveAll settles every conflict of a model', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', async () => {
      await setTitle('a', 'A f');
      await setTitle('b', 'B f');
    });
    await setTitle('a', 'A m');
    await setTitle('b', 'B m');
    await ws.commit({ message: 'main' });
    const { conflicts } = await ws.merge('feature');
    expect(conflicts.map((c) => (c as { id: string }).id)).toEqual(['a', 'b']);
    expect(await ws.resolveAll('ours', { model: Span })).toHaveLength(2);
    expect(await ws.resolveAll('ours', { model: Page })).toEqual([]);
    await ws.commit();
    expect(show(path, 'main', 'page/b/data.json')).toMatchObject({ title: 'B m' });
  });

  it('discard aborts exactly: index, head and repository as before the merge', async () => {
    const { path, ws, m } = await conflicting();
    const before = snapshot(path);
    await ws.merge('feature');
    await ws.resolveConflict(ws.merging!.conflicts[0], 'theirs');
    await ws.discard();
    expect(ws.merging).toBeNull();
    expect(ws.head).toBe(m);
    expect(ws.hasChanges()).toBe(false);
    expect((await Page.get('a')).title).toBe('A main');
    // the stored merge is gone; its objects stay, unreachable, until git gc
    expect(refsAndConfig(snapshot(path))).toEqual(refsAndConfig(before));
    expect(git(path, 'for-each-ref', 'refs/gitmodel/merge/')).toBe('');
    // and the merge can be made again
    expect((await ws.merge('feature')).status).toBe('conflicts');
  });

  it("onConflict: 'theirs' settles what the rules left, and commits", async () => {
    const { path, ws } = await conflicting();
    const result = await ws.merge('feature', { onConflict: 'theirs' });
    expect(result.status).toBe('merged');
    expect(result.resolved).toEqual([expect.objectContaining({ kind: 'field', field: 'title', how: 'onConflict:theirs' })]);
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature', content: 'main text', views: 3 });
  });

  it('onConflict as a function chooses per conflict (undefined keeps it)', async () => {
    const { ws } = await conflicting();
    const seen: MergeConflict[] = [];
    const result = await ws.merge('feature', { onConflict: (c) => (seen.push(c), undefined) });
    expect(result.status).toBe('conflicts');
    expect(seen).toHaveLength(1);
    await ws.discard();
    const again = await ws.merge('feature', { onConflict: (c) => (c.kind === 'field' ? { value: `${c.ours} + ${c.theirs}` } : undefined) });
    expect(again.status).toBe('merged');
    expect((await Page.get('a')).title).toBe('A main + A feature');
  });

  it('delete-modify: a typed conflict; keep takes the modified object, delete removes it', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'A feature'));
    await Page.delete('a');
    await ws.commit({ message: 'delete a' });
    const { conflicts } = await ws.merge('feature');
    expect(conflicts).toHaveLength(1);
    const c = conflicts[0];
    expect(c).toMatchObject({ kind: 'delete-modify', model: 'page', id: 'a', deletedBy: 'ours' });
    if (c.kind !== 'delete-modify') throw new Error('kind');
    expect(c.base).toBeInstanceOf(Page);
    expect((c.base as Page).title).toBe('A');
    expect((c.modified as Page).title).toBe('A feature');
    await ws.resolveConflict(c, 'keep');
    await ws.commit();
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature' });

    await onBranch(ws, 'feature', () => setTitle('b', 'B feature'));
    await Page.delete('b');
    await ws.commit({ message: 'delete b' });
    const again = await ws.merge('feature');
    await ws.resolveConflict(again.conflicts[0], 'delete');
    await ws.commit();
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('page/b/');
    expectFsckClean(path);
  });

  it('add/add: equal objects merge silently; different ones conflict field by field, without a base', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', async () => {
      await new Page({ slug: 'same', title: 'Same' }).save();
      await new Page({ slug: 'diff', title: 'Feature', views: 2 }).save();
    });
    await new Page({ slug: 'same', title: 'Same' }).save();
    await new Page({ slug: 'diff', title: 'Main', views: 2 }).save();
    await ws.commit({ message: 'main adds' });
    const { conflicts } = await ws.merge('feature');
    expect(conflicts).toEqual([{ kind: 'field', model: 'page', id: 'diff', path: 'page/diff', field: 'title', base: undefined, ours: 'Main', theirs: 'Feature', hasBase: false }]);
    await ws.resolveConflict(conflicts[0], 'theirs');
    await ws.commit();
    expect(show(path, 'main', 'page/diff/data.json')).toEqual({ slug: 'diff', title: 'Feature', content: '', views: 2 });
    expect(show(path, 'main', 'page/same/data.json')).toMatchObject({ title: 'Same' });
  });

  it('two edits valid alone but invalid together are an invalid conflict, never committed silently', async () => {
    const { path, ws } = await setup(['a'], true);
    await onBranch(ws, 'feature', async () => {
      const s = await Span.get('s');
      s.end = 5;
      await s.save();
    });
    const s = await Span.get('s');
    s.start = 8;
    await s.save();
    await ws.commit({ message: 'start 8' });
    const result = await ws.merge('feature');
    expect(result.status).toBe('conflicts');
    expect(result.conflicts).toHaveLength(1);
    const c = result.conflicts[0];
    expect(c).toMatchObject({ kind: 'invalid', model: 'span', id: 's', failures: [{ field: 'end', constraints: { endAfterStart: 'end must not be before start' } }] });
    if (c.kind !== 'invalid') throw new Error('kind');
    expect({ start: (c.merged as Span).start, end: (c.merged as Span).end }).toEqual({ start: 8, end: 5 });
    // ours' version is staged meanwhile
    expect((await Span.get('s')).end).toBe(10);
    const fixed = c.merged as Span;
    fixed.end = 9;
    await ws.resolveConflict(c, { value: fixed });
    await ws.commit();
    expect(show(path, 'main', 'span/s/data.json')).toEqual({ name: 's', start: 8, end: 9 });
  });

  it('a field conflict settled into an invalid object becomes an invalid conflict', async () => {
    const { ws } = await setup(['a'], true);
    await onBranch(ws, 'feature', async () => {
      const s = await Span.get('s');
      s.start = 2;
      await s.save();
    });
    const s = await Span.get('s');
    s.start = 3;
    await s.save();
    await ws.commit({ message: 'start 3' });
    const { conflicts } = await ws.merge('feature');
    expect(conflicts).toMatchObject([{ kind: 'field', field: 'start', ours: 3, theirs: 2 }]);
    const left = await ws.resolveConflict(conflicts[0], { value: 20 });
    expect(left).toMatchObject([{ kind: 'invalid', id: 's' }]);
    await expect(ws.commit()).rejects.toBeInstanceOf(UnresolvedConflictsError);
    await ws.resolveConflict(left[0], 'theirs');
    await ws.commit();
    expect((await Span.get('s')).start).toBe(2);
  });
});

describe('ws.merge: moves, plain files, blobs', () => {
  it('an object moved on one side and changed on the other merges at the new id', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'A feature'));
    const a = await Page.get('a');
    a.slug = 'a2';
    await a.save();
    await ws.commit({ message: 'move a' });
    const result = await ws.merge('feature');
    expect(result.status).toBe('merged');
    expect(result.resolved).toEqual([expect.objectContaining({ kind: 'delete-modify', how: 'move' })]);
    const files = git(path, 'ls-tree', '-r', '--name-only', 'main');
    expect(files).not.toContain('page/a/');
    expect(show(path, 'main', 'page/a2/data.json')).toEqual({ slug: 'a2', title: 'A feature', content: '', views: 0 });
    expectFsckClean(path);
  });

  it('moves to two ids are a rename conflict; theirs keeps their copy only', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', async () => {
      const a = await Page.get('a');
      a.slug = 'theirs-a';
      await a.save();
    });
    const a = await Page.get('a');
    a.slug = 'ours-a';
    await a.save();
    await ws.commit({ message: 'move a' });
    const { conflicts } = await ws.merge('feature');
    expect(conflicts).toEqual([{ kind: 'rename', reason: 'moved-apart', model: 'page', id: 'a', path: 'page/a', ours: 'ours-a', theirs: 'theirs-a' }]);
    expect((await Page.all()).map((p) => p.slug)).toEqual(['b', 'c', 'ours-a', 'theirs-a']);
    await ws.resolveConflict(conflicts[0], 'theirs');
    await ws.commit();
    expect(git(path, 'ls-tree', '-d', '--name-only', 'main:page').trim().split('\n')).toEqual(['b', 'c', 'theirs-a']);
  });

  it('a plain file changed on both sides is a file conflict (oids), settled by a side or bytes', async () => {
    const { path, ws } = await setup();
    await ws.files.write('site/robots.txt', 'base\n', { commit: true, message: 'robots' });
    await ws.branches.create('files', { from: 'main' });
    await onBranch(ws, 'files', () => ws.files.write('site/robots.txt', 'theirs\n'));
    await ws.files.write('site/robots.txt', 'ours\n', { commit: true, message: 'ours robots' });
    const { conflicts } = await ws.merge('files');
    expect(conflicts).toEqual([
      {
        kind: 'file',
        reason: 'changed',
        path: 'site/robots.txt',
        base: git(path, 'rev-parse', 'files~1:site/robots.txt').trim(),
        ours: git(path, 'rev-parse', 'main:site/robots.txt').trim(),
        theirs: git(path, 'rev-parse', 'files:site/robots.txt').trim(),
      },
    ]);
    await ws.resolveConflict(conflicts[0], { value: 'both\n' });
    await ws.commit();
    expect(git(path, 'show', 'main:site/robots.txt')).toBe('both\n');
  });

  it("blob fields conflict by oid, with the bytes as values; onConflict 'lww' takes the later side", async () => {
    class Pic extends Model<Pic> {
      @Field({ id: true }) name!: string;
      @Field.blob({ nullable: true }) data: Uint8Array | null = null;
    }
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: AUTHOR });
    ws.register(Pic);
    await new Pic({ name: 'p', data: new Uint8Array([1]) }).save();
    await ws.commit({ message: 'base' });
    await ws.branches.create('feature');
    const at = (s: number) => ({ ...AUTHOR, date: new Date(Date.UTC(2026, 0, 1, 0, 0, s)) });
    await ws.switch('feature');
    const t = await Pic.get('p');
    t.data = new Uint8Array([2]);
    await t.save();
    await ws.commit({ message: 'theirs', committer: at(20), author: at(20) });
    await ws.switch('main');
    const o = await Pic.get('p');
    o.data = new Uint8Array([3]);
    await o.save();
    await ws.commit({ message: 'ours', committer: at(10), author: at(10) });
    const dry = await ws.merge('feature', { dryRun: true });
    expect(dry.conflicts).toEqual([expect.objectContaining({ kind: 'field', field: 'data', base: new Uint8Array([1]), ours: new Uint8Array([3]), theirs: new Uint8Array([2]) })]);
    const result = await ws.merge('feature', { onConflict: 'lww' });
    expect(result.status).toBe('merged');
    expect([...(await Pic.get('p')).data!]).toEqual([2]);
    expect(git(path, 'show', 'main:pic/p/data')).toBe('\u0002');
    expectFsckClean(path);
  });
});

describe('ws.merge: other writers', () => {
  it('is computed from the branch head as it is now, when another writer moved it', async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A feature'));
    const seen = ws.head;
    // another writer (the git CLI) commits to main behind the workspace's back
    const other = await Workspace.open(path, { author: AUTHOR });
    other.register(Page);
    await setTitle('c', 'C by another writer');
    const moved = (await other.commit({ message: 'other writer' }))!;
    ws.register(Page, Span);
    expect(ws.head).toBe(seen);
    const result = await ws.merge('feature');
    expect(result.ours).toBe(moved);
    expect(parents(path)).toEqual([moved, f]);
    expect(show(path, 'main', 'page/c/data.json')).toMatchObject({ title: 'C by another writer' });
    expect(show(path, 'main', 'page/a/data.json')).toMatchObject({ title: 'A feature' });
  });

  it('committing a merge after the branch moved is a StaleBranchError; the merging state stays', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'A feature'));
    await setTitle('a', 'A main');
    await ws.commit({ message: 'main' });
    const other = await Workspace.open(path, { author: AUTHOR });
    const { conflicts } = await ws.merge('feature');
    await ws.resolveConflict(conflicts[0], 'ours');
    // a writer that opened before the merge (one opened now would be merging too: merge-state.test.ts)
    other.register(Page);
    await setTitle('b', 'B by another writer');
    await other.commit({ message: 'other writer' });
    ws.register(Page, Span);
    await expect(ws.commit()).rejects.toBeInstanceOf(StaleBranchError);
    expect(ws.merging).not.toBeNull();
    await ws.discard();
    const again = await ws.merge('feature', { onConflict: 'ours' });
    expect(again.status).toBe('merged');
    expectFsckClean(path);
  });

  it('works on the in-memory backend', async () => {
    const ws = await Workspace.open(new MemoryBackend(), { author: AUTHOR });
    ws.register(Page);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true, message: 'base' });
    await ws.branches.create('feature');
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A', { views: 2 }));
    await setTitle('a', 'A main');
    const m = await ws.commit({ message: 'main' });
    const result = await ws.merge('feature');
    expect(result.status).toBe('merged');
    expect((await ws.repo.readCommit(result.commit!)).parents).toEqual([m, f]);
    expect(await Page.get('a')).toMatchObject({ title: 'A main', views: 2 });
  });
});

describe('ws.merge: criss-cross, symmetry, history', () => {
  it('criss-cross merges use a virtual base of the two merge bases', async () => {
    const { path, ws } = await setup(['a', 'b', 'c', 'd']);
    const f1 = await onBranch(ws, 'feature', () => setTitle('b', 'B1'));
    await setTitle('a', 'A1');
    const m1 = (await ws.commit({ message: 'm1' }))!;
    // main merges f1; feature merges m1: two merges, crossing
    await ws.merge(f1);
    await ws.switch('feature');
    const x = await ws.merge(m1);
    expect(x.status).toBe('merged');
    await setTitle('c', 'C feature');
    const f3 = (await ws.commit({ message: 'f3' }))!;
    await ws.switch('main');
    await setTitle('d', 'D main');
    const m3 = (await ws.commit({ message: 'm3' }))!;
    const result = await ws.merge('feature');
    expect(result.bases.sort()).toEqual([f1, m1].sort());
    expect(git(path, 'merge-base', '--all', m3, f3).trim().split('\n').sort()).toEqual(result.bases);
    expect(result.status).toBe('merged');
    expect(git(path, 'rev-parse', 'main^{tree}').trim()).toBe(git(path, 'merge-tree', '--write-tree', m3, f3).split('\n')[0]);
    expectFsckClean(path);
  });

  it('merging A into B and B into A gives the same tree with symmetric rules', async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', async () => {
      await setTitle('a', 'A feature');
      await setTitle('b', 'B', { views: 4 });
    });
    await setTitle('b', 'B main');
    await setTitle('c', 'C main');
    const m = (await ws.commit({ message: 'main' }))!;
    const one = await ws.merge('feature');
    // the other way round, from a branch at feature's head
    await ws.branches.create('other', { from: f });
    const other = await Workspace.open(path, { branch: 'other', author: AUTHOR });
    other.register(Page, Span);
    const two = await other.merge(m);
    expect(two.status).toBe('merged');
    expect(git(path, 'rev-parse', `${two.commit}^{tree}`).trim()).toBe(git(path, 'rev-parse', `${one.commit}^{tree}`).trim());
    expect(parents(path, two.commit!)).toEqual([f, m]);
  });

  it('Page.history and Page.blame keep working across the merge commit', async () => {
    const { path, ws } = await setup();
    const f = await onBranch(ws, 'feature', () => setTitle('a', 'A', { views: 5 }));
    await setTitle('a', 'A main');
    const m = (await ws.commit({ message: 'main' }))!;
    const { commit } = await ws.merge('feature');
    const history = await Page.history('a');
    const gitLog = git(path, 'log', '--format=%H', 'main', '--', 'page/a/data.json').trim().split('\n');
    expect(history.map((v) => v.commit.oid)).toEqual(gitLog);
    expect(history[0].commit.oid).toBe(commit);
    expect(history[0].object).toMatchObject({ title: 'A main', views: 5 });
    const blame = await Page.blame('a');
    const by = Object.fromEntries(blame.map((b) => [b.field, b.commit.oid]));
    expect(by.title).toBe(m);
    // blame walks the versions as history lists them (newest first, one line): a field the merge
    // brought in from the other side is the merge commit's (docs/MERGE.md, limits)
    expect(by.views).toBe(commit);
    expect(history.map((v) => v.commit.oid)).toContain(f);
  });

  it('the merge commit is a normal git merge (git show --cc, log --graph, fsck)', async () => {
    const { path, ws } = await setup();
    await onBranch(ws, 'feature', () => setTitle('a', 'A feature'));
    await setTitle('b', 'B main');
    await ws.commit({ message: 'main' });
    await ws.merge('feature');
    const graph = git(path, 'log', '--graph', '--format=%s', 'main');
    expect(graph.split('\n').length).toBeGreaterThanOrEqual(4);
    expect(git(path, 'cat-file', '-p', 'main').match(/^parent /gm)).toHaveLength(2);
    expectFsckClean(path);
  });
});

describe('ws.merge: danglingRefs', () => {
  class Person extends Model<Person> {
    @Field({ id: true }) handle!: string;
    @Field() name: string = '';
  }
  class Post extends Model<Post> {
    @Field({ id: true }) slug!: string;
    @Field.ref(() => Person, { nullable: true }) author: Ref<Person> | null = null;
    @Field() title: string = '';
  }

  async function people() {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: AUTHOR });
    ws.register(Person, Post);
    await new Person({ handle: 'ada', name: 'Ada' }).save();
    await new Person({ handle: 'bob', name: 'Bob' }).save();
    await new Post({ slug: 'p1', author: 'ada', title: 'one' }).save();
    await new Post({ slug: 'p2', author: 'bob', title: 'two' }).save();
    await ws.commit({ message: 'base' });
    await ws.branches.create('feature');
    return { path, ws };
  }

  it('lists a reference nobody edited whose target the other side deleted, and one a side added to an object the merge removed', async () => {
    const { ws } = await people();
    // feature deletes ada (p1, untouched on both sides, still points at her)
    await onBranch(ws, 'feature', async () => (await Person.get('ada')).delete());
    // main adds a post by bob and one by ada
    await new Post({ slug: 'p3', author: 'ada', title: 'three' }).save();
    await new Post({ slug: 'p4', author: 'bob', title: 'four' }).save();
    await ws.commit({ message: 'more posts' });
    const result = await ws.merge('feature');
    expect(result.status).toBe('merged');
    expect(result.danglingRefs).toEqual([
      { model: 'post', id: 'p1', field: 'author', target: { model: 'person', id: 'ada' } },
      { model: 'post', id: 'p3', field: 'author', target: { model: 'person', id: 'ada' } },
    ]);
    // the merge is still made: dangling references are reported, not refused
    expect(await Person.exists('ada')).toBe(false);
  });

  it('a fast-forward and a dry run report them too; a merge that deletes nothing referenced reports none', async () => {
    const { ws } = await people();
    await onBranch(ws, 'feature', async () => (await Person.get('bob')).delete());
    const dry = await ws.merge('feature', { dryRun: true });
    expect(dry.status).toBe('fast-forward');
    expect(dry.danglingRefs).toEqual([{ model: 'post', id: 'p2', field: 'author', target: { model: 'person', id: 'bob' } }]);
    await ws.branches.create('edits');
    await onBranch(ws, 'edits', () => new Post({ slug: 'p5', author: 'ada', title: 'five' }).save().then(() => undefined));
    await ws.merge('feature');
    const clean = await ws.merge('edits');
    expect(clean.danglingRefs).toEqual([]);
  });
});

describe("ws.merge: onDangling: 'conflict'", () => {
  class Member extends Model<Member> {
    @Field({ id: true }) handle!: string;
    @Field() name: string = '';
  }
  class Note extends Model<Note> {
    @Field({ id: true }) slug!: string;
    @Field.ref(() => Member, { nullable: true, onDangling: 'conflict' }) author: Ref<Member> | null = null;
    @Field() title: string = '';
  }

  /** feature deletes ada, whom n1 refers to; main adds n3 by her */
  async function dangling() {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: AUTHOR });
    ws.register(Member, Note);
    await new Member({ handle: 'ada', name: 'Ada' }).save();
    await new Note({ slug: 'n1', author: 'ada', title: 'one' }).save();
    await ws.commit({ message: 'base' });
    await ws.branches.create('feature');
    await onBranch(ws, 'feature', async () => (await Member.get('ada')).delete());
    await new Note({ slug: 'n3', author: 'ada', title: 'three' }).save();
    const m = (await ws.commit({ message: 'n3' }))!;
    return { path, ws, m };
  }

  it('a reference the merge leaves dangling is a typed conflict; a value or delete settles it', async () => {
    const { path, ws } = await dangling();
    const result = await ws.merge('feature');
    expect(result.status).toBe('conflicts');
    expect(result.danglingRefs).toEqual([]);
    const target = { model: 'member', id: 'ada', path: 'member/ada' };
    expect(result.conflicts).toEqual([
      { kind: 'dangling', model: 'note', id: 'n1', path: 'note/n1', field: 'author', target },
      { kind: 'dangling', model: 'note', id: 'n3', path: 'note/n3', field: 'author', target },
    ]);
    await expect(ws.commit()).rejects.toBeInstanceOf(UnresolvedConflictsError);
    await expect(ws.resolveConflict(result.conflicts[0], { value: 42 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await ws.resolveConflict(result.conflicts[0], { value: null });
    expect(await ws.resolveConflict(result.conflicts[1], 'delete')).toEqual([]);
    await ws.commit();
    expect(show(path, 'main', 'note/n1/data.json')).toMatchObject({ author: null, title: 'one' });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['note/n1/data.json']);
    expectFsckClean(path);
  });

  it("'ours' brings the target back as ours has it; restored by another workspace, 'keep' leaves the rest dangling", async () => {
    const { path, ws } = await dangling();
    await ws.merge('feature');
    const other = await Workspace.open(path, { author: AUTHOR });
    other.register(Member, Note);
    expect(other.merging!.conflicts.map((c) => [c.kind, c.path])).toEqual([
      ['dangling', 'note/n1'],
      ['dangling', 'note/n3'],
    ]);
    await other.resolveConflict(other.merging!.conflicts[1], 'keep');
    const third = await Workspace.open(path, { author: AUTHOR });
    third.register(Member, Note);
    expect(third.merging!.conflicts.map((c) => c.path)).toEqual(['note/n1']);
    expect(await third.resolveConflict(third.merging!.conflicts[0], 'ours')).toEqual([]);
    await third.commit();
    expect(show(path, 'main', 'member/ada/data.json')).toMatchObject({ name: 'Ada' });
    expectFsckClean(path);
  });

  it("onConflict settles them too; onDangling on a field that is no reference is refused", async () => {
    const { ws } = await dangling();
    const result = await ws.merge('feature', { onConflict: 'theirs' });
    // theirs deleted ada: the references stay dangling, as theirs left them
    expect(result.status).toBe('merged');
    expect(result.resolved.filter((r) => r.kind === 'dangling').map((r) => r.how)).toEqual(['onConflict:theirs', 'onConflict:theirs']);
    class Wrong extends Model<Wrong> {
      @Field({ id: true }) slug!: string;
      @Field({ onDangling: 'conflict' }) title: string = '';
    }
    expect(() => ws.register(Wrong)).toThrow(/onDangling applies to reference fields/);
  });
});

describe('ws.merge: a model bound without merge hooks', () => {
  it("merges its objects by root: onConflict 'theirs' takes their folder whole (a folder entry, not a file)", async () => {
    const root = tempDir();
    const work = join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    const write = (title: string) => writeFileSync(join(work, 'note', 'a', 'data.json'), `${JSON.stringify({ id: 'a', title }, null, 2)}\n`);
    mkdirSync(join(work, 'note', 'a'), { recursive: true });
    write('base');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'base');
    git(work, 'checkout', '-q', '-b', 'side');
    write('theirs');
    git(work, 'commit', '-q', '-am', 'theirs');
    git(work, 'checkout', '-q', 'main');
    write('ours');
    git(work, 'commit', '-q', '-am', 'ours');
    git(root, 'clone', '-q', '--bare', work, 'data.git');
    const gitdir = join(root, 'data.git');
    // a binding as a tool without the classes makes (the command line's): layout only, no merge hooks
    const Raw = {
      name: 'Raw',
      [BIND]: (): ModelBinding => ({
        name: 'note',
        folder: 'note',
        root: (id) => `note/${id}`,
        locate: (path) => {
          const m = /^note\/([^/]+)(\/.*)?$/.exec(path);
          return m ? { id: m[1], data: m[2] === '/data.json' } : undefined;
        },
        attach: () => {},
      }),
    } as unknown as Function;
    const ws = await Workspace.open(gitdir, { author: AUTHOR });
    ws.register(Raw);
    const result = await ws.merge('side', { onConflict: 'theirs' });
    expect(result.status).toBe('merged');
    expect(result.resolved.map((c) => [c.kind, c.path, c.how])).toEqual([['file', 'note/a', 'onConflict:theirs']]);
    expect(JSON.parse(git(gitdir, 'show', 'main:note/a/data.json')).title).toBe('theirs');
    expect(git(gitdir, 'cat-file', '-t', 'main:note/a').trim()).toBe('tree');
    expectFsckClean(gitdir);
  });
});
