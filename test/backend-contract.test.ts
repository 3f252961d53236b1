// The storage seam's contract (lib/git/ports.ts), one suite run against every backend, as dulwich
// runs its ObjectStoreTests against each object store: the git directory on disk (checked again
// with the git CLI) and memory.
import { describe, expect, it } from 'vitest';
import { InvalidRefNameError, StaleBranchError } from '../lib/errors.js';
import { serializeCommit } from '../lib/git/commit.js';
import { openGitDir } from '../lib/git/fs/discover.js';
import { nodeFileSystem } from '../lib/git/fs/node-fs.js';
import { MemoryBackend } from '../lib/git/memory/memory-backend.js';
import { pendingObject, type PendingObject } from '../lib/git/object.js';
import type { RepositoryBackend } from '../lib/git/ports.js';
import { Repository } from '../lib/git/repository.js';
import { findEntry } from '../lib/git/tree-entry.js';
import { parseTree, serializeTree, type TreeEntry, treeWork } from '../lib/git/tree.js';
import { expectFsckClean, git, gitBytes, gitWith, newRepoPath } from './helpers.js';

interface Fresh {
  backend: RepositoryBackend;
  /** checks what the backend wrote with another reader (the git CLI for a git directory) */
  verify?: (check: { objects?: PendingObject[]; refs?: Record<string, string | null>; fsck?: boolean }) => void;
}

interface BackendUnderTest {
  fresh(options?: { config?: Record<string, string> }): Promise<Fresh>;
}

const text = (s: string) => new TextEncoder().encode(s);
const blob = (s: string) => pendingObject('blob', text(s));
const person = { name: 'Ada', email: 'ada@example.com', timestamp: 1_700_000_000, tzOffset: 60 };

function treeOf(entries: Record<string, PendingObject>): PendingObject {
  const map = new Map<string, TreeEntry>(Object.entries(entries).map(([name, o]) => [name, { mode: o.type === 'tree' ? '40000' : '100644', oid: o.oid }]));
  return pendingObject('tree', serializeTree(map));
}

function commitOf(tree: PendingObject, parents: string[] = [], message = 'm'): PendingObject {
  return pendingObject('commit', serializeCommit({ tree: tree.oid, parents, author: person, committer: person, message }));
}

/** Blobs until two share their first `digits` hex digits; the pair and the shared prefix. */
function collidingBlobs(digits: number): { a: PendingObject; b: PendingObject; prefix: string } {
  const seen = new Map<string, PendingObject>();
  for (let i = 0; ; i++) {
    const o = blob(`collide ${i}\n`);
    const prefix = o.oid.slice(0, digits);
    const other = seen.get(prefix);
    if (other) return { a: other, b: o, prefix };
    seen.set(prefix, o);
  }
}

function contractSuite(name: string, under: BackendUnderTest): void {
  describe(`storage contract: ${name}`, () => {
    describe('objects', () => {
      it('reads back what it wrote, of every type; a missing object is undefined', async () => {
        const { backend, verify } = await under.fresh();
        const b = blob('hello\n');
        const t = treeOf({ 'a.txt': b });
        const c = commitOf(t);
        const tag = pendingObject('tag', text(`object ${c.oid}\ntype commit\ntag v1\ntagger Ada <ada@example.com> 1700000000 +0100\n\nv1\n`));
        expect(await backend.objects.has(b.oid)).toBe(false);
        expect(await backend.objects.read(b.oid)).toBeUndefined();
        await backend.objects.write([b, t, c, tag]);
        for (const o of [b, t, c, tag]) {
          expect(await backend.objects.has(o.oid)).toBe(true);
          const read = await backend.objects.read(o.oid);
          expect(read?.type).toBe(o.type);
          expect([...read!.content]).toEqual([...o.content]);
        }
        // a lone object (a loose file on disk) as well as a batch (a pack)
        const lone = blob('alone\n');
        await backend.objects.write([lone]);
        expect(new TextDecoder().decode((await backend.objects.read(lone.oid))!.content)).toBe('alone\n');
        expect(await backend.objects.read('0'.repeat(40))).toBeUndefined();
        expect(await backend.objects.has('0'.repeat(40))).toBe(false);
        verify?.({ objects: [b, t, c, tag, lone], fsck: true });
      });

      it('writing an object twice, or twice in one batch, is harmless', async () => {
        const { backend, verify } = await under.fresh();
        const b = blob('twice\n');
        const t = treeOf({ x: b, y: b });
        await backend.objects.write([b, b, t]);
        await backend.objects.write([b, t]);
        await backend.objects.write([b]);
        expect((await backend.objects.read(t.oid))?.type).toBe('tree');
        verify?.({ objects: [b, t], fsck: true });
      });

      it('a batch is all or nothing: no reader sees part of it, and a bad batch stores nothing', async () => {
        const { backend } = await under.fresh();
        const batch = Array.from({ length: 400 }, (_, i) => blob(`object ${i} ${'x'.repeat(i)}\n`));
        const first = batch[0];
        const last = batch[batch.length - 1];
        let done = false;
        let torn = false;
        const writing = backend.objects.write(batch).finally(() => (done = true));
        let looks = 0;
        while (!done) {
          const a = await backend.objects.has(first.oid);
          const b = await backend.objects.has(last.oid);
          if (a && !b) torn = true;
          looks++;
          // a turn of the event loop: a flush on the thread pool (node-fs.ts) completes only
          // there, and a reader that never leaves the microtask queue would hold the write back
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await writing;
        expect(torn).toBe(false);
        expect(looks).toBeGreaterThan(0);
        expect(await backend.objects.has(last.oid)).toBe(true);

        const good = blob('good\n');
        await expect(backend.objects.write([good, { type: 'blob', oid: 'not an oid', content: text('bad') }])).rejects.toThrow();
        expect(await backend.objects.has(good.oid)).toBe(false);
      });

      it('shares no bytes with its callers: changing what was written or what was read changes nothing stored', async () => {
        const { backend } = await under.fresh();
        const content = text('original\n');
        const o = pendingObject('blob', content);
        await backend.objects.write([o, blob('another\n')]);
        content.fill(0x21);
        const read = (await backend.objects.read(o.oid))!;
        expect(new TextDecoder().decode(read.content)).toBe('original\n');
        read.content.fill(0x22);
        expect(new TextDecoder().decode((await backend.objects.read(o.oid))!.content)).toBe('original\n');
        // a lone object too
        const loneContent = text('lone original\n');
        const lone = pendingObject('blob', loneContent);
        await backend.objects.write([lone]);
        loneContent.fill(0x21);
        expect(new TextDecoder().decode((await backend.objects.read(lone.oid))!.content)).toBe('lone original\n');
      });

      it('expands unique prefixes, and not ambiguous or missing ones, across batches and lone objects', async () => {
        const { backend } = await under.fresh();
        const { a, b, prefix } = collidingBlobs(4);
        await backend.objects.write([a, blob('filler\n')]);
        await backend.objects.write([b]);
        expect(await backend.objects.expand(prefix)).toBeUndefined(); // two objects start with it
        let unique = prefix.length;
        while (a.oid.slice(0, unique) === b.oid.slice(0, unique)) unique++;
        expect(await backend.objects.expand(a.oid.slice(0, unique + 1))).toBe(a.oid);
        expect(await backend.objects.expand(b.oid.slice(0, unique + 1))).toBe(b.oid);
        expect(await backend.objects.expand(b.oid.slice(0, 39))).toBe(b.oid);
        // an odd number of digits
        expect(await backend.objects.expand(a.oid.slice(0, 11))).toBe(a.oid);
        const missing = a.oid.startsWith('ffff') ? '0000' : 'ffff';
        expect(await backend.objects.expand(missing)).toBeUndefined();
      });

      it('readTreeEntry, where the backend has it, agrees with the tree read whole', async () => {
        const { backend } = await under.fresh();
        if (!backend.objects.readTreeEntry) return;
        // large enough (> 64 KiB) to be stored uncompressed in a pack, where the fast path applies
        const children: Record<string, PendingObject> = {};
        const blobs: PendingObject[] = [];
        for (let i = 0; i < 3000; i++) {
          const b = blob(`child ${i}\n`);
          blobs.push(b);
          children[`name-${String(i).padStart(5, '0')}`] = b;
        }
        const big = treeOf(children);
        const small = treeOf({ 'a.txt': blobs[0], sub: big });
        await backend.objects.write([...blobs, big, small]);
        const whole = (await backend.objects.read(big.oid))!.content;
        const parsed = parseTree(whole);
        const names = [...parsed.keys()].filter((_, i) => i % 97 === 0 || i > 2990).concat(['absent', 'name-1', 'name-01500x', 'a', 'zzz']);
        // a one-shot scan joins the entry a stored block cuts off to the next block's first bytes: every
        // name near where zlib's stored blocks end (multiples of 16 KiB, or 65,531 and 65,535 bytes)
        const nearBlockEnds: string[] = [];
        let at = 0;
        for (const [name, entry] of parsed) {
          const end = at + entry.mode.length + name.length + 22;
          if ([16384, 32768, 49152, 65531, 65535, 81920, 98304].some((b) => at - 100 < b && b < end + 100)) nearBlockEnds.push(name);
          at = end;
        }
        // with a table (kept by the caller), and without (a one-shot lookup, scanned up to where the name sorts)
        for (const table of [true, false]) {
          for (const name of table ? names : [...names, ...nearBlockEnds]) {
            // both backends answer for a large stored tree without reading it whole
            const fast = await backend.objects.readTreeEntry(big.oid, name, table);
            expect(fast, name).toBeDefined();
            expect(fast!.entry, name).toEqual(parsed.get(name));
            expect(findEntry(whole, name), name).toEqual(parsed.get(name));
            if (!table) expect(fast!.offsets).toBeUndefined();
          }
        }
        for (const name of ['a.txt', 'sub', 'b']) {
          const fast = await backend.objects.readTreeEntry(small.oid, name);
          if (fast) expect(fast.entry).toEqual(findEntry((await backend.objects.read(small.oid))!.content, name));
        }
      });
    });

    describe('refs', () => {
      it('creates with expected null, moves by compare-and-swap, and refuses a stale expectation', async () => {
        const { backend, verify } = await under.fresh();
        const [c1, c2, c3] = [1, 2, 3].map((i) => commitOf(treeOf({ f: blob(`${i}\n`) }), [], `c${i}`));
        const objects = [c1, c2, c3].flatMap((c) => [c]);
        for (const i of [1, 2, 3]) objects.push(treeOf({ f: blob(`${i}\n`) }), blob(`${i}\n`));
        await backend.objects.write(objects);
        const ref = 'refs/heads/topic';
        expect(await backend.refs.read(ref)).toBeNull();
        await backend.refs.update(ref, c1.oid, null, { who: person, message: 'created' });
        expect(await backend.refs.read(ref)).toBe(c1.oid);
        await backend.refs.update(ref, c2.oid, c1.oid);
        expect(await backend.refs.read(ref)).toBe(c2.oid);
        const stale = await backend.refs.update(ref, c3.oid, c1.oid).catch((e) => e);
        expect(stale).toBeInstanceOf(StaleBranchError);
        expect(stale.data).toMatchObject({ branch: 'topic', expected: c1.oid, actual: c2.oid });
        expect(await backend.refs.read(ref)).toBe(c2.oid);
        // "must not exist" is an expectation too
        await expect(backend.refs.update(ref, c3.oid, null)).rejects.toBeInstanceOf(StaleBranchError);
        expect(await backend.refs.read(ref)).toBe(c2.oid);
        verify?.({ refs: { [ref]: c2.oid }, fsck: true });
      });

      it('deletes only at the expected value', async () => {
        const { backend, verify } = await under.fresh();
        const t = treeOf({ f: blob('d\n') });
        const c = commitOf(t);
        const d = commitOf(t, [c.oid]);
        await backend.objects.write([blob('d\n'), t, c, d]);
        await backend.refs.update('refs/tags/keep', c.oid, null);
        await backend.refs.update('refs/heads/gone', d.oid, null);
        await expect(backend.refs.delete('refs/heads/gone', c.oid)).rejects.toBeInstanceOf(StaleBranchError);
        expect(await backend.refs.read('refs/heads/gone')).toBe(d.oid);
        await backend.refs.delete('refs/heads/gone', d.oid);
        expect(await backend.refs.read('refs/heads/gone')).toBeNull();
        expect(await backend.refs.list('refs/heads/')).toEqual([]);
        verify?.({ refs: { 'refs/heads/gone': null, 'refs/tags/keep': c.oid }, fsck: true });
      });

      it('lists full names under a prefix, sorted', async () => {
        const { backend } = await under.fresh();
        const t = treeOf({ f: blob('l\n') });
        const c = commitOf(t);
        await backend.objects.write([blob('l\n'), t, c]);
        for (const name of ['refs/heads/b', 'refs/heads/a/x', 'refs/heads/a-z', 'refs/tags/v1', 'refs/heads/c']) {
          await backend.refs.update(name, c.oid, null);
        }
        expect(await backend.refs.list('refs/heads/')).toEqual(['refs/heads/a-z', 'refs/heads/a/x', 'refs/heads/b', 'refs/heads/c']);
        expect(await backend.refs.list('refs/tags/')).toEqual(['refs/tags/v1']);
        expect(await backend.refs.list('refs/remotes/')).toEqual([]);
      });

      it('HEAD is symbolic: it names the initial branch, and reads through to it once that exists', async () => {
        const { backend } = await under.fresh();
        expect(await backend.refs.symbolicTarget('HEAD')).toBe('refs/heads/main');
        expect(await backend.refs.read('HEAD')).toBeNull();
        const t = treeOf({ f: blob('h\n') });
        const c = commitOf(t);
        await backend.objects.write([blob('h\n'), t, c]);
        await backend.refs.update('refs/heads/main', c.oid, null);
        expect(await backend.refs.read('HEAD')).toBe(c.oid);
        expect(await backend.refs.symbolicTarget('refs/heads/main')).toBeUndefined();
      });

      it('refuses a name that clashes with an existing one (a and a/b cannot both exist)', async () => {
        const { backend } = await under.fresh();
        const t = treeOf({ f: blob('k\n') });
        const c = commitOf(t);
        await backend.objects.write([blob('k\n'), t, c]);
        await backend.refs.update('refs/heads/a', c.oid, null);
        await expect(backend.refs.update('refs/heads/a/b', c.oid, null)).rejects.toBeInstanceOf(InvalidRefNameError);
        await backend.refs.update('refs/heads/x/y', c.oid, null);
        await expect(backend.refs.update('refs/heads/x', c.oid, null)).rejects.toBeInstanceOf(InvalidRefNameError);
        await expect(backend.refs.assertNoClash('refs/heads/x')).rejects.toBeInstanceOf(InvalidRefNameError);
        await backend.refs.assertNoClash('refs/heads/free');
        expect(await backend.refs.read('refs/heads/a/b')).toBeNull();
        expect(await backend.refs.read('refs/heads/x')).toBeNull();
      });
    });

    describe('config and worktrees', () => {
      it('answers config keys as git would, case-insensitive in section and key', async () => {
        const { backend } = await under.fresh({ config: { 'user.name': 'Ada Lovelace', 'remote.origin.url': 'https://example.com/x.git' } });
        const config = await backend.config();
        expect(config.get('user.name')).toBe('Ada Lovelace');
        expect(config.get('User.Name')).toBe('Ada Lovelace');
        expect(config.get('remote.origin.url')).toBe('https://example.com/x.git');
        expect(config.get('user.email')).toBeUndefined();
      });

      it('a fresh repository has no branch checked out', async () => {
        const { backend } = await under.fresh();
        expect([...(await backend.checkedOut())]).toEqual([]);
        expect(typeof backend.describe).toBe('string');
      });
    });

    describe('derived files (query indexes)', () => {
      it('reads back what it wrote as a copy, lists a folder sorted, removes; never an object, ref or tree', async () => {
        const { backend, verify } = await under.fresh();
        const files = backend.derived!;
        expect(files).toBeDefined();
        expect(await files.read('index/v1/page/d/x.gmix')).toBeUndefined();
        expect(await files.list('index/v1/page/d')).toEqual([]);
        const bytes = text('GMIX 1\n');
        await files.write('index/v1/page/d/b.gmix', bytes);
        await files.write('index/v1/page/d/a.gmix', text('first'));
        await files.write('index/v1/page/d/a.gmix', text('second'));
        await files.write('index/v1/page/d/sub/c.gmix', text('deeper'));
        bytes[0] = 0;
        const read = (await files.read('index/v1/page/d/b.gmix'))!;
        expect(new TextDecoder().decode(read)).toBe('GMIX 1\n');
        read[0] = 0;
        expect(new TextDecoder().decode(await files.read('index/v1/page/d/b.gmix'))).toBe('GMIX 1\n');
        expect(new TextDecoder().decode(await files.read('index/v1/page/d/a.gmix'))).toBe('second');
        expect(await files.list('index/v1/page/d')).toEqual(['a.gmix', 'b.gmix']);
        await files.remove('index/v1/page/d/a.gmix');
        await files.remove('index/v1/page/d/missing');
        expect(await files.list('index/v1/page/d')).toEqual(['b.gmix']);
        expect(await backend.refs.list('refs/')).toEqual([]);
        verify?.({ fsck: true });
      });
    });

    describe('a Repository over it', () => {
      it('writes commits and tags in one batch with their objects, and reads them back typed', async () => {
        const { backend, verify } = await under.fresh();
        const repo = Repository.over(backend);
        const b = blob('r\n');
        const t = treeOf({ 'r.txt': b });
        const oid = await repo.writeCommit({ tree: t.oid, parents: [], author: person, committer: person, message: 'first' }, [b, t]);
        const commit = await repo.readCommit(oid);
        expect(commit).toMatchObject({ tree: t.oid, parents: [], message: 'first\n' });
        expect(await repo.lookup(t.oid, 'r.txt')).toEqual({ mode: '100644', oid: b.oid });
        const tag = await repo.writeTag({ object: oid, type: 'commit', tag: 'v1', tagger: person, message: 'v1' });
        await backend.refs.update('refs/tags/v1', tag, null);
        await backend.refs.update('refs/heads/main', oid, null);
        expect(await repo.resolve('v1')).toBe(oid);
        expect(await repo.resolve(oid.slice(0, 7))).toBe(oid);
        expect(await repo.resolve('HEAD')).toBe(oid);
        verify?.({ objects: [b, t], refs: { 'refs/heads/main': oid, 'refs/tags/v1': tag }, fsck: true });
      });

      it('looks a name up in a large tree by a scan, answers it again from memory, and builds a table only for a second name', async () => {
        const { backend } = await under.fresh();
        const children: Record<string, PendingObject> = {};
        for (let i = 0; i < 3000; i++) children[`name-${String(i).padStart(5, '0')}`] = blob(`child ${i}\n`);
        const big = treeOf(children);
        await backend.objects.write([...Object.values(children), big]);
        // a new Repository (caches empty), as a command starts; more than 256 objects written: none kept in its cache
        const repo = Repository.over(backend);
        const tables = () => treeWork.tablesBuilt;
        const before = tables();
        expect(await repo.readTreeEntry(big.oid, 'name-01777')).toEqual({ mode: '100644', oid: children['name-01777'].oid });
        expect(await repo.readTreeEntry(big.oid, 'name-01777')).toEqual({ mode: '100644', oid: children['name-01777'].oid });
        expect(tables() - before).toBe(0);
        expect(await repo.readTreeEntry(big.oid, 'name-02999')).toEqual({ mode: '100644', oid: children['name-02999'].oid });
        expect(tables() - before).toBe(1);
        expect(await repo.readTreeEntry(big.oid, 'absent')).toBeUndefined();
        expect(await repo.readTreeEntry(big.oid, 'name-00000')).toEqual({ mode: '100644', oid: children['name-00000'].oid });
        expect(tables() - before).toBe(1);
      });
    });
  });
}

contractSuite('memory', {
  async fresh(options = {}) {
    return { backend: new MemoryBackend({ config: options.config }) };
  },
});

contractSuite('the git directory on disk', {
  async fresh(options = {}) {
    const path = newRepoPath();
    const backend = await openGitDir(nodeFileSystem, path);
    for (const [key, value] of Object.entries(options.config ?? {})) git(path, 'config', key, value);
    return {
      backend,
      verify({ objects = [], refs = {}, fsck }) {
        for (const o of objects) {
          expect(git(path, 'cat-file', '-t', o.oid).trim()).toBe(o.type);
          expect(gitBytes(path, 'cat-file', o.type, o.oid).equals(o.content)).toBe(true);
        }
        for (const [ref, oid] of Object.entries(refs)) {
          const shown = git(path, 'for-each-ref', '--format=%(objectname)', ref).trim();
          expect(shown || null).toBe(oid);
        }
        if (fsck) expectFsckClean(path);
      },
    };
  },
});

describe('the git directory reads what the git CLI wrote', () => {
  it('objects and refs made by git are read through the backend', async () => {
    const path = newRepoPath();
    const backend = await openGitDir(nodeFileSystem, path);
    const oid = gitWith(path, { input: 'from git\n' }, 'hash-object', '-w', '--stdin').trim();
    expect(new TextDecoder().decode((await backend.objects.read(oid))!.content)).toBe('from git\n');
    expect(await backend.objects.expand(oid.slice(0, 8))).toBe(oid);
    const tree = gitWith(path, { input: `100644 blob ${oid}\tf.txt\n` }, 'mktree').trim();
    const commit = gitWith(path, {}, 'commit-tree', tree, '-m', 'by git').trim();
    git(path, 'update-ref', 'refs/heads/main', commit);
    git(path, 'pack-refs', '--all');
    expect(await backend.refs.read('refs/heads/main')).toBe(commit);
    expect(await backend.refs.list('refs/heads/')).toEqual(['refs/heads/main']);
    await backend.refs.delete('refs/heads/main', commit);
    expect(git(path, 'for-each-ref').trim()).toBe('');
  });
});
