// Black-box tests of ws.walk() filters — by model, object, author, message and time — on a history
// with merges, checked against git log with the same filters on the same repository.
import { describe, expect, it } from 'vitest';
import { ConfigurationError, RefNotFoundError, UnknownModelError, UnsafeIdError } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { git, newRepoPath, snapshot } from './helpers.js';
import { caught, CliHistory, Clock, collect, gitLog, open, page, pageJson, T0 } from './history-helpers.js';

/** A history by three people, with pages, an author and a merge of a side branch. */
async function history(path: string) {
  const clock = new Clock();
  await open(path);
  const c1 = await page('a', 'A').save({ commit: true, message: 'Add page a', author: clock.next('Ada', 'ada@example.com') });
  const c2 = await new Author({ handle: 'bob', name: 'Bob', email: 'bob@example.com' }).save({
    commit: true,
    message: 'Add author bob',
    author: clock.next('Bob', 'bob@example.org'),
  });
  const c3 = await page('b', 'B').save({ commit: true, message: 'Add page b\n\nFixes #12', author: clock.next('Cy', 'cy@example.net') });
  const a = await Page.get('a');
  a.title = 'A, revised';
  const c4 = await a.save({ commit: true, message: 'Revise page a', author: clock.next('Bob', 'bob@example.org') });
  // a side branch edits b; main merges it
  const cli = new CliHistory(path, T0 + 100);
  const s1 = cli.commit([c2!], { 'page/b/data.json': pageJson('b', 'B on side') }, 'Side: edit b');
  const m = cli.commit([c4!, s1], { 'page/b/data.json': pageJson('b', 'B merged') }, 'Merge side');
  cli.branch('main', m);
  const ws = await open(path);
  return { ws, c1: c1!, c2: c2!, c3: c3!, c4: c4!, s1, m };
}

const oids = async (it: AsyncIterable<{ oid: string }>) => (await collect(it)).map((c) => c.oid);

describe('ws.walk filters', () => {
  it('with no filter lists every commit, as git log', async () => {
    const path = newRepoPath();
    const { ws, m } = await history(path);
    expect(await oids(ws.walk())).toEqual(gitLog(path, 'main'));
    expect((await oids(ws.walk()))[0]).toBe(m);
  });

  it('model and id restrict to the commits that changed the object (git log -- page/<id>), merges simplified as git does', async () => {
    const path = newRepoPath();
    const { ws, c1, c3, c4, s1, m } = await history(path);
    expect(await oids(ws.walk({ model: Page, id: 'b' }))).toEqual(gitLog(path, 'main', '--', 'page/b'));
    expect(await oids(ws.walk({ model: Page, id: 'b' }))).toEqual([m, s1, c3]);
    expect(await oids(ws.walk({ model: 'page', id: 'a' }))).toEqual([c4, c1]);
    expect(await oids(ws.walk({ model: Page }))).toEqual(gitLog(path, 'main', '--', 'page'));
    expect(await oids(ws.walk({ model: Author }))).toEqual(gitLog(path, 'main', '--', 'author'));
    expect(await oids(ws.walk({ model: Page, id: 'nobody' }))).toEqual([]);
  });

  it('author matches a substring of the name or email, or a pattern, as git log --author', async () => {
    const path = newRepoPath();
    const { ws, c2, c4 } = await history(path);
    expect(await oids(ws.walk({ author: 'Bob' }))).toEqual([c4, c2]);
    expect(await oids(ws.walk({ author: 'example.org' }))).toEqual(gitLog(path, '--author=example.org', 'main'));
    expect(await oids(ws.walk({ author: /^(Ada|Cy) / }))).toEqual(gitLog(path, '-E', '--author=^(Ada|Cy) ', 'main'));
    expect(await oids(ws.walk({ author: 'nobody' }))).toEqual([]);
  });

  it('message matches a substring or a pattern of the whole message, as git log --grep', async () => {
    const path = newRepoPath();
    const { ws, c3 } = await history(path);
    expect(await oids(ws.walk({ message: 'Fixes #12' }))).toEqual([c3]);
    expect(await oids(ws.walk({ message: 'page' }))).toEqual(gitLog(path, '--grep=page', 'main'));
    const pattern = /^(Add|Merge) /g; // a global pattern matches the same way on every commit
    expect(await oids(ws.walk({ message: pattern }))).toEqual(gitLog(path, '-E', '--grep=^(Add|Merge) ', 'main'));
    expect(await oids(ws.walk({ message: pattern }))).toEqual(gitLog(path, '-E', '--grep=^(Add|Merge) ', 'main'));
  });

  it('since and until bound the committer time, as git log --since/--until; filters combine', async () => {
    const path = newRepoPath();
    const { ws, c2, c3, c4 } = await history(path);
    const since = new Date((T0 + 1) * 1000);
    const until = new Date((T0 + 3) * 1000);
    expect(await oids(ws.walk({ since, until }))).toEqual([c4, c3, c2]);
    expect(await oids(ws.walk({ since }))).toEqual(gitLog(path, `--since=@${T0 + 1}`, 'main'));
    expect(await oids(ws.walk({ until }))).toEqual(gitLog(path, `--until=@${T0 + 3}`, 'main'));
    expect(await oids(ws.walk({ since, until, author: 'Bob' }))).toEqual([c4, c2]);
    expect(await oids(ws.walk({ model: Page, since, until }))).toEqual(gitLog(path, `--since=@${T0 + 1}`, `--until=@${T0 + 3}`, 'main', '--', 'page'));
    expect(await oids(ws.walk({ at: 'HEAD~1', author: 'Bob' }))).toEqual([c4, c2]);
  });

  it('a branch made with git branch can be walked with filters without switching to it', async () => {
    const path = newRepoPath();
    const { ws, c1, c3 } = await history(path);
    git(path, 'branch', 'old', c3);
    expect(await oids(ws.walk({ at: 'old', model: Page }))).toEqual(gitLog(path, 'old', '--', 'page'));
    expect(await oids(ws.walk({ at: 'old', model: Page, id: 'a' }))).toEqual([c1]);
  });

  it('rejects an id without a model (ConfigurationError), an unregistered model, an unsafe id and an unknown revision; nothing changes', async () => {
    const path = newRepoPath();
    const { ws } = await history(path);
    const before = snapshot(path);
    const noModel = await caught(collect(ws.walk({ id: 'a' })));
    expect(noModel).toBeInstanceOf(ConfigurationError);
    expect(noModel.code).toBe('CONFIGURATION');
    class Stranger {}
    expect((await caught(collect(ws.walk({ model: Stranger })))).data).toEqual({ model: 'Stranger' });
    expect(await caught(collect(ws.walk({ model: 'nobody' })))).toBeInstanceOf(UnknownModelError);
    expect(await caught(collect(ws.walk({ model: Page, id: '..' })))).toBeInstanceOf(UnsafeIdError);
    expect(await caught(collect(ws.walk({ at: 'nope' })))).toBeInstanceOf(RefNotFoundError);
    expect(snapshot(path)).toEqual(before);
  });
});
