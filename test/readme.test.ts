// The README's examples, compiled and run as shown. Its TypeScript blocks are two programs: the
// first block alone (the opening example), and every block from "Models and fields" on, joined
// in order (each continues the one before, as a reader follows them). Both are type-checked with
// tsc, compiled, and run with node in an empty folder; the repositories they leave are checked
// with the git CLI, and the opening example's `git show` output is compared with the README's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFsckClean, git, tempDir } from './helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Block {
  lang: string;
  code: string;
  /** the ## section it is in */
  section: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  let section = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('## ')) section = lines[i].slice(3).trim();
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    out.push({ lang: fence[1], code: body.join('\n'), section });
  }
  return out;
}

/**
 * One module from several blocks: their imports merged at the top (from 'gitmodel' pointing at
 * this checkout's lib/), the rest in order.
 */
function program(parts: Block[]): string {
  const named = new Map<string, Set<string>>();
  const body: string[] = [];
  for (const part of parts) {
    body.push(`// ---- README: ${part.section || '(top)'}`);
    for (const line of part.code.split('\n')) {
      const m = /^import \{([^}]*)\} from '([^']+)';\s*$/.exec(line);
      if (!m) {
        body.push(line);
        continue;
      }
      const names = named.get(m[2]) ?? new Set<string>();
      for (const name of m[1].split(',').map((s) => s.trim()).filter(Boolean)) names.add(name);
      named.set(m[2], names);
    }
  }
  const imports = [...named].map(([from, names]) => {
    const target = from === 'gitmodel' ? '../lib/index.js' : from;
    return `import { ${[...names].join(', ')} } from '${target}';`;
  });
  return `${imports.join('\n')}\n\n${body.join('\n')}\nexport {};\n`;
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const all = blocks(readme);
const ts = all.filter((b) => b.lang === 'ts');
const first = ts[0];
const rest = ts.slice(ts.findIndex((b) => b.section === 'Models and fields'));

describe('README examples', () => {
  // generated sources live in the checkout (so 'class-validator' resolves), compiled elsewhere
  const generated = join(root, '.readme-test');
  let out: string;

  beforeAll(() => {
    rmSync(generated, { recursive: true, force: true });
    mkdirSync(generated);
    writeFileSync(join(generated, 'opening.ts'), program([first]));
    writeFileSync(join(generated, 'guide.ts'), program(rest));
    // compiled inside the checkout too, so node finds its node_modules
    out = join(generated, 'out');
    writeFileSync(
      join(generated, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { outDir: 'out', rootDir: '..', sourceMap: false, declaration: false, noUnusedLocals: false },
        include: ['opening.ts', 'guide.ts'],
      }),
    );
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(generated, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      throw new Error(`the README's examples do not compile:\n${(error as { stdout: string }).stdout}`);
    }
  }, 120_000);

  afterAll(() => {
    rmSync(generated, { recursive: true, force: true });
  });

  function run(name: string): { cwd: string; stdout: string } {
    const cwd = tempDir();
    try {
      const stdout = execFileSync('node', [join(out, '.readme-test', `${name}.js`)], { cwd, encoding: 'utf8', stdio: 'pipe' });
      return { cwd, stdout };
    } catch (error) {
      const e = error as { stdout: string; stderr: string };
      throw new Error(`the README's ${name} example failed:\n${e.stdout}\n${e.stderr}`);
    }
  }

  it('the opening example runs, and git shows what the README says', () => {
    const { cwd } = run('opening');
    const repo = join(cwd, 'data.git');
    expectFsckClean(repo);
    const shown = all.find((b) => b.lang === 'console' && b.code.includes('git --git-dir data.git show'))!;
    const [command, ...output] = shown.code.split('\n');
    const args = command.replace(/^\$ git /, '').split(' ');
    expect(git(cwd, ...args).trimEnd()).toBe(output.join('\n').trimEnd());
  });

  it('the guide, from "Models and fields" on, runs as one program', () => {
    const { cwd } = run('guide');
    const repo = join(cwd, 'data.git');
    expectFsckClean(repo);
    // the sharded path the storage section names is where the object landed
    const sharded = /@Model\(\{ shard: 2 \}\)\s*\/\/ (\S+\/data\.json)/.exec(readme)![1];
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n')).toContain(sharded);
  });
});
