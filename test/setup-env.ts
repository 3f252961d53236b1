// Runs before every test file (vitest.config.ts setupFiles): the suite must not depend on the
// machine's git identity or config. No system or user config, no identity from the environment,
// so that commits fall back to gitmodel's own identity unless a test sets one.
import { gitDirOpener } from '../lib/git/fs/discover.js';
import { nodeFileSystem } from '../lib/git/fs/node-fs.js';
import { installPathOpener } from '../lib/git/repository.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
for (const key of Object.keys(process.env)) {
  if (/^(GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|EMAIL|GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS|SYSTEM)|XDG_CONFIG_HOME)$/.test(key)) {
    delete process.env[key];
  }
}
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.GIT_CONFIG_GLOBAL = '/dev/null';

// Tests that import lib/ internals directly (not through lib/index.ts) get the Node platform too.
installPlatform(nodePlatform);
installPathOpener(gitDirOpener(nodeFileSystem));
