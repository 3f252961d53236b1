// Unique constraints over a segment: which other object holds a value (a save's and a commit's
// check), and which values several objects hold (ws.indexes.check(), for duplicates that others
// made: the git CLI, a merge, a pull).
import type { FieldDef } from '../metadata/schema.js';
import type { Segment } from './model-index.js';
import { equalRows } from './segment.js';
import { type Cell, type Key } from './values.js';

/** The keys of a cell that a unique constraint covers: non-null values, each element of an array. */
function keysOf(cell: Cell): Key[] {
  if (cell === null || cell === undefined) return [];
  return Array.isArray(cell) ? cell : [cell];
}

/** Another object than `id` whose value of the field equals one of `cell`'s, if any. */
export function uniqueClash(segment: Segment, field: FieldDef, id: string, cell: Cell): { key: Key; existing: string } | undefined {
  const column = segment.base.columns.get(field.name)!;
  for (const key of keysOf(cell)) {
    for (const n of equalRows(column, segment.base.size, key).rows()) {
      const other = segment.base.id(n);
      if (other !== id && !segment.delta.has(other)) return { key, existing: other };
    }
    for (const [other, row] of segment.delta) {
      if (other === id || !row) continue;
      if (keysOf(row.cells.get(field.name)).some((k) => column.compare(k, key) === 0)) return { key, existing: other };
    }
  }
  return undefined;
}

/** Values of the field that more than one object holds, with those objects' ids (sorted). */
export function duplicateValues(segment: Segment, field: FieldDef): { key: Key; ids: string[] }[] {
  const column = segment.base.columns.get(field.name)!;
  const holders: [Key, string][] = [];
  for (let c = 0; c < column.distinct; c++) {
    for (let i = column.start(c); i < column.start(c + 1); i++) {
      const id = segment.base.id(column.rowAt(i));
      if (!segment.delta.has(id)) holders.push([column.key(c), id]);
    }
  }
  for (const [id, row] of segment.delta) if (row) for (const key of new Set(keysOf(row.cells.get(field.name)))) holders.push([key, id]);
  holders.sort((a, b) => column.compare(a[0], b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const out: { key: Key; ids: string[] }[] = [];
  for (let i = 0; i < holders.length; ) {
    let j = i + 1;
    while (j < holders.length && column.compare(holders[j][0], holders[i][0]) === 0) j++;
    if (j - i > 1) out.push({ key: holders[i][0], ids: holders.slice(i, j).map((h) => h[1]) });
    i = j;
  }
  return out;
}
