// The commits of `base..tip` (git rev-list tip ^base…): reachable from the tip and from none of
// the excluded commits, newest first by committer time. Painted down as merge-base.ts does: the
// walk stops when every commit left in the queue is reachable from an excluded one, so it reads
// the commits since the fork (and a few below it), not the whole history.
import type { ReadCommitNode } from './merge-base.js';

const SIDE = 1;
const EXCLUDED = 2;

export async function commitRange(read: ReadCommitNode, tip: string, exclude: readonly string[]): Promise<{ oid: string; time: number }[]> {
  const flags = new Map<string, number>();
  const times = new Map<string, number>();
  const queue: string[] = []; // kept sorted oldest first: pop() takes the newest
  const insert = (oid: string, time: number) => {
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times.get(queue[mid])! <= time) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, oid);
  };
  const visit = async (oid: string, flag: number) => {
    const had = flags.get(oid);
    flags.set(oid, (had ?? 0) | flag);
    if (had !== undefined) return;
    times.set(oid, (await read(oid)).time);
    insert(oid, times.get(oid)!);
  };
  for (const oid of exclude) await visit(oid, EXCLUDED);
  await visit(tip, SIDE);
  const out: string[] = [];
  while (queue.length && queue.some((oid) => !(flags.get(oid)! & EXCLUDED))) {
    const oid = queue.pop()!;
    const flag = flags.get(oid)!;
    if (!(flag & EXCLUDED)) out.push(oid);
    for (const parent of (await read(oid)).parents) {
      const have = flags.get(parent) ?? 0;
      if ((have | flag) === have && flags.has(parent)) continue;
      if (flags.has(parent)) {
        flags.set(parent, have | flag);
        // already queued (or walked): a newly excluded commit passes the mark on when popped
        if (!queue.includes(parent) && flag & EXCLUDED && !(have & EXCLUDED)) insert(parent, times.get(parent)!);
        continue;
      }
      await visit(parent, flag);
    }
  }
  return out.filter((oid) => !(flags.get(oid)! & EXCLUDED)).map((oid) => ({ oid, time: times.get(oid)! }));
}
