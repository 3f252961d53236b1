// A writer killed with SIGKILL at random points while it commits, in repeated trials on one
// repository: after every kill the repository passes git fsck --strict, the branch names a
// complete commit, every commit reported done before the kill is on the branch, and the next
// Workspace.open reads and commits without repair (a ref lock the kill left is reported as
// REF_LOCKED and removed by clearStaleLocks, as with git's own lock files).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Field, Model, RefLockedError, Workspace } from '../lib/index.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';
import { finished, useWorkers } from './worker-build.js';

const TRIALS = 12;

/** The crash writer's model (test/workers/crash-writer.ts), to read its objects back. */
class Entry extends Model {
  @Field({ id: true }) key!: string;
  @Field() text: string = '';
  @Field.blob({ required: false, nullable: true }) attachment?: Uint8Array | null;
}

const workers = useWorkers();

/** The commit a branch is at, or '' when it does not exist (`rev-parse --verify --quiet` exits 1). */
function refOrEmpty(path: string, branch: string): string {
  try {
    return git(path, 'rev-parse', '--verify', '--quiet', branch).trim();
  } catch {
    return '';
  }
}

describe('a writer killed at random points', () => {
  it(`${TRIALS} trials: fsck clean, the branch complete, every reported commit kept, the next open works`, async () => {
    const path = newRepoPath();
    const reported: string[] = [];
    const tally = { commits: 0, locksLeft: 0, packs: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const child = workers.start('crash-writer', [path, String(trial), trial % 2 ? 'atomic' : 'fsync']);
      const run = await finished(child, (line) => {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), 50 + Math.random() * 350);
      });
      expect(run.signal, run.stderr).toBe('SIGKILL');
      const done = run.lines.filter((l) => l.startsWith('commit ')).map((l) => l.slice(7));
      reported.push(...done);
      tally.commits += done.length;

      expectFsckClean(path);
      // killed before the first commit (a slow start under load): no branch yet
      const head = refOrEmpty(path, 'main');
      if (reported.length) {
        expect(git(path, 'cat-file', '-t', head).trim()).toBe('commit');
        const onBranch = new Set(git(path, 'rev-list', 'main').trim().split('\n'));
        for (const oid of reported) expect(onBranch.has(oid), `reported commit ${oid} is on main`).toBe(true);
        // the last reported commit is the head, or the kill came after the ref moved and before the print
        expect(head === reported[reported.length - 1] || git(path, 'rev-parse', `${head}^`).trim() === reported[reported.length - 1]).toBe(true);
      }

      const ws = await Workspace.open(path);
      ws.register(Entry);
      expect(ws.head).toBe(head || null);
      const entries = await Entry.all();
      expect(entries.length).toBe(head ? git(path, 'ls-tree', '--name-only', 'main', 'entry/').trim().split('\n').filter(Boolean).length : 0);
      const probe = (await Entry.exists('probe')) ? await Entry.get('probe') : new Entry({ key: 'probe' });
      probe.text = `after trial ${trial}`;
      if (existsSync(join(path, 'refs/heads/main.lock'))) {
        // killed between creating the branch's lock and renaming it into place: reported, not taken over
        tally.locksLeft++;
        const error = await probe.save({ commit: true }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RefLockedError);
        expect((error as RefLockedError).data).toMatchObject({ ref: 'refs/heads/main', stale: false });
        await ws.discard();
        expect(await ws.clearStaleLocks()).toEqual([]); // younger than 10 s: left alone
        // the writer is known dead: its lock may go whatever its age
        expect(await ws.clearStaleLocks({ olderThanMs: 0 })).toEqual(['refs/heads/main.lock']);
      }
      const oid = await probe.save({ commit: true, message: `probe ${trial}` });
      reported.push(oid!);
      expectFsckClean(path);
    }
    tally.packs = Number(git(path, 'count-objects', '-v').match(/^packs: (\d+)/m)![1]);
    console.log(`crash trials: ${TRIALS}, commits reported by the killed writers: ${tally.commits}, branch locks left by a kill: ${tally.locksLeft}, packs at the end: ${tally.packs}`);
    expect(tally.commits).toBeGreaterThan(0);
  });
});
