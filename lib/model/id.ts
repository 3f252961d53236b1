// Ids become path segments, so each is checked before anything is read or written with it. The
// rules are the ones every path segment gitmodel writes follows (git/path-names.ts).
import { UnsafeIdError } from '../errors.js';
import { segmentProblem } from '../git/path-names.js';

const MAX_ID_BYTES = 200;

/** Why an id is unsafe as a path segment, or undefined when it is fine. */
export function idProblem(id: unknown): string | undefined {
  return segmentProblem(id, MAX_ID_BYTES);
}

export function assertSafeId(model: string, id: unknown): asserts id is string {
  const problem = idProblem(id);
  if (problem) throw new UnsafeIdError({ model, id: String(id), reason: problem });
}
