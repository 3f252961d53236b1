// Several processes commit to one branch at once, some on the same object, and the git CLI
// alongside: every commit reported done is on the branch, the history is linear, the shared
// object holds the last writer's change, and git fsck --strict is clean.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Workspace } from '../lib/index.js';
import { expectFsckClean, git, GIT_ENV, newRepoPath } from './helpers.js';
import { finished, type Finished, useWorkers } from './worker-build.js';

const WRITERS = 4;
const COMMITS = 24; // even: each writer's last commit (seq 23) is to its own object
const CLI_COMMITS = 20;

const workers = useWorkers();

/** A repository with one commit, so no writer races to create the branch. */
async function startRepo(): Promise<string> {
  const path = newRepoPath();
  const ws = await Workspace.open(path);
  git(path, 'update-ref', 'refs/heads/main', git(path, 'commit-tree', git(path, 'mktree').trim(), '-m', 'root').trim(), '');
  expect(ws.branch).toBe('main');
  return path;
}

function committed(run: Finished): string[] {
  return run.lines.filter((l) => l.startsWith('commit ')).map((l) => l.slice('commit '.length));
}

function stats(runs: Finished[]): { commits: number; conflicts: number; stale: number } {
  const all = runs.map((r) => JSON.parse(r.lines.find((l) => l.startsWith('stats '))!.slice(6)));
  return { commits: sum(all, 'commits'), conflicts: sum(all, 'conflicts'), stale: sum(all, 'stale') };
}

function sum(list: Record<string, number>[], key: string): number {
  return list.reduce((n, s) => n + s[key], 0);
}

/**
 * The git CLI as another writer: builds each commit on the branch head with plumbing and moves the
 * branch with `git update-ref <ref> <new> <old>` (a compare-and-swap), retrying when it lost.
 */
const CLI_WRITER = `
set -u
export GIT_INDEX_FILE="$GIT_DIR/cli-index"
i=0
while [ $i -lt ${CLI_COMMITS} ]; do
  old=$(git rev-parse refs/heads/main)
  git read-tree "$old"
  blob=$(echo "cli $i" | git hash-object -w --stdin)
  git update-index --add --cacheinfo "100644,$blob,cli/notes.txt"
  new=$(git commit-tree "$(git write-tree)" -p "$old" -m "cli $i")
  if git update-ref refs/heads/main "$new" "$old" 2>/dev/null; then echo "commit $new"; i=$((i+1)); else echo retry; fi
done
rm -f "$GIT_INDEX_FILE"
`;

/** Checks what every run reported against the branch; returns the branch's commits, newest first. */
function checkBranch(path: string, runs: Finished[]): string[] {
  for (const run of runs) expect(run.code, run.stderr).toBe(0);
  const history = git(path, 'rev-list', 'main').trim().split('\n');
  const onBranch = new Set(history);
  for (const run of runs) for (const oid of committed(run)) expect(onBranch.has(oid), `${oid} is on main`).toBe(true);
  expect(git(path, 'rev-list', '--merges', 'main').trim()).toBe('');
  // the shared object holds the change of the last commit that touched it
  const last = git(path, 'log', '-1', '--format=%s', 'main', '--', 'item/shared/data.json').trim().split(' ');
  expect(JSON.parse(git(path, 'show', 'main:item/shared/data.json'))).toEqual({ key: 'shared', writer: last[0], seq: Number(last[1]) });
  // and each writer's own object its last own change
  for (let w = 0; w < WRITERS; w++) {
    const own = JSON.parse(git(path, 'show', `main:item/w${w}/data.json`));
    expect(own).toEqual({ key: `w${w}`, writer: `w${w}`, seq: COMMITS - 1 });
  }
  expectFsckClean(path);
  return history;
}

/** How many commits landed on another writer's commit rather than on their writer's previous one. */
function interleaved(path: string, runs: Finished[]): number {
  let count = 0;
  for (const run of runs) {
    const mine = committed(run);
    mine.forEach((oid, i) => {
      if (i > 0 && git(path, 'rev-parse', `${oid}^`).trim() !== mine[i - 1]) count++;
    });
  }
  return count;
}

describe(`${WRITERS} processes commit to one branch at once`, () => {
  it(`${WRITERS} × ${COMMITS} commits, half of them to one shared object: none lost, history linear, fsck clean`, async () => {
    const path = await startRepo();
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) => finished(workers.start('committer', [path, `w${w}`, String(COMMITS), 'shared']))),
    );
    const history = checkBranch(path, runs);
    const s = stats(runs);
    expect(s.commits).toBe(WRITERS * COMMITS);
    // every commit is on main, and main has nothing else but the root
    expect(history.length).toBe(WRITERS * COMMITS + 1);
    console.log(`writers: ${s.commits} commits, ${s.conflicts} conflicts retried, ${s.stale} gave up after 10 re-applies, ${interleaved(path, runs)} landed on another writer's commit`);
  });

  it('with the git CLI committing alongside (update-ref as compare-and-swap): its commits are kept too', async () => {
    const path = await startRepo();
    const cli = finished(spawn('bash', ['-c', CLI_WRITER], { env: { ...GIT_ENV, GIT_DIR: path }, stdio: ['ignore', 'pipe', 'pipe'] }));
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) => finished(workers.start('committer', [path, `w${w}`, String(COMMITS), 'shared']))),
    );
    const cliRun = await cli;
    const history = checkBranch(path, [...runs, cliRun]);
    expect(committed(cliRun)).toHaveLength(CLI_COMMITS);
    expect(history.length).toBe(WRITERS * COMMITS + CLI_COMMITS + 1);
    expect(git(path, 'show', 'main:cli/notes.txt')).toBe(`cli ${CLI_COMMITS - 1}\n`);
    const s = stats(runs);
    const cliRetries = cliRun.lines.filter((l) => l === 'retry').length;
    console.log(`writers + CLI: ${s.commits} + ${CLI_COMMITS} commits, ${s.conflicts} conflicts, ${s.stale} gave up, CLI lost ${cliRetries} races`);
  });
});
