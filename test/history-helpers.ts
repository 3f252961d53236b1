// Helpers for the history, refs, checkpoint and restore tests: histories built with the git CLI's
// plumbing (trees edited through a temporary index, commits with chosen parents and dates, so no
// two commits tie on time), page data files as gitmodel writes them, and small utilities.
import { join } from 'node:path';
import { Workspace, type OpenOptions, type Signature } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { git, gitWith, tempDir } from './helpers.js';

export const T0 = 1_700_000_000;

/** Commit dates one second apart, for gitmodel commits (`author: clock.next()`). */
export class Clock {
  constructor(private seconds = T0) {}

  next(name = 'Ada', email = 'ada@example.com'): Signature {
    return { name, email, date: new Date(this.seconds++ * 1000), tzOffset: 0 };
  }
}

/** Builds commits in a repository with the git CLI. */
export class CliHistory {
  private seconds: number;

  constructor(readonly gitdir: string, start = T0 + 10_000) {
    this.seconds = start;
  }

  /** A tree: `base` (a commit or tree; null for none) with files written (a string) or removed (null). */
  tree(base: string | null, files: Record<string, string | null>): string {
    const env = { GIT_INDEX_FILE: join(tempDir(), 'index') };
    gitWith(this.gitdir, { env }, 'read-tree', ...(base ? [base] : ['--empty']));
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        // mode 0 removes the entry; --force-remove would want a work tree, which a bare repository lacks
        gitWith(this.gitdir, { env, input: `0 ${'0'.repeat(40)}\t${path}\n` }, 'update-index', '--index-info');
      } else {
        const blob = gitWith(this.gitdir, { input: content }, 'hash-object', '-w', '--stdin').trim();
        gitWith(this.gitdir, { env }, 'update-index', '--add', '--cacheinfo', `100644,${blob},${path}`);
      }
    }
    return gitWith(this.gitdir, { env }, 'write-tree').trim();
  }

  /** A commit of `files` over its first parent's tree (a merge when given two parents). */
  commit(parents: string[], files: Record<string, string | null>, message: string): string {
    const tree = this.tree(parents[0] ?? null, files);
    const date = `@${this.seconds++} +0000`;
    const env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    return gitWith(this.gitdir, { env }, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message).trim();
  }

  branch(name: string, oid: string): void {
    git(this.gitdir, 'update-ref', `refs/heads/${name}`, oid);
  }
}

/** A page's data file as gitmodel writes it (docs/FORMAT.md): declared fields in order. */
export function pageJson(slug: string, title: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ slug, title, content: '', published: true, tags: [], ...extra }, null, 2)}\n`;
}

export function page(slug: string, title = `Title of ${slug}`, extra: Record<string, unknown> = {}): Page {
  return new Page({ slug, title, ...extra });
}

export async function open(path: string, options?: OpenOptions): Promise<Workspace> {
  const ws = await Workspace.open(path, options);
  ws.register(Page, Author);
  return ws;
}

/** The rejection of a promise (or thrown error of a call); fails when it settles normally. */
export async function caught(action: PromiseLike<unknown> | (() => unknown)): Promise<any> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call succeeded');
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

/** `git log --format=%H <args>` as a list. */
export function gitLog(gitdir: string, ...args: string[]): string[] {
  return lines(git(gitdir, 'log', '--format=%H', ...args));
}

export function rev(gitdir: string, what: string): string {
  return git(gitdir, 'rev-parse', '--verify', '-q', what).trim();
}
