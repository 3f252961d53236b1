// Who a commit is by: the caller's choice, else the repository's user.name / user.email, else a
// fixed identity. Checked so that git never reads back a malformed author line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { Person } from '../git/commit.js';

export interface Signature {
  name: string;
  email: string;
  /** when; defaults to now */
  date?: Date;
  /** minutes east of UTC; defaults to this machine's offset at `date` */
  tzOffset?: number;
}

export const DEFAULT_SIGNATURE: Signature = { name: 'gitmodel', email: 'gitmodel@localhost' };

/** user.name and user.email from the repository's own config file, when both are set. */
export async function configuredSignature(commondir: string): Promise<Signature | undefined> {
  const text = await readFile(join(commondir, 'config'), 'utf8').catch(() => '');
  const user = /^\s*\[user\]([^[]*)/im.exec(text)?.[1] ?? '';
  const name = /^\s*name\s*=\s*(.+?)\s*$/im.exec(user)?.[1];
  const email = /^\s*email\s*=\s*(.+?)\s*$/im.exec(user)?.[1];
  return name && email ? { name: name.replace(/^"(.*)"$/, '$1'), email: email.replace(/^"(.*)"$/, '$1') } : undefined;
}

export function toPerson(signature: Signature): Person {
  for (const [key, value] of [['name', signature.name], ['email', signature.email]] as const) {
    // eslint-disable-next-line no-control-regex
    if (typeof value !== 'string' || /[<>\n\x00]/.test(value) || value !== value.trim() || (key === 'name' && !value)) {
      throw new ConfigurationError(`author ${key} ${JSON.stringify(value)} is not usable in a git commit: no <, >, newlines or surrounding spaces`);
    }
  }
  const date = signature.date ?? new Date();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ConfigurationError('author date is not a valid Date');
  // git fsck --strict rejects dates before 1970 (badDateOverflow) and offsets that are not ±HHMM
  // (badTimezone), and so does our own commit parser: refused here, before anything is written
  if (date.getTime() < 0) throw new ConfigurationError('author date is before 1970, which git cannot store');
  const tzOffset = signature.tzOffset ?? -date.getTimezoneOffset();
  if (!Number.isInteger(tzOffset) || Math.abs(tzOffset) >= 100 * 60) {
    throw new ConfigurationError(`author tzOffset ${tzOffset} is not a whole number of minutes within ±99:59`);
  }
  return { name: signature.name, email: signature.email, timestamp: Math.floor(date.getTime() / 1000), tzOffset };
}
