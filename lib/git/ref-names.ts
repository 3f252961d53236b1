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
