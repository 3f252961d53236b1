// Refspecs, as git writes them in `remote.<name>.fetch` / `.push` and takes on the command line:
// `[+]<src>[:<dst>]`, with at most one `*` on each side. Which refs a set of refspecs selects and
// what each one becomes, following git 2.39's remote.c (match_name_with_pattern, get_fetch_map,
// the ref_rev_parse_rules of an abbreviated source) so that gitmodel and `git fetch` by hand agree.
// Negative refspecs (`^ref`) are not supported.

export interface Refspec {
  /** the source: a full ref name, an abbreviation (`main`), or a pattern with one `*`; '' in `:dst` */
  src: string;
  /** the destination; undefined when the refspec names no destination (`main`) */
  dst?: string;
  /** `+`: update the destination even when it is not a fast-forward */
  force: boolean;
  /** both sides hold a `*` */
  pattern: boolean;
}

/** One selected ref and where it goes. */
export interface RefMapping {
  src: string;
  /** undefined: selected but stored nowhere (a refspec without destination) */
  dst?: string;
  force: boolean;
}

export class RefspecError extends TypeError {
  constructor(readonly refspec: string, reason: string) {
    super(`invalid refspec ${JSON.stringify(refspec)}: ${reason}`);
    this.name = 'RefspecError';
  }
}

/** Parses one refspec; a RefspecError when git would refuse it. */
export function parseRefspec(text: string): Refspec {
  const force = text.startsWith('+');
  const body = force ? text.slice(1) : text;
  if (body.startsWith('^')) throw new RefspecError(text, 'negative refspecs are not supported');
  const colon = body.indexOf(':');
  const src = colon < 0 ? body : body.slice(0, colon);
  const dst = colon < 0 ? undefined : body.slice(colon + 1);
  if (dst !== undefined && dst.includes(':')) throw new RefspecError(text, 'more than one ":"');
  const globs = (s: string) => s.split('*').length - 1;
  if (globs(src) > 1 || (dst !== undefined && globs(dst) > 1)) throw new RefspecError(text, 'more than one "*" on a side');
  const pattern = globs(src) === 1;
  if (dst !== undefined && dst !== '' && pattern !== (globs(dst) === 1)) {
    throw new RefspecError(text, 'a "*" on one side only');
  }
  if (src === '' && dst === undefined) throw new RefspecError(text, 'empty');
  for (const part of [src, dst ?? '']) {
    if (/[\0- \x7f~^?\\[]|\.\.|@\{|\/\/|^\/|\/$|\.lock(\/|$)|\/\./.test(part)) {
      throw new RefspecError(text, `${JSON.stringify(part)} is not a valid ref name`);
    }
  }
  return { src, dst: dst === '' && src !== '' ? undefined : dst, force, pattern };
}

/** A refspec as git writes it. */
export function formatRefspec(spec: Refspec): string {
  return `${spec.force ? '+' : ''}${spec.src}${spec.dst !== undefined ? `:${spec.dst}` : ''}`;
}

/**
 * What the `*` of `pattern` stands for when `name` matches it (any text, slashes included), ''
 * when a pattern without `*` equals the name, undefined when it does not match.
 */
export function matchRef(pattern: string, name: string): string | undefined {
  const star = pattern.indexOf('*');
  if (star < 0) return name === pattern ? '' : undefined;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  if (name.length < prefix.length + suffix.length || !name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  return name.slice(prefix.length, name.length - suffix.length);
}

/** `pattern` with its `*` replaced by `middle` (a pattern without `*` as it is). */
export function expandRef(pattern: string, middle: string): string {
  return pattern.replace('*', () => middle);
}

/** git's ref_rev_parse_rules: where an abbreviated name is looked for, first match wins. */
const ABBREVIATIONS = ['%s', 'refs/%s', 'refs/tags/%s', 'refs/heads/%s', 'refs/remotes/%s', 'refs/remotes/%s/HEAD'];

/** The ref an abbreviated source names among `names` (git's find_ref_by_name_abbrev), or undefined. */
export function resolveAbbreviation(abbrev: string, names: Iterable<string>): string | undefined {
  // a Set is used as given: mapFetch/mapPush resolve one per refspec (a mirror has one per ref)
  const available = names instanceof Set ? (names as Set<string>) : new Set(names);
  for (const rule of ABBREVIATIONS) {
    const candidate = rule.replace('%s', abbrev);
    if (available.has(candidate)) return candidate;
  }
  return undefined;
}

/** A fetch destination as git completes it (get_local_ref): `x` → refs/heads/x, `tags/x` → refs/tags/x. */
export function fetchDestination(dst: string): string {
  if (dst.startsWith('refs/')) return dst;
  if (dst.startsWith('heads/') || dst.startsWith('tags/') || dst.startsWith('remotes/')) return `refs/${dst}`;
  return `refs/heads/${dst}`;
}

/**
 * The refs a fetch with these refspecs takes from the advertised `names` and where each goes,
 * in refspec order (git's get_fetch_map). A pattern skips names that are not valid under it
 * (`HEAD`, peeled `^{}` entries); an exact source that the server does not have is an error, as
 * in git ("couldn't find remote ref"). Two different sources for one destination is an error
 * ("Cannot fetch both …"); the same mapping twice is kept once.
 */
export function mapFetch(refspecs: readonly (Refspec | string)[], names: Iterable<string>): RefMapping[] {
  const advertised = [...names].filter((n) => !n.endsWith('^{}'));
  let advertisedSet: Set<string> | undefined;
  const out: RefMapping[] = [];
  const byDst = new Map<string, RefMapping>();
  const add = (m: RefMapping) => {
    if (m.dst === undefined) {
      if (!out.some((o) => o.dst === undefined && o.src === m.src)) out.push(m);
      return;
    }
    const seen = byDst.get(m.dst);
    if (seen) {
      if (seen.src !== m.src) throw new RefspecError(m.dst, `cannot fetch both ${seen.src} and ${m.src} to ${m.dst}`);
      seen.force ||= m.force;
      return;
    }
    byDst.set(m.dst, m);
    out.push(m);
  };
  for (const item of refspecs) {
    const spec = typeof item === 'string' ? parseRefspec(item) : item;
    if (spec.src === '') throw new RefspecError(formatRefspec(spec), 'a fetch needs a source');
    if (spec.pattern) {
      for (const name of advertised) {
        if (!name.startsWith('refs/')) continue;
        const middle = matchRef(spec.src, name);
        if (middle !== undefined) add({ src: name, dst: spec.dst === undefined ? undefined : expandRef(spec.dst, middle), force: spec.force });
      }
      continue;
    }
    const src = resolveAbbreviation(spec.src, (advertisedSet ??= new Set(advertised)));
    if (src === undefined) throw new RefspecError(formatRefspec(spec), `the remote has no ref ${JSON.stringify(spec.src)}`);
    add({ src, dst: spec.dst === undefined ? undefined : fetchDestination(spec.dst), force: spec.force });
  }
  return out;
}

/**
 * The sources a destination ref may have come from under these refspecs (git's
 * query_refspecs_multiple): a remote-tracking ref is pruned when none of them is advertised any
 * more. Several when refspecs overlap: `refs/remotes/origin/checkpoints/a` is the branch
 * `checkpoints/a` under `refs/heads/*:refs/remotes/origin/*` and the checkpoint `a` under
 * `refs/checkpoints/*:refs/remotes/origin/checkpoints/*`.
 */
export function sourcesOf(refspecs: readonly (Refspec | string)[], dst: string): string[] {
  const out: string[] = [];
  for (const item of refspecs) {
    const spec = typeof item === 'string' ? parseRefspec(item) : item;
    if (spec.dst === undefined || spec.src === '') continue;
    const middle = matchRef(spec.dst, dst);
    if (middle !== undefined) out.push(expandRef(spec.src, middle));
  }
  return out;
}

/**
 * What a push with these refspecs updates: each local ref selected (`names`: local full ref
 * names; an abbreviated source is resolved among them) and the remote ref it goes to (the same
 * name when the refspec names none). `:dst` deletes: its mapping has src ''.
 */
export function mapPush(refspecs: readonly (Refspec | string)[], names: Iterable<string>): RefMapping[] {
  const local = [...names];
  let localSet: Set<string> | undefined;
  const out: RefMapping[] = [];
  for (const item of refspecs) {
    const spec = typeof item === 'string' ? parseRefspec(item) : item;
    if (spec.src === '') {
      out.push({ src: '', dst: fetchDestination(spec.dst!), force: spec.force });
    } else if (spec.pattern) {
      for (const name of local) {
        const middle = matchRef(spec.src, name);
        if (middle !== undefined) out.push({ src: name, dst: expandRef(spec.dst ?? spec.src, middle), force: spec.force });
      }
    } else {
      const src = resolveAbbreviation(spec.src, (localSet ??= new Set(local)));
      if (src === undefined) throw new RefspecError(formatRefspec(spec), `src refspec ${spec.src} does not match any`);
      out.push({ src, dst: pushDestination(src, spec), force: spec.force });
    }
  }
  return out;
}

/** A push destination: as written when it is a full name; `x` is a branch or a tag as its source is. */
function pushDestination(src: string, spec: Refspec): string {
  if (spec.dst === undefined) return src;
  if (spec.dst.startsWith('refs/')) return spec.dst;
  const kind = /^refs\/(heads|tags)\//.exec(src);
  if (!kind) throw new RefspecError(formatRefspec(spec), `the destination ${JSON.stringify(spec.dst)} is not a full ref name`);
  return `refs/${kind[1]}/${spec.dst}`;
}
