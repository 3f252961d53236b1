// Black-box tests of the storage engine: the packs and trees gitmodel writes, checked against the
// real git CLI and isomorphic-git; packs git writes (offset and ref deltas, version-1 indexes) read
// back through the public API; automatic pack merging and ws.maintain(); large trees; the sharded
// layout.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iso from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, Field, Model, Workspace } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, GIT_ENV, gitWith, newRepoPath } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// local helpers

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

async function open(path: string): Promise<Workspace> {
  const ws = await Workspace.open(path);
  ws.register(Page, Author);
  return ws;
}

interface PlainPage {
  slug: string;
  title: string;
  content: string;
  published: boolean;
  tags: string[];
}

function plain(p: Page): PlainPage {
  return { slug: p.slug, title: p.title, content: p.content, published: p.published, tags: [...p.tags] };
}

/** The data file gitmodel writes for a page with these fields (docs/FORMAT.md: declared order, 2-space JSON, newline). */
function canonical(p: PlainPage): string {
  return `${JSON.stringify({ slug: p.slug, title: p.title, content: p.content, published: p.published, tags: p.tags }, null, 2)}\n`;
}

function packDir(gitdir: string): string {
  return join(gitdir, 'objects', 'pack');
}

/** Names of the .pack files in objects/pack, sorted. */
function packFiles(gitdir: string): string[] {
  if (!existsSync(packDir(gitdir))) return [];
  return readdirSync(packDir(gitdir)).filter((n) => n.endsWith('.pack')).sort();
}

function idxFiles(gitdir: string): string[] {
  if (!existsSync(packDir(gitdir))) return [];
  return readdirSync(packDir(gitdir)).filter((n) => n.endsWith('.idx')).sort();
}

/** Loose object files (objects/xx/<38 hex>). */
function looseObjects(gitdir: string): string[] {
  const objects = join(gitdir, 'objects');
  const found: string[] = [];
  for (const dir of readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const name of readdirSync(join(objects, dir))) if (/^[0-9a-f]{38}$/.test(name)) found.push(dir + name);
  }
  return found.sort();
}

interface VerifiedPack {
  oids: string[];
  /** oid → [depth, base oid] for delta entries */
  deltas: Map<string, { depth: number; base: string }>;
  /** oid → offset in the pack */
  offsets: Map<string, number>;
}

/** `git verify-pack -v` on one index: must succeed and end with "ok"; returns what it lists. */
function verifyPack(gitdir: string, idx: string): VerifiedPack {
  const out = git(gitdir, 'verify-pack', '-v', join(packDir(gitdir), idx));
  expect(out.trimEnd().endsWith(': ok'), `verify-pack ${idx}`).toBe(true);
  const result: VerifiedPack = { oids: [], deltas: new Map(), offsets: new Map() };
  for (const line of lines(out)) {
    const m = /^([0-9a-f]{40}) (commit|tree|blob|tag) +(\d+) (\d+) (\d+)(?: (\d+) ([0-9a-f]{40}))?$/.exec(line);
    if (!m) continue;
    result.oids.push(m[1]);
    result.offsets.set(m[1], Number(m[5]));
    if (m[6]) result.deltas.set(m[1], { depth: Number(m[6]), base: m[7] });
  }
  return result;
}

/** Every object oid git can see in the repository (packed or loose, reachable or not). */
function allObjects(gitdir: string): Set<string> {
  return new Set(lines(git(gitdir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)')));
}

/** Reads many objects with one `git cat-file --batch`; null for a name git reports missing. */
function catFileBatch(gitdir: string, names: string[]): Map<string, Buffer | null> {
  const out = execFileSync('git', ['cat-file', '--batch'], {
    cwd: gitdir,
    env: GIT_ENV,
    input: names.map((n) => `${n}\n`).join(''),
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const result = new Map<string, Buffer | null>();
  let at = 0;
  for (const name of names) {
    const nl = out.indexOf(0x0a, at);
    const header = out.toString('utf8', at, nl);
    at = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      result.set(name, null);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    result.set(name, out.subarray(at, at + size));
    at += size + 1;
  }
  return result;
}

/** Every file path in a commit's tree, as git lists it (raw bytes, no quoting). */
function lsFiles(gitdir: string, rev: string): string[] {
  return git(gitdir, 'ls-tree', '-r', '-z', '--name-only', rev).split('\0').filter(Boolean).sort();
}

/** The pack entry type code (1-4 objects, 6 OFS_DELTA, 7 REF_DELTA) at an offset of a .pack file. */
function entryTypeAt(pack: Buffer, offset: number): number {
  return (pack[offset] >> 4) & 7;
}

/**
 * A stored tree is byte-for-byte what git itself would write for its entries: `git mktree` (which
 * sorts and encodes the entries anew) gives the same oid.
 */
function expectCanonicalTree(gitdir: string, treeish: string): void {
  const listing = git(gitdir, 'ls-tree', '-z', treeish);
  const rebuilt = gitWith(gitdir, { input: listing }, 'mktree', '-z').trim();
  expect(rebuilt, `tree ${treeish}`).toBe(git(gitdir, 'rev-parse', treeish).trim());
}

/** An object's raw bytes as git prints them. */
function gitBytesOf(gitdir: string, spec: string): Buffer {
  return execFileSync('git', ['cat-file', '-p', spec], { cwd: gitdir, env: GIT_ENV, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
}

function log(gitdir: string, ref: string): string[] {
  return lines(git(gitdir, 'log', '--format=%H', ref));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** A small deterministic PRNG (mulberry32), so a randomized test runs the same every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pageData(i: number, version = 0): PlainPage {
  return {
    slug: `page-${i}`,
    title: `Page ${i}${version ? ` v${version}` : ''}`,
    content: `Body of page ${i}, version ${version}.`,
    published: i % 3 !== 0,
    tags: i % 2 ? ['odd'] : ['even', `n${i % 10}`],
  };
}

/** A long, delta-friendly body: most of it shared between versions. */
function longBody(i: number, version: number): string {
  const para = (k: number) => `Paragraph ${k} of page ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}`;
  const parts = Array.from({ length: 20 }, (_, k) => para(k));
  for (let v = 1; v <= version; v++) parts[(v * 7 + i) % 20] += ` (edited in version ${v})`;
  return parts.join('\n');
}

/** Stages a page: a new one, or the stored one with these values. */
async function put(p: PlainPage): Promise<void> {
  if (await Page.exists(p.slug)) {
    const page = await Page.get(p.slug);
    Object.assign(page, p);
    await page.save();
  } else {
    await new Page(p).save();
  }
}

/** Stages pages (new or changed) and commits them in one commit. */
async function commitPages(ws: Workspace, pages: PlainPage[], message: string): Promise<string> {
  for (const p of pages) await put(p);
  const oid = await ws.commit({ message });
  expect(oid).toMatch(/^[0-9a-f]{40}$/);
  return oid!;
}

async function allPages(at?: string): Promise<PlainPage[]> {
  return (await Page.all(at === undefined ? {} : { at })).map(plain);
}

function sortedBySlug(pages: Iterable<PlainPage>): PlainPage[] {
  return [...pages].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/** What git says every page's data file holds at a revision, decoded. */
function gitPages(gitdir: string, rev: string): PlainPage[] {
  const paths = lsFiles(gitdir, rev).filter((p) => p.startsWith('page/'));
  const blobs = catFileBatch(gitdir, paths.map((p) => `${rev}:${p}`));
  return sortedBySlug(paths.map((p) => JSON.parse(blobs.get(`${rev}:${p}`)!.toString('utf8')) as PlainPage));
}

// ---------------------------------------------------------------------------------------------

describe('packs written by gitmodel are read by git', () => {
  it('300 pages in one commit then small commits: one pack per commit, verify-pack, fsck, cat-file and log agree', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const state = new Map<string, PlainPage>();
    const first = Array.from({ length: 300 }, (_, i) => pageData(i));
    for (const p of first) state.set(p.slug, p);
    const commits = [await commitPages(ws, first, '300 pages')];
    expect(packFiles(path)).toHaveLength(1);
    expect(looseObjects(path)).toEqual([]);
    for (let round = 1; round <= 5; round++) {
      const edited = pageData(round * 11, round);
      const added = pageData(300 + round);
      state.set(edited.slug, edited);
      state.set(added.slug, added);
      await Page.delete(`page-${round * 13}`);
      state.delete(`page-${round * 13}`);
      commits.push(await commitPages(ws, [edited, added], `round ${round}`));
      // every commit writes its new objects as exactly one more pack (and nothing loose)
      expect(packFiles(path)).toHaveLength(1 + round);
      expect(idxFiles(path)).toHaveLength(1 + round);
      expect(looseObjects(path)).toEqual([]);
    }

    const listed = new Set<string>();
    for (const idx of idxFiles(path)) {
      const pack = verifyPack(path, idx);
      expect(pack.oids.length).toBeGreaterThan(0);
      for (const oid of pack.oids) listed.add(oid);
    }
    // every object reachable from main is in one of the packs
    const reachable = lines(git(path, 'rev-list', '--objects', 'main')).map((l) => l.slice(0, 40));
    expect(reachable.length).toBeGreaterThan(300 * 2 + 6);
    for (const oid of reachable) expect(listed.has(oid), oid).toBe(true);
    expectFsckClean(path);

    expect(git(path, 'cat-file', '-p', 'main:page/page-7/data.json')).toBe(canonical(pageData(7)));
    expect(git(path, 'cat-file', '-p', 'main:page/page-55/data.json')).toBe(canonical(pageData(55, 5)));
    expect(log(path, 'main')).toEqual([...commits].reverse());
    expect(gitPages(path, 'main')).toEqual(sortedBySlug(state.values()));
    // an older commit, read by git out of the first pack
    expect(gitPages(path, commits[0])).toEqual(first.slice().sort((a, b) => (a.slug < b.slug ? -1 : 1)));
  });
});

describe('packs written by gitmodel are read by isomorphic-git', () => {
  it('readBlob, log and readTree through isomorphic-git see what was committed', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const commits = [await commitPages(ws, Array.from({ length: 300 }, (_, i) => pageData(i)), 'many')];
    commits.push(await commitPages(ws, [pageData(7, 1)], 'edit 7'));
    commits.push(await commitPages(ws, [pageData(300), pageData(8, 2)], 'add 300, edit 8'));

    const gitdir = path;
    const head = commits[2];
    const { blob } = await iso.readBlob({ fs, gitdir, oid: head, filepath: 'page/page-7/data.json' });
    expect(Buffer.from(blob).toString('utf8')).toBe(canonical(pageData(7, 1)));
    const old = await iso.readBlob({ fs, gitdir, oid: commits[0], filepath: 'page/page-7/data.json' });
    expect(Buffer.from(old.blob).toString('utf8')).toBe(canonical(pageData(7)));

    const history = await iso.log({ fs, gitdir, ref: 'main' });
    expect(history.map((c) => c.oid)).toEqual([...commits].reverse());
    expect(history.map((c) => c.commit.message.trim())).toEqual(['add 300, edit 8', 'edit 7', 'many']);

    const root = await iso.readTree({ fs, gitdir, oid: head });
    expect(root.tree.map((e) => e.path)).toEqual(['page']);
    const pages = await iso.readTree({ fs, gitdir, oid: head, filepath: 'page' });
    const fromGit = lines(git(path, 'ls-tree', '--format=%(path) %(objectname)', 'main', 'page/')).map((l) =>
      l.replace(/^page\//, ''),
    );
    expect(pages.tree.map((e) => `${e.path} ${e.oid}`)).toEqual(fromGit);
    expect(pages.tree).toHaveLength(301);
    expect(pages.tree.every((e) => e.type === 'tree' && e.mode === '040000')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('packs written by git are read by gitmodel', () => {
  /** 30 pages with long bodies, then 12 commits each editing a few: good delta material. */
  async function buildHistory() {
    const path = newRepoPath();
    const ws = await open(path);
    const state = new Map<string, PlainPage>();
    const commits: string[] = [];
    const expected = new Map<string, PlainPage[]>();
    const version = new Map<number, number>();
    const make = (i: number): PlainPage => ({ ...pageData(i, version.get(i) ?? 0), content: longBody(i, version.get(i) ?? 0) });
    const initial = Array.from({ length: 30 }, (_, i) => make(i));
    for (const p of initial) state.set(p.slug, p);
    commits.push(await commitPages(ws, initial, 'initial'));
    expected.set(commits[0], sortedBySlug(state.values()));
    for (let round = 1; round <= 12; round++) {
      const changed: PlainPage[] = [];
      for (const i of [round % 30, (round * 7) % 30, (round * 11 + 3) % 30]) {
        version.set(i, (version.get(i) ?? 0) + 1);
        changed.push(make(i));
      }
      const gone = round % 4 === 0 ? `page-${round}` : undefined;
      if (gone) {
        await Page.delete(gone);
        state.delete(gone);
      }
      const kept = changed.filter((p) => p.slug !== gone);
      for (const p of kept) state.set(p.slug, p);
      const c = await commitPages(ws, kept, `round ${round}`);
      commits.push(c);
      expected.set(c, sortedBySlug(state.values()));
    }
    return { path, commits, expected };
  }

  /** A fresh workspace (nothing cached) reads every page at every commit as it was written. */
  async function expectReadsEverything(path: string, commits: string[], expected: Map<string, PlainPage[]>) {
    const ws = await open(path);
    expect(ws.head).toBe(commits[commits.length - 1]);
    expect(await allPages()).toEqual(expected.get(commits[commits.length - 1]));
    for (const c of commits) {
      expect(await allPages(c)).toEqual(expected.get(c));
    }
    expect(plain(await Page.get('page-1', { at: commits[0] }))).toEqual(expected.get(commits[0])!.find((p) => p.slug === 'page-1'));
    expect(await Page.exists('page-4', { at: commits[3] })).toBe(true);
    expect(await Page.exists('page-4', { at: commits[4] })).toBe(false);
    // and writes on top of git's pack: a new commit whose trees are built from the trees git packed
    const extra = pageData(999);
    await new Page(extra).save();
    const p2 = await Page.get('page-2');
    p2.title = 'Edited over a git pack';
    await p2.save();
    const c = await ws.commit({ message: 'on top of git pack' });
    expect(git(path, 'rev-parse', 'main').trim()).toBe(c);
    expect(git(path, 'cat-file', '-p', 'main:page/page-999/data.json')).toBe(canonical(extra));
    expect(JSON.parse(git(path, 'show', 'main:page/page-2/data.json')).title).toBe('Edited over a git pack');
    expect(lsFiles(path, 'main')).toHaveLength(expected.get(commits[commits.length - 1])!.length + 1);
    expectFsckClean(path);
  }

  /** The pack's delta entries (verify-pack) and their on-disk entry types. */
  function deltaTypes(path: string): { deltas: number; maxDepth: number; types: Set<number> } {
    const [idx] = idxFiles(path);
    const verified = verifyPack(path, idx);
    const pack = readFileSync(join(packDir(path), idx.replace(/\.idx$/, '.pack')));
    const types = new Set<number>();
    let maxDepth = 0;
    for (const [oid, { depth }] of verified.deltas) {
      types.add(entryTypeAt(pack, verified.offsets.get(oid)!));
      maxDepth = Math.max(maxDepth, depth);
    }
    return { deltas: verified.deltas.size, maxDepth, types };
  }

  it('after git repack -adf --depth=50 --window=250 (OFS_DELTA chains)', async () => {
    const { path, commits, expected } = await buildHistory();
    git(path, 'repack', '-adf', '-q', '--depth=50', '--window=250');
    expect(packFiles(path)).toHaveLength(1);
    expect(looseObjects(path)).toEqual([]);
    const d = deltaTypes(path);
    expect(d.deltas).toBeGreaterThan(10);
    expect(d.maxDepth).toBeGreaterThan(1); // chains, not just single deltas
    expect([...d.types]).toEqual([6]); // OFS_DELTA
    await expectReadsEverything(path, commits, expected);
  });

  it('after git gc --aggressive', async () => {
    const { path, commits, expected } = await buildHistory();
    git(path, 'gc', '-q', '--aggressive', '--prune=now');
    expect(packFiles(path)).toHaveLength(1);
    expect(deltaTypes(path).deltas).toBeGreaterThan(10);
    await expectReadsEverything(path, commits, expected);
  });

  it('after a repack with REF_DELTA entries (repack.useDeltaBaseOffset=false)', async () => {
    const { path, commits, expected } = await buildHistory();
    git(path, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adf', '-q', '--depth=50', '--window=250');
    expect(packFiles(path)).toHaveLength(1);
    const d = deltaTypes(path);
    expect(d.deltas).toBeGreaterThan(10);
    expect([...d.types]).toEqual([7]); // REF_DELTA
    await expectReadsEverything(path, commits, expected);
  });

  it('after a repack with a version-1 pack index (pack.indexVersion=1)', async () => {
    const { path, commits, expected } = await buildHistory();
    git(path, '-c', 'pack.indexVersion=1', 'repack', '-adf', '-q', '--depth=50', '--window=250');
    expect(packFiles(path)).toHaveLength(1);
    const idx = readFileSync(join(packDir(path), idxFiles(path)[0]));
    expect(idx.readUInt32BE(0)).not.toBe(0xff744f63); // no v2 magic: a version-1 index
    expect(deltaTypes(path).deltas).toBeGreaterThan(10);
    await expectReadsEverything(path, commits, expected);
  });
});

// ---------------------------------------------------------------------------------------------

describe('large objects', () => {
  const slug = (i: number) => `a-rather-long-page-slug-so-the-folder-tree-grows-past-64-kib-${String(i).padStart(5, '0')}`;

  it('a folder whose tree exceeds 64 KiB is read by git, isomorphic-git and gitmodel, and patched correctly later', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const n = 2500;
    for (let i = 0; i < n; i++) await new Page({ slug: slug(i), title: `T${i}` }).save();
    const c1 = await ws.commit({ message: 'big folder' });
    expect(Number(git(path, 'cat-file', '-s', 'main:page').trim())).toBeGreaterThan(64 * 1024);
    expectFsckClean(path);
    for (const idx of idxFiles(path)) verifyPack(path, idx);
    expect(lines(git(path, 'ls-tree', 'main', 'page/'))).toHaveLength(n);
    const tree = await iso.readTree({ fs, gitdir: path, oid: c1!, filepath: 'page' });
    expect(tree.tree).toHaveLength(n);
    expect(JSON.parse(git(path, 'show', `main:page/${slug(1234)}/data.json`)).title).toBe('T1234');

    // a small change to the big folder: edit one, add two (one sorting first, one in the middle), delete one
    const edited = await Page.get(slug(100));
    edited.title = 'edited';
    await edited.save();
    await new Page({ slug: 'a-first', title: 'first' }).save();
    await new Page({ slug: `${slug(1500)}-x`, title: 'middle' }).save();
    await Page.delete(slug(2000));
    const c2 = await ws.commit({ message: 'small change to the big folder' });
    expectFsckClean(path);
    expectCanonicalTree(path, 'main:page');
    const names = lines(git(path, 'ls-tree', '--name-only', 'main', 'page/'));
    expect(names).toHaveLength(n + 1);
    const want = [...Array.from({ length: n }, (_, i) => `page/${slug(i)}`).filter((p) => p !== `page/${slug(2000)}`), 'page/a-first', `page/${slug(1500)}-x`];
    // git lists a tree in its stored order; that order must be git's (name + '/' for folders)
    const gitOrder = [...want].sort((a, b) => Buffer.compare(Buffer.from(`${a}/`), Buffer.from(`${b}/`)));
    expect(names).toEqual(gitOrder);
    expect(JSON.parse(git(path, 'show', `main:page/${slug(100)}/data.json`)).title).toBe('edited');
    expect(JSON.parse(git(path, 'show', `main:page/${slug(1500)}-x/data.json`)).title).toBe('middle');
    expect(git(path, 'diff', '--no-renames', '--name-status', c1!, c2!)).toBe(
      [
        'A\tpage/a-first/data.json',
        `M\tpage/${slug(100)}/data.json`,
        `A\tpage/${slug(1500)}-x/data.json`,
        `D\tpage/${slug(2000)}/data.json`,
        '',
      ].join('\n'),
    );

    // cold read through gitmodel
    await open(path);
    const all = await Page.all();
    expect(all).toHaveLength(n + 1);
    expect(all.map((p) => p.slug)).toEqual(want.map((p) => p.slice('page/'.length)).sort());
    expect((await Page.get(slug(100))).title).toBe('edited');
    expect(await Page.exists(slug(2000))).toBe(false);
  });

  it('blob fields over 64 KiB (compressible and not) are stored so git, isomorphic-git and gitmodel read them back', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const random = prng(7);
    const noise = Buffer.alloc(300 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
    const text = Buffer.from('all work and no play makes jack a dull boy\n'.repeat(30000)); // ~1.3 MB
    await new Page({ slug: 'noise', title: 'noise', cover: noise }).save();
    await new Page({ slug: 'text', title: 'text', cover: text }).save();
    await new Page({ slug: 'small', title: 'small', cover: Buffer.from('tiny') }).save();
    const c = await ws.commit({ message: 'big blobs' });
    expectFsckClean(path);
    for (const idx of idxFiles(path)) verifyPack(path, idx);
    expect(gitBytesOf(path, 'main:page/noise/cover').equals(noise)).toBe(true);
    expect(gitBytesOf(path, 'main:page/text/cover').equals(text)).toBe(true);
    const { blob } = await iso.readBlob({ fs, gitdir: path, oid: c!, filepath: 'page/noise/cover' });
    expect(Buffer.from(blob).equals(noise)).toBe(true);
    await open(path);
    expect(Buffer.from((await Page.get('noise')).cover!).equals(noise)).toBe(true);
    expect(Buffer.from((await Page.get('text')).cover!).equals(text)).toBe(true);
    expect(Buffer.from((await Page.get('small')).cover!).toString()).toBe('tiny');
    // and after git repacks them (deltas, its own compression)
    git(path, 'repack', '-adf', '-q');
    await open(path);
    expect(Buffer.from((await Page.get('noise')).cover!).equals(noise)).toBe(true);
    expect(Buffer.from((await Page.get('text')).cover!).equals(text)).toBe(true);
  });
});


// ---------------------------------------------------------------------------------------------

@Model({ name: 'item' })
class Item extends Model {
  @Field({ id: true }) key!: string;
  @Field() title!: string;
}

/** Files in the same folder as Item's folders, so git's folder-vs-file sort order is exercised. */
@Model({ name: 'note', path: 'item/{id}.json' })
class Note extends Model {
  @Field({ id: true }) key!: string;
  @Field() title!: string;
}

describe('patched trees stay in git order (randomized saves, deletes and moves)', () => {
  it('after every commit the tree is exactly the expected set of files, each with its title, and fsck is clean', async () => {
    const tricky = [
      'a', 'a-b', 'a.b', 'a0', 'ab', 'a_b', 'a b', 'a~', 'a+', 'a!', 'a-', 'a.-', 'B', 'Q', '_', '-', '0', '9',
      'a.b.c', 'a-b-c', 'ab-', 'ab.-', 'ab0', 'é', 'é-é', 'e', 'ä', '日本', '日本語', '日', 'ｚ', '｡', '🙂', '🙂🙂', 'z',
      'data', 'data.json', 'item', 'x.jsonx',
    ].filter((id) => !id.endsWith('.json'));
    const pool: string[] = [...tricky];
    for (let i = 0; i < 120; i++) pool.push(`n${i}`, `n${i}-x`, `n${i}.y`);
    const random = prng(20260407);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];

    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Item, Note);
    const classes = { item: Item, note: Note } as const;
    type Kind = keyof typeof classes;
    const live: Record<Kind, Map<string, string>> = { item: new Map(), note: new Map() };
    const fileOf = (kind: Kind, id: string) => (kind === 'item' ? `item/${id}/data.json` : `item/${id}.json`);
    const freeId = (kind: Kind) => {
      for (let tries = 0; tries < 1000; tries++) {
        const id = pick(pool);
        if (!live[kind].has(id)) return id;
      }
      throw new Error('pool exhausted');
    };
    let counter = 0;
    const title = () => `title ${counter++} ${pick(['x', 'é', '日本', ''])}`;

    const done = { add: 0, edit: 0, delete: 0, move: 0, discard: 0, commits: 0 };
    const add = async (kind: Kind) => {
      done.add++;
      const id = freeId(kind);
      const t = title();
      await new classes[kind]({ key: id, title: t }).save();
      live[kind].set(id, t);
    };
    const existing = (kind: Kind) => pick([...live[kind].keys()]);
    const ops: Array<(kind: Kind) => Promise<void>> = [
      add,
      async (kind) => {
        done.edit++;
        const id = existing(kind);
        const obj = await classes[kind].get(id);
        obj.title = title();
        await obj.save();
        live[kind].set(id, obj.title);
      },
      async (kind) => {
        done.delete++;
        const id = existing(kind);
        await classes[kind].delete(id);
        live[kind].delete(id);
      },
      async (kind) => {
        // move: change the id (and sometimes the title)
        done.move++;
        const from = existing(kind);
        const to = freeId(kind);
        const obj = await classes[kind].get(from);
        obj.key = to;
        if (random() < 0.5) obj.title = title();
        await obj.save();
        live[kind].delete(from);
        live[kind].set(to, obj.title);
      },
    ];

    // start with 150 objects in one commit, so later commits change a few entries of a large folder
    // every tricky id is there from the start (as a folder, and half of them as a file too)
    for (const [i, id] of tricky.entries()) {
      for (const kind of i % 2 ? (['item'] as const) : (['item', 'note'] as const)) {
        await new classes[kind]({ key: id, title: `first ${id}` }).save();
        live[kind].set(id, `first ${id}`);
      }
    }
    while (live.item.size + live.note.size < 150) await add(random() < 0.3 ? 'note' : 'item');
    await ws.commit({ message: 'initial' });

    const check = (rev: string) => {
      const want: string[] = [];
      const titles = new Map<string, string>();
      for (const kind of ['item', 'note'] as const) {
        for (const [id, t] of live[kind]) {
          want.push(fileOf(kind, id));
          titles.set(fileOf(kind, id), t);
        }
      }
      expect(lsFiles(path, rev)).toEqual(want.sort());
      const blobs = catFileBatch(path, want.map((p) => `${rev}:${p}`));
      for (const p of want) {
        const data = JSON.parse(blobs.get(`${rev}:${p}`)!.toString('utf8'));
        expect(data.title, p).toBe(titles.get(p));
        expect(fileOf(p.endsWith('/data.json') ? 'item' : 'note', data.key)).toBe(p);
      }
      expectCanonicalTree(path, `${rev}:item`);
      expectCanonicalTree(path, `${rev}^{tree}`);
      expectFsckClean(path);
    };
    check('main');

    let committed = { item: new Map(live.item), note: new Map(live.note) };
    for (let round = 0; round < 45; round++) {
      const count = 1 + Math.floor(random() * 6);
      for (let k = 0; k < count; k++) {
        const kind: Kind = random() < 0.3 ? 'note' : 'item';
        const total = live.item.size + live.note.size;
        // keep between ~120 and ~220 objects alive
        const op = live[kind].size < 5 || total < 120 ? add : total > 220 ? ops[2] : pick(ops);
        await op(kind);
        // sometimes hash the index mid-way, so later changes patch a tree that was patched already
        if (random() < 0.3) ws.hasChanges();
      }
      if (round % 10 === 9) {
        // a round that is thrown away: the index goes back to the head
        await ws.discard();
        done.discard++;
        live.item = new Map(committed.item);
        live.note = new Map(committed.note);
        continue;
      }
      const oid = await ws.commit({ message: `round ${round}` });
      if (oid === null) continue; // e.g. a move and back
      committed = { item: new Map(live.item), note: new Map(live.note) };
      check('main');
      done.commits++;
    }
    // the sequence really mixed every kind of change
    expect(done.commits).toBeGreaterThan(30);
    for (const key of ['edit', 'delete', 'move'] as const) expect(done[key], key).toBeGreaterThan(10);
    expect(done.discard).toBeGreaterThan(2);

    // a cold workspace reads the same objects back, in id order
    const ws2 = await Workspace.open(path);
    ws2.register(Item, Note);
    const items = await Item.all();
    expect(items.map((o) => [o.key, o.title])).toEqual([...live.item].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    const notes = await Note.all();
    expect(notes.map((o) => [o.key, o.title])).toEqual([...live.note].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  });
});

// ---------------------------------------------------------------------------------------------

describe('automatic pack merging', () => {
  it('60 small commits keep at most 17 packs, and every object stays readable by gitmodel and git', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const state = new Map<string, PlainPage>();
    const commits: string[] = [];
    let max = 0;
    let merges = 0;
    let before = 0;
    for (let i = 0; i < 60; i++) {
      const pages = [pageData(i)];
      if (i > 0) pages.push(pageData(i - 1, i)); // edit the previous one too
      for (const p of pages) state.set(p.slug, p);
      commits.push(await commitPages(ws, pages, `commit ${i}`));
      const count = packFiles(path).length;
      expect(count, `packs after commit ${i}`).toBeLessThanOrEqual(17);
      expect(idxFiles(path)).toHaveLength(count);
      if (count < before) merges++;
      before = count;
      max = Math.max(max, count);
      // the workspace that merged keeps reading what it wrote
      expect(plain(await Page.get(`page-${i}`))).toEqual(pageData(i));
    }
    expect(merges).toBeGreaterThan(0);
    expect(max).toBeGreaterThan(10); // packs did pile up before being merged

    for (const idx of idxFiles(path)) verifyPack(path, idx);
    expectFsckClean(path);
    expect(log(path, 'main')).toEqual([...commits].reverse());
    expect(gitPages(path, 'main')).toEqual(sortedBySlug(state.values()));
    // every commit's tree is intact in git's eyes
    const trees = catFileBatch(path, commits.map((c) => `${c}^{tree}`));
    for (const c of commits) expect(trees.get(`${c}^{tree}`), c).not.toBeNull();

    await open(path);
    expect(await allPages()).toEqual(sortedBySlug(state.values()));
    expect(plain(await Page.get('page-10', { at: commits[10] }))).toEqual(pageData(10));
    expect(plain(await Page.get('page-10', { at: commits[11] }))).toEqual(pageData(10, 11));
    expect(await allPages(commits[0])).toEqual([pageData(0)]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('ws.maintain()', () => {
  /** Commits, then loose objects made with the git CLI on another branch (and one unreachable blob). */
  async function prepare(path: string, ws: Workspace) {
    const commits: string[] = [];
    for (let i = 0; i < 10; i++) commits.push(await commitPages(ws, [pageData(i), pageData(0, i)], `c${i}`));
    const blob = gitWith(path, { input: 'loose file\n' }, 'hash-object', '-w', '--stdin').trim();
    const tree = gitWith(path, { input: `100644 blob ${blob}\tloose.txt\n` }, 'mktree').trim();
    const commit = gitWith(path, { input: 'on other\n' }, 'commit-tree', tree, '-p', 'main').trim();
    git(path, 'update-ref', 'refs/heads/other', commit);
    const dangling = gitWith(path, { input: 'nobody points at me\n' }, 'hash-object', '-w', '--stdin').trim();
    return { commits, blob, tree, commit, dangling };
  }

  it('packs every pack and loose object into one pack, keeping every object and every branch', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const { blob, tree, commit, dangling } = await prepare(path, ws);
    const loose = looseObjects(path);
    expect(loose).toEqual(expect.arrayContaining([blob, tree, commit, dangling]));
    const packsBefore = packFiles(path).length;
    expect(packsBefore).toBeGreaterThan(1);
    const objectsBefore = allObjects(path);
    const mainLog = log(path, 'main');
    const otherLog = log(path, 'other');
    const pagesBefore = gitPages(path, 'main');

    const result = await ws.maintain();
    expect(result).toEqual({ packsMerged: packsBefore, looseObjectsPacked: loose.length, packs: 1 });
    expect(packFiles(path)).toHaveLength(1);
    expect(idxFiles(path)).toHaveLength(1);
    expect(looseObjects(path)).toEqual([]);
    const verified = verifyPack(path, idxFiles(path)[0]);
    expect(new Set(verified.oids)).toEqual(objectsBefore);
    expect(allObjects(path)).toEqual(objectsBefore);
    expectFsckClean(path);
    expect(log(path, 'main')).toEqual(mainLog);
    expect(log(path, 'other')).toEqual(otherLog);
    expect(git(path, 'cat-file', '-p', `other:loose.txt`)).toBe('loose file\n');
    expect(git(path, 'cat-file', '-p', dangling)).toBe('nobody points at me\n');
    expect(gitPages(path, 'main')).toEqual(pagesBefore);

    // nothing left to do: a second run changes nothing
    expect(await ws.maintain()).toEqual({ packsMerged: 0, looseObjectsPacked: 0, packs: 1 });
    expect(packFiles(path)).toHaveLength(1);

    // the same workspace goes on reading and writing, and a cold one reads everything
    expect(await allPages()).toEqual(pagesBefore);
    const c = await commitPages(ws, [pageData(50)], 'after maintain');
    expect(git(path, 'rev-parse', 'main').trim()).toBe(c);
    expectFsckClean(path);
    await open(path);
    expect(await allPages()).toEqual(sortedBySlug([...pagesBefore, pageData(50)]));
    expect(await allPages(mainLog[mainLog.length - 1])).toEqual([pageData(0)]);

  });

  it('merges a git-made pack with delta chains, and the result passes verify-pack and fsck', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const version = new Map<number, number>();
    const make = (i: number): PlainPage => ({ ...pageData(i, version.get(i) ?? 0), content: longBody(i, version.get(i) ?? 0) });
    await commitPages(ws, Array.from({ length: 20 }, (_, i) => make(i)), 'initial');
    for (let r = 1; r <= 8; r++) {
      version.set(r, r);
      await commitPages(ws, [make(r)], `edit ${r}`);
    }
    git(path, 'repack', '-adf', '-q', '--depth=50', '--window=250');
    expect(verifyPack(path, idxFiles(path)[0]).deltas.size).toBeGreaterThan(5);
    for (let r = 9; r <= 14; r++) {
      version.set(r, r);
      await commitPages(ws, [make(r), pageData(100 + r)], `edit ${r}`);
    }
    const objectsBefore = allObjects(path);
    const mainLog = log(path, 'main');
    const pagesBefore = gitPages(path, 'main');
    const packsBefore = packFiles(path).length;
    expect(packsBefore).toBe(7);

    const result = await ws.maintain();
    expect(result).toEqual({ packsMerged: packsBefore, looseObjectsPacked: 0, packs: 1 });
    expect(packFiles(path)).toHaveLength(1);
    const verified = verifyPack(path, idxFiles(path)[0]);
    expect(new Set(verified.oids)).toEqual(objectsBefore);
    expect(verified.deltas.size).toBeGreaterThan(5); // entries were copied, deltas and all
    expectFsckClean(path);
    expect(log(path, 'main')).toEqual(mainLog);
    expect(gitPages(path, 'main')).toEqual(pagesBefore);
    await open(path);
    expect(await allPages()).toEqual(pagesBefore);
    for (const c of mainLog) expect((await allPages(c)).length).toBeGreaterThanOrEqual(20);
  });

  it('leaves a pack that has a .keep file alone', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await commitPages(ws, Array.from({ length: 20 }, (_, i) => pageData(i)), 'first');
    await commitPages(ws, [pageData(20)], 'second');
    git(path, 'repack', '-ad', '-q');
    const [kept] = packFiles(path);
    const keptBase = kept.replace(/\.pack$/, '');
    writeFileSync(join(packDir(path), `${keptBase}.keep`), 'kept by the test\n');
    const keptPack = readFileSync(join(packDir(path), `${keptBase}.pack`));
    const keptIdx = readFileSync(join(packDir(path), `${keptBase}.idx`));
    for (let i = 21; i < 26; i++) await commitPages(ws, [pageData(i)], `c${i}`);
    gitWith(path, { input: 'loose\n' }, 'hash-object', '-w', '--stdin');
    const objectsBefore = allObjects(path);
    const mainLog = log(path, 'main');
    expect(packFiles(path)).toHaveLength(6);

    const result = await ws.maintain();
    expect(result.packsMerged).toBe(5);
    expect(result.looseObjectsPacked).toBe(1);
    const after = packFiles(path);
    expect(after).toHaveLength(2);
    expect(after).toContain(kept);
    expect(result.packs).toBe(after.length);
    expect(readFileSync(join(packDir(path), `${keptBase}.pack`)).equals(keptPack)).toBe(true);
    expect(readFileSync(join(packDir(path), `${keptBase}.idx`)).equals(keptIdx)).toBe(true);
    expect(readFileSync(join(packDir(path), `${keptBase}.keep`), 'utf8')).toBe('kept by the test\n');
    expect(looseObjects(path)).toEqual([]);
    expect(allObjects(path)).toEqual(objectsBefore);
    for (const idx of idxFiles(path)) verifyPack(path, idx);
    expectFsckClean(path);
    expect(log(path, 'main')).toEqual(mainLog);
    await open(path);
    expect(await allPages()).toEqual(sortedBySlug(Array.from({ length: 26 }, (_, i) => pageData(i))));
  });

  it('another workspace open on the same repository keeps reading after maintain() and after git repack', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const commits: string[] = [];
    for (let i = 0; i < 8; i++) commits.push(await commitPages(ws, [pageData(i), pageData(0, i)], `c${i}`));
    // a second workspace, opened before anything is repacked, that has read nothing yet
    const other = await Workspace.open(path);
    expect(other.head).toBe(commits[7]);
    expect((await ws.maintain()).packs).toBe(1);
    expect(packFiles(path)).toHaveLength(1);
    other.register(Page, Author); // its reads now go through the pack written by maintain()
    expect(await allPages(commits[3])).toEqual(sortedBySlug([pageData(0, 3), pageData(1), pageData(2), pageData(3)]));
    expect(plain(await Page.get('page-0', { at: commits[5].slice(0, 10) }))).toEqual(pageData(0, 5));
    git(path, 'repack', '-adf', '-q', '--depth=50', '--window=250');
    expect(await allPages(commits[6])).toEqual(sortedBySlug([pageData(0, 6), ...Array.from({ length: 6 }, (_, i) => pageData(i + 1))]));
    expect(plain(await Page.get('page-0', { at: commits[2].slice(0, 10) }))).toEqual(pageData(0, 2));
    const c = await commitPages(other, [pageData(42)], 'from the other workspace');
    expect(git(path, 'rev-parse', 'main').trim()).toBe(c);
    expectFsckClean(path);
  });

  it('also merges a pack that git wrote with a version-1 index', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await commitPages(ws, Array.from({ length: 10 }, (_, i) => pageData(i)), 'first');
    git(path, '-c', 'pack.indexVersion=1', 'repack', '-adf', '-q');
    for (let i = 10; i < 13; i++) await commitPages(ws, [pageData(i)], `c${i}`);
    const objectsBefore = allObjects(path);
    expect(packFiles(path)).toHaveLength(4);

    const result = await ws.maintain();
    expect(packFiles(path)).toHaveLength(1);
    expect(result).toEqual({ packsMerged: 4, looseObjectsPacked: 0, packs: 1 });
    expect(allObjects(path)).toEqual(objectsBefore);
    expectFsckClean(path);
    await open(path);
    expect(await allPages()).toEqual(sortedBySlug(Array.from({ length: 13 }, (_, i) => pageData(i))));
  });
});

// ---------------------------------------------------------------------------------------------

@Model({ name: 'doc', shard: 2 })
class Doc extends Model {
  @Field({ id: true }) key!: string;
  @Field() title!: string;
}

@Model({ name: 'rec', shard: 1, path: 'data/{shard}/{id}.json' })
class Rec extends Model {
  @Field({ id: true }) key!: string;
  @Field() n!: number;
}

@Model({ name: 'wide', shard: 4 })
class Wide extends Model {
  @Field({ id: true }) key!: string;
}

describe('sharded layout', () => {
  const ids = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'a', 'é', '日本'];
  const docPath = (id: string) => `doc/${sha1(id).slice(0, 2)}/${id}/data.json`;

  it('@Model({ shard: 2 }) stores at {model}/<2 hex of sha1(id)>/{id}/data.json; get, exists, all, delete and move work', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Doc);
    for (const id of ids) await new Doc({ key: id, title: `T ${id}` }).save();
    const c1 = await ws.commit({ message: 'docs' });
    expect(lsFiles(path, 'main')).toEqual(ids.map(docPath).sort());
    expect(JSON.parse(git(path, 'show', `main:${docPath('alpha')}`))).toEqual({ key: 'alpha', title: 'T alpha' });
    expectFsckClean(path);
    // ids whose shard order is not their id order, so all() really sorts
    const byShard = [...ids].sort((a, b) => (docPath(a) < docPath(b) ? -1 : 1));
    const byId = [...ids].sort();
    expect(byShard).not.toEqual(byId);

    expect((await Doc.get('gamma')).title).toBe('T gamma');
    expect(await Doc.exists('gamma')).toBe(true);
    expect(await Doc.exists('nope')).toBe(false);
    expect((await Doc.all()).map((d) => d.key)).toEqual(byId);

    // staged changes: edit, add, delete, move; ws.diff() names the model and the id
    const g = await Doc.get('gamma');
    g.title = 'changed';
    await g.save();
    await new Doc({ key: 'omega', title: 'T omega' }).save();
    await Doc.delete('beta');
    const m = await Doc.get('theta');
    m.key = 'theta-moved';
    await m.save();
    const changes = (await ws.diff()).map((c) => ({ model: c.model, id: c.id, status: c.status }));
    expect(changes.sort((a, b) => (a.id! < b.id! ? -1 : 1))).toEqual([
      { model: 'doc', id: 'beta', status: 'deleted' },
      { model: 'doc', id: 'gamma', status: 'modified' },
      { model: 'doc', id: 'omega', status: 'added' },
      { model: 'doc', id: 'theta', status: 'deleted' },
      { model: 'doc', id: 'theta-moved', status: 'added' },
    ]);
    expect(await Doc.exists('theta')).toBe(false);
    expect((await Doc.get('theta-moved')).title).toBe('T theta');
    const c2 = await ws.commit({ message: 'changes' });
    const now = ids.filter((id) => id !== 'beta' && id !== 'theta').concat(['omega', 'theta-moved']);
    expect(lsFiles(path, 'main')).toEqual(now.map(docPath).sort());
    expect((await Doc.all()).map((d) => d.key)).toEqual(now.sort());
    expect((await Doc.all({ at: c1! })).map((d) => d.key)).toEqual(byId);
    expect((await ws.diff(c1!, c2!)).map((c) => `${c.model}:${c.id}:${c.status}`).sort()).toEqual(
      ['doc:beta:deleted', 'doc:gamma:modified', 'doc:omega:added', 'doc:theta:deleted', 'doc:theta-moved:added'].sort(),
    );
    expectFsckClean(path);
    // an emptied shard folder disappears
    for (const id of now) await Doc.delete(id);
    await ws.commit({ message: 'all gone' });
    expect(lsFiles(path, 'main')).toEqual([]);
    expect(await Doc.all()).toEqual([]);
    expectFsckClean(path);
  });

  it('a custom path data/{shard}/{id}.json with shard 1, and shard 4', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Rec, Wide);
    const recIds = Array.from({ length: 40 }, (_, i) => `r${i}`);
    for (const [i, id] of recIds.entries()) await new Rec({ key: id, n: i }).save();
    await new Wide({ key: 'w1' }).save();
    await ws.commit({ message: 'recs' });
    const want = [...recIds.map((id) => `data/${sha1(id)[0]}/${id}.json`), `wide/${sha1('w1').slice(0, 4)}/w1/data.json`].sort();
    expect(lsFiles(path, 'main')).toEqual(want);
    expect(new Set(recIds.map((id) => sha1(id)[0])).size).toBeGreaterThan(8); // really spread
    expectFsckClean(path);
    expect((await Rec.all()).map((r) => r.key)).toEqual([...recIds].sort());
    expect((await Rec.get('r7')).n).toBe(7);
    expect(await Wide.exists('w1')).toBe(true);
    await Rec.delete('r7');
    const r8 = await Rec.get('r8');
    r8.key = 'r8b';
    await r8.save();
    expect((await ws.diff()).map((c) => `${c.model}:${c.id}:${c.status}`).sort()).toEqual(['rec:r7:deleted', 'rec:r8:deleted', 'rec:r8b:added']);
    await ws.commit({ message: 'more' });
    expect(lsFiles(path, 'main')).toContain(`data/${sha1('r8b')[0]}/r8b.json`);
    expect(lsFiles(path, 'main')).not.toContain(`data/${sha1('r7')[0]}/r7.json`);
    await Workspace.open(path).then((w) => w.register(Rec, Wide));
    expect((await Rec.all()).map((r) => r.key)).toEqual(recIds.filter((id) => id !== 'r7' && id !== 'r8').concat('r8b').sort());
  });

  it('refuses shard misconfigurations with ConfigurationError', async () => {
    const ws = await Workspace.open(newRepoPath());
    const bad: Array<[string, () => Function]> = [
      ['shard 5', () => { @Model({ shard: 5 }) class S5 extends Model { @Field() t!: string; } return S5; }],
      ['shard 1.5', () => { @Model({ shard: 1.5 }) class S15 extends Model { @Field() t!: string; } return S15; }],
      ['shard -1', () => { @Model({ shard: -1 }) class SNeg extends Model { @Field() t!: string; } return SNeg; }],
      ['{shard} without shard', () => { @Model({ path: '{model}/{shard}/{id}/data.json' }) class NoShard extends Model { @Field() t!: string; } return NoShard; }],
      ['shard without {shard}', () => { @Model({ shard: 2, path: '{model}/{id}/data.json' }) class NoSeg extends Model { @Field() t!: string; } return NoSeg; }],
      ['x{shard} segment', () => { @Model({ shard: 2, path: '{model}/x{shard}/{id}/data.json' }) class XSeg extends Model { @Field() t!: string; } return XSeg; }],
      ['{shard} after {id}', () => { @Model({ shard: 2, path: '{model}/{id}/{shard}/data.json' }) class After extends Model { @Field() t!: string; } return After; }],
      ['{shard} twice', () => { @Model({ shard: 2, path: '{model}/{shard}/{shard}/{id}/data.json' }) class Twice extends Model { @Field() t!: string; } return Twice; }],
      ['{shard}{id} in one segment', () => { @Model({ shard: 2, path: '{model}/{shard}{id}.json' }) class Joined extends Model { @Field() t!: string; } return Joined; }],
    ];
    const accepted: string[] = [];
    for (const [label, make] of bad) {
      let error: unknown;
      try {
        ws.register(make());
        accepted.push(label);
      } catch (e) {
        error = e;
      }
      if (error !== undefined) {
        expect(error, label).toBeInstanceOf(ConfigurationError);
        expect((error as ConfigurationError).code, label).toBe('CONFIGURATION');
      }
    }
    expect(accepted, 'misconfigurations that register() accepted').toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('many objects in one commit', () => {
  it('3,000 pages committed at once are read back equal by a cold workspace', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const pages = Array.from({ length: 3000 }, (_, i) => pageData(i));
    const c = await commitPages(ws, pages, '3000 pages');
    expect(packFiles(path)).toHaveLength(1);
    expect(looseObjects(path)).toEqual([]);
    expect(verifyPack(path, idxFiles(path)[0]).oids).toHaveLength(3000 + 3000 + 3); // 3,000 blobs and folder trees, page/, the root tree, the commit
    expectFsckClean(path);

    await open(path);
    expect(await allPages()).toEqual(sortedBySlug(pages));
    expect(await allPages(c)).toEqual(sortedBySlug(pages));
    expect(plain(await Page.get('page-2999'))).toEqual(pageData(2999));
    expect(await Page.exists('page-3000')).toBe(false);
  });
});

describe('durability', () => {
  it("'atomic' and 'fsync' write the same commits, both read by git", async () => {
    const heads: string[] = [];
    for (const durability of ['fsync', 'atomic'] as const) {
      const path = newRepoPath();
      const ws = await Workspace.open(path, { durability, author: { name: 'A', email: 'a@example.com', date: new Date(0) } });
      ws.register(Page);
      for (let i = 0; i < 5; i++) await new Page({ slug: `p${i}`, title: `P${i}` }).save();
      await ws.commit({ message: 'five', author: { name: 'A', email: 'a@example.com', date: new Date(0) } });
      const page = await Page.get('p1');
      page.title = 'edited';
      heads.push((await page.save({ commit: true, message: 'edit', author: { name: 'A', email: 'a@example.com', date: new Date(0) } }))!);
      expectFsckClean(path);
      expect(JSON.parse(git(path, 'show', 'main:page/p1/data.json')).title).toBe('edited');
      expect(readdirSync(join(path, 'objects', 'pack')).some((n) => n.includes('tmp'))).toBe(false);
    }
    // same objects, same commit oids: durability changes how files are flushed, not what is written
    expect(heads[0]).toBe(heads[1]);
  });

  it('an unknown durability is a ConfigurationError and creates nothing', async () => {
    const path = newRepoPath();
    await expect(Workspace.open(path, { durability: 'sometimes' as never })).rejects.toBeInstanceOf(ConfigurationError);
    expect(existsSync(path)).toBe(false);
  });
});

describe('lookups in large folders read from the pack without inflating the folder', () => {
  it('finds the first, middle and last names, and not absent ones, at a revision and in history', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Page);
    // ~3,000 entries with long names: the folder's tree is over 64 KiB, stored uncompressed
    const ids = Array.from({ length: 3000 }, (_, i) => `entry-${String(i).padStart(5, '0')}-${'x'.repeat(40)}`);
    for (const slug of ids) await new Page({ slug, title: slug.slice(0, 11) }).save();
    await ws.commit({ message: 'many' });
    const first = await Page.get(ids[0]);
    first.title = 'changed';
    await first.save({ commit: true, message: 'change the first' });
    const treeSize = Number(git(path, 'cat-file', '-s', 'main:page').trim());
    expect(treeSize).toBeGreaterThan(64 * 1024);
    // a fresh workspace: nothing cached, every lookup goes to the pack
    const fresh = await Workspace.open(path, { create: false });
    class Fresh extends Page {}
    Object.defineProperty(Fresh, 'name', { value: 'Page' });
    fresh.register(Fresh);
    for (const i of [0, 1, 350, 1500, 2998, 2999]) {
      expect((await Fresh.get(ids[i], { at: 'main~1' })).title).toBe(ids[i].slice(0, 11));
    }
    for (const absent of ['a', 'entry-', `entry-01500-${'x'.repeat(39)}`, `entry-01500-${'x'.repeat(41)}`, 'zzz']) {
      expect(await Fresh.exists(absent, { at: 'main~1' })).toBe(false);
    }
    const versions = [];
    for await (const v of Fresh.history(ids[0])) versions.push(v.status);
    expect(versions).toEqual(['modified', 'created']);
    expect(git(path, 'log', '--format=%H', 'main', '--', `page/${ids[0]}/data.json`).trim().split('\n')).toHaveLength(2);
    const last = [];
    for await (const v of Fresh.history(ids[2999])) last.push(v.status);
    expect(last).toEqual(['created']);
  });
});
