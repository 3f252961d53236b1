// Connectivity of a fetched pack: no ref moves unless everything the new tips reach is received or
// already stored. The check compares each received tree with its parent commit's version and
// follows only what differs, so these tests send packs made by `git pack-objects` from a real
// history with one object left out (in a changed folder, as a tree, as a parent commit, behind a
// tree that differs from its parent's only elsewhere), and count the work of a good incremental
// fetch: it follows the change, not the size of the trees.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RemoteProtocolError, Workspace } from '../lib/index.js';
import { Connectivity, connectivityWork } from '../lib/git/remote/connectivity.js';
import { CorruptObjectError } from '../lib/errors.js';
import { expectFsckClean, git, GIT_ENV, rejected, tempDir } from './helpers.js';
import { concat, entryOf, pack, serving } from './pack-fixtures.js';

/** A repository with a work tree, written with the git CLI: `commit` writes files and returns the new commit. */
function source() {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  return {
    dir,
    commit(files: Record<string, string>, message = 'change'): string {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', message);
      return git(dir, 'rev-parse', 'HEAD').trim();
    },
    oid: (rev: string) => git(dir, 'rev-parse', rev).trim(),
  };
}

/** `git pack-objects` of what `tip` reaches beyond `base`, without the objects in `leaveOut`. */
function packOf(dir: string, tip: string, base: string | null, leaveOut: string[] = []): Uint8Array {
  const listed = git(dir, 'rev-list', '--objects', tip, ...(base ? ['--not', base] : []))
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((oid) => oid && !leaveOut.includes(oid));
  for (const oid of leaveOut) expect(git(dir, 'rev-list', '--objects', tip, ...(base ? ['--not', base] : []))).toContain(oid);
  return new Uint8Array(execFileSync('git', ['pack-objects', '--stdout', '--delta-base-offset'], { cwd: dir, env: GIT_ENV, input: `${listed.join('\n')}\n` }));
}

/** A bare repository holding `base` as refs/remotes/origin/main (as an earlier fetch left it), opened as a workspace. */
async function local(src: string, base: string): Promise<{ path: string; ws: Workspace }> {
  const path = join(tempDir(), 'local.git');
  git(dirname(path), 'init', '-q', '--bare', 'local.git');
  git(src, 'push', '-q', path, `${base}:refs/remotes/origin/main`);
  const ws = await Workspace.open(path, { author: { name: 'A', email: 'a@example.com' } });
  await ws.remotes.add('origin', 'http://served.invalid/r.git');
  return { path, ws };
}

/** Fetches `packBytes` (advertised at `tip`): refused with RemoteProtocolError naming `lacking`, nothing moved or left. */
async function expectRefused(path: string, ws: Workspace, tip: string, packBytes: Uint8Array, lacking: string): Promise<void> {
  const refs = git(path, 'for-each-ref');
  const error = await rejected(ws.fetch({ http: serving(tip, packBytes) }));
  expect(error).toBeInstanceOf(RemoteProtocolError);
  expect((error as RemoteProtocolError).code).toBe('REMOTE_PROTOCOL');
  expect((error as Error).message).toContain(`the pack lacks ${lacking}`);
  expect(git(path, 'for-each-ref')).toBe(refs);
  // the pack had streamed to objects/pack/tmp_pack_*: removed, nothing published
  expect(readdirSync(join(path, 'objects', 'pack')).filter((f) => f.startsWith('tmp_'))).toEqual([]);
  expect(() => git(path, 'cat-file', '-e', tip)).toThrow();
  expectFsckClean(path);
}

/** Files `count` × `per` in folders f00/, f01/, … (each folder a tree of `per` entries). */
function many(count: number, per: number, salt = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (let f = 0; f < count; f++) for (let i = 0; i < per; i++) files[`f${String(f).padStart(2, '0')}/r${String(i).padStart(4, '0')}.json`] = `{"n":${f * per + i}${salt}}\n`;
  return files;
}

describe('connectivity of a fetched pack', () => {
  it('a large tree naming an object neither the pack nor the repository has is refused, though an earlier version of it was complete', async () => {
    const blobs = Array.from({ length: 200 }, (_, i) => entryOf('blob', new TextEncoder().encode(`note ${i}\n`)));
    const treeOf = (oids: string[]) =>
      concat(oids.map((oid, i) => concat([new TextEncoder().encode(`100644 f${String(i).padStart(3, '0')}\0`), Buffer.from(oid, 'hex')])));
    const full = entryOf('tree', treeOf(blobs.map((b) => b.oid)));
    const missingOid = 'ab'.repeat(20);
    const broken = entryOf('tree', treeOf(blobs.map((b, i) => (i === 100 ? missingOid : b.oid))));
    const commitText = `tree ${broken.oid}\nauthor A <a@x> 0 +0000\ncommitter A <a@x> 0 +0000\n\nbroken\n`;
    const commit = entryOf('commit', new TextEncoder().encode(commitText));
    const path = join(tempDir(), 'data.git');
    const ws = await Workspace.open(path, { author: { name: 'A', email: 'a@example.com' } });
    await ws.remotes.add('origin', 'http://broken.invalid/r.git');
    await expectRefused(path, ws, commit.oid, pack([...blobs.map((b) => b.entry), full.entry, broken.entry, commit.entry]), missingOid);
    expect(git(path, 'for-each-ref').trim()).toBe('');
  });

  it('a changed blob deep in a folder whose other entries are unchanged is refused when the pack lacks it', async () => {
    const src = source();
    const c1 = src.commit({ 'a/b/c/deep.txt': 'one\n', 'a/b/c/other.txt': 'same\n', 'a/x.txt': 'x\n', 'top.txt': 't\n' });
    const { path, ws } = await local(src.dir, c1);
    const c2 = src.commit({ 'a/b/c/deep.txt': 'two\n' });
    await expectRefused(path, ws, c2, packOf(src.dir, c2, c1, [src.oid(`${c2}:a/b/c/deep.txt`)]), src.oid(`${c2}:a/b/c/deep.txt`));
  });

  it('a changed folder the pack lacks is refused', async () => {
    const src = source();
    const c1 = src.commit({ 'a/b/c/deep.txt': 'one\n', 'a/b/other.txt': 'same\n', 'top.txt': 't\n' });
    const { path, ws } = await local(src.dir, c1);
    const c2 = src.commit({ 'a/b/c/deep.txt': 'two\n' });
    await expectRefused(path, ws, c2, packOf(src.dir, c2, c1, [src.oid(`${c2}:a/b`)]), src.oid(`${c2}:a/b`));
  });

  it('a parent commit the pack lacks is refused, though every tree and file is there', async () => {
    const src = source();
    const c1 = src.commit({ 'a/one.txt': '1\n' });
    const { path, ws } = await local(src.dir, c1);
    const c2 = src.commit({ 'a/two.txt': '2\n' }, 'second');
    const c3 = src.commit({ 'a/three.txt': '3\n' }, 'third');
    await expectRefused(path, ws, c3, packOf(src.dir, c3, c1, [c2]), c2);
  });

  it('an object missing behind a folder that differs from its parent version only in another entry is still refused (the parent commit, received too, is checked)', async () => {
    const src = source();
    const c1 = src.commit({ 'a/b/c/other.txt': 'v1\n', 'z.txt': 'z\n' });
    const { path, ws } = await local(src.dir, c1);
    const c2 = src.commit({ 'a/b/c/new.txt': 'added\n' }, 'add');
    const c3 = src.commit({ 'a/b/c/other.txt': 'v2\n' }, 'edit another entry');
    const lost = src.oid(`${c2}:a/b/c/new.txt`);
    // c3's a/b/c differs from c2's in other.txt only: new.txt's entry is the same in both
    expect(src.oid(`${c3}:a/b/c/new.txt`)).toBe(lost);
    await expectRefused(path, ws, c3, packOf(src.dir, c3, c1, [lost]), lost);
  });

  it('a merge commit is checked against its first parent, and its second parent is walked too', async () => {
    const src = source();
    const c1 = src.commit({ 'a/one.txt': '1\n', 'b/one.txt': '1\n' });
    const { path, ws } = await local(src.dir, c1);
    git(src.dir, 'checkout', '-q', '-b', 'side');
    const side = src.commit({ 'b/side.txt': 'side\n' }, 'side');
    git(src.dir, 'checkout', '-q', 'main');
    src.commit({ 'a/main.txt': 'main\n' }, 'main');
    git(src.dir, 'merge', '-q', '--no-edit', 'side');
    const merge = src.oid('HEAD');
    const lost = src.oid(`${side}:b/side.txt`);
    await expectRefused(path, ws, merge, packOf(src.dir, merge, c1, [lost]), lost);
    const fine = await ws.fetch({ http: serving(merge, packOf(src.dir, merge, c1)) });
    expect(fine.updated).toEqual([{ ref: 'refs/remotes/origin/main', old: c1, new: merge }]);
    expectFsckClean(path);
  });

  it('an incremental fetch checks the entries that changed, not every entry of the trees it receives', async () => {
    const src = source();
    // 20 folders of 100 entries: 2,000 records
    const c0 = src.commit(many(20, 100));
    const { path, ws } = await local(src.dir, c0);
    // 5 commits, each changing 2 records in 2 folders, one adding a folder
    let tip = c0;
    for (let c = 0; c < 5; c++) tip = src.commit({ [`f${String(c * 3).padStart(2, '0')}/r0001.json`]: `{"v":${c}}\n`, [`f${String(c * 3 + 1).padStart(2, '0')}/r0050.json`]: `{"v":${c}}\n`, ...(c === 4 ? { 'new/r.json': '{}\n' } : {}) });
    const before = { ...connectivityWork };
    const result = await ws.fetch({ http: serving(tip, packOf(src.dir, tip, c0)) });
    expect(result.updated).toEqual([{ ref: 'refs/remotes/origin/main', old: c0, new: tip }]);
    const entries = connectivityWork.entriesChecked - before.entriesChecked;
    const trees = connectivityWork.treesCompared - before.treesCompared;
    // per commit: the root's 2 (3) changed folders and one record in each; the new folder's one entry
    expect(entries).toBe(5 * 4 + 2);
    expect(trees).toBe(5 * 3);
    expect(git(path, 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(tip);
    expectFsckClean(path);

    // the same history into an empty repository: nothing to compare with, every entry is checked
    const empty = join(tempDir(), 'empty.git');
    const fresh = await Workspace.open(empty, { author: { name: 'A', email: 'a@example.com' } });
    await fresh.remotes.add('origin', 'http://served.invalid/r.git');
    const start = connectivityWork.entriesChecked;
    await fresh.fetch({ http: serving(tip, packOf(src.dir, tip, null)) });
    expect(connectivityWork.entriesChecked - start).toBeGreaterThan(2_000);
    expect(git(empty, 'rev-list', '--objects', 'refs/remotes/origin/main')).toBe(git(src.dir, 'rev-list', '--objects', tip));
    expectFsckClean(empty);
  });
});

describe('tags in a received pack', () => {
  it("a tag's target comes from parsing the tag; a malformed tag is a CorruptObjectError, not a tag of nothing", () => {
    const links = new Connectivity();
    const target = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const good = new TextEncoder().encode(`object ${target}\ntype blob\ntag v1\ntagger A <a@x> 0 +0000\n\nv1\n`);
    links.visit({ type: 'tag', oid: '1'.repeat(40), content: good });
    expect((links as unknown as { tags: Map<string, string> }).tags.get('1'.repeat(40))).toBe(target);
    const bad = new TextEncoder().encode('type blob\ntag v2\n\nno object line\n');
    expect(() => links.visit({ type: 'tag', oid: '2'.repeat(40), content: bad })).toThrow(CorruptObjectError);
  });
});
