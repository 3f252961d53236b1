// Property-based tests (fast-check): random valid objects round-trip exactly, and random bytes in
// place of a data.json never crash a read: they decode, or are a typed error.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Field, GitModelError, Model, Workspace } from '../lib/index.js';
import { expectFsckClean, GIT_ENV, newRepoPath } from './helpers.js';

@Model({ name: 'doc' })
class Doc extends Model {
  @Field({ id: true }) key!: string;
  @Field() text!: string;
  @Field() count!: number;
  @Field() flag!: boolean;
  @Field() when!: Date;
  @Field() big!: bigint;
  @Field.decimal() price!: string;
  @Field({ type: [String] }) tags!: string[];
  @Field({ type: [Date] }) dates!: Date[];
  @Field.json({ nullable: true }) meta!: unknown;
  @Field({ type: String, required: false, nullable: true }) note?: string | null;
  @Field.blob({ required: false, nullable: true }) bytes?: Uint8Array | null;
}

/** The same model under another class: its own decode cache, so reads through it parse the stored bytes. */
@Model({ name: 'doc' })
class DocReader extends Doc {}

const FIELDS = ['key', 'text', 'count', 'flag', 'when', 'big', 'price', 'tags', 'dates', 'meta', 'note', 'bytes'] as const;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function hasForbiddenKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => FORBIDDEN.has(k) || hasForbiddenKey(v));
}

/** Any string: every UTF-16 code unit, lone surrogates included. */
const text = fc.string({ unit: 'binary', maxLength: 40 });
const date = fc.date({ noInvalidDate: true });

/** The rest of an id after a run number: from any UTF-16, made a safe path segment (docs/FORMAT.md). */
const idSuffix = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 });

function safeId(n: number, suffix: string): string {
  const wellFormed = suffix.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '_');
  // control characters, separators and what Windows cannot hold become '_'; a trailing dot or
  // space gets one after it (the run number in front keeps device and reserved names out)
  return `${n}-${wellFormed}`.normalize('NFC').replace(/[\u0000-\u001f\u007f/\\<>:"|?*]/g, '_').replace(/[. ]$/, '$&_');
}

const values = {
  text,
  count: fc.double({ noNaN: true, noDefaultInfinity: true }),
  flag: fc.boolean(),
  when: date,
  big: fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  price: fc.stringMatching(/^-?(0|[1-9]\d{0,20})(\.\d{1,12})?$/),
  tags: fc.array(text, { maxLength: 5 }),
  dates: fc.array(date, { maxLength: 3 }),
  meta: fc.jsonValue({ maxDepth: 3 }).filter((v) => !hasForbiddenKey(v)),
  note: fc.option(text, { nil: null }),
  bytes: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
};

/**
 * Values as comparable plain data: dates by instant, bytes as arrays. A number is stored as JSON,
 * which has no -0: docs/FORMAT.md says -0 is stored (and read back) as 0.
 */
function plain(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const v = object[field];
    if (v instanceof Date) out[field] = `date ${v.getTime()}`;
    else if (v instanceof Uint8Array) out[field] = [...v];
    else if (field === 'dates') out[field] = (v as Date[]).map((d) => d.getTime());
    else if (field === 'count' || field === 'meta') out[field] = JSON.parse(JSON.stringify(v));
    else out[field] = v;
  }
  return out;
}

describe('property: random valid objects round-trip exactly', () => {
  it('through save, commit and get; and, parsed again, read at that commit by a fresh workspace', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { durability: 'atomic' });
    ws.register(Doc);
    const fresh = await Workspace.open(path);
    fresh.register(DocReader);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.record({ suffix: idSuffix, ...values }), async ({ suffix, ...rest }) => {
          // every run (shrinking included) saves a new object: no id is used twice
          const fields = { key: safeId(n++, suffix), ...rest };
          const doc = new Doc(fields);
          const oid = await doc.save({ commit: true, message: 'property' });
          expect(oid).toMatch(/^[0-9a-f]{40}$/);
          const expected = plain(fields);
          expect(plain((await Doc.get(fields.key)) as unknown as Record<string, unknown>)).toEqual(expected);
          const reread = await DocReader.get(fields.key, { at: oid! });
          expect(plain(reread as unknown as Record<string, unknown>)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
    expectFsckClean(path);
  });
});

/** Replaces main with a root commit whose only file is doc/k/data.json holding `bytes`, via git fast-import. */
function commitDataFile(path: string, bytes: Uint8Array): void {
  const head = Buffer.from('commit refs/heads/main\ncommitter Fuzz <fuzz@example.com> 0 +0000\ndata 5\nfuzz\nM 100644 inline doc/k/data.json\n');
  const stream = Buffer.concat([head, Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n\n')]);
  const run = spawnSync('git', ['--git-dir', path, 'fast-import', '--quiet', '--force'], { input: stream, env: GIT_ENV });
  expect(run.status, run.stderr.toString()).toBe(0);
}

/** A stored object with one field's value replaced by any JSON value (or dropped). */
const nearlyValid = fc
  .tuple(fc.constantFrom(...FIELDS), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)))
  .map(([field, value]) => {
    const object: Record<string, unknown> = {
      key: 'k', text: 't', count: 1, flag: true, when: '2026-01-01T00:00:00.000Z', big: '1', price: '1.00',
      tags: [], dates: [], meta: {}, note: null, bytes: null,
    };
    object[field] = value;
    return new TextEncoder().encode(JSON.stringify(object));
  });

describe('property: random bytes in place of a data.json never crash a read', () => {
  it('get and all, at the head and at the commit, return the object or throw a GitModelError', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Doc);
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v))),
          fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(`{"key": "k", "text": ${s}}`)),
          nearlyValid,
        ),
        async (bytes) => {
          commitDataFile(path, bytes);
          await ws.discard(); // read the branch as it is now
          for (const read of [() => Doc.get('k'), () => Doc.get('k', { at: 'main' }), () => Doc.all(), () => Doc.all({ at: 'main' })]) {
            try {
              const result = await read();
              decoded++;
              expect(Array.isArray(result) ? result.every((d) => d instanceof Doc) : result instanceof Doc).toBe(true);
            } catch (error) {
              if (!(error instanceof GitModelError)) throw error;
            }
          }
          expect(Object.prototype).not.toHaveProperty('polluted');
        },
      ),
      { numRuns: 120 },
    );
    expect(decoded).toBeGreaterThan(0);
  });
});
