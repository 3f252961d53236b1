// Where a model's objects live in the tree. A template such as `{model}/{id}/data.json` is split
// into segments; exactly one holds {id} (maybe with a fixed prefix or suffix, as in `{id}.json`).
import { ConfigurationError } from '../errors.js';
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

  constructor(template: string, model: string) {
    const segments = template.replaceAll('{model}', model).split('/');
    const at = segments.findIndex((s) => s.includes('{id}'));
    const bad = (why: string) => new ConfigurationError(`${model}: path layout "${template}" ${why}`, { model });
    if (at < 0 || segments.filter((s) => s.includes('{id}')).length > 1 || segments[at].split('{id}').length > 2) {
      throw bad('must contain {id} exactly once');
    }
    for (const s of segments) {
      if (!s || s === '.' || s === '..' || /[{}\\\0]/.test(s.replace('{id}', ''))) throw bad(`has an unusable segment "${s}"`);
    }
    const [prefix, suffix] = segments[at].split('{id}');
    this.before = segments.slice(0, at);
    this.idSegment = { prefix, suffix };
    this.after = segments.slice(at + 1);
  }

  /** Objects have a folder of their own (for blob files) when {id} names a directory. */
  get hasFolder(): boolean {
    return this.after.length > 0;
  }

  private idName(id: string): string {
    return `${this.idSegment.prefix}${id}${this.idSegment.suffix}`;
  }

  dataPath(id: string): string {
    return [...this.before, this.idName(id), ...this.after].join('/');
  }

  /** The folder holding an object's files (only when hasFolder). */
  folder(id: string): string {
    return [...this.before, this.idName(id)].join('/');
  }

  /** What to remove to delete an object: its folder, or its data file. */
  root(id: string): string {
    return this.hasFolder ? this.folder(id) : this.dataPath(id);
  }

  /** The object a path belongs to, and whether it is that object's data file. */
  locate(path: string): { id: string; data: boolean } | undefined {
    const parts = path.split('/');
    const n = this.before.length;
    if (parts.length <= n || this.before.some((s, i) => s !== parts[i])) return undefined;
    const id = this.parseIdName(parts[n]);
    if (id === undefined) return undefined;
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
    const entries = await reader.list(this.before.join('/'));
    const want = this.hasFolder ? 'dir' : 'file';
    const ids: string[] = [];
    for (const [name, kind] of entries) {
      if (kind !== want) continue;
      const id = this.parseIdName(name);
      if (id !== undefined) ids.push(id);
    }
    // staged entries sit in insertion order; callers get one order whatever was staged
    return ids.sort();
  }
}
