// Which repositories gitmodel may write to: git's repository format version and its extensions,
// checked as git checks them (setup.c), with the extensions gitmodel implements accepted and every
// other one refused before anything is written.
import { UnsupportedRepositoryError } from '../errors.js';
import { type GitConfig, parseBoolean } from './config.js';

/**
 * Refuses a repository gitmodel cannot read and write correctly. As git does: a format version
 * above 1 is refused; under version 1 every `extensions.*` key must be understood; under version 0
 * other extensions are ignored, except those git honours even there (preciousobjects,
 * partialclone, worktreeconfig, noop) and the version-1 ones, which git refuses to see there.
 */
export function checkRepositoryFormat(path: string, config: GitConfig): void {
  const raw = config.get('core.repositoryformatversion');
  const version = raw === undefined ? 0 : raw === null ? NaN : Number(raw.trim());
  if (!Number.isInteger(version) || version < 0) {
    throw new UnsupportedRepositoryError({ path, reason: `core.repositoryformatversion is ${JSON.stringify(raw)}, not a number git knows` });
  }
  if (version > 1) {
    throw new UnsupportedRepositoryError({ path, reason: `core.repositoryformatversion is ${version}; git and gitmodel know versions 0 and 1` });
  }
  for (const key of config.keys()) {
    if (!key.startsWith('extensions.')) continue;
    const extension = key.slice('extensions.'.length);
    const value = config.get(key);
    const refuse = (reason: string): never => {
      throw new UnsupportedRepositoryError({ path, extension, ...(value !== null && value !== undefined && { value }), reason });
    };
    switch (extension) {
      // understood at any version
      case 'noop':
      case 'worktreeconfig': // gitmodel reads only the shared config, never a worktree's own
        break;
      case 'preciousobjects':
        // git honours it at version 0 too; gitmodel's maintenance deletes the packs it merged
        if (parseBoolean(value ?? null) !== false) refuse('its objects are marked precious, and gitmodel\'s maintenance deletes packs it has merged');
        break;
      case 'partialclone':
        refuse('it is a partial clone: objects may be missing, and gitmodel cannot fetch promised ones');
        break;
      // version-1 extensions: git refuses a version-0 repository that has them
      case 'objectformat':
      case 'refstorage':
      case 'noop-v1':
        if (version === 0) refuse(`extensions.${extension} needs core.repositoryformatversion = 1, and git refuses this repository too`);
        if (extension === 'objectformat' && value !== 'sha1') {
          refuse(`it stores ${value === 'sha256' ? 'SHA-256' : JSON.stringify(value)} object ids; gitmodel reads and writes SHA-1 repositories only`);
        }
        if (extension === 'refstorage' && value !== 'files') {
          refuse(`its refs are stored as ${JSON.stringify(value)}; gitmodel reads and writes the "files" ref format only`);
        }
        break;
      default:
        if (version >= 1) refuse('gitmodel does not implement this extension, and writing without it could corrupt the repository');
    }
  }
}
