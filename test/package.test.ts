// The package as a user gets it: `npm pack`, installed into a fresh project, used under `tsc`
// (with no @types/node: the published declarations must not need it), under `tsx` (no
// decorator metadata: every field names its type), and loaded with require().
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFsckClean, git, tempDir } from './helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

function run(cwd: string, command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

const MAIN = `
import { Field, Model, Ref, Workspace } from 'gitmodel';
import { Matches } from 'class-validator';
// the project has no @types/node: what this script uses of Node, declared by hand
declare const process: { argv: string[] };
declare const console: { log(...values: unknown[]): void };

class Author extends Model {
  @Field({ id: true }) handle!: string;
  @Field() name!: string;
}

class Page extends Model {
  @Field({ id: true }) @Matches(/^[-\\w]+$/) slug!: string;
  @Field() title!: string;
  @Field() content: string = '';
  @Field({ type: [String] }) tags: string[] = [];
  @Field({ type: Date, nullable: true }) publishedAt: Date | null = null;
  @Field.ref(() => Author, { nullable: true }) author: Ref<Author> | null = null;
  @Field.blob({ required: false, nullable: true }) cover?: Uint8Array | null;
}

const ws = await Workspace.open(process.argv[2]);
ws.register(Page, Author);
const ada = new Author({ handle: 'ada', name: 'Ada' });
await ada.save();
const page = new Page({ slug: 'example-page', title: 'Example Page', author: Ref.to(ada) });
page.cover = new Uint8Array([1, 2, 3]);
await page.save({ commit: true, message: 'Added an example page' });
const again = await Page.get('example-page');
const author = await again.author!.load();
console.log(JSON.stringify({ title: again.title, author: author.name, cover: [...again.cover!] }));
`;

/** The same program for tools that emit no decorator metadata: every field names its type. */
const MAIN_EXPLICIT = MAIN.replace('@Field({ id: true }) handle', '@Field({ id: true, type: String }) handle')
  .replace('@Field() name', '@Field({ type: String }) name')
  .replace('@Field({ id: true }) @Matches', '@Field({ id: true, type: String }) @Matches')
  .replace('@Field() title', '@Field({ type: String }) title')
  .replace('@Field() content', '@Field({ type: String }) content');

const EXPECTED = { title: 'Example Page', author: 'Ada', cover: [1, 2, 3] };

describe('the packed package in a fresh project', () => {
  let project: string;

  beforeAll(() => {
    // kept for the whole describe (tempDir() folders go after each test)
    project = mkdtempSync(join(tmpdir(), 'gitmodel-package-'));
    const packs = join(project, 'packs');
    mkdirSync(packs);
    run(root, 'npm', ['pack', '--silent', '--pack-destination', packs]);
    const tarball = join(packs, readdirSync(packs).find((f) => f.endsWith('.tgz'))!);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
    run(project, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
    mkdirSync(join(project, 'src'));
  }, 240_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('compiles under tsc without @types/node and runs', () => {
    writeFileSync(join(project, 'src', 'main.ts'), MAIN);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022'],
          types: [],
          strict: true,
          skipLibCheck: false,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          outDir: 'out',
          rootDir: 'src',
        },
        include: ['src/*.ts'],
      }),
    );
    run(project, bin('tsc'), ['-p', 'tsconfig.json']);
    const repo = join(tempDir(), 'data.git');
    const out = run(project, 'node', ['out/main.js', repo]);
    expect(JSON.parse(out)).toEqual(EXPECTED);
    expect(git(repo, 'log', '--format=%s', 'main').trim()).toBe('Added an example page');
    expectFsckClean(repo);
  });

  it('runs under tsx when every field names its type, and says what to do when one does not', () => {
    writeFileSync(join(project, 'src', 'explicit.ts'), MAIN_EXPLICIT);
    writeFileSync(join(project, 'src', 'implicit.ts'), MAIN);
    const repo = join(tempDir(), 'data.git');
    expect(JSON.parse(run(project, bin('tsx'), ['src/explicit.ts', repo]))).toEqual(EXPECTED);
    expectFsckClean(repo);
    const failure = (() => {
      try {
        run(project, bin('tsx'), ['src/implicit.ts', join(tempDir(), 'other.git')]);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(failure).toContain('ConfigurationError');
    expect(failure).toContain('page.slug');
    expect(failure).toContain('@Field({ type: String })');
  });

  it('installs the gitmodel command, which reads what the library wrote', () => {
    writeFileSync(join(project, 'src', 'explicit.ts'), MAIN_EXPLICIT);
    const repo = join(tempDir(), 'data.git');
    run(project, bin('tsx'), ['src/explicit.ts', repo]);
    const shown = JSON.parse(run(project, join(project, 'node_modules', '.bin', 'gitmodel'), ['-C', repo, 'show', 'page/example-page', '--json']));
    expect(shown).toMatchObject({ slug: 'example-page', title: 'Example Page' });
    // the bundle and the code cache built for it are in the package
    expect(readdirSync(join(project, 'node_modules', 'gitmodel', 'dist', 'cli')).some((n) => n.endsWith('.v8cache'))).toBe(true);
  });

  it('can be loaded with require()', () => {
    writeFileSync(
      join(project, 'src', 'load.cjs'),
      "const g = require('gitmodel'); console.log([typeof g.Workspace, typeof g.Model, typeof g.Field, typeof g.GitModelError].join(' '));",
    );
    expect(run(project, 'node', ['src/load.cjs']).trim()).toBe('function function function function');
  });
});
