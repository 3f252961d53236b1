// Transactions on a host without async context (a browser, lib/platform/web.ts): calls made inside
// ws.transaction(fn) pass the handle fn is given; a write without it while the transaction runs is
// refused at once (TransactionHandleError), never left waiting for a lock its own caller holds.
// Run in Node with the browser's platform installed, which has no asyncContext.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend, TransactionHandleError, Workspace } from '../lib/index.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import { webPlatform } from '../lib/platform/web.js';
import { Author, Page } from '../models-example/models.js';

beforeAll(() => installPlatform(webPlatform));
afterAll(() => installPlatform(nodePlatform));

async function open() {
  const ws = await Workspace.open(new MemoryBackend());
  ws.register(Page, Author);
  return ws;
}

async function slugs(ws: Workspace, at?: string): Promise<string[]> {
  ws.register(Page, Author);
  return (await Page.all(at === undefined ? {} : { at })).map((p) => p.slug);
}

async function commits(ws: Workspace): Promise<string[]> {
  const out: string[] = [];
  for await (const c of ws.walk()) out.push(c.message);
  return out;
}

describe('transactions without async context', () => {
  it('calls passing the handle join the transaction: one commit, their own { commit: true } only stages', async () => {
    const ws = await open();
    const oid = await ws.transaction(
      async (tx) => {
        await new Page({ slug: 'a', title: 'A' }).save({ tx, commit: true });
        await ws.files.write('notes.txt', 'n', { tx, commit: true });
        expect(await ws.commit({ message: 'inside', tx })).toBeNull();
        // a nested transaction joins; its failure undoes only its own changes
        await expect(
          ws.transaction(async (inner) => {
            await new Page({ slug: 'b', title: 'B' }).save({ tx: inner });
            throw new Error('inner');
          }, { tx }),
        ).rejects.toThrow('inner');
        await ws.transaction(async (inner) => new Page({ slug: 'c', title: 'C' }).save({ tx: inner }), { tx });
      },
      { message: 'together' },
    );
    expect(oid).toMatch(/^[0-9a-f]{40}$/);
    expect(await commits(ws)).toEqual(['together']);
    expect(await slugs(ws, 'HEAD')).toEqual(['a', 'c']);
    expect(await ws.files.readText('notes.txt', { at: 'HEAD' })).toBe('n');
  });

  it('a call inside without the handle is refused at once; the transaction fails and its changes are unstaged', async () => {
    const ws = await open();
    const outcome = ws.transaction(async (tx) => {
      await new Page({ slug: 'a', title: 'A' }).save({ tx });
      await new Page({ slug: 'b', title: 'B' }).save(); // no handle: would wait for this very transaction
    });
    const error = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionHandleError);
    expect((error as TransactionHandleError).code).toBe('TRANSACTION_HANDLE');
    expect((error as Error).message).toMatch(/page\.save\(\{ tx \}\)/);
    expect(ws.hasChanges()).toBe(false);
    expect(ws.head).toBeNull();
    // and a handle passed to the wrong level: the outer one inside a nested transaction
    const nested = await ws
      .transaction(async (tx) => ws.transaction(async () => new Page({ slug: 'x', title: 'X' }).save({ tx }), { tx }))
      .catch((e: unknown) => e);
    expect(nested).toBeInstanceOf(TransactionHandleError);
    expect(ws.hasChanges()).toBe(false);
  });

  it('writes from elsewhere while a transaction runs are refused; after it ends they work, a stale handle too', async () => {
    const ws = await open();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handle: unknown;
    const running = ws.transaction(async (tx) => {
      handle = tx;
      await new Page({ slug: 'a', title: 'A' }).save({ tx });
      await gate;
    });
    await new Promise((r) => setTimeout(r, 0));
    await expect(new Page({ slug: 'b', title: 'B' }).save()).rejects.toBeInstanceOf(TransactionHandleError);
    await expect(ws.commit({ message: 'now' })).rejects.toBeInstanceOf(TransactionHandleError);
    await expect(ws.files.write('f.txt', 'f')).rejects.toBeInstanceOf(TransactionHandleError);
    // another workspace is not held up
    const other = await open();
    await new Page({ slug: 'z', title: 'Z' }).save({ commit: true });
    expect(await slugs(other, 'HEAD')).toEqual(['z']);
    release();
    await running;
    ws.register(Page, Author);
    expect((handle as { active: boolean }).active).toBe(false);
    await new Page({ slug: 'b', title: 'B' }).save({ tx: handle as never, commit: true });
    expect(await slugs(ws, 'HEAD')).toEqual(['a', 'b']);
  });

  it('saves, deletes, restores and file writes with { commit: true } outside a transaction need no handle', async () => {
    const ws = await open();
    const first = await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    await Page.delete('a', { commit: true });
    await Page.restore('a', { from: first!, commit: true });
    await ws.files.write('f.txt', 'f', { commit: true });
    await ws.files.remove('f.txt', { commit: true });
    expect(await commits(ws)).toEqual(['Remove f.txt', 'Write f.txt', 'Restore page a', 'Delete page a', 'Save page a']);
  });
});
