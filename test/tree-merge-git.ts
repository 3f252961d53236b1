// Helpers for the tree-merge tests: commits made with `git fast-import`, every object of the
// repository loaded into memory (so a merge's reads are counted exactly, and timed without I/O),
// a JSON field merge standing in for the model layer's resolver, and layouts for flat and sharded
// `page/{id}/data.json` plus a data-file layout `note/{id}.json`.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseTree, type TreeEntry } from '../lib/git/tree.js';
import type { Fingerprint, MergeLayout, ObjectFile, ObjectMergeRequest, ObjectMerge, ReadTreeBytes, TreeChange } from '../lib/merge/merge-types.js';
import { applyChanges } from '../lib/merge/tree-apply.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import { GIT_ENV, git, tempDir } from './helpers.js';

installPlatform(nodePlatform);

let clock = 1_700_000_000;

/** A bare scratch repository with commits made by fast-import and objects read back whole. */
export class ScratchRepo {
  readonly dir = tempDir();
  private objects = new Map<string, { type: string; content: Uint8Array }>();
  private seq = 0;

  constructor() {
    git(this.dir, 'init', '-q', '--bare');
  }

  /** A commit whose tree is the parent's (the first one) with `files` written (null: removed). */
  commit(parents: string[], files: Record<string, string | null>, options: { clear?: boolean; message?: string } = {}): string {
    const ref = `refs/heads/scratch-${++this.seq}`;
    clock += 60;
    const parts: string[] = [`reset ${ref}\n`, `commit ${ref}\n`, `committer T <t@example.com> ${clock} +0000\n`];
    const message = options.message ?? `commit ${this.seq}`;
    parts.push(`data ${Buffer.byteLength(message)}\n${message}\n`);
    if (parents[0]) parts.push(`from ${parents[0]}\n`);
    for (const p of parents.slice(1)) parts.push(`merge ${p}\n`);
    if (options.clear) parts.push('deleteall\n');
    for (const [path, content] of Object.entries(files)) {
      if (content === null) parts.push(`D ${path}\n`);
      else parts.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
    }
    const run = spawnSync('git', ['--git-dir', this.dir, 'fast-import', '--quiet', '--force'], { input: parts.join(''), env: GIT_ENV, maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`fast-import failed: ${run.stderr}`);
    return git(this.dir, 'rev-parse', ref).trim();
  }

  treeOf(commit: string): string {
    return git(this.dir, 'rev-parse', `${commit}^{tree}`).trim();
  }

  /** Loads every object of the repository (call after the commits are made). */
  load(): void {
    const out = execFileSync('git', ['--git-dir', this.dir, 'cat-file', '--batch-all-objects', '--batch'], { env: GIT_ENV, maxBuffer: 1 << 30 });
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let at = 0;
    while (at < bytes.length) {
      const nl = bytes.indexOf(10, at);
      const [oid, type, size] = Buffer.from(bytes.subarray(at, nl)).toString('latin1').split(' ');
      const start = nl + 1;
      const end = start + Number(size);
      this.objects.set(oid, { type, content: bytes.subarray(start, end) });
      at = end + 1;
    }
  }

  /** Adds objects made in memory (a merge's new trees and blobs). */
  add(objects: Iterable<{ oid: string; type: string; content: Uint8Array }>): void {
    for (const o of objects) this.objects.set(o.oid, { type: o.type, content: o.content });
  }

  object(oid: string): Uint8Array {
    const hit = this.objects.get(oid);
    if (!hit) throw new Error(`no object ${oid}`);
    return hit.content;
  }

  /** A counting reader of raw tree bytes (and, through `blob`, of blobs). */
  reader(): CountingReader {
    const reads: string[] = [];
    return {
      reads,
      tree: async (oid) => {
        reads.push(oid);
        return this.object(oid);
      },
      blob: (oid) => {
        reads.push(oid);
        return this.object(oid);
      },
    };
  }

  /** Every file under a tree: path → blob oid. */
  files(tree: string | null, prefix = ''): Map<string, string> {
    const out = new Map<string, string>();
    if (tree === null) return out;
    for (const [name, entry] of parseTree(this.object(tree))) {
      if (entry.mode === '40000') for (const [p, o] of this.files(entry.oid, `${prefix}${name}/`)) out.set(p, o);
      else out.set(prefix + name, entry.oid);
    }
    return out;
  }

  text(oid: string): string {
    return Buffer.from(this.object(oid)).toString('utf8');
  }

  /** The tree `changes` make of `ours`, with its new objects made readable here. */
  async apply(ours: string | null, changes: readonly TreeChange[]): Promise<string | null> {
    const applied = await applyChanges(async (oid) => this.object(oid), ours, changes);
    this.add(applied.objects);
    return applied.tree;
  }

  /** `git merge-tree --write-tree`: the merged tree and whether git found it clean. */
  gitMerge(ours: string, theirs: string): { tree: string; clean: boolean } {
    const run = spawnSync('git', ['--git-dir', this.dir, 'merge-tree', '--write-tree', '--allow-unrelated-histories', ours, theirs], { env: GIT_ENV, encoding: 'utf8' });
    if (run.status !== 0 && run.status !== 1) throw new Error(`merge-tree failed: ${run.stderr}`);
    return { tree: run.stdout.split('\n')[0], clean: run.status === 0 };
  }
}

export interface CountingReader {
  reads: string[];
  tree: ReadTreeBytes;
  blob(oid: string): Uint8Array;
}

/** A page's data file, canonical: slug first, then the fields in the order given. */
export function pageJson(slug: string, fields: Record<string, unknown>): string {
  return `${JSON.stringify({ slug, ...fields }, null, 2)}\n`;
}

export function shardOf(id: string): string {
  return createHash('sha1').update(id).digest('hex').slice(0, 2);
}

/** `page/{id}/data.json`, or `page/{shard}/{id}/data.json` with `sharded`. */
export function pagePath(id: string, sharded = false): string {
  return sharded ? `page/${shardOf(id)}/${id}/data.json` : `page/${id}/data.json`;
}

/** A catalog-like ObjectOf: pages as folders (flat or sharded), notes as data files. */
export function objectOf(sharded = false): (path: string) => { model: string | null; id: string | null; root: string } {
  return (path) => {
    const parts = path.split('/');
    if (parts[0] === 'page') {
      const at = sharded ? 2 : 1;
      if (parts.length > at + 1 && (!sharded || parts[1] === shardOf(parts[2])) && !parts[at].includes('\0')) {
        return { model: 'page', id: parts[at], root: parts.slice(0, at + 1).join('/') };
      }
    }
    if (parts[0] === 'note' && parts.length === 2 && parts[1].endsWith('.json')) return { model: 'note', id: parts[1].slice(0, -5), root: path };
    return { model: null, id: null, root: path };
  };
}

/** The flat page layout written directly (no probe). */
export const flatLayout: MergeLayout = {
  objectAt: (path, tree) => {
    const slash = path.indexOf('/');
    return tree && path.startsWith('page/') && path.indexOf('/', slash + 1) < 0 ? { model: 'page', id: path.slice(slash + 1) } : undefined;
  },
};

export interface FieldConflict {
  kind: 'field';
  model: string;
  id: string;
  field: string;
  base: unknown;
  ours: unknown;
  theirs: unknown;
}

/**
 * A stand-in for the model layer: decodes the three data files, merges field by field (equal →
 * it; one side changed → that side; both → a conflict keeping ours', or the base's in a virtual
 * base), writes canonical JSON. Blob files beside the data file are kept from ours by entry.
 */
export function jsonResolver(repo: ScratchRepo, reader: CountingReader, calls: ObjectMergeRequest[] = []) {
  const dataOf = (entry: TreeEntry | undefined): { data?: Record<string, unknown>; others: [string, TreeEntry][] } => {
    if (!entry) return { others: [] };
    if (entry.mode !== '40000') {
      reader.blob(entry.oid);
      return { data: JSON.parse(repo.text(entry.oid)), others: [] };
    }
    reader.reads.push(entry.oid);
    const tree = parseTree(repo.object(entry.oid));
    const file = tree.get('data.json');
    reader.blob(file!.oid);
    return { data: JSON.parse(repo.text(file!.oid)), others: [...tree].filter(([name]) => name !== 'data.json') };
  };
  return async (request: ObjectMergeRequest): Promise<ObjectMerge<FieldConflict>> => {
    calls.push(request);
    const base = dataOf(request.base).data;
    const ours = dataOf(request.ours);
    const theirs = dataOf(request.theirs).data!;
    const merged: Record<string, unknown> = {};
    const conflicts: FieldConflict[] = [];
    const keys = [...new Set([...Object.keys(ours.data!), ...Object.keys(theirs)])];
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (const key of keys) {
      const b = base?.[key];
      const o = ours.data![key];
      const t = theirs[key];
      let value: unknown;
      if (same(o, t)) value = o;
      else if (base && same(b, o)) value = t;
      else if (base && same(b, t)) value = o;
      else {
        conflicts.push({ kind: 'field', model: request.model, id: request.id, field: key, base: b, ours: o, theirs: t });
        value = request.virtual && base ? b : o;
      }
      if (value !== undefined) merged[key] = value;
    }
    const text = `${JSON.stringify(merged, null, 2)}\n`;
    const files: ObjectFile[] = [];
    if (request.ours.mode !== '40000') files.push({ path: request.path, data: new TextEncoder().encode(text) });
    else {
      files.push({ path: `${request.path}/data.json`, data: new TextEncoder().encode(text) });
      for (const [name, entry] of ours.others) files.push({ path: `${request.path}/${name}`, entry });
    }
    return { files, conflicts };
  };
}

/** Fields but the slug, as a fingerprint for moves. */
export function jsonFingerprint(repo: ScratchRepo, reader: CountingReader): Fingerprint {
  return async ({ entry }) => {
    let oid = entry.oid;
    if (entry.mode === '40000') {
      reader.reads.push(entry.oid);
      oid = parseTree(repo.object(entry.oid)).get('data.json')!.oid;
    }
    reader.blob(oid);
    const { slug: _slug, id: _id, ...rest } = JSON.parse(repo.text(oid));
    return JSON.stringify(rest);
  };
}
