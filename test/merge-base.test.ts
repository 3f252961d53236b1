// Merge bases against `git merge-base --all` on histories made with the git CLI: linear, forked,
// criss-cross (two bases), unrelated, and a long history where the walk must stay near the fork.
import { describe, expect, it } from 'vitest';
import { aheadBehind, isAncestor, mergeBases, type ReadCommitNode } from '../lib/merge/merge-base.js';
import { git, gitWith, tempDir } from './helpers.js';

let clock = 1_700_000_000;
function commit(dir: string, message: string, ...parents: string[]): string {
  const tree = git(dir, 'hash-object', '-t', 'tree', '-w', '--stdin').trim();
  const args = ['commit-tree', tree, '-m', message, ...parents.flatMap((p) => ['-p', p])];
  clock += 60;
  const date = `${clock} +0000`;
  return gitWith(dir, { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } }, ...args).trim();
}

function reader(dir: string): { read: ReadCommitNode; count: () => number } {
  let reads = 0;
  const cache = new Map<string, { parents: string[]; time: number }>();
  return {
    read: async (oid) => {
      if (!cache.has(oid)) {
        reads++;
        const [parents, time] = git(dir, 'log', '-1', '--format=%P%x00%ct', oid).trim().split('\0');
        cache.set(oid, { parents: parents ? parents.split(' ') : [], time: Number(time) });
      }
      return cache.get(oid)!;
    },
    count: () => reads,
  };
}

function gitBases(dir: string, a: string, b: string): string[] {
  try {
    return git(dir, 'merge-base', '--all', a, b).trim().split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}

/** root (above `below` older commits), a1 and b1 forked from it, a2 on a1, the criss-cross x = a1+b1 and y = b1+a1, and an unrelated root. */
function shapes(dir: string, below = 0): Record<'root' | 'a1' | 'b1' | 'a2' | 'x' | 'y' | 'lone', string> {
  git(dir, 'init', '-q', '--bare');
  let root = commit(dir, 'root');
  for (let i = 0; i < below; i++) root = commit(dir, `r${i}`, root);
  const a1 = commit(dir, 'a1', root);
  const b1 = commit(dir, 'b1', root);
  const a2 = commit(dir, 'a2', a1);
  // criss-cross: each side merges the other's first commit
  const x = commit(dir, 'x', a1, b1);
  const y = commit(dir, 'y', b1, a1);
  return { root, a1, b1, a2, x, y, lone: commit(dir, 'lone') };
}

describe('merge bases', () => {
  it('agree with git merge-base --all: linear, forked, criss-cross, unrelated', async () => {
    const dir = tempDir();
    const { root, a1, b1, a2, x, y, lone } = shapes(dir);
    const { read } = reader(dir);
    for (const [p, q] of [[root, a2], [a2, root], [a1, b1], [a2, b1], [x, y], [a2, a2], [lone, a2], [x, a2]]) {
      expect(await mergeBases(read, p, q), `${p} ${q}`).toEqual(gitBases(dir, p, q));
    }
    expect((await mergeBases(read, x, y)).length).toBe(2);
    expect(await isAncestor(read, root, x)).toBe(true);
    expect(await isAncestor(read, a2, x)).toBe(false);
  });

  it('reads the commits since the fork, not the whole history', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q', '--bare');
    let tip = commit(dir, 'c0');
    for (let i = 1; i < 150; i++) tip = commit(dir, `c${i}`, tip);
    let a = tip;
    let b = tip;
    for (let i = 0; i < 30; i++) {
      a = commit(dir, `a${i}`, a);
      b = commit(dir, `b${i}`, b);
    }
    const { read, count } = reader(dir);
    expect(await mergeBases(read, a, b)).toEqual([tip]);
    expect(count()).toBeLessThanOrEqual(3 * 60 + 5); // 150 commits below the fork are never read
  });

  it('ahead/behind agree with git rev-list --left-right --count, and stop at the fork', async () => {
    const dir = tempDir();
    const { root, a1, b1, a2, x, y, lone } = shapes(dir, 100);
    const { read, count } = reader(dir);
    for (const [p, q] of [[a2, b1], [x, y], [y, x], [x, a1], [root, x], [a2, x], [a2, a2], [lone, a1]]) {
      const [ahead, behind] = git(dir, 'rev-list', '--left-right', '--count', `${p}...${q}`).trim().split(/\s+/).map(Number);
      expect(await aheadBehind(read, p, q), `${p} ${q}`).toEqual({ ahead, behind });
    }
    const fresh = reader(dir);
    expect(await aheadBehind(fresh.read, x, b1)).toEqual({ ahead: 2, behind: 0 });
    expect(fresh.count()).toBeLessThan(20); // the 100 commits below the fork are not all read
    expect(await aheadBehind(read, a1, null)).toEqual({ ahead: 102, behind: 0 }); // a1, root and the 100 below it
    expect(count()).toBeGreaterThan(100);
  });
});
