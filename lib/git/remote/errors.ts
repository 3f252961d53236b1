// The typed errors of talking to a git server (design/sync-merge.md §4.2): a remote that is not
// there, not reachable, refuses our credentials, does not speak the protocol, or refuses a push.
// Each leaves the repository and workspace unchanged. Their codes are in lib/errors.ts's ErrorCode.
import { GitModelError, quote } from '../../errors.js';

export type RemoteErrorCode = 'REMOTE_NOT_FOUND' | 'INVALID_REMOTE' | 'REMOTE_UNREACHABLE' | 'REMOTE_AUTH' | 'REMOTE_PROTOCOL' | 'PUSH_REJECTED';

/** Which step of a remote call failed. */
export type RemotePhase = 'discover' | 'negotiate' | 'receive' | 'send';

abstract class RemoteError<D extends object> extends GitModelError<D> {
  abstract override readonly code: RemoteErrorCode;
  constructor(message: string, data: D, cause?: unknown) {
    super(message, data);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** No repository at this URL (HTTP 404), or no remote by that name. */
export class RemoteNotFoundError extends RemoteError<{ url?: string; remote?: string }> {
  readonly code = 'REMOTE_NOT_FOUND' as const;
  constructor(data: { url?: string; remote?: string }) {
    super(
      data.url
        ? `no git repository at ${redactUrl(data.url)} (HTTP 404): check the URL`
        : `no remote named ${quote(data.remote ?? '')}: add it with remotes.add()`,
      data,
    );
  }
}

/** Why `remotes.add()` / `setUrl()` refused a remote. */
export type RemoteRefusal = 'name' | 'exists' | 'url' | 'credentials';

/**
 * A remote refused before anything was written: a name git could not keep in its config
 * (`data.reason: 'name'`), one already configured (`'exists'`), an empty URL or one with a NUL or
 * line break (`'url'`), a password in the URL, which would be written in clear (`'credentials'`).
 */
export class InvalidRemoteError extends RemoteError<{ remote?: string; url?: string; reason: RemoteRefusal }> {
  readonly code = 'INVALID_REMOTE' as const;
  constructor(data: { remote?: string; url?: string; reason: RemoteRefusal }) {
    const name = quote(data.remote ?? '');
    const message = {
      name: `${name} is not a valid remote name (letters, digits, '.', '_', '-'; not starting with '.', '_' or '-')`,
      exists: `remote ${name} already exists: remove it first or choose another name`,
      url: `${JSON.stringify(data.url ?? '')} is not a remote URL`,
      credentials: 'the URL holds a password, which would be written to the repository config in clear: pass onAuth or headers per call, or { allowCredentialsInUrl: true }',
    }[data.reason];
    // a URL with a password is never repeated in the error (it may be logged)
    super(message, data.reason === 'credentials' ? { ...data, url: redactUrl(data.url ?? '') } : data);
  }
}

/**
 * The server could not be reached or the connection broke: refused, unknown host, timed out,
 * reset, a response cut short, or a 5xx answer. "Offline": trying again later may work.
 */
export class RemoteUnreachableError extends RemoteError<{ url: string; phase: RemotePhase; cause?: string; status?: number }> {
  readonly code = 'REMOTE_UNREACHABLE' as const;
  constructor(data: { url: string; phase: RemotePhase; cause?: string; status?: number }, cause?: unknown) {
    const why = data.status !== undefined ? `HTTP ${data.status}` : (data.cause ?? 'connection lost');
    super(`cannot reach ${redactUrl(data.url)} (${why}) during ${data.phase}: check the network and try again`, data, cause);
  }
}

/** The server wants credentials it did not get (401/403 after onAuth, or no onAuth), or onAuth cancelled. */
export class RemoteAuthError extends RemoteError<{ url: string; status?: number; cancelled?: boolean; attempts: number }> {
  readonly code = 'REMOTE_AUTH' as const;
  constructor(data: { url: string; status?: number; cancelled?: boolean; attempts: number }) {
    super(
      data.cancelled
        ? `authentication for ${redactUrl(data.url)} was cancelled`
        : `${redactUrl(data.url)} refused the credentials (HTTP ${data.status}) after ${data.attempts} attempt(s): pass onAuth returning { username, password } or { headers }`,
      data,
    );
  }
}

/** Why a server's answer is not the git protocol we expect. */
export type ProtocolFailure =
  | 'not-smart-http' // a dumb server or no git server at all
  | 'http-status' // an HTTP status the protocol has no meaning for
  | 'redirect-refused' // a redirect to another origin, or from https to http
  | 'pkt-line' // a malformed pkt-line
  | 'side-band' // a side-band packet on no known band
  | 'server-error' // the server reported a fatal error (ERR, or side-band 3)
  | 'unexpected' // a well-formed answer the protocol does not allow here
  | 'unsupported' // the server needs something we do not do (sha256, a missing capability)
  | 'pack-header' // the received bytes are not a pack
  | 'pack-checksum' // the pack's trailer is not the sha1 of its bytes
  | 'pack-truncated' // too short to be a pack
  | 'unpack-failed' // the server could not unpack what we pushed
  | 'report-status'; // the push report is missing or malformed

/** The answer is not the git smart-HTTP protocol, or its bytes are damaged (data.reason says which). */
export class RemoteProtocolError extends RemoteError<{ url?: string; reason: ProtocolFailure; detail?: string }> {
  readonly code = 'REMOTE_PROTOCOL' as const;
  constructor(data: { url?: string; reason: ProtocolFailure; detail?: string }) {
    super(
      `${data.url ? `${redactUrl(data.url)}: ` : ''}git protocol error (${data.reason})${data.detail ? `: ${data.detail}` : ''}`,
      data,
    );
  }
}

/** The server refused some ref updates of a push (with `atomic`, all of them). */
export class PushRejectedError extends RemoteError<{ url: string; refs: { ref: string; reason: string }[]; accepted: string[] }> {
  readonly code = 'PUSH_REJECTED' as const;
  constructor(data: { url: string; refs: { ref: string; reason: string }[]; accepted: string[] }) {
    const list = data.refs.map((r) => `${r.ref} (${r.reason})`).join(', ');
    const moved = data.refs.some((r) => /non-fast-forward|fetch first|stale|failed to update ref|atomic/.test(r.reason));
    super(`${redactUrl(data.url)} rejected the push of ${list}${moved ? ': fetch and merge first, or push with force' : ''}`, data);
  }
}

/** The URL without any user:password in it, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
