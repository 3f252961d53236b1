// Who commits are by (issue 8): the author and committer git would use, from the environment and
// the repository's, the user's and the system's config, compared with `git var` under the same
// environment; gitmodel's own identity only where git would find nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, Workspace } from '../lib/index.js';
import { Page } from '../models-example/models.js';
import { expectFsckClean, newRepoPath, tempDir } from './helpers.js';

const saved = { ...process.env };

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

/** Sets (a string) or unsets (undefined) environment variables for the rest of the test. */
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** A config file with the given text in a new temporary folder (or at `path`). */
function configFile(text: string, path = join(tempDir(), 'gitconfig')): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** "Name <email>" as `git var` prints it for this repository under the current process.env. */
function gitIdent(gitdir: string, which: 'GIT_AUTHOR_IDENT' | 'GIT_COMMITTER_IDENT'): string {
  const out = execFileSync('git', ['--git-dir', gitdir, 'var', which], { env: process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.replace(/ \d+ [+-]\d{4}\n$/, '');
}

/** Commits one page in a new repository (after `prepare` configures it) and returns the commit's identities. */
async function commitOnce(
  options: { prepare?: (gitdir: string) => void; open?: Parameters<typeof Workspace.open>[1]; commit?: { author?: { name: string; email: string }; committer?: { name: string; email: string } } } = {},
): Promise<{ gitdir: string; author: string; committer: string }> {
  const gitdir = newRepoPath();
  await Workspace.open(gitdir); // creates it, so that its config can be written before the real open
  options.prepare?.(gitdir);
  const ws = await Workspace.open(gitdir, options.open);
  ws.register(Page);
  await new Page({ slug: 'home', title: 'Home' }).save();
  await ws.commit({ message: 'Home', ...options.commit });
  const c = (await ws.walk().next()).value!;
  expectFsckClean(gitdir);
  return { gitdir, author: `${c.author.name} <${c.author.email}>`, committer: `${c.committer.name} <${c.committer.email}>` };
}

/** Commits with the current environment and expects git's own choice of author and committer. */
async function expectAsGit(prepare?: (gitdir: string) => void): Promise<{ author: string; committer: string }> {
  const { gitdir, author, committer } = await commitOnce({ prepare });
  expect(author).toBe(gitIdent(gitdir, 'GIT_AUTHOR_IDENT'));
  expect(committer).toBe(gitIdent(gitdir, 'GIT_COMMITTER_IDENT'));
  return { author, committer };
}

function repoConfig(text: string): (gitdir: string) => void {
  return (gitdir) => writeFileSync(join(gitdir, 'config'), `[core]\n\trepositoryformatversion = 0\n\tbare = true\n${text}`);
}

describe('the default author and committer', () => {
  it('are gitmodel <gitmodel@localhost> where git would find nothing (the test environment has no config)', async () => {
    const { author, committer } = await commitOnce();
    expect(author).toBe('gitmodel <gitmodel@localhost>');
    expect(committer).toBe('gitmodel <gitmodel@localhost>');
  });

  it('come from GIT_CONFIG_GLOBAL', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = Global Ada\n\temail = ada@global.example\n') });
    expect(await expectAsGit()).toEqual({ author: 'Global Ada <ada@global.example>', committer: 'Global Ada <ada@global.example>' });
  });

  it('come from ~/.gitconfig over $XDG_CONFIG_HOME/git/config, key by key, when GIT_CONFIG_GLOBAL is unset', async () => {
    const home = tempDir();
    const xdg = tempDir();
    configFile('[user]\n\tname = Home Name\n', join(home, '.gitconfig'));
    configFile('[user]\n\tname = Xdg Name\n\temail = xdg@example.com\n', join(xdg, 'git', 'config'));
    setEnv({ GIT_CONFIG_GLOBAL: undefined, HOME: home, XDG_CONFIG_HOME: xdg });
    expect((await expectAsGit()).author).toBe('Home Name <xdg@example.com>');
  });

  it('come from ~/.config/git/config when XDG_CONFIG_HOME is unset', async () => {
    const home = tempDir();
    configFile('[user]\n\tname = Dot Config\n\temail = dot@example.com\n', join(home, '.config', 'git', 'config'));
    setEnv({ GIT_CONFIG_GLOBAL: undefined, HOME: home, XDG_CONFIG_HOME: undefined });
    expect((await expectAsGit()).author).toBe('Dot Config <dot@example.com>');
  });

  it('take the repository config over the global one, key by key', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = Global\n\temail = global@example.com\n') });
    const { author } = await expectAsGit(repoConfig('[user]\n\tname = "Repo \\"R\\" Name" # a comment\n'));
    expect(author).toBe('Repo "R" Name <global@example.com>');
  });

  it('come from the system config (GIT_CONFIG_SYSTEM), unless GIT_CONFIG_NOSYSTEM is set', async () => {
    const system = configFile('[user]\n\tname = System\n\temail = system@example.com\n');
    setEnv({ GIT_CONFIG_NOSYSTEM: undefined, GIT_CONFIG_SYSTEM: system });
    expect((await expectAsGit()).author).toBe('System <system@example.com>');
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\temail = global@example.com\n') });
    expect((await expectAsGit()).author).toBe('System <global@example.com>');
    setEnv({ GIT_CONFIG_NOSYSTEM: '1', EMAIL: 'env@example.com' });
    const { gitdir, author } = await commitOnce();
    expect(author).toBe('gitmodel <global@example.com>'); // git would take the name from the passwd file
    expect(gitIdent(gitdir, 'GIT_AUTHOR_IDENT')).toMatch(/ <global@example\.com>$/);
  });

  it('take GIT_AUTHOR_* and GIT_COMMITTER_* from the environment first', async () => {
    setEnv({
      GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = Config\n\temail = config@example.com\n'),
      GIT_AUTHOR_NAME: 'Env Author',
      GIT_COMMITTER_EMAIL: 'committer@env.example',
    });
    expect(await expectAsGit()).toEqual({ author: 'Env Author <config@example.com>', committer: 'Config <committer@env.example>' });
  });

  it('take author.* and committer.* over user.*, at any level', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[author]\n\tname = Global Author\n[committer]\n\temail = c@example.com\n') });
    expect(await expectAsGit(repoConfig('[user]\n\tname = Repo User\n\temail = user@example.com\n'))).toEqual({
      author: 'Global Author <user@example.com>',
      committer: 'Repo User <c@example.com>',
    });
  });

  it('take the email from EMAIL last', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = Ada\n'), EMAIL: 'ada@env.example' });
    expect((await expectAsGit()).author).toBe('Ada <ada@env.example>');
  });

  it('take GIT_CONFIG_COUNT settings over every file', async () => {
    setEnv({
      GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = File\n\temail = file@example.com\n'),
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'User.Name',
      GIT_CONFIG_VALUE_0: 'From Env Config',
    });
    expect((await expectAsGit()).author).toBe('From Env Config <file@example.com>');
  });

  it('are cleaned as git cleans them (surrounding spaces and punctuation, < and >)', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = "  ;Ada <the> Lovelace,  "\n\temail = " <ada@example.com>: "\n') });
    expect((await expectAsGit()).author).toBe('Ada the Lovelace <ada@example.com>');
  });

  it('refuse a config file git cannot read, at open', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user\n\tname = x\n') });
    const error = await Workspace.open(newRepoPath()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/bad config line 1/);
  });
});

describe('an explicit author', () => {
  it('wins over the environment and config, and commits too unless GIT_COMMITTER_* is set', async () => {
    setEnv({ GIT_CONFIG_GLOBAL: configFile('[user]\n\tname = Config\n\temail = config@example.com\n'), GIT_AUTHOR_NAME: 'Env' });
    const ada = { name: 'Ada', email: 'ada@example.com' };
    expect(await commitOnce({ open: { author: ada } })).toMatchObject({ author: 'Ada <ada@example.com>', committer: 'Ada <ada@example.com>' });
    expect(await commitOnce({ commit: { author: ada } })).toMatchObject({ author: 'Ada <ada@example.com>', committer: 'Ada <ada@example.com>' });
    // without one, the committer is the configured one
    expect(await commitOnce()).toMatchObject({ author: 'Env <config@example.com>', committer: 'Config <config@example.com>' });
    setEnv({ GIT_COMMITTER_NAME: 'Robot' });
    expect(await commitOnce({ open: { author: ada } })).toMatchObject({ author: 'Ada <ada@example.com>', committer: 'Robot <ada@example.com>' });
    expect(await commitOnce({ commit: { author: ada, committer: { name: 'Bob', email: 'bob@example.com' } } })).toMatchObject({
      committer: 'Bob <bob@example.com>',
    });
  });
});
