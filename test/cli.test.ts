// The `gitmodel` command line, run as a user runs it: the built bin, as a child process, against
// repositories written by the library and by the git CLI; outputs compared with what git says.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, HOSTILE, libraryRepo, type LibraryRepo, removeBuild, runCli } from './cli-fixture.js';
import { expectFsckClean, git, gitBytes, gitWith } from './helpers.js';

let build: { main: string; esm: string; dir: string };
let lib: LibraryRepo;
let scratch: string;

beforeAll(async () => {
  build = buildCli();
  scratch = mkdtempSync(join(tmpdir(), 'gitmodel-cli-test-'));
  lib = await libraryRepo(join(scratch, 'lib.git'));
}, 180_000);

afterAll(() => {
  removeBuild(build.dir);
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the CLI on a repository; `json` parses stdout (and fails the test when the exit code is not 0). */
const cli = (repo: string, ...args: string[]) => runCli(build.main, ['-C', repo, ...args]);
function json(repo: string, ...args: string[]): any {
  const r = cli(repo, ...args, '--json');
  expect(r.stderr, `gitmodel ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}
const jsonl = (repo: string, ...args: string[]) => {
  const r = cli(repo, ...args, '--format', 'jsonl');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
};
const lines = (text: string) => text.trim().split('\n').filter(Boolean);
/** A copy of the library's repository for a test that writes. */
function copyOf(gitdir: string): string {
  const to = mkdtempSync(join(scratch, 'copy-'));
  git(scratch, 'clone', '-q', '--bare', '--mirror', gitdir, join(to, 'r.git'));
  return join(to, 'r.git');
}

describe('reading a repository written by the library', () => {
  it('models: every default layout discovered (and only those), with object counts', () => {
    expect(json(lib.gitdir, 'models')).toEqual([
      { name: 'note', layout: 'note/{shard}/{id}/data.json', shard: 2, objects: 1 },
      { name: 'page', layout: 'page/{id}/data.json', shard: 0, objects: 2 },
      { name: 'setting', layout: 'setting/{id}.json', shard: 0, objects: 1 },
    ]);
    // at v1, before the move and the deletion
    expect(json(lib.gitdir, 'models', 'v1').find((m: any) => m.name === 'page').objects).toBe(2);
    const table = cli(lib.gitdir, 'models');
    expect(lines(table.stdout)[0]).toMatch(/^MODEL\s+OBJECTS\s+LAYOUT$/);
  });

  it('a custom layout with --layout, or gitmodel.json beside the repository', () => {
    const article = { name: 'article', layout: 'content/{id}/article.json', shard: 0, objects: 1 };
    expect(json(lib.gitdir, 'models', '--layout', 'article=content/{id}/article.json')).toContainEqual(article);
    const show = json(lib.gitdir, 'show', 'article/launch', '--layout', 'article=content/{id}/article.json');
    expect(show).toEqual(JSON.parse(git(lib.gitdir, 'show', 'HEAD:content/launch/article.json')));
    const withConfig = copyOf(lib.gitdir);
    writeFileSync(join(withConfig, 'gitmodel.json'), JSON.stringify({ layouts: { article: 'content/{id}/article.json' } }));
    expect(json(withConfig, 'models')).toContainEqual(article);
    expect(json(withConfig, 'ls', 'article')).toEqual([{ id: 'launch' }]);
    // without it, no model "content"
    expect(json(lib.gitdir, 'models').map((m: any) => m.name)).not.toContain('content');
    expect(cli(lib.gitdir, 'show', 'article/launch').code).toBe(3);
  });

  it('ls: ids in order, with fields, filtered, limited; jsonl', () => {
    expect(json(lib.gitdir, 'ls', 'page')).toEqual([{ id: 'about' }, { id: 'older' }]);
    expect(json(lib.gitdir, 'ls', 'page', 'v1', '--fields', 'title,summary')).toEqual([
      { id: 'about', title: 'About', summary: null },
      { id: 'home', title: 'Home', summary: null },
    ]);
    expect(json(lib.gitdir, 'ls', 'page', '--where', 'title=Old')).toEqual([{ id: 'older' }]);
    expect(json(lib.gitdir, 'ls', 'page', '-n', '1')).toEqual([{ id: 'about' }]);
    expect(jsonl(lib.gitdir, 'ls', 'note')).toEqual([{ id: lib.noteId }]);
    expect(lines(cli(lib.gitdir, 'ls', 'page').stdout)).toEqual(['about', 'older']);
  });

  it('show: the stored object, as git show has it, at any revision; --raw byte for byte', () => {
    for (const rev of ['HEAD', 'v1', 'HEAD~3', lib.commits['Add about']]) {
      expect(json(lib.gitdir, 'show', `${rev}:page/about`)).toEqual(JSON.parse(git(lib.gitdir, 'show', `${rev}:page/about/data.json`)));
    }
    expect(json(lib.gitdir, 'show', 'page/about').title).toBe(HOSTILE);
    expect(cli(lib.gitdir, 'show', 'page/about', '--raw').bytes).toEqual(gitBytes(lib.gitdir, 'show', 'HEAD:page/about/data.json'));
    const shard = JSON.parse(git(lib.gitdir, 'show', `HEAD:note/${sha1(lib.noteId).slice(0, 2)}/${lib.noteId}/data.json`));
    expect(json(lib.gitdir, 'show', `note/${lib.noteId}`)).toEqual(shard);
    expect(json(lib.gitdir, 'show', 'setting/theme')).toEqual({ key: 'theme', value: 'dark' });
    // the table: field: value lines in stored order
    expect(lines(cli(lib.gitdir, 'show', 'v1:page/about').stdout).map((l) => l.split(':')[0])).toEqual(['slug', 'title', 'tags', 'summary', 'cover']);
  });

  it('cat: the data file, a blob field, or any path at a revision', () => {
    expect(cli(lib.gitdir, 'cat', 'page/about').bytes).toEqual(gitBytes(lib.gitdir, 'show', 'HEAD:page/about/data.json'));
    expect([...cli(lib.gitdir, 'cat', 'page/about', 'cover').bytes]).toEqual([1, 2, 3, 250]);
    expect(cli(lib.gitdir, 'cat', 'v1:page/home/data.json').bytes).toEqual(gitBytes(lib.gitdir, 'show', 'v1:page/home/data.json'));
    expect(cli(lib.gitdir, 'cat', 'page/about', 'title').code).toBe(3);
  });

  it('log: the commits git log lists, for the repository, a model folder and one object', () => {
    const oids = (out: any[]) => out.map((c) => c.oid ?? c.commit.oid);
    expect(oids(json(lib.gitdir, 'log'))).toEqual(lines(git(lib.gitdir, 'log', '--format=%H')));
    expect(oids(json(lib.gitdir, 'log', 'v1'))).toEqual(lines(git(lib.gitdir, 'log', '--format=%H', 'v1')));
    expect(oids(json(lib.gitdir, 'log', 'note'))).toEqual(lines(git(lib.gitdir, 'log', '--format=%H', '--', 'note')));
    expect(oids(jsonl(lib.gitdir, 'log', '-n', '2'))).toEqual(lines(git(lib.gitdir, 'log', '--format=%H', '-n', '2')));
    const versions = json(lib.gitdir, 'log', 'page/about');
    expect(oids(versions)).toEqual(lines(git(lib.gitdir, 'log', '--format=%H', '--', 'page/about/data.json')));
    expect(versions.map((v: any) => v.status)).toEqual(['modified', 'modified', 'created']);
    expect(versions[1].object.title).toBe(HOSTILE);
    const first = versions[2].commit;
    const [name, email, seconds] = git(lib.gitdir, 'log', '-1', '--format=%an%n%ae%n%at', first.oid).trim().split('\n');
    expect(first.author).toMatchObject({ name, email, date: new Date(Number(seconds) * 1000).toISOString() });
    expect(first.message).toBe('Add about');
    // a moved object's history follows the move; a deleted one ends with its deletion
    expect(json(lib.gitdir, 'log', 'page/older').map((v: any) => [v.status, v.id, v.movedFrom])).toEqual([
      ['moved', 'older', 'old'],
      ['created', 'old', undefined],
    ]);
    // --no-follow: its versions under this id only, as git log -- <path> lists them
    const own = json(lib.gitdir, 'log', 'page/older', '--no-follow');
    expect(own.map((v: any) => [v.status, v.id, v.movedFrom])).toEqual([['created', 'older', undefined]]);
    expect(oids(own)).toEqual(lines(git(lib.gitdir, 'log', '--format=%H', '--', 'page/older/data.json')));
    expect(json(lib.gitdir, 'log', 'page/older', '--follow')).toEqual(json(lib.gitdir, 'log', 'page/older'));
    for (const args of [['log', 'page/older', '--follow', '--no-follow'], ['log', '--no-follow'], ['log', 'page', '--follow']]) {
      expect(cli(lib.gitdir, ...args).code, args.join(' ')).toBe(64);
    }
    expect(json(lib.gitdir, 'log', 'page/home').map((v: any) => [v.status, v.object?.title ?? null])).toEqual([
      ['deleted', null],
      ['created', 'Home'],
    ]);
    // the human form: one line per commit, streamed
    expect(lines(cli(lib.gitdir, 'log').stdout)[0]).toMatch(new RegExp(`^${lib.commits['Delete home'].slice(0, 7)}  \\S+ \\S+  Ada\\s+Delete home$`));
  });

  it('diff: objects and fields between two revisions, as git diff --name-status sees the files', () => {
    const d = json(lib.gitdir, 'diff', 'v1', 'HEAD');
    expect(d.from).toBe(git(lib.gitdir, 'rev-parse', 'v1').trim());
    const files = lines(git(lib.gitdir, 'diff', '--name-status', 'v1', 'HEAD')).map((l) => l.split('\t')[1]);
    expect(d.objects.flatMap((o: any) => o.paths).sort()).toEqual(files.sort());
    const about = d.objects.find((o: any) => o.id === 'about');
    expect(about).toEqual({
      model: 'page',
      id: 'about',
      status: 'modified',
      paths: ['page/about/data.json'],
      changes: [
        { field: 'title', from: 'About', to: HOSTILE },
        { field: 'tags', from: ['intro'], to: ['intro', 'company'] },
      ],
    });
    expect(d.objects.find((o: any) => o.id === 'home')).toMatchObject({ status: 'deleted' });
    expect(d.objects.find((o: any) => o.id === 'older')).toMatchObject({ status: 'created' });
    // an unset side is explicit in JSON: summary was added, then set to null (null is a value)
    const added = json(lib.gitdir, 'diff', lib.commits['Add about'], 'v1', 'page/home').objects[0];
    expect(added.changes[0]).toEqual({ field: 'slug', from: null, to: 'home', fromUnset: true });
    expect(json(lib.gitdir, 'diff').objects.map((o: any) => [o.model, o.id, o.status])).toEqual([['page', 'home', 'deleted']]);
    expect(json(lib.gitdir, 'diff', 'v1', 'HEAD', '--stat').models).toEqual([{ model: 'page', created: 1, modified: 1, deleted: 1 }]);
  });

  it('blame: the commit that last changed each field, with its value', () => {
    const rows = json(lib.gitdir, 'blame', 'page/about');
    expect(rows.map((r: any) => [r.field, r.commit.oid, r.value])).toEqual([
      ['slug', lib.commits['Add about'], 'about'],
      ['title', lib.commits['Retitle about'], HOSTILE],
      ['tags', lib.commits['Tag about'], ['intro', 'company']],
      ['summary', lib.commits['Tag about'], null],
      ['cover', lib.commits['Add about'], { file: 'cover', size: 4, oid: git(lib.gitdir, 'rev-parse', 'HEAD:page/about/cover').trim() }],
    ]);
    expect(json(lib.gitdir, 'blame', 'v1:page/about').every((r: any) => r.commit.oid === lib.commits['Add about'])).toBe(true);
  });

  it('status: branch, head, redo depth, refs', () => {
    expect(json(lib.gitdir, 'status')).toEqual({
      branch: 'main',
      head: git(lib.gitdir, 'rev-parse', 'main').trim(),
      redoDepth: 0,
      checkpoints: 0,
      branches: 1,
      tags: 1,
      staged: 0,
      merging: null,
      locks: [],
    });
  });
});

describe('reading a repository written by the git CLI', () => {
  let repo: string;
  beforeAll(() => {
    repo = join(scratch, 'cli-work');
    git(scratch, 'init', '-q', '-b', 'main', repo);
    const write = (path: string, value: unknown) => {
      const file = join(repo, path);
      execMkdir(file);
      writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    };
    write('post/hello/data.json', { id: 'hello', title: 'Hello', n: 1 });
    write('README.md', 'not a model');
    git(repo, 'add', '-A');
    gitWith(repo, { env: { GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' } }, 'commit', '-q', '-m', 'First post');
    write('post/hello/data.json', { id: 'hello', title: 'Hello, world', n: 1, extra: true });
    git(repo, 'commit', '-qam', 'Edit post');
  });

  it('finds the model beside plain files, and reads objects and history as git has them', () => {
    expect(json(repo, 'models')).toEqual([{ name: 'post', layout: 'post/{id}/data.json', shard: 0, objects: 1 }]);
    expect(json(repo, 'show', 'post/hello')).toEqual(JSON.parse(git(repo, 'show', 'HEAD:post/hello/data.json')));
    expect(json(repo, 'log', 'post/hello').map((v: any) => v.commit.oid)).toEqual(lines(git(repo, 'log', '--format=%H')));
    expect(json(repo, 'log', 'post/hello')[1].commit.author.date).toBe('2026-01-01T00:00:00.000Z');
    // keys only in the newer version are blamed on it; keys of both keep their first commit
    const blame = json(repo, 'blame', 'post/hello');
    const [newer, older] = lines(git(repo, 'log', '--format=%H'));
    expect(blame.map((r: any) => [r.field, r.commit.oid])).toEqual([
      ['id', older],
      ['title', newer],
      ['n', older],
      ['extra', newer],
    ]);
    expect(json(repo, 'diff').objects).toEqual([
      { model: 'post', id: 'hello', status: 'modified', paths: ['post/hello/data.json'], changes: [{ field: 'title', from: 'Hello', to: 'Hello, world' }, { field: 'extra', from: null, to: true, fromUnset: true }] },
    ]);
    expect(cli(repo, 'verify').code).toBe(0);
  });
});

describe('verify', () => {
  it('re-hashes and parses everything reachable: a clean repository passes', () => {
    const report = json(lib.gitdir, 'verify');
    const count = (type: string) =>
      lines(git(lib.gitdir, 'rev-list', '--objects', '--all')).filter((l) => git(lib.gitdir, 'cat-file', '-t', l.split(' ')[0]).trim() === type).length;
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.objects.commit).toBe(count('commit'));
    expect(report.objects.blob).toBe(count('blob'));
    expect(report.objects.tree).toBe(count('tree'));
    // each data file version parsed once: the distinct (blob, path) pairs of data files in every commit
    const versions = new Set<string>();
    for (const commit of lines(git(lib.gitdir, 'rev-list', '--all'))) {
      for (const line of lines(git(lib.gitdir, 'ls-tree', '-r', commit))) {
        const [meta, path] = line.split('\t');
        if (/^(page|note)\/.*data\.json$|^setting\/[^/]+\.json$/.test(path)) versions.add(`${meta.split(' ')[2]} ${path}`);
      }
    }
    expect(report.dataFiles).toBe(versions.size);
  });

  it('exits 1 listing a data file that is not JSON, an id that is not its path, a missing blob file', () => {
    const repo = join(scratch, 'bad-work');
    git(scratch, 'init', '-q', '-b', 'main', repo);
    const put = (path: string, text: string) => (execMkdir(join(repo, path)), writeFileSync(join(repo, path), text));
    put('page/good/data.json', '{"id":"good"}\n');
    put('page/broken/data.json', '{"id": "broken",');
    put('page/liar/data.json', '{"id":"someone-else"}\n');
    put('page/pic/data.json', '{"id":"pic","img":{"file":"img","size":1,"oid":"0123456789012345678901234567890123456789"}}\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'bad data');
    const r = cli(repo, 'verify', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    const where = report.problems.map((p: any) => p.where.split(' ')[0]).sort();
    expect(where).toEqual(['page/broken/data.json', 'page/liar/data.json', 'page/pic/data.json']);
    expect(report.problems.find((p: any) => p.where.startsWith('page/liar')).reason).toMatch(/someone-else/);
    expect(cli(repo, 'verify').stdout).toMatch(/3 problems/);
  });

  it('exits 1 naming an object whose bytes do not hash to its oid, and one that is missing', () => {
    const repo = copyOf(lib.gitdir);
    git(repo, 'repack', '-adq');
    const blob = git(repo, 'rev-parse', 'HEAD:setting/theme.json').trim();
    // every object loose, so that one can be altered and one removed
    const packs = readdirSync(join(repo, 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
    for (const p of packs) {
      const bytes = readFileSync(join(repo, 'objects', 'pack', p));
      rmSync(join(repo, 'objects', 'pack', p));
      rmSync(join(repo, 'objects', 'pack', p.replace('.pack', '.idx')));
      gitWith(repo, { input: bytes }, 'unpack-objects', '-q');
    }
    const body = Buffer.from('{"key":"theme","value":"light"}\n');
    writeFileSync(join(repo, 'objects', blob.slice(0, 2), blob.slice(2)), deflateSync(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body])));
    const cover = git(repo, 'rev-parse', 'HEAD:page/about/cover').trim();
    rmSync(join(repo, 'objects', cover.slice(0, 2), cover.slice(2)));
    const r = cli(repo, 'verify', '--json');
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems;
    expect(problems.find((p: any) => p.where === blob)?.reason).toMatch(/hashes to/);
    expect(problems.find((p: any) => p.where === cover)?.reason).toMatch(/missing/);
  });
});

describe('writing commands go through the library', () => {
  it('branch, tag, checkpoint: create, list, delete, as git sees them', () => {
    const repo = copyOf(lib.gitdir);
    expect(json(repo, 'branch', 'create', 'draft', 'v1')).toEqual({ name: 'draft', head: git(repo, 'rev-parse', 'v1^{commit}').trim(), current: false });
    expect(json(repo, 'branch').map((b: any) => b.name)).toEqual(['draft', 'main']);
    expect(cli(repo, 'branch', 'create', 'draft').code).toBe(1); // REF_EXISTS
    expect(JSON.parse(cli(repo, 'branch', 'create', 'draft', '--json').stderr).error.code).toBe('REF_EXISTS');
    expect(cli(repo, 'branch', 'create', 'bad..name').code).toBe(64);
    json(repo, 'tag', 'create', 'v2', '-m', 'Second release');
    expect(git(repo, 'cat-file', '-t', 'v2').trim()).toBe('tag');
    expect(git(repo, 'tag', '-l', '--format=%(contents)', 'v2').trim()).toBe('Second release');
    const cp = json(repo, 'checkpoint', 'create', 'before');
    expect(git(repo, 'rev-parse', 'refs/checkpoints/before').trim()).toBe(cp.oid);
    expect(json(repo, 'show', 'before:page/about').slug).toBe('about');
    expect(json(repo, 'checkpoint').map((c: any) => c.name)).toEqual(['before']);
    json(repo, 'checkpoint', 'delete', 'before');
    json(repo, 'tag', 'delete', 'v2');
    json(repo, 'branch', 'delete', 'draft', '--force');
    expect(git(repo, 'for-each-ref', '--format=%(refname)').trim().split('\n')).toEqual(['refs/heads/main', 'refs/tags/v1']);
    expectFsckClean(repo);
  });

  it('branch rename: the branch and its upstream config move; an existing name, a missing one, HEAD\'s and bad arguments are refused', () => {
    const repo = copyOf(lib.gitdir);
    const v1 = git(repo, 'rev-parse', 'v1^{commit}').trim();
    json(repo, 'branch', 'create', 'draft', 'v1');
    json(repo, 'branch', 'create', 'other');
    git(repo, 'config', 'branch.draft.remote', 'origin');
    git(repo, 'config', 'branch.draft.merge', 'refs/heads/draft');
    expect(json(repo, 'branch', 'rename', 'draft', 'topic/draft')).toEqual({ renamed: 'draft', name: 'topic/draft', head: v1 });
    expect(git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/').trim().split('\n')).toEqual([
      `refs/heads/main ${git(repo, 'rev-parse', 'main').trim()}`,
      `refs/heads/other ${git(repo, 'rev-parse', 'main').trim()}`,
      `refs/heads/topic/draft ${v1}`,
    ]);
    expect(git(repo, 'config', '--get-regexp', '^branch\\.').trim().split('\n')).toEqual(['branch.topic/draft.remote origin', 'branch.topic/draft.merge refs/heads/draft']);
    expect(cli(repo, 'branch', 'rename', 'topic/draft', 'draft').stdout).toBe(`renamed branch topic/draft to draft (at ${v1.slice(0, 7)})\n`);
    const before = git(repo, 'for-each-ref');
    const exists = cli(repo, 'branch', 'rename', 'draft', 'other', '--json');
    expect(exists.code).toBe(1);
    expect(JSON.parse(exists.stderr).error).toMatchObject({ code: 'REF_EXISTS', ref: 'refs/heads/other' });
    const missing = cli(repo, 'branch', 'rename', 'nope', 'x', '--json');
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr).error.code).toBe('REF_NOT_FOUND');
    // main is the workspace's branch (HEAD's): switch with --branch first, as for delete
    expect(JSON.parse(cli(repo, 'branch', 'rename', 'main', 'trunk', '--json').stderr).error.code).toBe('CURRENT_BRANCH');
    expect(cli(repo, 'branch', 'rename', 'draft', 'bad..name').code).toBe(64);
    expect(cli(repo, 'branch', 'rename', 'draft').code).toBe(64);
    expect(git(repo, 'for-each-ref')).toBe(before);
    expectFsckClean(repo);
  });

  it('undo and redo move the branch; status shows the redo depth', () => {
    const repo = copyOf(lib.gitdir);
    const head = git(repo, 'rev-parse', 'main').trim();
    expect(json(repo, 'undo', '-n', '2').head).toBe(git(repo, 'rev-parse', `${head}~2`).trim());
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(git(repo, 'rev-parse', `${head}~2`).trim());
    expect(json(repo, 'status').redoDepth).toBe(2);
    expect(json(repo, 'redo').head).toBe(git(repo, 'rev-parse', `${head}~1`).trim());
    json(repo, 'redo');
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(head);
    expect(JSON.parse(cli(repo, 'redo', '--json').stderr).error.code).toBe('NOTHING_TO_REDO');
  });

  it('restore: one object as it was at a revision, as a new commit; checkpoint restore: everything', () => {
    const repo = copyOf(lib.gitdir);
    const r = json(repo, 'restore', 'page/home', '--from', 'v1', '-m', 'Bring home back');
    expect(git(repo, 'log', '-1', '--format=%H %s').trim()).toBe(`${r.commit} Bring home back`);
    expect(json(repo, 'show', 'page/home')).toEqual(JSON.parse(git(repo, 'show', 'v1:page/home/data.json')));
    expect(git(repo, 'diff', '--name-only', 'HEAD~1', 'HEAD').trim()).toBe('page/home/data.json');
    // again: nothing differs, no commit
    expect(json(repo, 'restore', 'page/home', '--from', 'v1').commit).toBeNull();
    json(repo, 'checkpoint', 'create', 'cp');
    json(repo, 'restore', 'page/about', '--from', lib.commits['Add about']);
    const back = json(repo, 'checkpoint', 'restore', 'cp');
    expect(back.changes.map((c: any) => [c.model, c.id, c.status])).toEqual([['page', 'about', 'modified']]);
    expect(git(repo, 'diff', 'HEAD', 'checkpoints/cp').trim()).toBe('');
    expectFsckClean(repo);
  });

  it('maintain packs everything into one pack; clear-locks removes only stale locks', () => {
    const repo = copyOf(lib.gitdir);
    json(repo, 'tag', 'create', 'loose'); // refs only; then a loose object from a commit
    json(repo, 'restore', 'page/home', '--from', 'v1');
    const r = json(repo, 'maintain');
    expect(r.packs).toBe(1);
    expect(readdirSync(join(repo, 'objects', 'pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    expectFsckClean(repo);
    const lock = join(repo, 'refs', 'heads', 'main.lock');
    writeFileSync(lock, '');
    // made just now before each look: a loaded machine may take seconds per run, and 10 s makes it stale
    const fresh = () => utimesSync(lock, new Date(), new Date());
    // a fresh lock: another writer may hold it; undo waits for nobody and says "try again" (75)
    const locked = cli(repo, 'undo', '--json');
    expect(locked.code).toBe(75);
    expect(JSON.parse(locked.stderr).error.code).toBe('REF_LOCKED');
    fresh();
    expect(json(repo, 'clear-locks')).toEqual([]);
    // verify lists only locks older than --older-than (10 s by default): a live writer's is no problem
    fresh();
    expect(json(repo, 'verify').staleLocks).toEqual([]);
    fresh();
    expect(json(repo, 'status').locks).toEqual([{ path: 'refs/heads/main.lock', ageMs: expect.any(Number), stale: false }]);
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const stale = cli(repo, 'verify', '--json');
    expect(stale.code).toBe(1);
    const report = JSON.parse(stale.stdout);
    expect(report.ok).toBe(false);
    expect(report.staleLocks).toEqual([{ path: 'refs/heads/main.lock', ageMs: expect.any(Number) }]);
    expect(report.staleLocks[0].ageMs).toBeGreaterThanOrEqual(60_000);
    expect(report.problems).toEqual([{ where: 'refs/heads/main.lock', reason: expect.stringMatching(/clear-locks/) }]);
    expect(cli(repo, 'verify').stdout).toMatch(/problem: refs\/heads\/main\.lock: a lock file \d+ s old/);
    expect(json(repo, 'status').locks).toEqual([{ path: 'refs/heads/main.lock', ageMs: expect.any(Number), stale: true }]);
    expect(json(repo, 'verify', '--older-than', '5m').staleLocks).toEqual([]);
    expect(cli(repo, 'verify', '--older-than', 'soon').code).toBe(64);
    expect(json(repo, 'clear-locks')).toEqual(['refs/heads/main.lock']);
    expect(json(repo, 'verify').ok).toBe(true);
    expect(cli(repo, 'undo').code).toBe(0);
  });

  it('merge: a fast-forward, and conflicts listed with nothing committed', () => {
    const repo = copyOf(lib.gitdir);
    json(repo, 'branch', 'create', 'side');
    expect(json(repo, '--branch', 'side', 'restore', 'page/about', '--from', 'v1').commit).toMatch(/^[0-9a-f]{40}$/);
    expect(json(repo, 'merge', 'side')).toMatchObject({ status: 'fast-forward' });
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(git(repo, 'rev-parse', 'side').trim());
    // both sides change page/about's title differently from their base (side's with the git CLI)
    json(repo, 'restore', 'page/about', '--from', lib.commits['Retitle about']);
    const work = join(scratch, 'side-work');
    git(repo, 'worktree', 'add', '-q', work, 'side');
    const file = join(work, 'page', 'about', 'data.json');
    writeFileSync(file, `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), title: 'Theirs' }, null, 2)}\n`);
    git(work, 'commit', '-qam', 'Their title');
    git(repo, 'worktree', 'remove', work);
    const head = git(repo, 'rev-parse', 'main').trim();
    const stopped = cli(repo, 'merge', 'side', '--json');
    expect(stopped.code).toBe(1);
    const result = JSON.parse(stopped.stdout);
    expect(result.status).toBe('conflicts');
    expect(result.conflicts.length).toBeGreaterThan(0);
    expect(result.conflicts.every((c: any) => (c.path ?? `page/${c.id}`).startsWith('page/about'))).toBe(true);
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(head);
    // the merge stays in progress until resolved or aborted (the next test); abort it, then let a strategy settle it
    expect(cli(repo, 'merge', '--abort').code).toBe(0);
    const merged = json(repo, 'merge', 'side', '--strategy', 'theirs', '-m', 'Take theirs');
    expect(merged.status).toBe('merged');
    expect(git(repo, 'log', '-1', '--format=%P %s').trim()).toBe(`${head} ${git(repo, 'rev-parse', 'side').trim()} Take theirs`);
    expect(json(repo, 'show', 'page/about').title).toBe('Theirs');
    expectFsckClean(repo);
  });

  it('a merge left in progress across runs: conflicts, resolve (whole or by field), merge --continue and --abort', () => {
    const repo = copyOf(lib.gitdir);
    json(repo, 'branch', 'create', 'side');
    /** commits a change of page/about's data file on a branch with the git CLI */
    const change = (branch: string, fields: Record<string, unknown>) => {
      const work = join(scratch, `work-${branch}-${Object.keys(fields).join('-')}`);
      git(repo, 'worktree', 'add', '-q', work, branch);
      const file = join(work, 'page', 'about', 'data.json');
      writeFileSync(file, `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...fields }, null, 2)}\n`);
      git(work, 'commit', '-qam', `${branch}: ${Object.keys(fields).join(', ')}`);
      git(repo, 'worktree', 'remove', work);
    };
    change('side', { title: 'Theirs', summary: 'Their summary' });
    change('main', { title: 'Ours' });
    const [head, side] = [git(repo, 'rev-parse', 'main').trim(), git(repo, 'rev-parse', 'side').trim()];

    const stopped = cli(repo, 'merge', 'side', '--json');
    expect(stopped.code).toBe(1);
    expect(JSON.parse(stopped.stdout).status).toBe('conflicts');
    expect(git(repo, 'rev-list', '--parents', '-n', '1', 'refs/gitmodel/merge/main').trim().split(' ').slice(1)).toEqual([head, side]);
    // each run finds it: listed with the fields in conflict inside the data file
    expect(json(repo, 'status').merging).toEqual({ theirs: side, rev: 'side', conflicts: 1 });
    const listed = json(repo, 'conflicts');
    expect(listed).toMatchObject([{ kind: 'file', path: 'page/about/data.json', fields: ['title'] }]);
    expect(cli(repo, 'conflicts').stdout).toMatch(/^file +page\/about\/data\.json {2}fields: title$/m);
    const again = cli(repo, 'merge', 'side', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('MERGE_IN_PROGRESS');
    const early = cli(repo, 'merge', '--continue', '--json');
    expect(early.code).toBe(1);
    expect(JSON.parse(early.stderr).error).toMatchObject({ code: 'UNRESOLVED_CONFLICTS', conflicts: 1 });
    expect(cli(repo, 'resolve', 'page/about', '--field', 'summary', '--ours').code).toBe(64);
    expect(cli(repo, 'resolve', 'page/about', '--ours', '--theirs').code).toBe(64);

    expect(json(repo, 'resolve', 'page/about', '--field', 'title', '--value', '"By hand"')).toEqual({ resolved: ['page/about/data.json'], left: 0 });
    expect(json(repo, 'conflicts')).toEqual([]);
    const { commit } = json(repo, 'merge', '--continue', '-m', 'Merged by hand');
    expect(git(repo, 'log', '-1', '--format=%H %P %s', 'main').trim()).toBe(`${commit} ${head} ${side} Merged by hand`);
    // the field given, and the change only one side made
    expect(json(repo, 'show', 'page/about')).toMatchObject({ title: 'By hand', summary: 'Their summary' });
    expect(git(repo, 'for-each-ref', 'refs/gitmodel/merge/')).toBe('');
    expectFsckClean(repo);

    // another round: resolved whole with theirs, then aborted instead
    change('side', { title: 'Theirs again' });
    change('main', { title: 'Ours again' });
    const before = git(repo, 'rev-parse', 'main').trim();
    expect(cli(repo, 'merge', 'side').code).toBe(1);
    expect(json(repo, 'resolve', 'page/about', '--theirs').left).toBe(0);
    expect(json(repo, 'merge', '--abort')).toEqual({ aborted: true, head: before });
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(before);
    expect(git(repo, 'for-each-ref', 'refs/gitmodel/merge/')).toBe('');
    expect(cli(repo, 'conflicts').stderr).toMatch(/no merge in progress on main/);
    expect(cli(repo, 'merge', '--continue').code).toBe(1);
    expectFsckClean(repo);
  });
});

describe('remotes', () => {
  it('push the branch to a remote, fetch what another writer pushed there; the refs git sees', () => {
    const repo = copyOf(lib.gitdir);
    const remote = join(scratch, 'remote.git');
    git(scratch, 'init', '-q', '--bare', '-b', 'main', remote);
    git(repo, 'remote', 'add', 'hub', remote);
    const pushed = json(repo, 'push', 'hub');
    expect(pushed.updated).toEqual([{ ref: 'refs/heads/main', old: null, new: git(repo, 'rev-parse', 'main').trim() }]);
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(git(repo, 'rev-parse', 'main').trim());
    expectFsckClean(remote);
    // another writer moves the remote's main
    const other = join(scratch, 'other-work');
    git(scratch, 'clone', '-q', remote, other);
    writeFileSync(join(other, 'page', 'about', 'data.json'), `${JSON.stringify({ ...JSON.parse(readFileSync(join(other, 'page', 'about', 'data.json'), 'utf8')), title: 'Remote title' }, null, 2)}\n`);
    git(other, 'commit', '-qam', 'Remote edit');
    git(other, 'push', '-q', 'origin', 'main');
    const fetched = json(repo, 'fetch', 'hub');
    expect(fetched.updated.map((m: any) => [m.ref, m.new])).toEqual([['refs/remotes/hub/main', git(remote, 'rev-parse', 'main').trim()]]);
    expect(json(repo, 'show', 'hub/main:page/about').title).toBe('Remote title');
    expect(json(repo, 'merge', 'hub/main').status).toBe('fast-forward');
    expect(json(repo, 'show', 'page/about').title).toBe('Remote title');
    // nothing new: up to date
    expect(json(repo, 'push', 'hub').upToDate).toEqual(['refs/heads/main']);
    expect(cli(repo, 'fetch', 'nowhere').code).toBe(3);

    // pull: the remote moved again; sync: both moved, merged and pushed back
    writeFileSync(join(other, 'page', 'about', 'data.json'), `${JSON.stringify({ ...JSON.parse(readFileSync(join(other, 'page', 'about', 'data.json'), 'utf8')), title: 'Second' }, null, 2)}\n`);
    git(other, 'commit', '-qam', 'Second edit');
    git(other, 'push', '-q', 'origin', 'main');
    git(repo, 'config', 'branch.main.remote', 'hub');
    git(repo, 'config', 'branch.main.merge', 'refs/heads/main');
    expect(json(repo, 'pull').status).toBe('fast-forward');
    expect(json(repo, 'show', 'page/about').title).toBe('Second');
    git(other, 'commit', '-q', '--allow-empty', '-m', 'Remote side');
    git(other, 'push', '-q', 'origin', 'main');
    const tree = git(repo, 'rev-parse', 'main^{tree}').trim();
    const local = git(repo, 'commit-tree', tree, '-p', 'main', '-m', 'Local side').trim();
    git(repo, 'update-ref', 'refs/heads/main', local);
    const synced = json(repo, 'sync');
    expect(synced.merge.status).toBe('merged');
    expect(synced.pushed.updated.map((m: any) => m.ref)).toEqual(['refs/heads/main']);
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(git(repo, 'rev-parse', 'main').trim());
    expect(git(remote, 'log', '-1', '--format=%P', 'main').trim().split(' ')).toEqual([local, git(other, 'rev-parse', 'main').trim()]);
    expectFsckClean(remote);
  });
});

describe('remote', () => {
  it('add, list and remove: the config git remote reads and writes; bad input is a usage error', () => {
    const repo = copyOf(lib.gitdir);
    const target = join(scratch, 'remote-config.git');
    git(scratch, 'init', '-q', '--bare', '-b', 'main', target);
    const added = json(repo, 'remote', 'add', 'hub', target, '--upstream');
    expect(added).toEqual({ name: 'hub', url: target, fetch: ['+refs/heads/*:refs/remotes/hub/*'], push: [] });
    expect(git(repo, 'remote', '-v')).toContain(`hub\t${target} (fetch)`);
    expect(git(repo, 'config', 'branch.main.remote').trim()).toBe('hub');
    expect(json(repo, 'remote').map((r: any) => r.name).sort()).toEqual(lines(git(repo, 'remote')).sort());
    expect(cli(repo, 'remote', 'list').stdout).toMatch(new RegExp(`^hub +${target}$`, 'm'));
    // the upstream set by --upstream is where push and fetch go by default
    expect(json(repo, 'push').updated.map((m: any) => m.ref)).toEqual(['refs/heads/main']);
    json(repo, 'fetch');
    expect(git(repo, 'rev-parse', 'refs/remotes/hub/main').trim()).toBe(git(target, 'rev-parse', 'main').trim());
    const withCheckpoints = json(repo, 'remote', 'add', 'cp', target, '--checkpoints');
    expect(git(repo, 'config', '--get-all', 'remote.cp.fetch').trim().split('\n')).toEqual(withCheckpoints.fetch);
    expect(withCheckpoints.fetch).toHaveLength(2);
    // refused: a name in use, a bad name, a missing remote, a bad action
    for (const [args, code, message] of [
      [['remote', 'add', 'hub', target], 64, /already exists/],
      [['remote', 'add', 'bad name', target], 64, /not a valid remote name/],
      [['remote', 'add', 'hub'], 64, /usage: gitmodel remote/],
      [['remote', 'remove', 'nowhere'], 3, /no remote named "nowhere"/],
      [['remote', 'rename', 'hub', 'x'], 64, /usage: gitmodel remote/],
    ] as const) {
      const r = cli(repo, ...args);
      expect([r.code, r.stdout], args.join(' ')).toEqual([code, '']);
      expect(r.stderr).toMatch(message);
    }
    // remove: the section, the upstream on it and its remote-tracking refs, as git remote remove does
    expect(json(repo, 'remote', 'remove', 'hub')).toEqual({ removed: 'hub' });
    expect(lines(git(repo, 'remote'))).not.toContain('hub');
    expect(lines(git(repo, 'config', '--list')).filter((l) => l.startsWith('branch.main.'))).toEqual([]);
    expect(git(repo, 'for-each-ref', 'refs/remotes/hub/')).toBe('');
    expectFsckClean(repo);
  });
});

describe('conventions', () => {
  it('exit codes and errors: 2 no repository, 3 not found, 64 usage; JSON errors with the library code', () => {
    const none = cli(join(scratch, 'nothing-here'), 'models', '--json');
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stderr).error).toMatchObject({ code: 'REPOSITORY_NOT_FOUND' });
    const missing = cli(lib.gitdir, 'show', 'page/nobody', '--json');
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: 'page "nobody" not found at "HEAD"', model: 'page', id: 'nobody', at: 'HEAD' } });
    expect(cli(lib.gitdir, 'show', 'nope:page/about').code).toBe(3);
    expect(cli(lib.gitdir, 'show', 'page').code).toBe(64);
    const unsafe = cli(lib.gitdir, 'show', 'page/..', '--json');
    expect(unsafe.code).toBe(64);
    expect(JSON.parse(unsafe.stderr).error).toMatchObject({ code: 'UNSAFE_ID', id: '..' });
    expect(cli(lib.gitdir, 'show', 'page/about', '--bogus').code).toBe(64);
    expect(cli(lib.gitdir, 'frobnicate').code).toBe(64);
    const plain = cli(lib.gitdir, 'show', 'page/nobody');
    expect(plain.stderr).toBe('error: page "nobody" not found at "HEAD" (NOT_FOUND)\n');
    expect(plain.stdout).toBe('');
    // no repository was made where there was none
    expect(() => readdirSync(join(scratch, 'nothing-here'))).toThrow();
  });

  it('GITMODEL_REPO names the repository; --help lists every command; each command has help', () => {
    const r = runCli(build.main, ['ls', 'page'], { env: { GITMODEL_REPO: lib.gitdir } });
    expect(lines(r.stdout)).toEqual(['about', 'older']);
    const help = runCli(build.main, ['--help']);
    expect(help.code).toBe(0);
    for (const name of ['models', 'ls', 'show', 'cat', 'log', 'diff', 'blame', 'status', 'branch', 'tag', 'checkpoint', 'undo', 'redo', 'restore', 'verify', 'maintain', 'clear-locks', 'remote', 'fetch', 'push', 'pull', 'sync', 'merge', 'conflicts', 'resolve', 'serve']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
      const one = runCli(build.main, [name, '--help']);
      expect(one.code, name).toBe(0);
      expect(one.stdout).toMatch(new RegExp(`^usage: gitmodel ${name}`));
    }
    expect(runCli(build.main, ['help', 'log']).stdout).toMatch(/--max-count/);
    expect(runCli(build.main, []).code).toBe(64);
  });

  it('colour only when asked or on a terminal', () => {
    expect(cli(lib.gitdir, 'log', '-n', '1').stdout).not.toMatch(/\u001b\[/);
    expect(cli(lib.gitdir, 'log', '-n', '1', '--color', 'always').stdout).toMatch(/\u001b\[33m/);
  });

  it('show and blame load neither the library entry, class-validator, reflect-metadata, isomorphic-git nor jsdiff', () => {
    const log = join(scratch, 'loaded.txt');
    const hook = join(scratch, 'hook.mjs');
    const register = join(scratch, 'register.mjs');
    writeFileSync(hook, `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`);
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});\n`);
    for (const [args, own] of [
      [['show', 'page/about'], '/lib/cli/reads.js'],
      [['blame', 'page/about'], '/lib/cli/history-reads.js'],
      [['log', 'page/about'], '/lib/cli/history-reads.js'],
    ] as const) {
      rmSync(log, { force: true });
      const r = runCli(build.esm, ['-C', lib.gitdir, ...args], { nodeArgs: ['--import', register] });
      expect(r.stdout).not.toBe('');
      expect(r.code, r.stderr).toBe(0);
      const loaded = lines(readFileSync(log, 'utf8'));
      // the hook saw the CLI's own modules: the check below is about a real import graph
      expect(loaded.some((u) => u.endsWith(own))).toBe(true);
      expect(loaded.some((u) => u.endsWith('/lib/git/fs/pack-reader.js'))).toBe(true);
      const heavy = loaded.filter((u) => /class-validator|reflect-metadata|isomorphic-git|\/node_modules\/diff\/|\/node_modules\/uuid\/|\/lib\/index\.js$|\/lib\/workspace\/workspace\.js$|\/lib\/model\/model\.js$/.test(u));
      expect(heavy, args.join(' ')).toEqual([]);
      // show reads one object: no history code either
      if (args[0] === 'show') expect(loaded.filter((u) => u.includes('/lib/history/'))).toEqual([]);
    }
  });

  it('show loads no node:crypto (hashing nothing), and a command that writes still hashes through it', () => {
    const list = join(scratch, 'builtins.txt');
    const preload = join(scratch, 'builtins.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const loaded = (args: string[]) => {
      const r = runCli(build.main, ['-C', lib.gitdir, ...args], { nodeArgs: ['-r', preload] });
      expect(r.code, r.stderr).toBe(0);
      return lines(readFileSync(list, 'utf8'));
    };
    expect(loaded(['show', 'page/about'])).not.toContain('NativeModule crypto');
    // the lazy load works inside the bundle: restore writes a commit, hashed with node:crypto
    const copy = copyOf(lib.gitdir);
    const r = runCli(build.main, ['-C', copy, 'restore', 'page/home', '--from', 'v1', '--json'], { nodeArgs: ['-r', preload] });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(readFileSync(list, 'utf8'))).toContain('NativeModule crypto');
    expect(git(copy, 'rev-parse', 'HEAD').trim()).toBe(JSON.parse(r.stdout).commit);
    expectFsckClean(copy);
  });

  it('the installed command runs the bundle through the code cache built beside it', () => {
    const cacheHome = mkdtempSync(join(scratch, 'xdg-'));
    const viaBin = runCli(build.main, ['-C', lib.gitdir, 'show', 'page/about', '--json'], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(viaBin.code, viaBin.stderr).toBe(0);
    expect(viaBin.stdout).toBe(runCli(build.esm, ['-C', lib.gitdir, 'show', 'page/about', '--json']).stdout);
    // V8 took the cache beside the bundle: the launcher wrote no cache of its own
    expect(readdirSync(build.dir + '/dist/cli').filter((n) => n.endsWith('.v8cache'))).toHaveLength(1);
    expect(readdirSync(cacheHome)).toEqual([]);
    // exit codes and stderr come through the launcher unchanged
    const missing = runCli(build.main, ['-C', lib.gitdir, 'show', 'page/nobody']);
    expect([missing.code, missing.stderr]).toEqual([3, 'error: page "nobody" not found at "HEAD" (NOT_FOUND)\n']);
  });

  it('a code cache V8 rejects is replaced by one in the user cache folder, which the next run takes', () => {
    // a copy of the installed command whose shipped cache is garbage (as for another Node)
    const copy = mkdtempSync(join(scratch, 'install-'));
    cpSync(join(build.dir, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(build.dir, 'dist', 'cli'), join(copy, 'dist', 'cli'), { recursive: true });
    const shipped = readdirSync(join(copy, 'dist', 'cli')).find((n) => n.endsWith('.v8cache'))!;
    writeFileSync(join(copy, 'dist', 'cli', shipped), Buffer.alloc(4096, 7));
    const cacheHome = mkdtempSync(join(scratch, 'xdg-'));
    const run = () => runCli(join(copy, 'bin', 'gitmodel.cjs'), ['-C', lib.gitdir, 'show', 'page/about', '--json'], { env: { XDG_CACHE_HOME: cacheHome } });
    const expected = runCli(build.esm, ['-C', lib.gitdir, 'show', 'page/about', '--json']).stdout;
    expect(run().stdout).toBe(expected);
    const own = join(cacheHome, 'gitmodel', shipped);
    const written = statSync(own);
    expect(written.size).toBeGreaterThan(10_000);
    utimesSync(own, new Date(1_000_000), new Date(1_000_000));
    expect(run().stdout).toBe(expected);
    // taken, not rewritten
    expect(statSync(own).mtimeMs).toBe(1_000_000);
    expect(readdirSync(join(cacheHome, 'gitmodel'))).toEqual([shipped]);
  });
});

function sha1(text: string): string {
  return execSha1(text);
}

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
function execSha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
function execMkdir(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}
