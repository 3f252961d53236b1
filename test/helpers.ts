// Shared test helpers: temporary repositories, the real git CLI, and byte-level repo snapshots.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, expect } from 'vitest';
import { Workspace } from '../lib/index.js';

const made: string[] = [];

afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A new empty temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-test-'));
  made.push(dir);
  return dir;
}

/** A path where a bare repository does not exist yet (Workspace.open creates it). */
export function newRepoPath(): string {
  return join(tempDir(), 'data.git');
}

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

/** Runs the real git CLI in `cwd` and returns its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return gitWith(cwd, {}, ...args);
}

/** git with bytes on stdin and/or extra environment (commit dates); returns stdout. */
export function gitWith(
  cwd: string,
  options: { input?: string | Buffer; env?: Record<string, string> },
  ...args: string[]
): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...GIT_ENV, ...options.env },
    encoding: 'utf8',
    input: options.input,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** Runs git and returns stdout as raw bytes. */
export function gitBytes(cwd: string, ...args: string[]): Buffer {
  return execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A pack (version 2) of raw entries, each its header and bytes as given (already deflated), with its trailer. */
export function rawPack(entries: Uint8Array[]): Uint8Array {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([head, ...entries]);
  return new Uint8Array(Buffer.concat([body, createHash('sha1').update(body).digest()]));
}

/** Asserts `git fsck --strict` passes on the repository (exit code 0, no error lines). */
export function expectFsckClean(gitdir: string): void {
  const out = execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling'], {
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).not.toMatch(/error|missing|broken|bad/i);
}

/** Every file under a directory with its bytes, for "left exactly as it was" comparisons. */
export function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return files;
}

/** A non-bare repository made with the git CLI, with one commit on `main`. */
export function cliRepoWithCheckout(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
  return dir;
}

/** What a synchronous call throws (a test failure when it does not throw). */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** What a promise rejects with (a test failure when it resolves). */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A workspace on a new bare repository, with these model classes registered. */
export async function openWith(...classes: Function[]): Promise<{ gitdir: string; ws: Workspace }> {
  const gitdir = newRepoPath();
  const ws = await Workspace.open(gitdir);
  ws.register(...classes);
  return { gitdir, ws };
}
