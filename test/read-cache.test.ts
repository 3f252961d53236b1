// Reads are served from a cache of decoded data files (filled by reads and saves). These tests pin
// down that the cache is invisible: no instance shares mutable state with another, and what a get
// returns after a save is what decoding the stored bytes gives.
import { describe, expect, it } from 'vitest';
import { Field, Model, Workspace } from '../lib/index.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';

class Note extends Model {
  @Field({ id: true }) key!: string;
  @Field({ type: [String] }) tags: string[] = [];
  @Field() at!: Date;
  @Field.json() meta: unknown = {};
  @Field() score: number = 0;
}

async function setup() {
  const path = newRepoPath();
  const ws = await Workspace.open(path);
  ws.register(Note);
  return { path, ws };
}

describe('decoded-object cache', () => {
  it('instances never share arrays, dates or JSON with each other or with the cache', async () => {
    const { path, ws } = await setup();
    const note = new Note({ key: 'n', tags: ['a'], at: new Date('2026-01-01T00:00:00Z'), meta: { x: [1] } });
    await note.save({ commit: true, message: 'n' });
    note.tags.push('mutated after save');
    note.at.setUTCFullYear(1999);
    (note.meta as { x: number[] }).x.push(2);

    const first = await Note.get('n');
    expect(first.tags).toEqual(['a']);
    expect(first.at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(first.meta).toEqual({ x: [1] });
    first.tags.push('mutated after get');
    first.at.setUTCFullYear(2000);
    (first.meta as { x: number[] }).x.push(3);

    const second = await Note.get('n');
    expect(second.tags).toEqual(['a']);
    expect(second.at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(second.meta).toEqual({ x: [1] });
    expect(JSON.parse(git(path, 'show', 'main:note/n/data.json')).tags).toEqual(['a']);
    expectFsckClean(path);
    void ws;
  });

  it('a get after a save returns what decoding the stored bytes returns (sorted JSON keys, -0 as 0)', async () => {
    const { path } = await setup();
    await new Note({ key: 'k', at: new Date(0), meta: { b: 1, a: { d: 2, c: 3 } }, score: -0 }).save({ commit: true, message: 'k' });
    const cached = await Note.get('k');
    // the cached copy made at save time must match what git stores
    const stored = JSON.parse(git(path, 'show', 'main:note/k/data.json'));
    expect(Object.keys(cached.meta as object)).toEqual(Object.keys(stored.meta));
    expect(Object.keys((cached.meta as { a: object }).a)).toEqual(['c', 'd']);
    expect(Object.is(cached.score, 0)).toBe(true);
  });

  it('an object changed by another writer is read fresh: the cache is keyed by content, not by id', async () => {
    const { path, ws } = await setup();
    await new Note({ key: 'k', at: new Date(0), tags: ['one'] }).save({ commit: true, message: 'one' });
    expect((await Note.get('k')).tags).toEqual(['one']);
    // the same id, new content, written through a second workspace on the same repository
    const other = await Workspace.open(path);
    class Note2 extends Note {}
    Object.defineProperty(Note2, 'name', { value: 'Note' });
    other.register(Note2);
    const loaded = await Note2.get('k');
    loaded.tags = ['two'];
    await loaded.save({ commit: true, message: 'two' });
    expect((await Note.get('k', { at: 'main' })).tags).toEqual(['two']);
    expect((await Note.get('k', { at: 'main~1' })).tags).toEqual(['one']);
    void ws;
  });
});
