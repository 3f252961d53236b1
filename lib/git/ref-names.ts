// What git accepts as a ref name (git check-ref-format), so a branch or tag we write is one that
// every git tool can read, and a name can never climb out of refs/.
export function refNameProblem(name: string): string | undefined {
  if (!name) return 'it is empty';
  if (name.length > 255) return 'it is longer than 255 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{') || name === '@') return 'it contains "@{" or is "@"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a component starts with "."';
    if (part.endsWith('.lock')) return 'a component ends with ".lock"';
  }
  return undefined;
}

/** A branch name additionally may not start with "-" or be "HEAD" (git check-ref-format --branch). */
export function branchNameProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'it starts with "-"';
  if (name === 'HEAD') return '"HEAD" is not a branch name';
  return refNameProblem(name);
}

/**
 * What is wrong with a batch of ref updates over the refs `existing` (undefined: nothing): a name
 * outside refs/, one git would not accept, or one given twice, or one the batch creates that clashes, as file and folder, with a
 * ref there after it (`a` beside `a/b`).
 */
export function transactionProblem(updates: readonly { name: string; next: string | null }[], existing: Iterable<string>): { name: string; reason: string } | undefined {
  const seen = new Set<string>();
  for (const { name } of updates) {
    if (!name.startsWith('refs/')) return { name, reason: 'a transaction moves refs under refs/ only' };
    // checked here, for every backend: a name is a path on disk (refs/../x would climb out)
    const bad = refNameProblem(name);
    if (bad) return { name, reason: bad };
    if (seen.has(name)) return { name, reason: 'it is given twice in one transaction' };
    seen.add(name);
  }
  const after = new Set(existing);
  for (const u of updates) {
    if (u.next === null) after.delete(u.name);
    else after.add(u.name);
  }
  const sorted = [...after].sort();
  for (const u of updates) {
    if (u.next === null) continue;
    const parts = u.name.split('/');
    for (let n = 2; n < parts.length; n++) {
      const above = parts.slice(0, n).join('/');
      if (after.has(above)) return { name: u.name, reason: `it clashes with the ref ${above}: a name cannot also be a folder of others` };
    }
    // the first name after `<name>/` in order is below it if any is
    const folder = `${u.name}/`;
    let lo = 0;
    for (let hi = sorted.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < folder) lo = mid + 1;
      else hi = mid;
    }
    if (sorted[lo]?.startsWith(folder)) return { name: u.name, reason: `it clashes with the ref ${sorted[lo]}: a name cannot also be a folder of others` };
  }
  return undefined;
}
