// Git's config file format, parsed as git parses it (config.c): sections and subsections, quoting
// and escapes, comments, line continuations, several values per key. The parser takes text; which
// files are read, and in what order, is for the caller (see workspace/signature.ts).

/** A config file git itself would refuse to read, with the line it stops at. */
export class ConfigSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
    readonly source = 'config',
  ) {
    super(`bad config line ${line} in ${source}: ${reason}`);
    this.name = 'ConfigSyntaxError';
  }
}

/** One `key = value` line: the full key as git names it (`core.bare`, `remote.origin.url`). */
export interface ConfigEntry {
  /** section and key lower-cased, the subsection kept as written: `section.Sub Section.key` */
  readonly key: string;
  /** null for a key written without `=` (git reads it as true) */
  readonly value: string | null;
}

/**
 * The canonical form of a key: section and variable name lower-cased, a subsection (everything
 * between the first and the last dot) kept as it is, since git compares subsections exactly.
 */
export function canonicalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  if (first === last) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}.${key.slice(last + 1).toLowerCase()}`;
}

/** Parses a boolean as git does; undefined for a value git would call "bad boolean". */
export function parseBoolean(value: string | null): boolean | undefined {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  if (/^[-+]?\d+$/.test(v)) return Number(v) !== 0;
  return undefined;
}

export class GitConfig {
  private readonly byKey = new Map<string, (string | null)[]>();

  constructor(readonly entries: readonly ConfigEntry[] = []) {
    for (const { key, value } of entries) {
      const list = this.byKey.get(key);
      if (list) list.push(value);
      else this.byKey.set(key, [value]);
    }
  }

  /** These entries, then the other's: the other file's values win for `get`, as git reads files in order. */
  concat(other: GitConfig): GitConfig {
    return new GitConfig([...this.entries, ...other.entries]);
  }

  has(key: string): boolean {
    return this.byKey.has(canonicalKey(key));
  }

  /** The last value of a key (git's "last one wins"); null for a bare `key` line; undefined when unset. */
  get(key: string): string | null | undefined {
    const list = this.byKey.get(canonicalKey(key));
    return list ? list[list.length - 1] : undefined;
  }

  /** Every value of a key, in file order. */
  getAll(key: string): (string | null)[] {
    return [...(this.byKey.get(canonicalKey(key)) ?? [])];
  }

  /** The last value of a key as a boolean; undefined when unset or not a boolean git accepts. */
  getBoolean(key: string): boolean | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : parseBoolean(value);
  }

  /** The last value of a key as a string, a bare `key` (null) counting as unset. */
  getString(key: string): string | undefined {
    return this.get(key) ?? undefined;
  }

  /** Every key set, with its last value. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isKeyChar = (c: string) => isAlpha(c) || (c >= '0' && c <= '9') || c === '-';

/** Parses a config file's text. `source` names the file in errors. */
export function parseConfig(text: string, source = 'config'): GitConfig {
  // git reads "\r\n" as "\n"; a UTF-8 byte order mark at the start is skipped
  const s = text.replace(/^\uFEFF/, '');
  const entries: ConfigEntry[] = [];
  let at = 0;
  let line = 1;
  let section: string | undefined;
  const fail = (reason: string): never => {
    // a newline just read ended the line that is wrong
    throw new ConfigSyntaxError(s[at - 1] === '\n' ? line - 1 : line, reason, source);
  };
  /** The next character, CRLF read as LF; '' at the end (which git also treats as a line end). */
  const next = (): string => {
    if (at >= s.length) return '';
    let c = s[at++];
    if (c === '\r' && s[at] === '\n') c = s[at++];
    if (c === '\n') line++;
    return c;
  };
  const peek = (): string => (s[at] === '\r' && s[at + 1] === '\n' ? '\n' : s[at] ?? '');

  const parseSectionHeader = (): string => {
    // `[name]`, `[name "subsection"]`, or the old `[name.sub]` (all lower-cased)
    let name = '';
    for (;;) {
      const c = next();
      if (c === '' || c === '\n') fail('unterminated section header');
      if (c === ']') {
        if (!name) fail('empty section name');
        return name;
      }
      if (isSpace(c)) {
        if (!name) fail('empty section name');
        return `${name}.${parseSubsection()}`;
      }
      if (!isKeyChar(c) && c !== '.') fail(`invalid character ${JSON.stringify(c)} in a section name`);
      name += c.toLowerCase();
    }
  };
  const parseSubsection = (): string => {
    let c: string;
    do c = next();
    while (c !== '' && c !== '\n' && isSpace(c));
    if (c !== '"') fail('a subsection name must be quoted');
    let sub = '';
    for (;;) {
      c = next();
      if (c === '' || c === '\n') fail('unterminated subsection name');
      if (c === '"') break;
      if (c === '\\') {
        c = next();
        if (c === '' || c === '\n') fail('unterminated subsection name');
      }
      sub += c;
    }
    if (next() !== ']') fail('a subsection header must end with "]" right after the closing quote');
    return sub;
  };
  const parseValue = (): string => {
    let value = '';
    let quoted = false;
    let comment = false;
    let spaces = 0;
    for (;;) {
      const c = next();
      if (c === '' || c === '\n') {
        if (quoted) fail('unterminated quoted value');
        return value;
      }
      if (comment) continue;
      if (isSpace(c) && !quoted) {
        if (value) spaces++;
        continue;
      }
      if (!quoted && (c === ';' || c === '#')) {
        comment = true;
        continue;
      }
      value += ' '.repeat(spaces);
      spaces = 0;
      if (c === '\\') {
        const e = next();
        if (e === '\n') continue; // a line continuation
        if (e === 't') value += '\t';
        else if (e === 'n') value += '\n';
        else if (e === 'b') value += '\b';
        else if (e === '\\' || e === '"') value += e;
        else fail(`invalid escape "\\${e}" in a value`);
        continue;
      }
      if (c === '"') {
        quoted = !quoted;
        continue;
      }
      value += c;
    }
  };

  for (;;) {
    const c = next();
    if (c === '') break;
    if (c === '\n' || isSpace(c)) continue;
    if (c === '#' || c === ';') {
      while (at < s.length && next() !== '\n');
      continue;
    }
    if (c === '[') {
      section = parseSectionHeader();
      continue;
    }
    if (!isAlpha(c)) fail(`a key must start with a letter, not ${JSON.stringify(c)}`);
    let name = c.toLowerCase();
    while (isKeyChar(peek())) name += next().toLowerCase();
    while (peek() !== '\n' && peek() !== '' && isSpace(peek())) next();
    // git reads a key before any section header too, as a key without a section
    const key = section === undefined ? name : `${section}.${name}`;
    const after = peek();
    if (after === '\n' || after === '') {
      entries.push({ key, value: null });
      continue;
    }
    if (after !== '=') fail(`expected "=" after the key ${JSON.stringify(name)}`);
    next();
    entries.push({ key, value: parseValue() });
  }
  return new GitConfig(entries);
}
