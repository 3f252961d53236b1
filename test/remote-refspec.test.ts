// Refspecs (lib/git/remote/refspec.ts) against what git 2.39 does with the same refspecs: every
// mapping set is checked by running `git fetch` (into a fresh repository) or
// `git push --dry-run --porcelain` with it, on a repository with branches, nested branches, an
// annotated tag and checkpoint refs; the ls-remote listing (HEAD and `^{}` lines included) is the
// advertisement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandRef,
  fetchDestination,
  formatRefspec,
  mapFetch,
  mapPush,
  matchRef,
  parseRefspec,
  RefspecError,
  resolveAbbreviation,
  sourcesOf,
} from '../lib/git/remote/refspec.js';
import { git, tempDir } from './helpers.js';

let source: string;
let advertised: string[];

beforeAll(() => {
  // not tempDir(): it is cleaned after each test, and this repository serves the whole file
  source = join(mkdtempSync(join(tmpdir(), 'gitmodel-refspec-')), 'src');
  git(join(source, '..'), 'init', '-q', '-b', 'main', 'src');
  git(source, 'commit', '-q', '--allow-empty', '-m', 'one');
  git(source, 'branch', 'feature/x');
  git(source, 'branch', 'feature/y/z');
  git(source, 'branch', 'featurette');
  git(source, 'tag', '-a', '-m', 'v1', 'v1');
  git(source, 'tag', 'main'); // a tag with a branch's name: abbreviations prefer the tag (refs/tags before refs/heads)
  git(source, 'update-ref', 'refs/checkpoints/before-import', 'HEAD');
  advertised = git(source, 'ls-remote', '.').trim().split('\n').map((l) => l.split('\t')[1]);
});
afterAll(() => rmSync(join(source, '..'), { recursive: true, force: true }));

/** The refs `git fetch --no-tags <source> <specs>` writes into a new repository. */
function gitFetched(specs: string[]): string[] {
  const dir = join(tempDir(), 'dst.git');
  git(join(dir, '..'), 'init', '-q', '--bare', 'dst.git');
  git(dir, 'fetch', '-q', '--no-tags', '--no-write-fetch-head', source, ...specs);
  const out = git(dir, 'for-each-ref', '--format=%(refname)').trim();
  return out ? out.split('\n').sort() : [];
}

describe('parsing', () => {
  it('reads force, source, destination and patterns', () => {
    expect(parseRefspec('+refs/heads/*:refs/remotes/origin/*')).toEqual({ src: 'refs/heads/*', dst: 'refs/remotes/origin/*', force: true, pattern: true });
    expect(parseRefspec('main')).toEqual({ src: 'main', dst: undefined, force: false, pattern: false });
    expect(parseRefspec('main:')).toEqual({ src: 'main', dst: undefined, force: false, pattern: false });
    expect(parseRefspec(':refs/heads/gone')).toEqual({ src: '', dst: 'refs/heads/gone', force: false, pattern: false });
    expect(parseRefspec('refs/heads/feat*:refs/remotes/o/f*')).toMatchObject({ pattern: true });
    for (const s of ['+refs/heads/*:refs/remotes/origin/*', 'main', ':refs/heads/x', 'refs/a:refs/b']) expect(formatRefspec(parseRefspec(s))).toBe(s);
  });

  it('refuses what git refuses', () => {
    for (const bad of ['refs/heads/*:refs/remotes/origin/x', 'refs/*/*:refs/x/*', 'a:b:c', '^refs/heads/x', 'refs/heads/a..b', 'refs/heads/a b', '', '+']) {
      expect(() => parseRefspec(bad), bad).toThrow(RefspecError);
    }
    // and git agrees on the pattern mismatch
    expect(() => gitFetched(['refs/heads/*:refs/remotes/origin/x'])).toThrow();
  });

  it('matches a pattern anywhere, slashes included, and maps back', () => {
    expect(matchRef('refs/heads/*', 'refs/heads/feature/y/z')).toBe('feature/y/z');
    expect(matchRef('refs/heads/feat*', 'refs/heads/featurette')).toBe('urette');
    expect(matchRef('refs/heads/*', 'refs/tags/v1')).toBeUndefined();
    expect(matchRef('refs/heads/main', 'refs/heads/main')).toBe('');
    expect(expandRef('refs/remotes/origin/*', 'a/b')).toBe('refs/remotes/origin/a/b');
    expect(expandRef('refs/x/*', '$&')).toBe('refs/x/$&');
    const specs = ['+refs/heads/*:refs/remotes/origin/*', '+refs/checkpoints/*:refs/remotes/origin/checkpoints/*'];
    expect(sourcesOf(specs, 'refs/remotes/origin/feature/x')).toEqual(['refs/heads/feature/x']);
    // overlapping refspecs (the design's checkpoints: true pair): both are candidates, as in git's prune
    expect(sourcesOf(specs, 'refs/remotes/origin/checkpoints/a')).toEqual(['refs/heads/checkpoints/a', 'refs/checkpoints/a']);
    expect(sourcesOf(specs, 'refs/tags/v1')).toEqual([]);
  });

  it('abbreviations and destinations follow git', () => {
    expect(resolveAbbreviation('main', advertised)).toBe('refs/tags/main');
    expect(resolveAbbreviation('feature/x', advertised)).toBe('refs/heads/feature/x');
    expect(resolveAbbreviation('HEAD', advertised)).toBe('HEAD');
    expect(resolveAbbreviation('nope', advertised)).toBeUndefined();
    expect(fetchDestination('x')).toBe('refs/heads/x');
    expect(fetchDestination('tags/x')).toBe('refs/tags/x');
    expect(fetchDestination('refs/x')).toBe('refs/x');
  });
});

describe('fetch mappings agree with git fetch', () => {
  const cases: string[][] = [
    ['+refs/heads/*:refs/remotes/origin/*'],
    ['+refs/heads/*:refs/remotes/origin/*', '+refs/checkpoints/*:refs/remotes/origin/checkpoints/*'],
    ['refs/heads/feature/*:refs/remotes/o/feature-*'],
    ['refs/heads/feat*:refs/remotes/o/f*'],
    ['refs/tags/*:refs/tags/*'],
    ['+refs/*:refs/*'],
    ['refs/heads/feature/x:refs/remotes/one'],
    ['feature/x:mine'],
    ['feature/x:tags/t'],
    ['main:refs/got/main'], // an abbreviation: the tag wins
    ['HEAD:refs/remotes/origin/HEAD'],
    ['refs/heads/main:refs/a', 'refs/heads/main:refs/a'],
  ];
  for (const specs of cases) {
    it(specs.join(' '), () => {
      const ours = mapFetch(specs, advertised).flatMap((m) => (m.dst ? [m.dst] : [])).sort();
      expect(ours).toEqual(gitFetched(specs));
    });
  }

  it('refuses what git refuses: two sources for one destination, a source the server lacks', () => {
    const both = ['refs/heads/main:refs/a', 'refs/heads/featurette:refs/a'];
    expect(() => gitFetched(both)).toThrow(/Cannot fetch both/);
    expect(() => mapFetch(both, advertised)).toThrow(/cannot fetch both/);
    expect(() => gitFetched(['nope:refs/a'])).toThrow(/couldn't find remote ref/);
    expect(() => mapFetch(['nope:refs/a'], advertised)).toThrow(RefspecError);
  });

  it('the checkpoints refspec pair collides with a branch named checkpoints/<x>, in git too', () => {
    const specs = ['+refs/heads/*:refs/remotes/origin/*', '+refs/checkpoints/*:refs/remotes/origin/checkpoints/*'];
    git(source, 'branch', 'checkpoints/before-import', 'refs/heads/main');
    try {
      expect(() => gitFetched(specs)).toThrow(/Cannot fetch both/);
      const names = git(source, 'ls-remote', '.').trim().split('\n').map((l) => l.split('\t')[1]);
      expect(() => mapFetch(specs, names)).toThrow(/cannot fetch both refs\/heads\/checkpoints\/before-import and refs\/checkpoints\/before-import/);
    } finally {
      git(source, 'branch', '-D', 'checkpoints/before-import');
    }
  });

  it('keeps force per mapping, and a refspec without destination stores nothing', () => {
    expect(mapFetch(['+refs/heads/main:refs/a', 'refs/heads/featurette:refs/b'], advertised)).toEqual([
      { src: 'refs/heads/main', dst: 'refs/a', force: true },
      { src: 'refs/heads/featurette', dst: 'refs/b', force: false },
    ]);
    expect(mapFetch(['feature/x'], advertised)).toEqual([{ src: 'refs/heads/feature/x', dst: undefined, force: false }]);
  });
});

describe('push mappings agree with git push --dry-run', () => {
  /** src:dst pairs `git push --dry-run --porcelain` reports from the source repository. */
  function gitPushes(specs: string[]): string[] {
    const dir = join(tempDir(), 'remote.git');
    git(join(dir, '..'), 'init', '-q', '--bare', 'remote.git');
    const out = git(source, 'push', '--dry-run', '--porcelain', dir, ...specs);
    return out
      .split('\n')
      .filter((l) => /^[*+\-= !]\t/.test(l))
      .map((l) => l.split('\t')[1])
      .sort();
  }
  const local = () => git(source, 'for-each-ref', '--format=%(refname)').trim().split('\n');
  const cases: string[][] = [
    ['refs/heads/*:refs/heads/*'],
    ['refs/checkpoints/*:refs/checkpoints/*'],
    ['+refs/heads/feature/*:refs/heads/f/*'],
    ['refs/heads/featurette'],
    ['refs/heads/featurette:other'],
    ['refs/heads/featurette:refs/heads/elsewhere'],
    ['v1:refs/tags/v1'],
  ];
  for (const specs of cases) {
    it(specs.join(' '), () => {
      const ours = mapPush(specs, local()).map((m) => `${m.src}:${m.dst}`).sort();
      expect(ours).toEqual(gitPushes(specs));
    });
  }

  it('a delete maps to an empty source', () => {
    expect(mapPush([':refs/heads/gone'], local())).toEqual([{ src: '', dst: 'refs/heads/gone', force: false }]);
  });
});
