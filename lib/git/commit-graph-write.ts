// Building a commit-graph (commit-graph.ts) of every commit reachable from the refs, with the
// changed-path Bloom filter of each, as `git commit-graph write --reachable --changed-paths` does.
// Rows and filters already in the previous file are taken from it: only commits newer than the
// graph are read and diffed, so keeping the graph current costs what the new commits cost.
import { bloomFilter } from './bloom.js';
import type { Commit } from './commit.js';
import { type CommitGraph, type CommitNode, type GraphRow, serializeCommitGraph } from './commit-graph.js';
import { diffRawTrees } from './tree-diff.js';
import { TreeOffsets } from './tree-entry.js';
import { isTreeMode, type TreeEntry } from './tree.js';

export interface GraphSource {
  readCommit(oid: string): Promise<Commit>;
  /** a tree's raw bytes */
  readTree(oid: string): Promise<Uint8Array>;
}

const EMPTY = new TreeOffsets(new Uint8Array(0));

/** The file's bytes for every commit reachable from `tips` (commit oids), reusing `previous` where it can. */
export async function buildCommitGraph(source: GraphSource, tips: readonly string[], previous?: CommitGraph): Promise<{ bytes: Uint8Array; commits: number }> {
  const reuseFilters = previous?.bloomVersion === 1;
  const node = async (oid: string) => previous?.commit(oid) ?? (await source.readCommit(oid));
  const found: CommitNode[] = [];
  const stack = [...new Set(tips)];
  const seen = new Set(stack);
  while (stack.length) {
    const commit = await node(stack.pop()!);
    found.push(commit);
    for (const parent of commit.parents) {
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  // oldest first along each line, so that a commit's first parent was usually diffed just before
  // and its trees' offset tables are at hand (a folder of 100,000 objects is not scanned again)
  const tables = new Tables();
  const rows: GraphRow[] = [];
  // every parent was found too: its root tree is taken from here, not looked up or read again
  const byOid = new Map(found.map((commit) => [commit.oid, commit]));
  for (const commit of found.reverse()) {
    const filter = (reuseFilters && previous!.filter(commit.oid)) || (await changedPaths(source, commit, byOid, tables));
    rows.push({ oid: commit.oid, tree: commit.tree, parents: commit.parents, timestamp: commit.committer.timestamp, filter });
  }
  return { bytes: serializeCommitGraph(rows), commits: rows.length };
}

/** The offset tables of the trees most recently diffed, by oid. */
class Tables {
  private readonly kept = new Map<string, TreeOffsets>();

  async of(source: GraphSource, oid: string): Promise<TreeOffsets> {
    return this.kept.get(oid) ?? new TreeOffsets(await source.readTree(oid), oid);
  }

  keep(oid: string, table: TreeOffsets): void {
    this.kept.delete(oid);
    this.kept.set(oid, table);
    if (this.kept.size > 16) this.kept.delete(this.kept.keys().next().value!);
  }
}

/** The commit's filter: every file its diff against its first parent (or the empty tree) touches. */
async function changedPaths(
  source: GraphSource,
  commit: CommitNode,
  found: ReadonlyMap<string, CommitNode>,
  tables: Tables,
): Promise<Uint8Array> {
  const parentTree = commit.parents.length ? found.get(commit.parents[0])!.tree : null;
  const files: string[] = [];
  await changedFiles(source, tables, parentTree, commit.tree, '', files);
  return bloomFilter(files, 1);
}

const treeOf = (entry: TreeEntry | undefined) => (entry && isTreeMode(entry.mode) ? entry.oid : null);

/**
 * The files that differ between two trees, as diffTrees lists them (a file replaced by a folder:
 * the file and the folder's files), compared on raw bytes: a commit to a folder of 100,000
 * objects costs a compare of two buffers, not two parses.
 */
async function changedFiles(source: GraphSource, tables: Tables, a: string | null, b: string | null, prefix: string, out: string[]): Promise<void> {
  if (a === b) return;
  const before = a ? await tables.of(source, a) : EMPTY;
  const { changes, after } = diffRawTrees(before, b ? await source.readTree(b) : EMPTY.raw, b ?? 'tree');
  if (b) tables.keep(b, after);
  for (const change of changes) {
    const path = prefix + change.name;
    const [treeA, treeB] = [treeOf(change.before), treeOf(change.after)];
    if (treeA || treeB) await changedFiles(source, tables, treeA, treeB, `${path}/`, out);
    if ((change.before && !treeA) || (change.after && !treeB)) out.push(path);
  }
}
