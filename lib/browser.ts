// The browser entry (package.json's "browser" condition): the same public surface as the Node
// entry, on the browser's platform (lib/platform/web.ts). There is no path opener: a workspace
// opens on a backend, `Workspace.open(new MemoryBackend())`, or a git directory on the Origin
// Private File System in a worker (docs/BROWSER.md). Remote calls speak through fetch()
// (web-http.ts) unless given `{ http }`.
import 'reflect-metadata';
import { installDefaultHttpClient } from './git/remote/default-http.js';
import { webHttpClient } from './git/remote/web-http.js';
import { installPlatform } from './platform/current.js';
import { webPlatform } from './platform/web.js';

installPlatform(webPlatform);
// fetch() keeps no connections of its own to close: one client serves every call
const http = webHttpClient();
installDefaultHttpClient(() => ({ client: http, release: () => {} }));

export * from './api.js';
export { webHttpClient, type WebHttpOptions } from './git/remote/web-http.js';
