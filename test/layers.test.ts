// The layer rule, held by a test so nobody has to remember it (docs/ARCHITECTURE.md): imports point
// one way, type-only imports included; no cycle between files; Node's built-ins only where the
// platform says; isomorphic-git nowhere in lib/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'lib');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: imports, re-exports and dynamic imports, type-only ones too. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(pattern)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** Where a file sits: its folder under lib/ ('' for lib/ itself; git/fs and git/memory count apart). */
function area(file: string): string {
  const rel = relative(lib, file).split('/');
  if (rel.length === 1) return rel[0] === 'errors.ts' ? 'errors' : rel[0] === 'index.ts' || rel[0] === 'browser.ts' || rel[0] === 'api.ts' ? 'entry' : 'util';
  if (rel[0] === 'git' && rel.length > 2) return `git/${rel[1]}`;
  return rel[0];
}

/** The areas each area may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  errors: [],
  util: ['errors'],
  platform: ['errors', 'util'],
  metadata: ['errors', 'util'],
  git: ['errors', 'util', 'platform'],
  'git/memory': ['errors', 'util', 'platform', 'git'],
  'git/fs': ['errors', 'util', 'platform', 'git'],
  'git/remote': ['errors', 'util', 'platform', 'git'],
  history: ['errors', 'util', 'platform', 'git'],
  merge: ['errors', 'util', 'platform', 'git'],
  workspace: ['errors', 'util', 'platform', 'git', 'git/fs', 'git/memory', 'git/remote', 'history', 'merge'],
  query: ['errors', 'util', 'platform', 'git', 'workspace', 'metadata'],
  model: ['errors', 'util', 'platform', 'git', 'history', 'merge', 'workspace', 'metadata', 'query'],
  entry: ['errors', 'util', 'platform', 'git', 'git/fs', 'git/memory', 'git/remote', 'history', 'merge', 'workspace', 'query', 'model', 'metadata'],
  // the gitmodel command line: an entry of its own, beside index.ts (it never imports the entry)
  cli: ['errors', 'util', 'platform', 'git', 'git/fs', 'git/memory', 'git/remote', 'history', 'merge', 'workspace', 'query', 'model', 'metadata'],
};

/** The only files that may import Node's built-ins: the Node platform, file system and HTTP client,
 *  and the command line's streams, arguments and HTTP server (one file, so the rest of lib/cli/ has none). */
const NODE_ALLOWED = ['platform/node.ts', 'git/fs/node-fs.ts', 'git/remote/node-http.ts', 'cli/node-io.ts'];

const graph = new Map<string, { internal: string[]; external: string[] }>();
for (const file of files(lib)) {
  const internal: string[] = [];
  const external: string[] = [];
  for (const spec of specifiers(readFileSync(file, 'utf8'))) {
    if (spec.startsWith('.')) internal.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
    else external.push(spec);
  }
  graph.set(file, { internal, external });
}
const name = (file: string) => relative(lib, file);

describe('the layer rule', () => {
  it('every import points down the layers (type-only imports too)', () => {
    const wrong: string[] = [];
    for (const [file, { internal }] of graph) {
      const from = area(file);
      expect(MAY_IMPORT[from], `${name(file)} is in no known layer`).toBeDefined();
      for (const target of internal) {
        const to = area(target);
        if (to !== from && !MAY_IMPORT[from].includes(to)) wrong.push(`${name(file)} (${from}) imports ${name(target)} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([file, { internal }]) => internal.filter((t) => !graph.has(t)).map((t) => `${name(file)} → ${name(t)}`));
    expect(missing).toEqual([]);
  });

  it('no cycle between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file)?.internal ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map(name).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("Node's built-ins only in the Node platform and the Node file system; no isomorphic-git", () => {
    const wrong: string[] = [];
    for (const [file, { external }] of graph) {
      for (const spec of external) {
        if (spec.startsWith('node:') && !NODE_ALLOWED.includes(name(file))) wrong.push(`${name(file)} imports ${spec}`);
        if (spec === 'isomorphic-git' || spec.startsWith('isomorphic-git/')) wrong.push(`${name(file)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
