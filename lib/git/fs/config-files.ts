// The config files git reads for a repository, parsed with config.ts: the repository's own file,
// and the levels around it (system, user, environment) that settle who commits are by.
import { ConfigurationError, RepositoryNotFoundError } from '../../errors.js';
import type { Environment } from '../../platform/platform.js';
import { fromUtf8 } from '../../util/bytes.js';
import { canonicalKey, ConfigSyntaxError, GitConfig, parseBoolean, parseConfig } from '../config.js';
import type { FileSystem } from '../ports.js';
import { join } from './paths.js';

/** A config file parsed, or an empty config when there is no file (git treats both alike). */
export async function readConfigFile(fs: FileSystem, path: string, source = path): Promise<GitConfig> {
  const bytes = await fs.readFile(path);
  return bytes ? parseConfig(fromUtf8(bytes), source) : new GitConfig();
}

/** A repository's config file parsed; one git could not read makes the repository unreadable. */
export async function repositoryConfig(fs: FileSystem, commondir: string, where: string): Promise<GitConfig> {
  try {
    return await readConfigFile(fs, join(commondir, 'config'));
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    throw new RepositoryNotFoundError({ path: where, reason: `its config file cannot be read: ${error.message}` });
  }
}

/**
 * The config git reads, lowest precedence first: the system's (GIT_CONFIG_SYSTEM, else
 * /etc/gitconfig; none with GIT_CONFIG_NOSYSTEM), the user's (GIT_CONFIG_GLOBAL, else
 * $XDG_CONFIG_HOME/git/config or ~/.config/git/config, then ~/.gitconfig), the repository's, then
 * GIT_CONFIG_COUNT's from the environment. `include` directives are not followed.
 */
export async function configLevels(fs: FileSystem, repository: GitConfig, env: Environment): Promise<GitConfig> {
  const files: string[] = [];
  if (!parseBoolean(env.GIT_CONFIG_NOSYSTEM ?? 'false')) files.push(env.GIT_CONFIG_SYSTEM || '/etc/gitconfig');
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    if (env.GIT_CONFIG_GLOBAL) files.push(env.GIT_CONFIG_GLOBAL);
  } else {
    if (env.XDG_CONFIG_HOME) files.push(join(env.XDG_CONFIG_HOME, 'git', 'config'));
    else if (env.HOME) files.push(join(env.HOME, '.config', 'git', 'config'));
    if (env.HOME) files.push(join(env.HOME, '.gitconfig'));
  }
  let config = new GitConfig();
  for (const file of files) {
    try {
      config = config.concat(await readConfigFile(fs, fs.resolve(file), file));
    } catch (error) {
      // a user or system config this process may not read is skipped, as git skips it
      if ((error as { code?: string }).code === 'EACCES') continue;
      if (!(error instanceof ConfigSyntaxError)) throw error;
      throw new ConfigurationError(`${error.message}; git cannot read it either: fix the file`);
    }
  }
  config = config.concat(repository);
  const count = Number(env.GIT_CONFIG_COUNT ?? 0);
  const fromEnv: { key: string; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`];
    if (key) fromEnv.push({ key: canonicalKey(key), value: env[`GIT_CONFIG_VALUE_${i}`] ?? '' });
  }
  return config.concat(new GitConfig(fromEnv));
}
