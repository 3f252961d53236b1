// The test server itself (test/servers/git-http-backend.mjs): the real git CLI pushes to it and
// clones from it, and its fault injections do what they say. Sync tests rely on both.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startGitServer } from './git-server.js';
import { GIT_ENV, git, tempDir } from './helpers.js';

const run = promisify(execFile);
/** git, asynchronously: a synchronous call would block the event loop while the server answers */
const gitAsync = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: GIT_ENV });

describe('the test git server', () => {
  it('serves pushes and clones to the git CLI, and counts requests', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', 'work');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'first');
    const server = await startGitServer(root);
    try {
      await gitAsync(work, 'push', '-q', `${server.url}/remote.git`, 'HEAD:refs/heads/main');
      await gitAsync(root, 'clone', '-q', `${server.url}/remote.git`, 'clone');
      expect(git(join(root, 'clone'), 'log', '--format=%s').trim()).toBe('first');
      const stats = await server.stats();
      expect(stats.receivePack).toBeGreaterThanOrEqual(1); // git may probe before the pack
      expect(stats.uploadPack).toBeGreaterThanOrEqual(1); // protocol v2: ls-refs, then fetch
    } finally {
      await server.stop();
    }
  });

  it('requires Basic auth when asked, and cuts upload-pack responses', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', 'work');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'first');
    git(work, 'push', '-q', join(root, 'remote.git'), 'HEAD:refs/heads/main');
    const guarded = await startGitServer(root, { auth: 'ada:secret' });
    try {
      await expect(gitAsync(root, 'ls-remote', `${guarded.url}/remote.git`)).rejects.toThrow();
      const url = guarded.url.replace('http://', 'http://ada:secret@');
      expect((await gitAsync(root, 'ls-remote', `${url}/remote.git`)).stdout).toContain('refs/heads/main');
    } finally {
      await guarded.stop();
    }
    const cut = await startGitServer(root, { cutAfter: 20 });
    try {
      await expect(gitAsync(root, 'clone', '-q', `${cut.url}/remote.git`, 'cut')).rejects.toThrow();
    } finally {
      await cut.stop();
    }
  });
});
