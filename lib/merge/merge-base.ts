// Merge bases, as `git merge-base --all` finds them: the best common ancestors of two commits
// (none is an ancestor of another). git's paint-down-to-common: walk both histories newest first,
// marking each commit with the side(s) that reach it; a commit reached from both is a candidate,
// and everything below a candidate is stale. The walk stops when only stale commits are left, so
// it reads the commits since the fork, not the whole history.

/** What the walk needs of a commit. */
export interface CommitNode {
  readonly parents: readonly string[];
  /** committer time, seconds */
  readonly time: number;
}

export type ReadCommitNode = (oid: string) => Promise<CommitNode>;

const ONE = 1;
const TWO = 2;
const STALE = 4;
const RESULT = 8;

/** A max-heap of commits by time (ties: the one seen first). */
class Queue {
  private readonly items: { oid: string; time: number; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(oid: string, time: number): void {
    const items = this.items;
    items.push({ oid, time, seq: this.seq++ });
    for (let i = items.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!this.before(items[i], items[up])) break;
      [items[i], items[up]] = [items[up], items[i]];
      i = up;
    }
  }

  pop(): string {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (r < items.length && this.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top.oid;
  }

  all(): string[] {
    return this.items.map((item) => item.oid);
  }

  private before(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
    return a.time > b.time || (a.time === b.time && a.seq < b.seq);
  }
}

/** A walk newest first that marks each commit with the sides reaching it (flags), commits read once. */
function painter(read: ReadCommitNode) {
  const flags = new Map<string, number>();
  const nodes = new Map<string, CommitNode>();
  const queue = new Queue();
  const visit = async (oid: string, flag: number) => {
    const node = nodes.get(oid) ?? (await read(oid));
    nodes.set(oid, node);
    flags.set(oid, (flags.get(oid) ?? 0) | flag);
    queue.push(oid, node.time);
  };
  return { flags, nodes, queue, visit };
}

/** Candidates reached from both `a` and `b` (some may be ancestors of others). */
async function paintDown(read: ReadCommitNode, a: string, others: string[]): Promise<{ candidates: string[]; read: number }> {
  const { flags, nodes, queue, visit } = painter(read);
  await visit(a, ONE);
  for (const b of others) await visit(b, TWO);
  const candidates: string[] = [];
  const live = () => queue.all().some((oid) => !((flags.get(oid) ?? 0) & STALE));
  while (queue.size && live()) {
    const oid = queue.pop();
    let flag = flags.get(oid)! & (ONE | TWO | STALE);
    if ((flag & (ONE | TWO)) === (ONE | TWO)) {
      if (!((flags.get(oid)! & RESULT) || (flag & STALE))) {
        flags.set(oid, flags.get(oid)! | RESULT);
        candidates.push(oid);
      }
      flag |= STALE;
    }
    for (const parent of nodes.get(oid)!.parents) {
      const have = flags.get(parent) ?? 0;
      if ((have & flag) === flag) continue;
      await visit(parent, flag);
    }
  }
  return { candidates: candidates.filter((oid) => !(flags.get(oid)! & STALE) || (flags.get(oid)! & RESULT)), read: nodes.size };
}

/** Whether `ancestor` is reachable from `from` (walking no further back than `ancestor`'s time). */
export async function isAncestor(read: ReadCommitNode, ancestor: string, from: string): Promise<boolean> {
  if (ancestor === from) return true;
  const target = await read(ancestor);
  const seen = new Set<string>([from]);
  const queue = new Queue();
  queue.push(from, (await read(from)).time);
  while (queue.size) {
    const oid = queue.pop();
    for (const parent of (await read(oid)).parents) {
      if (parent === ancestor) return true;
      if (seen.has(parent)) continue;
      seen.add(parent);
      const node = await read(parent);
      // a commit older than the target cannot lead to it, unless clocks were skewed: allow a day
      if (node.time + 86_400 >= target.time) queue.push(parent, node.time);
    }
  }
  return false;
}

/**
 * The merge bases of `a` and `b`, as `git merge-base --all a b` lists them (order aside): empty
 * for unrelated histories, one commit usually, several after criss-cross merges.
 */
export async function mergeBases(read: ReadCommitNode, a: string, b: string): Promise<string[]> {
  if (a === b) return [a];
  const { candidates } = await paintDown(read, a, [b]);
  if (candidates.length < 2) return candidates;
  // drop a candidate that is an ancestor of another: only the best common ancestors remain
  const best: string[] = [];
  for (const candidate of candidates) {
    let redundant = false;
    for (const other of candidates) {
      if (other !== candidate && (await isAncestor(read, candidate, other))) {
        redundant = true;
        break;
      }
    }
    if (!redundant) best.push(candidate);
  }
  return best.sort();
}

/**
 * How many commits `a` has that `b` has not, and the reverse (`git rev-list --left-right --count
 * a...b`); `b` null: every commit of `a`. The same paint as merge bases: the walk stops when every
 * commit left is reached from both sides, so it reads the commits since the fork.
 */
export async function aheadBehind(read: ReadCommitNode, a: string, b: string | null): Promise<{ ahead: number; behind: number }> {
  const { flags, nodes, queue, visit } = painter(read);
  await visit(a, ONE);
  if (b !== null) await visit(b, TWO);
  const live = () => queue.all().some((oid) => flags.get(oid) !== (ONE | TWO));
  while (queue.size && live()) {
    const oid = queue.pop();
    const flag = flags.get(oid)!;
    for (const parent of nodes.get(oid)!.parents) {
      if (((flags.get(parent) ?? 0) & flag) === flag) continue;
      await visit(parent, flag);
    }
  }
  let ahead = 0;
  let behind = 0;
  for (const flag of flags.values()) {
    if (flag === ONE) ahead++;
    else if (flag === TWO) behind++;
  }
  return { ahead, behind };
}
