// Where gitmodel's own namespaces live on a remote and where they are kept locally after a fetch
// (docs/SYNC.md, "Namespaces"). Checkpoints and streams fetched from a remote are NOT kept under
// refs/remotes/<remote>/: that folder belongs to the remote's branches (`+refs/heads/*:
// refs/remotes/<remote>/*`), and a branch named `checkpoints/x` would land on the same ref as the
// checkpoint `x`. They go under refs/gitmodel/remotes/<remote>/, which no branch refspec reaches.
import { refNameProblem } from '../git/ref-names.js';
import { RemoteNotFoundError } from '../git/remote/errors.js';

export const CHECKPOINTS = 'refs/checkpoints/';
export const STREAMS = 'refs/gitmodel/streams/';
/** Remote-tracking refs of gitmodel's namespaces: refs/gitmodel/remotes/<remote>/{checkpoints,streams}/… */
export const REMOTE_NAMESPACES = 'refs/gitmodel/remotes/';

/** A remote's folder of tracking refs: a configured remote's name only (a URL has no place to keep them). */
function remoteFolder(remote: string): string {
  if (remote.includes('/') || refNameProblem(remote)) throw new RemoteNotFoundError({ remote });
  return `${REMOTE_NAMESPACES}${remote}/`;
}

export const remoteCheckpoints = (remote: string): string => `${remoteFolder(remote)}checkpoints/`;
export const remoteStreams = (remote: string): string => `${remoteFolder(remote)}streams/`;

/** The fetch refspec of a remote's checkpoints. */
export const checkpointsFetchSpec = (remote: string): string => `+${CHECKPOINTS}*:${remoteCheckpoints(remote)}*`;
/** The fetch refspec of a remote's streams. */
export const streamsFetchSpec = (remote: string): string => `+${STREAMS}*:${remoteStreams(remote)}*`;

/**
 * The local ref that tracks `ref` of the remote `remote` (a push's lease, moved after a push), or
 * undefined for a ref gitmodel does not track.
 */
export function trackingRef(remote: string, ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return `refs/remotes/${remote}/${ref.slice('refs/heads/'.length)}`;
  if (ref.startsWith(CHECKPOINTS)) return remoteCheckpoints(remote) + ref.slice(CHECKPOINTS.length);
  if (ref.startsWith(STREAMS)) return remoteStreams(remote) + ref.slice(STREAMS.length);
  return undefined;
}

/**
 * Whether a ref name a server advertised may become a local ref: a valid git ref name under
 * refs/ (or HEAD). Anything else (`..`, control characters, `refs/heads/../../x`) is hostile
 * input that would name a file outside refs/ — skipped, as git skips "a ref with a broken name".
 */
export function acceptableRemoteRef(name: string): boolean {
  return name === 'HEAD' || (name.startsWith('refs/') && refNameProblem(name) === undefined);
}
