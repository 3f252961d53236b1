// What an error means on the command line: its code (the library's, for its typed errors), its
// data, and the exit code (0 ok, 1 failure, 2 no repository, 3 not found, 64 usage, 75 retry).
import { GitModelError } from '../errors.js';
import { UsageError } from './context.js';

const EXIT: Record<string, number> = {
  REPOSITORY_NOT_FOUND: 2,
  NOT_FOUND: 3,
  REF_NOT_FOUND: 3,
  FILE_NOT_FOUND: 3,
  UNKNOWN_MODEL: 3,
  REMOTE_NOT_FOUND: 3,
  USAGE: 64,
  UNSAFE_ID: 64,
  INVALID_REF_NAME: 64,
  INVALID_REMOTE: 64,
  // another writer holds or moved the ref: running again may succeed
  REF_LOCKED: 75,
  STALE_BRANCH: 75,
  STALE_REMOTE: 75,
};

export function errorInfo(error: unknown): { code: string; message: string; data: object; exit: number } {
  if (error instanceof GitModelError) return { code: error.code, message: error.message, data: error.data, exit: EXIT[error.code] ?? 1 };
  if (error instanceof UsageError || (error as { code?: unknown })?.code === 'USAGE') return { code: 'USAGE', message: (error as Error).message, data: {}, exit: 64 };
  // parseArgs' own errors (an unknown option, a missing value) are usage errors too
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { code: 'USAGE', message: (error as Error).message, data: {}, exit: 64 };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), data: {}, exit: 1 };
}
