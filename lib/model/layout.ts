// Where a model's objects live in the tree. A template such as `{model}/{id}/data.json` is split
// into segments; exactly one holds {id} (maybe with a fixed prefix or suffix, as in `{id}.json`).
// A sharded layout has a `{shard}` folder before it: the first hex digits of sha1(id).
import { ConfigurationError } from '../errors.js';
import { platform } from '../platform/current.js';
import { utf8 } from '../util/bytes.js';
import type { TreeReader } from '../workspace/snapshot.js';
import { idProblem } from './id.js';

interface IdSegment {
  prefix: string;
  suffix: string;
}

export class Layout {
  private readonly before: string[];
  private readonly idSegment: IdSegment;
  private readonly after: string[];

  private readonly shardAt: number;
  /** the fixed folders before the id and the fixed rest after it, as path strings */
  private readonly beforePath: string;
  private readonly afterPath: string;

  constructor(template: string, model: string, private readonly shard = 0) {
    const segments = template.replaceAll('{model}', model).split('/');
    const at = segments.findIndex((s) => s.includes('{id}'));
    const bad = (why: string) => new ConfigurationError(`${model}: path layout "${template}" ${why}`, { model });
    if (at < 0 || segments.filter((s) => s.includes('{id}')).length > 1 || segments[at].split('{id}').length > 2) {
      throw bad('must contain {id} exactly once');
    }
    this.shardAt = segments.indexOf('{shard}');
    const shardSegments = segments.filter((s) => s.includes('{shard}'));
    if (this.shardAt > at || shardSegments.length > (shard ? 1 : 0) || shardSegments.some((s) => s !== '{shard}')) {
      throw bad('may have one {shard} folder, before {id}');
    }
    for (const s of segments) {
      if (!s || s === '.' || s === '..' || /[{}\\\0]/.test(s.replace('{id}', '').replace('{shard}', ''))) throw bad(`has an unusable segment "${s}"`);
    }
    const [prefix, suffix] = segments[at].split('{id}');
    this.before = segments.slice(0, at);
    this.idSegment = { prefix, suffix };
    this.after = segments.slice(at + 1);
    this.beforePath = this.before.map((s) => `${s}/`).join('');
    this.afterPath = this.after.map((s) => `/${s}`).join('');
  }

  /** Objects have a folder of their own (for blob files) when {id} names a directory. */
  get hasFolder(): boolean {
    return this.after.length > 0;
  }

  private idName(id: string): string {
    return `${this.idSegment.prefix}${id}${this.idSegment.suffix}`;
  }

  shardOf(id: string): string {
    return platform().sha1(utf8(id)).slice(0, this.shard);
  }

  /** The folders leading to an object's id segment, with its shard filled in. */
  private prefix(id: string): string[] {
    return this.shardAt < 0 ? this.before : this.before.map((s, i) => (i === this.shardAt ? this.shardOf(id) : s));
  }

  dataPath(id: string): string {
    if (this.shardAt < 0) return `${this.beforePath}${this.idName(id)}${this.afterPath}`;
    return [...this.prefix(id), this.idName(id), ...this.after].join('/');
  }

  /** The folder holding an object's files (only when hasFolder). */
  folder(id: string): string {
    return [...this.prefix(id), this.idName(id)].join('/');
  }

  /**
   * The folder every object lives in: the leading segments that the roots of two ids share.
   * "x" and "y" differ in the first hex digit of their sha1, so a shard folder is not shared.
   */
  sharedFolder(): string {
    const a = this.root('x').split('/');
    const b = this.root('y').split('/');
    let n = 0;
    while (n < a.length - 1 && a[n] === b[n]) n++;
    return a.slice(0, n).join('/');
  }

  /** What to remove to delete an object: its folder, or its data file. */
  root(id: string): string {
    return this.hasFolder ? this.folder(id) : this.dataPath(id);
  }

  /** The object a path belongs to, and whether it is that object's data file. */
  locate(path: string): { id: string; data: boolean } | undefined {
    const parts = path.split('/');
    const n = this.before.length;
    if (parts.length <= n || this.before.some((s, i) => i !== this.shardAt && s !== parts[i])) return undefined;
    const id = this.parseIdName(parts[n]);
    if (id === undefined || (this.shardAt >= 0 && parts[this.shardAt] !== this.shardOf(id))) return undefined;
    const rest = parts.slice(n + 1);
    if (rest.length === this.after.length && rest.every((s, i) => s === this.after[i])) return { id, data: true };
    return this.hasFolder && rest.length > 0 ? { id, data: false } : undefined;
  }

  private parseIdName(name: string): string | undefined {
    const { prefix, suffix } = this.idSegment;
    if (name.length < prefix.length + suffix.length || !name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
    const id = name.slice(prefix.length, name.length - suffix.length);
    return idProblem(id) ? undefined : id;
  }

  /** Ids of the objects present, sorted (it checks names, not that each data file exists). */
  async ids(reader: TreeReader): Promise<string[]> {
    const folders = [this.before.join('/')];
    if (this.shardAt >= 0) {
      const above = this.before.slice(0, this.shardAt).join('/');
      const below = this.before.slice(this.shardAt + 1);
      folders.length = 0;
      for (const [name, kind] of await reader.list(above)) {
        if (kind === 'dir' && name.length === this.shard && /^[0-9a-f]+$/.test(name)) {
          folders.push([...this.before.slice(0, this.shardAt), name, ...below].join('/'));
        }
      }
    }
    const want = this.hasFolder ? 'dir' : 'file';
    const ids: string[] = [];
    for (const folder of folders) {
      for (const [name, kind] of await reader.list(folder)) {
        if (kind !== want) continue;
        const id = this.parseIdName(name);
        if (id !== undefined && (this.shardAt < 0 || folder.split('/')[this.shardAt] === this.shardOf(id))) ids.push(id);
      }
    }
    // staged entries sit in insertion order; callers get one order whatever was staged
    return ids.sort();
  }
}
