// The git config parser (lib/git/config.ts): the same answers as `git config`, including the
// values the old ad-hoc regexes read wrong.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSyntaxError, parseBoolean, parseConfig } from '../lib/git/config.js';
import { git, tempDir } from './helpers.js';

const SAMPLE = [
  '# a comment',
  '; another',
  '[core]',
  '\trepositoryformatversion = 0',
  '\tbare = yes',
  '[User]',
  '\tName = Ada Lovelace # an inline comment',
  '\temail = "ada@example.com" ; another',
  '[user "Work"]',
  '\tname = "Ada \\"the\\" Countess"',
  '\tpath = a\\\\b\\tc\\nd\\be',
  '[section.Sub]',
  '\tkey = legacy',
  '[multi]',
  '\tv = one',
  '\tv = two',
  '\tflag',
  '\tempty =',
  '\tspaced =   a   b\tc  ',
  '\tcont = first \\',
  'second',
  '\thash = "a # not ; a comment"',
  '\tbracket = Ada [dev]',
  '\tquoted = "  kept  "',
  '\tmixed = a" b "c',
  '[core] ignorecase = true',
  '[user]',
  '\tname = Later Name',
  '',
].join('\n');

/** What `git config -f` prints for a key (every value, or the last one), null when unset. */
function gitGet(file: string, key: string, all = false): string[] | null {
  try {
    const out = git(tempDir(), 'config', '-f', file, '-z', all ? '--get-all' : '--get', key);
    return out.split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

describe('parseConfig', () => {
  const config = parseConfig(SAMPLE);

  it('reads sections, subsections, quoting, escapes, comments and continuations as git does', () => {
    const file = join(tempDir(), 'config');
    writeFileSync(file, SAMPLE);
    const keys = [
      'core.bare', 'core.repositoryformatversion', 'core.ignorecase', 'user.name', 'USER.NAME', 'user.email',
      'user.Work.name', 'user.work.name', 'user.Work.path', 'section.sub.key', 'section.Sub.key', 'multi.v',
      'multi.empty', 'multi.spaced', 'multi.cont', 'multi.hash', 'multi.bracket', 'multi.quoted', 'multi.mixed',
      'multi.absent',
    ];
    for (const key of keys) {
      const want = gitGet(file, key, true);
      const got = config.getAll(key);
      expect(got.length ? got.map((v) => v ?? '') : null, key).toEqual(want);
      expect(config.get(key) ?? null, key).toBe(want ? want[want.length - 1] : null);
    }
  });

  it('gets the last value, lists them all, and tells a bare key (true) from an empty one (false)', () => {
    expect(config.get('multi.v')).toBe('two');
    expect(config.getAll('multi.v')).toEqual(['one', 'two']);
    expect(config.get('user.name')).toBe('Later Name');
    expect(config.get('multi.flag')).toBeNull();
    expect(config.getBoolean('multi.flag')).toBe(true);
    expect(config.getBoolean('multi.empty')).toBe(false);
    expect(config.getBoolean('core.bare')).toBe(true);
    expect(config.getBoolean('multi.absent')).toBeUndefined();
    expect(config.get('user.Work.path')).toBe('a\\b\tc\nd\be');
  });

  it('reads booleans as git does', () => {
    for (const v of ['true', 'TRUE', 'yes', 'On', '1', '-3', null]) expect(parseBoolean(v), String(v)).toBe(true);
    for (const v of ['false', 'No', 'off', '0', '']) expect(parseBoolean(v), v).toBe(false);
    expect(parseBoolean('maybe')).toBeUndefined();
  });

  it('answers what the old regexes got wrong', () => {
    // the old user.name regex kept the comment and the quotes; the old bare regex missed "yes",
    // and matched "bare = true" in any section
    const wrong = parseConfig('[user]\n\tname = Ada # work\n\temail = "ada@example.com" ; x\n[core]\n\tbare = yes\n[other]\n\tbare = false\n');
    expect(wrong.get('user.name')).toBe('Ada');
    expect(wrong.get('user.email')).toBe('ada@example.com');
    expect(wrong.getBoolean('core.bare')).toBe(true);
    // a "[" inside a value ended the old [user] section; a later [user] section was never read
    const later = parseConfig('[user]\n\tname = Ada [dev]\n\temail = a@x\n[core]\n\tbare = false\n[user]\n\temail = b@x\n');
    expect(later.get('user.name')).toBe('Ada [dev]');
    expect(later.get('user.email')).toBe('b@x');
    // a subsection is not the section: [user "x"] name must not be taken for user.name
    expect(parseConfig('[user "x"]\n\tname = Not Me\n').get('user.name')).toBeUndefined();
    // a key before any section header is read (as git lists it), not refused
    expect(parseConfig('name = x\n').get('name')).toBe('x');
    // CRLF line ends
    expect(parseConfig('[user]\r\n\tname = Ada\r\n').get('user.name')).toBe('Ada');
  });

  it('refuses what git refuses, with the line', () => {
    for (const [text, line] of [
      ['[user\nname = x\n', 1],
      ['[core]\n\tbare = "yes\n', 2],
      ['[core]\n\tbare = a\\qb\n', 2],
      ['[core]\n\t1bare = x\n', 2],
      ['[user "x]\n', 1],
      ['[core]\n\tbare # c\n', 2],
    ] as const) {
      let error: unknown;
      try {
        parseConfig(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(ConfigSyntaxError);
      expect((error as ConfigSyntaxError).line, text).toBe(line);
      const file = join(tempDir(), 'config');
      writeFileSync(file, text);
      expect(() => git(tempDir(), 'config', '-f', file, '--list'), text).toThrow();
    }
  });
});
