// The public surface of gitmodel, and nothing else: the Node entry, which installs the Node
// platform and opens paths as git directories on Node's file system.
import 'reflect-metadata';
import { gitDirOpener } from './git/fs/discover.js';
import { nodeFileSystem } from './git/fs/node-fs.js';
import { installPathOpener } from './git/repository.js';
import { installPlatform } from './platform/current.js';
import { installDefaultHttpClient } from './git/remote/default-http.js';
import { nodeHttpClient } from './git/remote/node-http.js';
import { nodePlatform } from './platform/node.js';

installPlatform(nodePlatform);
installPathOpener(gitDirOpener(nodeFileSystem));
installDefaultHttpClient(() => {
  const client = nodeHttpClient();
  return { client, release: () => client.close() };
});

export * from './api.js';
export { nodeFileSystem } from './git/fs/node-fs.js';
