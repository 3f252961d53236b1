// Black-box tests of Page.history(): the versions of one object along a branch, on histories with
// merges, a deleted-and-recreated object, a moved object and a branch made with the git CLI,
// checked against `git log -- <data file>` (and `git log --follow`) on the same repository.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RefNotFoundError, UnsafeIdError } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught, CliHistory, Clock, collect, gitLog, open, page, pageJson, rev, T0 } from './history-helpers.js';

const X = 'page/x/data.json';
const Y = 'page/y/data.json';

/**
 * main and side, built with the CLI, with three merges:
 *   A (x1, y1) ── B (x2) ── M1 ── M2 ── M3 (x4: differs from both parents)
 *    └─ S (y2) ──────────┘ /     /
 *         └─ S2 (x3) ─────┘     /       M2 takes x3 from S2: same as its second parent
 *              └─ S3 (x1) ─────┘
 */
function mergedHistory(path: string) {
  const cli = new CliHistory(path);
  const A = cli.commit([], { [X]: pageJson('x', 'x1'), [Y]: pageJson('y', 'y1') }, 'A');
  const B = cli.commit([A], { [X]: pageJson('x', 'x2') }, 'B');
  const S = cli.commit([A], { [Y]: pageJson('y', 'y2') }, 'S');
  const M1 = cli.commit([B, S], { [Y]: pageJson('y', 'y2') }, 'M1');
  const S2 = cli.commit([S], { [X]: pageJson('x', 'x3') }, 'S2');
  const M2 = cli.commit([M1, S2], { [X]: pageJson('x', 'x3') }, 'M2');
  const S3 = cli.commit([S2], { [X]: pageJson('x', 'x1') }, 'S3');
  const M3 = cli.commit([M2, S3], { [X]: pageJson('x', 'x4') }, 'M3');
  cli.branch('main', M3);
  cli.branch('side', S3);
  return { A, B, S, M1, S2, M2, S3, M3 };
}

describe('Page.history', () => {
  it('lists the commits that changed the object, newest first, each with the object as it left it', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const c1 = await page('a', 'A1').save({ commit: true, message: 'create a', author: clock.next() });
    await page('b', 'B1').save({ commit: true, message: 'create b', author: clock.next() });
    const a = await Page.get('a');
    a.title = 'A2';
    const c3 = await a.save({ commit: true, message: 'retitle a', author: clock.next('Bob', 'bob@example.com') });
    await new Author({ handle: 'ada', name: 'Ada', email: 'ada@example.com' }).save({ commit: true, message: 'author', author: clock.next() });
    a.tags = ['news', 'intro'];
    a.updatedAt = new Date('2026-03-01T10:00:00.000+02:00');
    const c5 = await a.save({ commit: true, message: 'tag a', author: clock.next() });

    const versions = await Page.history('a');
    expect(versions.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/a/data.json'));
    expect(versions.map((v) => v.commit.oid)).toEqual([c5, c3, c1]);
    expect(versions.map((v) => v.status)).toEqual(['modified', 'modified', 'created']);
    expect(versions.map((v) => v.id)).toEqual(['a', 'a', 'a']);
    expect(versions.map((v) => v.object!.title)).toEqual(['A2', 'A2', 'A1']);
    expect(versions[0].object).toBeInstanceOf(Page);
    expect(versions[0].object!.tags).toEqual(['news', 'intro']);
    expect(versions[0].object!.updatedAt).toBeInstanceOf(Date);
    expect(versions[0].object!.updatedAt!.getTime()).toBe(Date.parse('2026-03-01T08:00:00Z'));
    expect(versions[1].object!.tags).toEqual([]);
    expect(versions[1].commit).toMatchObject({ message: 'retitle a', author: { name: 'Bob', email: 'bob@example.com' } });
    expect(versions[1].commit.author.date).toEqual(new Date((T0 + 2) * 1000));
    expect(versions[2].commit.parents).toEqual([]);
    // the object of each version is what git show prints at that commit
    for (const v of versions) expect(JSON.parse(git(path, 'show', `${v.commit.oid}:page/a/data.json`)).title).toBe(v.object!.title);
    // it streams: a for-await loop can stop early
    for await (const v of Page.history('a')) {
      expect(v.commit.oid).toBe(c5);
      break;
    }
    expectFsckClean(path);
  });

  it('follows merges as git log -- <path> does: a merge shows only when the object differs from every parent', async () => {
    const path = newRepoPath();
    await open(path);
    const h = mergedHistory(path);
    await open(path);
    const x = await Page.history('x');
    expect(x.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', X));
    // B is gone: M2 took x from S2, so git (and we) follow only that parent
    expect(x.map((v) => v.commit.oid)).toEqual([h.M3, h.S3, h.S2, h.A]);
    expect(x.map((v) => v.object!.title)).toEqual(['x4', 'x1', 'x3', 'x1']);
    expect(x.map((v) => v.status)).toEqual(['modified', 'modified', 'modified', 'created']);
    expect(x[0].commit.parents).toEqual([h.M2, h.S3]);

    const y = await Page.history('y');
    expect(y.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', Y));
    expect(y.map((v) => v.commit.oid)).toEqual([h.S, h.A]);

    // the same object along another branch, and from a commit
    expect((await Page.history('x', { at: 'side' })).map((v) => v.commit.oid)).toEqual(gitLog(path, 'side', '--', X));
    expect((await Page.history('x', { at: h.M2 })).map((v) => v.commit.oid)).toEqual(gitLog(path, h.M2, '--', X));
    expect((await Page.history('x', { at: `${h.M1}` })).map((v) => v.commit.oid)).toEqual([h.B, h.A]);
    expectFsckClean(path);
  });

  it('shows a deletion and a re-creation as such', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    const ws = await open(path);
    const c1 = await page('a', 'first life').save({ commit: true, message: 'create', author: clock.next() });
    const a = await Page.get('a');
    a.content = 'more';
    const c2 = await a.save({ commit: true, message: 'edit', author: clock.next() });
    const c3 = await Page.delete('a', { commit: true, message: 'delete', author: clock.next() });
    await page('other').save({ commit: true, message: 'unrelated', author: clock.next() });
    const c5 = await page('a', 'second life').save({ commit: true, message: 're-create', author: clock.next() });
    const again = await Page.get('a');
    again.published = false;
    const c6 = await again.save({ commit: true, message: 'unpublish', author: clock.next() });

    const versions = await Page.history('a');
    expect(versions.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/a/data.json'));
    expect(versions.map((v) => v.commit.oid)).toEqual([c6, c5, c3, c2, c1]);
    expect(versions.map((v) => v.status)).toEqual(['modified', 'created', 'deleted', 'modified', 'created']);
    expect(versions.map((v) => v.object?.title ?? null)).toEqual(['second life', 'second life', null, 'first life', 'first life']);
    expect(versions[2].object).toBeNull();
    // a deleted object's history is still there
    await Page.delete('a', { commit: true, message: 'delete again', author: clock.next() });
    const after = await Page.history('a');
    expect(after.map((v) => v.status)).toEqual(['deleted', 'modified', 'created', 'deleted', 'modified', 'created']);
    expect(after.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/a/data.json'));
    expect(ws.head).toBe(after[0].commit.oid);
    expectFsckClean(path);
  });

  it('follows a move (an id change) back to the old id, as git log --follow does', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const c1 = await page('old', 'Moving page', { content: 'body' }).save({ commit: true, message: 'create old', author: clock.next() });
    const p = await Page.get('old');
    p.content = 'body, edited';
    const c2 = await p.save({ commit: true, message: 'edit old', author: clock.next() });
    await page('bystander').save({ commit: true, message: 'bystander', author: clock.next() });
    p.slug = 'new';
    const c4 = await p.save({ commit: true, message: 'move old → new', author: clock.next() });
    const moved = await Page.get('new');
    moved.title = 'Moved page';
    const c5 = await moved.save({ commit: true, message: 'edit new', author: clock.next() });

    const versions = await Page.history('new');
    expect(versions.map((v) => v.commit.oid)).toEqual([c5, c4, c2, c1]);
    expect(versions.map((v) => v.commit.oid)).toEqual(gitLog(path, '--follow', 'main', '--', 'page/new/data.json'));
    expect(versions.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/new/data.json', 'page/old/data.json'));
    expect(versions.map((v) => v.status)).toEqual(['modified', 'moved', 'modified', 'created']);
    expect(versions.map((v) => v.id)).toEqual(['new', 'new', 'old', 'old']);
    expect(versions[1].movedFrom).toBe('old');
    expect(versions[0].movedFrom).toBeUndefined();
    expect(versions.map((v) => v.object!.slug)).toEqual(['new', 'new', 'old', 'old']);
    expect(versions.map((v) => v.object!.content)).toEqual(['body, edited', 'body, edited', 'body, edited', 'body']);
    // { follow: false }: the new id's own history, as git log without --follow lists it; the move is its creation
    const own = await Page.history('new', { follow: false });
    expect(own.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/new/data.json'));
    expect(own.map((v) => [v.status, v.id, v.movedFrom])).toEqual([
      ['modified', 'new', undefined],
      ['created', 'new', undefined],
    ]);

    // the old id's own history ends in the move, seen from there as a deletion
    const old = await Page.history('old');
    expect(old.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/old/data.json'));
    expect(old.map((v) => v.status)).toEqual(['deleted', 'modified', 'created']);
    expectFsckClean(path);
  });

  it('does not follow an id change made together with other edits: history starts at the creation', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    await page('old', 'Title').save({ commit: true, message: 'create', author: clock.next() });
    const p = await Page.get('old');
    p.slug = 'new';
    p.title = 'Another title';
    const c2 = await p.save({ commit: true, message: 'move and retitle', author: clock.next() });
    const versions = await Page.history('new');
    expect(versions.map((v) => [v.commit.oid, v.status])).toEqual([[c2, 'created']]);
    expect(versions.map((v) => v.commit.oid)).toEqual(gitLog(path, 'main', '--', 'page/new/data.json'));
  });

  it('reads the history along a branch created with git branch, without switching to it', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    await page('a', 'A1').save({ commit: true, message: 'a1', author: clock.next() });
    const a = await Page.get('a');
    a.title = 'A2';
    await a.save({ commit: true, message: 'a2', author: clock.next() });
    git(path, 'branch', 'draft', 'main~1');
    const ws = await open(path, { branch: 'draft' });
    const d = await Page.get('a');
    d.title = 'A on draft';
    await d.save({ commit: true, message: 'draft edit', author: clock.next() });
    await open(path); // back on main

    expect((await Page.history('a', { at: 'draft' })).map((v) => v.commit.oid)).toEqual(gitLog(path, 'draft', '--', 'page/a/data.json'));
    expect((await Page.history('a', { at: 'draft' })).map((v) => v.object!.title)).toEqual(['A on draft', 'A1']);
    expect((await Page.history('a')).map((v) => v.object!.title)).toEqual(['A2', 'A1']);
    expect((await Page.get('a', { at: 'draft' })).title).toBe('A on draft');
    expect(ws.head).toBe(rev(path, 'draft'));
  });

  it('since, until and limit select versions by committer time, as git log --since/--until/-n', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const p = page('a', 'v0');
    await p.save({ commit: true, message: 'v0', author: clock.next() });
    for (let i = 1; i < 6; i++) {
      p.title = `v${i}`;
      await p.save({ commit: true, message: `v${i}`, author: clock.next() });
    }
    const titles = (vs: { object: Page | null }[]) => vs.map((v) => v.object!.title);
    const since = new Date((T0 + 2) * 1000);
    const until = new Date((T0 + 4) * 1000);
    expect(titles(await Page.history('a', { since }))).toEqual(['v5', 'v4', 'v3', 'v2']);
    expect(titles(await Page.history('a', { until }))).toEqual(['v4', 'v3', 'v2', 'v1', 'v0']);
    expect(titles(await Page.history('a', { since, until }))).toEqual(['v4', 'v3', 'v2']);
    expect((await Page.history('a', { since, until })).map((v) => v.commit.oid)).toEqual(
      gitLog(path, `--since=@${T0 + 2}`, `--until=@${T0 + 4}`, 'main', '--', 'page/a/data.json'),
    );
    expect(titles(await Page.history('a', { limit: 2 }))).toEqual(['v5', 'v4']);
    expect(titles(await Page.history('a', { limit: 2, until }))).toEqual(['v4', 'v3']);
    expect(await Page.history('a', { limit: 0 })).toEqual([]);
  });

  it('is empty for an object that never existed, and on an unborn branch', async () => {
    const path = newRepoPath();
    await open(path);
    expect(await Page.history('a')).toEqual([]);
    await page('b').save({ commit: true, message: 'b' });
    expect(await Page.history('a')).toEqual([]);
    // staged changes are not history
    await page('a').save();
    expect(await Page.history('a')).toEqual([]);
  });

  it('reads only the trees on the object\'s path: objects of unrelated subtrees may even be missing', async () => {
    const path = newRepoPath();
    await open(path);
    const cli = new CliHistory(path);
    const c1 = cli.commit([], { [X]: pageJson('x', 'x1'), [Y]: pageJson('y', 'y1'), 'author/ada/data.json': '{}\n' }, 'c1');
    const c2 = cli.commit([c1], { [X]: pageJson('x', 'x2') }, 'c2');
    const c3 = cli.commit([c2], { [X]: pageJson('x', 'x3') }, 'c3');
    cli.branch('main', c3);
    // the trees of page/y and author/ never change; take their objects away (git fsck would fail now)
    const away = [rev(path, `${c3}:page/y`), rev(path, `${c3}:author`)].map((oid) => join(path, 'objects', oid.slice(0, 2), oid.slice(2)));
    for (const file of away) renameSync(file, `${file}.away`);
    await open(path);
    expect((await Page.history('x')).map((v) => v.commit.oid)).toEqual([c3, c2, c1]);
    expect((await Page.diff('x', c1, c3)).changes).toEqual([{ field: 'title', from: 'x1', to: 'x3' }]);
    for (const file of away) renameSync(`${file}.away`, file);
    expect(gitLog(path, 'main', '--', X)).toEqual([c3, c2, c1]);
    expectFsckClean(path);
  });

  it('rejects an unsafe id (UnsafeIdError) and an unknown revision (RefNotFoundError), changing nothing', async () => {
    const path = newRepoPath();
    await open(path);
    await page('a').save({ commit: true, message: 'a' });
    const before = snapshot(path);
    const unsafe = await caught(Page.history('../a'));
    expect(unsafe).toBeInstanceOf(UnsafeIdError);
    expect(unsafe.data).toMatchObject({ model: 'page', id: '../a' });
    const missing = await caught(Page.history('a', { at: 'nope' }));
    expect(missing).toBeInstanceOf(RefNotFoundError);
    expect(missing.data).toEqual({ ref: 'nope' });
    expect(snapshot(path)).toEqual(before);
  });
});
