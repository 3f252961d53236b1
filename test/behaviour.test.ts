// The behaviour suite (test/behaviour.suite.ts) on every storage backend.
import { MemoryBackend, Workspace } from '../lib/index.js';
import { behaviourSuite } from './behaviour.suite.js';
import { newRepoPath } from './helpers.js';

behaviourSuite('the git directory on disk', {
  async fresh() {
    const path = newRepoPath();
    return { ws: await Workspace.open(path), again: (options) => Workspace.open(path, options) };
  },
});

behaviourSuite('a repository in memory', {
  async fresh() {
    const backend = new MemoryBackend();
    return { ws: await Workspace.open(backend), again: (options) => Workspace.open(backend, options) };
  },
});
