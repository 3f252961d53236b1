// Reading git config files from disk; the format itself is parsed in config.ts (text in, entries out).
import { readFile } from 'node:fs/promises';
import { GitConfig, parseConfig } from './config.js';

/** A config file parsed, or an empty config when there is no file (git treats both alike). */
export async function readConfigFile(path: string): Promise<GitConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return new GitConfig();
    throw error;
  }
  return parseConfig(text, path);
}
