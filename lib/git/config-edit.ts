// Editing git's config text the way `git config` does: a section's lines replaced or removed,
// everything else (other sections, unknown keys, comments, order) kept byte for byte. The reader
// is config.ts; the git directory writes the result under `config.lock` (git-dir-backend.ts).
import type { ConfigEdit } from './ports.js';

const HEADER = /^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\\n]|\\.)*)")?\s*\]/;

function unescapeSub(sub: string): string {
  return sub.replace(/\\(.)/g, '$1');
}

function quoteSub(sub: string): string {
  if (/[\n\0]/.test(sub)) throw new TypeError(`${JSON.stringify(sub)} cannot be a config subsection`);
  return sub.replace(/[\\"]/g, (c) => `\\${c}`);
}

/** A value as git writes it: quoted when it has leading/trailing space or comment characters. */
export function formatConfigValue(value: string): string {
  if (/\0/.test(value)) throw new TypeError('a config value cannot hold a NUL');
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return /^\s|\s$|[;#]/.test(value) ? `"${escaped}"` : escaped;
}

/** The config text with each edit applied in order. */
export function applyConfigEdits(text: string, edits: readonly ConfigEdit[]): string {
  let lines = text.length === 0 ? [] : text.split(/(?<=\n)/);
  for (const edit of edits) {
    if (!/^[A-Za-z0-9-]+$/.test(edit.section)) throw new TypeError(`${JSON.stringify(edit.section)} is not a config section name`);
    const kept: string[] = [];
    let inside = false;
    let insertAt = -1;
    for (const line of lines) {
      const header = HEADER.exec(line);
      if (header) {
        const sub = header[2] === undefined ? undefined : unescapeSub(header[2]);
        inside = header[1].toLowerCase() === edit.section.toLowerCase() && sub === edit.subsection;
        if (inside && insertAt < 0) insertAt = kept.length;
      }
      if (!inside) kept.push(line);
    }
    if (edit.entries !== null) {
      const block = [`[${edit.section}${edit.subsection === undefined ? '' : ` "${quoteSub(edit.subsection)}"`}]\n`];
      for (const [key, value] of edit.entries) {
        if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key)) throw new TypeError(`${JSON.stringify(key)} is not a config key`);
        block.push(`\t${key} = ${formatConfigValue(value)}\n`);
      }
      if (insertAt < 0) {
        if (kept.length > 0 && !kept[kept.length - 1].endsWith('\n')) kept[kept.length - 1] += '\n';
        kept.push(...block);
      } else kept.splice(insertAt, 0, ...block);
    }
    lines = kept;
  }
  return lines.join('');
}
