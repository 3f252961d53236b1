// The platform the library runs on, installed once by the entry point (lib/index.ts installs
// Node's). Nothing is computed when modules load: code asks for the platform when it needs it.
import type { Platform } from './platform.js';

let current: Platform | undefined;

/** The installed platform; throws when none is (a module used without the entry point). */
export function platform(): Platform {
  if (current === undefined) {
    throw new Error(
      'gitmodel: no platform installed. Import the library through its entry point ("gitmodel", lib/index.ts), ' +
        'or call installPlatform() first.',
    );
  }
  return current;
}

/** Installs the platform every later call uses. */
export function installPlatform(p: Platform): void {
  current = p;
}
