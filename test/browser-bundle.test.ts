// The browser bundle: built by esbuild from lib/browser.ts with no Node shims. The build refuses a
// Node built-in (so a node: import slipping into shared code fails here, naming its importer), and
// the bundle it writes names none.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without declarations
import { buildBrowser } from '../scripts/build-browser.mjs';
import { tempDir } from './helpers.js';

type Built = { outfile: string; bytes: number; gzipped: number; inputs: string[] };

describe('the browser bundle', () => {
  it('builds with no Node built-in and no Node-only module of ours', async () => {
    const dir = tempDir();
    const built: Built = await buildBrowser({ outfile: join(dir, 'gitmodel.js') });
    const code = readFileSync(built.outfile, 'utf8');
    expect(code).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(code).not.toMatch(/\brequire\(/);
    const ours = built.inputs.filter((i) => i.startsWith('lib/'));
    expect(ours).toContain('lib/platform/web.ts');
    for (const nodeOnly of ['lib/platform/node.ts', 'lib/git/fs/node-fs.ts', 'lib/git/remote/node-http.ts']) expect(ours).not.toContain(nodeOnly);
    expect(built.inputs.some((i) => i.includes('isomorphic-git'))).toBe(false);
    // a guard against a dependency pulled in whole (isomorphic-git alone would add ~100 KiB), with
    // room for the library to grow; the README states the size measured
    expect(built.gzipped).toBeLessThan(140 * 1024);
  });

  it('fails, naming the importer, when anything imports a Node built-in', async () => {
    const dir = tempDir();
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "import { readFileSync } from 'fs';\nexport const f = readFileSync;\n");
    await expect(buildBrowser({ entry, outfile: join(dir, 'out.js') })).rejects.toThrow(/Node built-in "fs" \(imported by .*entry\.ts\)/);
  });
});
