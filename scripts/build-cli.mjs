// Builds the installed command: dist/lib/cli/main.js (tsc's output, run `npm run build` first)
// bundled by esbuild into one CommonJS file, dist/cli/gitmodel.cjs, that bin/gitmodel.cjs runs
// through V8's code cache; then seeds that cache by running `show`, `blame` and `log` on a scratch
// repository, so it holds the functions a one-object command compiles. Part of `npm run build`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `<dist>/lib/cli/main.js` to `<dist>/cli/gitmodel.cjs` and seeds its code cache. */
export async function buildCli({ dist = join(root, 'dist'), bin = join(dist, '..', 'bin', 'gitmodel.cjs') } = {}) {
  const outDir = join(dist, 'cli');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(dist, 'lib', 'cli', 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of a built-in (node:http for serve) as require(): a vm.Script has no module loader
    supported: { 'dynamic-import': false },
    // a CommonJS file has no import.meta: a module that makes a require from it (platform/node.ts
    // on a Node without process.getBuiltinModule) gets the bundle's own path instead
    define: { 'import.meta.url': '__gitmodelBundlePath' },
    banner: { js: 'var __gitmodelBundlePath = __filename;' },
    // whitespace and syntax only: names stay readable in stack traces (GITMODEL_DEBUG)
    minifyWhitespace: true,
    minifySyntax: true,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text.replace(/^#!.*\n/, '');
  // the build id names the code cache: V8 would accept a cache made for another text of the same length
  const id = createHash('sha1').update(code).digest('hex').slice(0, 20);
  const outfile = join(outDir, 'gitmodel.cjs');
  writeFileSync(outfile, `// gitmodel build ${id}\n${code}`);
  seed(bin, outDir);
  return { outfile, bytes: Buffer.byteLength(code), id };
}

/** The commands whose start-up the cache is made for: the one-object reads. */
const SEED_COMMANDS = ['show', 'blame', 'log'];

/** Runs the commands once with a scratch cache folder and moves the cache it writes beside the bundle. */
function seed(bin, outDir) {
  const scratch = mkdtempSync(join(tmpdir(), 'gitmodel-cli-seed-'));
  try {
    const repo = join(scratch, 'repo');
    const git = (...args) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 'build', GIT_AUTHOR_EMAIL: 'build@localhost', GIT_COMMITTER_NAME: 'build', GIT_COMMITTER_EMAIL: 'build@localhost' } });
    execFileSync('git', ['init', '-q', repo]);
    mkdirSync(join(repo, 'page', 'about'), { recursive: true });
    for (const title of ['About', 'About us']) {
      writeFileSync(join(repo, 'page', 'about', 'data.json'), `${JSON.stringify({ slug: 'about', title }, null, 2)}\n`);
      git('add', '-A');
      git('commit', '-q', '-m', title);
    }
    const env = { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache'), NO_COLOR: '1', GITMODEL_CODE_CACHE_SEED: '1' };
    // each run reads the cache the one before wrote and adds the functions it compiled
    for (const command of SEED_COMMANDS) execFileSync(process.execPath, [bin, '-C', repo, command, 'page/about'], { env, stdio: 'pipe' });
    const dir = join(scratch, 'cache', 'gitmodel');
    for (const name of readdirSync(dir)) renameSync(join(dir, name), join(outDir, name));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --dist: another build's folder (the CLI tests build into a scratch folder, with bin/ beside it)
  const { values } = parseArgs({ options: { dist: { type: 'string' } } });
  const { outfile, bytes } = await buildCli(values.dist ? { dist: values.dist } : {});
  console.log(`${relative(root, outfile)}: ${(bytes / 1024).toFixed(1)} KiB, code cache ${readdirSync(dirname(outfile)).filter((n) => n.endsWith('.v8cache')).length ? 'seeded' : 'missing'}`);
}
