// The value-level merge rules of design 4.4 that need more than picking a side: counter, union,
// max/min, deep (JSON key by key) and text (line-level diff3). Each takes decoded values (as
// codec.ts gives them) and returns the merged value, or CONFLICT. The universal cases (equal →
// it, one side changed → that side) are the caller's, except for counter, which always adds.
import { diffArrays } from 'diff';
import type { FieldKind } from '../metadata/schema.js';
import { Merge } from '../metadata/merge-rules.js';
import { canonicalJson } from './json.js';
import { encodeValue, sameValue } from './kinds.js';

export const CONFLICT = Merge.conflict;
export type Merged = unknown;

const numeric = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

/** base + (ours − base) + (theirs − base); a missing base counts as zero. */
export function counter(base: unknown, ours: unknown, theirs: unknown): Merged {
  if (!numeric(ours) || !numeric(theirs) || typeof ours !== typeof theirs) return CONFLICT;
  if (typeof ours === 'bigint') {
    const b = typeof base === 'bigint' ? base : 0n;
    return b + (ours - b) + ((theirs as bigint) - b);
  }
  const b = typeof base === 'number' ? base : 0;
  return b + (ours - b) + ((theirs as number) - b);
}

/** A key two items share when their stored forms are equal. */
function itemKey(type: FieldKind, item: unknown): string {
  return JSON.stringify(item === null ? null : canonicalJson(encodeValue(type, item)));
}

/** Three-way set merge: ours' items minus those theirs removed, then those theirs added. */
export function union(type: FieldKind, base: unknown, ours: unknown, theirs: unknown): Merged {
  if (!Array.isArray(ours) || !Array.isArray(theirs) || type.kind !== 'array') return CONFLICT;
  const of = type.of;
  const b = new Set((Array.isArray(base) ? base : []).map((x) => itemKey(of, x)));
  const o = new Set(ours.map((x) => itemKey(of, x)));
  const t = new Set(theirs.map((x) => itemKey(of, x)));
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const item of ours) {
    const key = itemKey(of, item);
    if (b.has(key) && !t.has(key)) continue; // theirs removed it
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  for (const item of theirs) {
    const key = itemKey(of, item);
    if (seen.has(key) || o.has(key) || b.has(key)) continue; // kept already, or ours removed it
    seen.add(key);
    out.push(item);
  }
  return out;
}

/** a decimal string as a sign, integer digits and fraction digits, compared exactly */
function compareDecimal(a: string, b: string): number {
  const parse = (s: string) => {
    const negative = s.startsWith('-');
    const [int, frac = ''] = (negative ? s.slice(1) : s).split('.');
    return { negative, int: int.replace(/^0+(?=\d)/, ''), frac: frac.replace(/0+$/, '') };
  };
  const x = parse(a);
  const y = parse(b);
  const zero = (v: { int: string; frac: string }) => v.int === '0' && v.frac === '';
  const sx = zero(x) ? 0 : x.negative ? -1 : 1;
  const sy = zero(y) ? 0 : y.negative ? -1 : 1;
  if (sx !== sy) return sx - sy;
  let magnitude = x.int.length - y.int.length || (x.int < y.int ? -1 : x.int > y.int ? 1 : 0);
  if (!magnitude) {
    const n = Math.max(x.frac.length, y.frac.length);
    const fx = x.frac.padEnd(n, '0');
    const fy = y.frac.padEnd(n, '0');
    magnitude = fx < fy ? -1 : fx > fy ? 1 : 0;
  }
  return sx < 0 ? -magnitude : magnitude;
}

function compare(type: FieldKind, a: unknown, b: unknown): number | undefined {
  switch (type.kind) {
    case 'number':
    case 'bigint':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'date':
      return (a as Date).getTime() - (b as Date).getTime();
    case 'decimal':
      return compareDecimal(a as string, b as string);
    case 'string':
    case 'time':
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    default:
      return undefined;
  }
}

/** The larger (or smaller) of the two sides' values; null or absent on either side conflicts. */
export function extreme(type: FieldKind, ours: unknown, theirs: unknown, max: boolean): Merged {
  if (ours === null || ours === undefined || theirs === null || theirs === undefined) return CONFLICT;
  const order = compare(type, ours, theirs);
  if (order === undefined) return CONFLICT;
  // equal by order but not by value (a Date's time zone, "1.0" and "1.00"): the larger stored form, on both sides
  if (order === 0) return itemKey(type, ours) >= itemKey(type, theirs) ? ours : theirs;
  return (order > 0) === max ? ours : theirs;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const JSON_KIND: FieldKind = { kind: 'json' };
const sameJson = (a: unknown, b: unknown) => sameValue(JSON_KIND, a, b);

/**
 * JSON merged key by key, recursively (undefined: the key is absent). Where both sides changed
 * one key differently (a scalar, an array, or an object against a non-object) the whole field
 * conflicts.
 */
export function deep(base: unknown, ours: unknown, theirs: unknown, hasBase: boolean): Merged {
  if (sameJson(ours, theirs)) return ours;
  if (hasBase && sameJson(base, ours)) return theirs;
  if (hasBase && sameJson(base, theirs)) return ours;
  if (!isPlainObject(ours) || !isPlainObject(theirs)) return CONFLICT;
  const b = isPlainObject(base) ? base : {};
  const out: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])];
  for (const key of [...keys, ...Object.keys(b).filter((k) => !keys.includes(k))]) {
    const has = (o: Record<string, unknown>) => Object.prototype.hasOwnProperty.call(o, key);
    const value = deep(has(b) ? b[key] : undefined, has(ours) ? ours[key] : undefined, has(theirs) ? theirs[key] : undefined, hasBase || has(b));
    if (value === CONFLICT) return CONFLICT;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Lines with their line endings, so joining them gives the text back. */
function lines(text: string): string[] {
  const out = text.split(/(?<=\n)/);
  return out.length === 1 && out[0] === '' ? [] : out;
}

/** One side's change: base lines [start, end) replaced by `lines`. */
interface Hunk {
  start: number;
  end: number;
  lines: string[];
  side: 0 | 1;
}

function hunks(base: string[], side: string[], which: 0 | 1): Hunk[] {
  const out: Hunk[] = [];
  let at = 0;
  let open: Hunk | undefined;
  for (const change of diffArrays(base, side)) {
    const n = change.value.length;
    if (!change.added && !change.removed) {
      if (open) out.push(open), (open = undefined);
      at += n;
      continue;
    }
    open ??= { start: at, end: at, lines: [], side: which };
    if (change.removed) {
      open.end += n;
      at += n;
    } else open.lines.push(...change.value);
  }
  if (open) out.push(open);
  return out;
}

/**
 * Line-level three-way merge (diff3): changes to different lines of the base merge; changes that
 * overlap or touch conflict unless both sides made the same one.
 */
export function text(base: unknown, ours: unknown, theirs: unknown): Merged {
  if (typeof ours !== 'string' || typeof theirs !== 'string') return CONFLICT;
  const b = lines(typeof base === 'string' ? base : '');
  const all = [...hunks(b, lines(ours), 0), ...hunks(b, lines(theirs), 1)].sort((x, y) => x.start - y.start || x.end - y.end || x.side - y.side);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < all.length; ) {
    const group = [all[i]];
    let start = all[i].start;
    let end = all[i].end;
    for (i++; i < all.length && all[i].start <= end; i++) {
      group.push(all[i]);
      end = Math.max(end, all[i].end);
    }
    start = Math.min(...group.map((h) => h.start));
    const sideText = (side: 0 | 1): string[] => {
      const mine = group.filter((h) => h.side === side);
      const result: string[] = [];
      let k = start;
      for (const h of mine) {
        result.push(...b.slice(k, h.start), ...h.lines);
        k = h.end;
      }
      result.push(...b.slice(k, end));
      return result;
    };
    const sides = new Set(group.map((h) => h.side));
    let merged: string[];
    if (sides.size === 1) merged = sideText(group[0].side);
    else {
      const o = sideText(0);
      const t = sideText(1);
      if (o.join('') !== t.join('')) return CONFLICT;
      merged = o;
    }
    out.push(...b.slice(at, start), ...merged);
    at = end;
  }
  out.push(...b.slice(at));
  return out.join('');
}
