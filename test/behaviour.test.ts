// The behaviour suite (test/behaviour.suite.ts) on every storage backend.
import { Workspace } from '../lib/index.js';
import { behaviourSuite } from './behaviour.suite.js';
import { newRepoPath } from './helpers.js';

behaviourSuite('the git directory on disk', {
  async fresh() {
    const path = newRepoPath();
    return { ws: await Workspace.open(path), again: (options) => Workspace.open(path, options) };
  },
});
