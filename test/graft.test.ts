// The index's graft: a stored entry (a whole folder or a file, by oid) staged at a path without
// reading its contents, as a merge takes the other side's unchanged subtrees.
import { describe, expect, it } from 'vitest';
import { Workspace } from '../lib/index.js';
import { Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';

describe('grafting stored entries into the index', () => {
  it('stages a stored folder and a stored file by oid; the commit is what git reads', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Page);
    await new Page({ slug: 'a', title: 'A', cover: new Uint8Array([7]) }).save({ commit: true });
    const folder = git(path, 'rev-parse', 'main:page/a').trim();
    const file = git(path, 'rev-parse', 'main:page/a/data.json').trim();
    await ws.exclusive((stage) =>
      stage([
        { path: 'copies/a', entry: { mode: '40000', oid: folder } },
        { path: 'copies/data.json', entry: { mode: '100644', oid: file } },
      ]),
    );
    expect(ws.hasChanges()).toBe(true);
    await ws.commit({ message: 'graft' });
    expect(git(path, 'rev-parse', 'main:copies/a').trim()).toBe(folder);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main', 'copies').trim().split('\n')).toEqual([
      'copies/a/cover',
      'copies/a/data.json',
      'copies/data.json',
    ]);
    expectFsckClean(path);
  });
});
