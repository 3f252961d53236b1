// What the command-line tests share: the CLI built once per test file into a temporary folder
// (with the project's node_modules beside it, as an installed package has them), a way to run it,
// and a repository written by the library with every default layout, a tag, a move and a deletion.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Field, Model, Workspace } from '../lib/index.js';
import { GIT_ENV } from './helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Compiles lib/ with the project's tsconfig into a temporary folder and bundles the command as
 * `npm run build` does. `main` is the command as installed (bin/gitmodel.cjs); `esm` the
 * unbundled modules tsc wrote, whose import graph a test inspects.
 */
export function buildCli(): { main: string; esm: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-cli-build-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { outDir: join(dir, 'dist'), rootDir: root, declaration: false, sourceMap: false, typeRoots: [join(root, 'node_modules', '@types')] },
      include: [join(root, 'lib')],
    }),
  );
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { stdio: 'pipe' });
  // the built files find their dependencies (diff) as an installed package would
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  // the installed command: the bundle, its code cache and the launcher beside them (package.json bin)
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(root, 'bin', 'gitmodel.cjs'), join(dir, 'bin', 'gitmodel.cjs'));
  execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs'), '--dist', join(dir, 'dist')], { stdio: 'pipe' });
  return { main: join(dir, 'bin', 'gitmodel.cjs'), esm: join(dir, 'dist', 'lib', 'cli', 'main.js'), dir };
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Buffer;
}

/** Runs the built CLI with these arguments (and environment) and waits for it. */
export function runCli(main: string, args: string[], options: { cwd?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}): CliResult {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), main, ...args], {
    cwd: options.cwd,
    env: { ...GIT_ENV, NO_COLOR: '1', ...options.env },
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), bytes: r.stdout };
}

export const HOSTILE = '<img src=x onerror="window.pwned=1">';

class Page extends Model {
  @Field({ id: true }) slug!: string;
  @Field() title!: string;
  @Field({ type: [String] }) tags: string[] = [];
  @Field({ nullable: true, type: String }) summary: string | null = null;
  @Field.blob({ required: false, nullable: true }) cover?: Uint8Array | null;
}

@Model({ name: 'note', shard: 2 })
class Note extends Model {
  @Field() text!: string;
}

@Model({ name: 'setting', path: '{model}/{id}.json' })
class Setting extends Model {
  @Field({ id: true }) key!: string;
  @Field() value!: string;
}

@Model({ name: 'article', path: 'content/{id}/article.json' })
class Article extends Model {
  @Field({ id: true }) slug!: string;
  @Field() headline!: string;
}

export interface LibraryRepo {
  gitdir: string;
  noteId: string;
  /** commit oids by message */
  commits: Record<string, string>;
}

/**
 * A bare repository written by the library: pages (default layout, a blob field, a hostile
 * title), notes (sharded), settings ({model}/{id}.json), articles (custom layout), a tag v1, a
 * page moved to a new id, and one deleted.
 */
export async function libraryRepo(gitdir: string): Promise<LibraryRepo> {
  const ws = await Workspace.open(gitdir, { author: { name: 'Ada', email: 'ada@example.com' } });
  ws.register(Page, Note, Setting, Article);
  const commits: Record<string, string> = {};
  const commit = async (message: string, fn: () => Promise<unknown>) => {
    commits[message] = (await ws.transaction(fn, { message }))!;
  };
  const about = new Page({ slug: 'about', title: 'About', tags: ['intro'] });
  about.cover = new Uint8Array([1, 2, 3, 250]);
  const note = new Note({ text: 'hello' });
  await commit('Add about', () => about.save());
  await commit('Add home and a note', async () => {
    await new Page({ slug: 'home', title: 'Home' }).save();
    await note.save();
    await new Setting({ key: 'theme', value: 'dark' }).save();
    await new Article({ slug: 'launch', headline: 'We launch' }).save();
  });
  await ws.tags.create('v1');
  await commit('Retitle about', async () => {
    about.title = HOSTILE;
    about.summary = 'Who we are';
    await about.save();
  });
  await commit('Add old', () => new Page({ slug: 'old', title: 'Old' }).save());
  await commit('Move old to older', async () => {
    const old = await Page.get('old');
    old.slug = 'older';
    await old.save();
  });
  await commit('Tag about', async () => {
    about.tags = ['intro', 'company'];
    about.summary = null;
    await about.save();
  });
  await commit('Delete home', () => Page.delete('home'));
  return { gitdir, noteId: note.id as string, commits };
}

export { root };
