// The behaviour suite (test/behaviour.suite.ts) on the browser's platform (lib/platform/web.ts:
// JavaScript SHA-1, fflate, no async context), run in Node over both backends: everything but
// the storage a browser would use, checked here in milliseconds. The git directory it writes is
// also read back by git. test/browser.test.ts runs the library in Chromium itself.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { MemoryBackend, Workspace } from '../lib/index.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import { webPlatform } from '../lib/platform/web.js';
import { behaviourSuite } from './behaviour.suite.js';
import { expectFsckClean, newRepoPath } from './helpers.js';

beforeAll(() => installPlatform(webPlatform));
afterAll(() => installPlatform(nodePlatform));

// before helpers' afterEach removes the folders (hooks run last-registered first)
const written: string[] = [];
afterEach(() => {
  for (const path of written.splice(0)) expectFsckClean(path);
});

behaviourSuite('the git directory on disk, browser platform', {
  async fresh() {
    const path = newRepoPath();
    written.push(path);
    return { ws: await Workspace.open(path), again: (options) => Workspace.open(path, options) };
  },
});

behaviourSuite('a repository in memory, browser platform', {
  async fresh() {
    const backend = new MemoryBackend();
    return { ws: await Workspace.open(backend), again: (options) => Workspace.open(backend, options) };
  },
});
