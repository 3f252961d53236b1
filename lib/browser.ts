// The browser entry (package.json's "browser" condition): the same public surface as the Node
// entry, on the browser's platform (lib/platform/web.ts). There is no path opener: a workspace
// opens on a backend, `Workspace.open(new MemoryBackend())`, or a git directory on the Origin
// Private File System in a worker (docs/BROWSER.md). Remote calls take `{ http }`: no default
// HTTP client is installed.
import 'reflect-metadata';
import { installPlatform } from './platform/current.js';
import { webPlatform } from './platform/web.js';

installPlatform(webPlatform);

export * from './api.js';
