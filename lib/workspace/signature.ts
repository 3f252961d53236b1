// Who a commit is by: the caller's choice, else the identity git would use (environment, then the
// config: the repository's, the user's and the system's, as Repository.config() merges them),
// else a fixed identity. Checked so that git never reads back a malformed author line.
import { ConfigurationError } from '../errors.js';
import type { GitConfig } from '../git/config.js';
import type { Person } from '../git/person.js';
import { platform } from '../platform/current.js';

export interface Signature {
  name: string;
  email: string;
  /** when; defaults to now */
  date?: Date;
  /** minutes east of UTC; defaults to this machine's offset at `date` */
  tzOffset?: number;
}

export const DEFAULT_SIGNATURE: Signature = { name: 'gitmodel', email: 'gitmodel@localhost' };

/** The environment identities are read from (the platform's: process.env on Node). */
export type Environment = Readonly<Record<string, string | undefined>>;

function environment(): Environment {
  return platform().environment?.() ?? {};
}

/** Who commits are by when the caller names nobody. */
export interface DefaultIdentity {
  author: Signature;
  committer: Signature;
  /** GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL, which make the committer even when the caller names the author */
  committerEnv: { name?: string; email?: string };
}

/** git's "crud" around a name or email: spaces and control characters, and , : ; < > " \ ' */
function crud(c: string): boolean {
  return c <= ' ' || ',:;<>"\\\''.includes(c);
}

/** A name or email as git cleans it for an identity line (ident.c, strbuf_addstr_without_crud). */
export function withoutCrud(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && crud(value[start])) start++;
  while (end > start && crud(value[end - 1])) end--;
  return value.slice(start, end).replace(/[\n<>]/g, '');
}

/**
 * The author and committer git would use, key by key as git looks them up: GIT_AUTHOR_NAME
 * (GIT_COMMITTER_NAME), then author.name (committer.name) and user.name in the merged config, then
 * for the email EMAIL; gitmodel's own identity only where git would find nothing.
 */
export function defaultIdentity(config: GitConfig, env: Environment = environment()): DefaultIdentity {
  const setting = (key: string): string | undefined => {
    const value = config.get(key);
    if (value === null) throw new ConfigurationError(`the git config key ${key} has no value (a line without "="), which git refuses too`);
    return value;
  };
  // author.name and committer.name count only when not empty, as in git; user.name even when empty
  const role = (key: string) => setting(key) || undefined;
  const userName = setting('user.name');
  const userEmail = setting('user.email');
  const email = env.EMAIL || undefined;
  const who = (envName: string | undefined, envEmail: string | undefined, prefix: 'author' | 'committer'): Signature => ({
    name: withoutCrud(envName ?? role(`${prefix}.name`) ?? userName ?? DEFAULT_SIGNATURE.name),
    email: withoutCrud(envEmail ?? role(`${prefix}.email`) ?? userEmail ?? email ?? DEFAULT_SIGNATURE.email),
  });
  const committerEnv = {
    ...(env.GIT_COMMITTER_NAME !== undefined && { name: withoutCrud(env.GIT_COMMITTER_NAME) }),
    ...(env.GIT_COMMITTER_EMAIL !== undefined && { email: withoutCrud(env.GIT_COMMITTER_EMAIL) }),
  };
  return {
    author: who(env.GIT_AUTHOR_NAME, env.GIT_AUTHOR_EMAIL, 'author'),
    committer: who(env.GIT_COMMITTER_NAME, env.GIT_COMMITTER_EMAIL, 'committer'),
    committerEnv,
  };
}

/**
 * The identity git would use for a repository, from the environment and the config git would use
 * there (every level: Repository.config()).
 */
export async function configuredIdentity(config: GitConfig, env: Environment = environment()): Promise<DefaultIdentity> {
  return defaultIdentity(config, env);
}

/**
 * The committer of a commit whose author the caller named: that author (as before), with
 * GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL from the environment taking their place when set.
 */
export function committerFor(author: Signature, identity: DefaultIdentity): Signature {
  return { ...author, ...identity.committerEnv };
}

/**
 * Refuses a signature git could not use (ConfigurationError). Without a date or offset of its own
 * nothing is computed: the local time zone's first lookup costs ~14 ms in a new process, which
 * opening a workspace to read should not pay.
 */
export function checkSignature(signature: Signature): void {
  for (const [key, value] of [['name', signature.name], ['email', signature.email]] as const) {
    // eslint-disable-next-line no-control-regex
    if (typeof value !== 'string' || /[<>\n\x00]/.test(value) || value !== value.trim() || (key === 'name' && !value)) {
      throw new ConfigurationError(`author ${key} ${JSON.stringify(value)} is not usable in a git commit: no <, >, newlines or surrounding spaces`);
    }
  }
  const date = signature.date;
  if (date !== undefined && (!(date instanceof Date) || Number.isNaN(date.getTime()))) throw new ConfigurationError('author date is not a valid Date');
  // git fsck --strict rejects dates before 1970 (badDateOverflow) and offsets that are not ±HHMM
  // (badTimezone), and so does our own commit parser: refused here, before anything is written
  if (date !== undefined && date.getTime() < 0) throw new ConfigurationError('author date is before 1970, which git cannot store');
  const tzOffset = signature.tzOffset;
  if (tzOffset !== undefined && (!Number.isInteger(tzOffset) || Math.abs(tzOffset) >= 100 * 60)) {
    throw new ConfigurationError(`author tzOffset ${tzOffset} is not a whole number of minutes within ±99:59`);
  }
}

export function toPerson(signature: Signature): Person {
  checkSignature(signature);
  const date = signature.date ?? new Date();
  const tzOffset = signature.tzOffset ?? -date.getTimezoneOffset();
  return { name: signature.name, email: signature.email, timestamp: Math.floor(date.getTime() / 1000), tzOffset };
}
