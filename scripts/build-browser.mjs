// Builds the browser bundle (dist/browser/gitmodel.js, one ES module for pages and module
// workers) from lib/browser.ts with esbuild, for platform 'browser' with no Node shims: a Node
// built-in imported anywhere fails the build, naming the importer. Prints the size, minified
// and gzipped. `npm run build:browser`; test/browser.test.ts builds it the same way.
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILTIN = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** esbuild fails on any import of a Node built-in instead of shimming or leaving it external. */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!BUILTIN.has(args.path) && !args.path.startsWith('node:')) return undefined;
      const importer = args.importer ? relative(root, args.importer) : '(entry)';
      return { errors: [{ text: `a browser bundle cannot import the Node built-in "${args.path}" (imported by ${importer})` }] };
    });
  },
};

/** One ES module for a page or a module worker. */
const BROWSER_ESM = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent' };

/**
 * Builds `entry` (default lib/browser.ts) to `outfile`; returns the bytes written and their sizes.
 * Throws esbuild's error when the build fails.
 */
export async function buildBrowser({ entry = join(root, 'lib/browser.ts'), outfile = join(root, 'dist/browser/gitmodel.js'), minify = true } = {}) {
  const result = await build({ ...BROWSER_ESM, entryPoints: [entry], outfile, minify, sourcemap: false, metafile: true, plugins: [noNodeBuiltins] });
  const { readFileSync } = await import('node:fs');
  const code = readFileSync(outfile);
  return { outfile, bytes: code.length, gzipped: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * Builds a page's script (a test scenario, the demo) that imports lib/browser.js, with that import
 * left to the bundle beside it (./gitmodel.js): pages load the bundle itself, as an app would.
 */
export async function buildAgainstBundle({ entry, outfile }) {
  await build({
    ...BROWSER_ESM,
    entryPoints: [entry],
    outfile,
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
    plugins: [
      noNodeBuiltins,
      {
        name: 'the-bundle',
        setup(b) {
          b.onResolve({ filter: /lib\/browser\.js$/ }, () => ({ path: './gitmodel.js', external: true }));
        },
      },
    ],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { outfile, bytes, gzipped } = await buildBrowser();
  console.log(`${relative(root, outfile)}: ${(bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
}
