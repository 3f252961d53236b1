// Finding the git directory for a path, as git does (a bare repository, a working tree's .git
// directory, a `.git` file naming a linked worktree's gitdir), or creating a bare repository
// there; then refusing a repository format gitmodel cannot write safely.
import { RepositoryNotFoundError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { utf8, fromUtf8 } from '../../util/bytes.js';
import type { FileSystem, OpenRepositoryOptions, RepositoryBackend } from '../ports.js';
import { checkRepositoryFormat } from '../repository-format.js';
import { repositoryConfig } from './config-files.js';
import { GitDirBackend } from './git-dir-backend.js';
import { basename, dirname, join } from './paths.js';

async function kind(fs: FileSystem, path: string): Promise<'dir' | 'file' | undefined> {
  const stat = await fs.stat(path);
  return stat && (stat.isDirectory ? 'dir' : 'file');
}

async function looksLikeGitdir(fs: FileSystem, path: string): Promise<boolean> {
  return (await kind(fs, join(path, 'HEAD'))) === 'file' && (await kind(fs, join(path, 'objects'))) === 'dir';
}

async function writeNew(fs: FileSystem, path: string, text: string): Promise<void> {
  const file = await fs.createFile(path);
  if (!file) throw new Error(`${path} exists`);
  file.write(utf8(text));
  await file.close(false);
}

/** Writes a new bare repository's skeleton; HEAD last, so a half-made one is not taken for a repo. */
async function initBare(fs: FileSystem, path: string, branch: string): Promise<void> {
  for (const dir of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) await fs.mkdirp(join(path, dir));
  await writeNew(fs, join(path, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
  await writeNew(fs, join(path, 'HEAD'), `ref: refs/heads/${branch}\n`);
}

/**
 * The git directory at or for `path` on `fs`: a bare repository, a directory with a `.git`
 * directory or file, or (with `create`, the default) a new bare repository where there is nothing
 * or an empty directory.
 */
export async function openGitDir(fs: FileSystem, path: string, options: OpenRepositoryOptions = {}): Promise<GitDirBackend> {
  const abs = fs.resolve(path);
  try {
    const backend = await find(fs, abs, options);
    // what every read needs is readable: refused now, with the repository's path, not at the first read
    await fs.list(backend.objects.objectsDir);
    return backend;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    throw new RepositoryNotFoundError({ path: abs, reason: `it cannot be read (${code}: permission denied)` });
  }
}

async function find(fs: FileSystem, abs: string, options: OpenRepositoryOptions): Promise<GitDirBackend> {
  const create = options.create ?? true;
  const durability = options.durability ?? 'fsync';
  const what = await kind(fs, abs);
  if (what === 'file') throw new RepositoryNotFoundError({ path: abs, reason: 'the path is a file' });
  if (what === undefined) {
    if (!create) throw new RepositoryNotFoundError({ path: abs, reason: 'the path does not exist' });
    // Built beside the target and renamed into place: a repository appears whole or not at all.
    const temp = join(dirname(abs), `.${basename(abs)}.gitmodel-init-${platform().randomId()}`);
    await fs.mkdirp(dirname(abs));
    await initBare(fs, temp, options.initialBranch ?? 'main');
    try {
      await fs.rename(temp, abs);
    } catch (error) {
      await fs.removeDirectory(temp, { recursive: true });
      if (!(await looksLikeGitdir(fs, abs))) throw error;
    }
    return at(fs, { gitdir: abs }, durability);
  }
  const dotgit = join(abs, '.git');
  const dotgitKind = await kind(fs, dotgit);
  if (dotgitKind === 'dir') return at(fs, { gitdir: dotgit, workdir: abs }, durability);
  if (dotgitKind === 'file') {
    const text = fromUtf8((await fs.readFile(dotgit)) ?? new Uint8Array());
    const m = /^gitdir: (.+)$/m.exec(text);
    if (!m) throw new RepositoryNotFoundError({ path: abs, reason: '.git is a file without a gitdir line' });
    return at(fs, { gitdir: fs.resolve(abs, m[1].trim()), workdir: abs }, durability);
  }
  if (await looksLikeGitdir(fs, abs)) {
    const config = await repositoryConfig(fs, abs, abs);
    const nonBare = config.getBoolean('core.bare') === false && basename(abs) === '.git';
    return at(fs, { gitdir: abs, workdir: nonBare ? dirname(abs) : undefined }, durability);
  }
  if (create && (await fs.list(abs)).length === 0) {
    await initBare(fs, abs, options.initialBranch ?? 'main');
    return at(fs, { gitdir: abs }, durability);
  }
  throw new RepositoryNotFoundError({
    path: abs,
    reason: 'the directory is neither a git repository nor empty',
  });
}

async function at(
  fs: FileSystem,
  where: { gitdir: string; workdir?: string },
  durability: OpenRepositoryOptions['durability'],
): Promise<GitDirBackend> {
  const { gitdir, workdir } = where;
  // a linked worktree's own gitdir holds HEAD; objects and refs live in the common dir
  const common = await fs.readFile(join(gitdir, 'commondir'));
  const commondir = common?.length ? fs.resolve(gitdir, fromUtf8(common).trim()) : gitdir;
  if ((await kind(fs, join(gitdir, 'HEAD'))) !== 'file' || (await kind(fs, join(commondir, 'objects'))) !== 'dir') {
    throw new RepositoryNotFoundError({ path: gitdir, reason: 'HEAD or objects/ is missing' });
  }
  // before anything is written: a repository in a format we do not implement is left alone
  checkRepositoryFormat(workdir ?? gitdir, await repositoryConfig(fs, commondir, workdir ?? gitdir));
  return new GitDirBackend(fs, { gitdir, commondir, workdir }, durability);
}

/** How Repository.open opens paths on `fs`: the git directory found or created there. */
export function gitDirOpener(fs: FileSystem): (path: string, options: OpenRepositoryOptions) => Promise<RepositoryBackend> {
  return (path, options) => openGitDir(fs, path, options);
}
