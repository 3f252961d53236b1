// The references a model's objects make, read from their data files without building objects:
// what ws.merge() checks for references the merge left pointing at nothing (danglingRefs).
import { schemaOf, type FieldDef, type Schema } from '../metadata/schema.js';
import type { TreeReader } from '../workspace/snapshot.js';
import { concreteSchema, layoutOf } from './binding.js';
import type { Decoded } from './codec.js';
import { decodedFile } from './load.js';

/** One reference an object makes: its field, and the target's model name and id. */
export interface ReferenceOf {
  id: string;
  field: string;
  model: string;
  target: string;
  /** the field's onDangling: a merge leaving this reference dangling makes a conflict */
  conflict?: true;
}

/** The reference fields of a model (plain, or arrays of references), with a way to name their target model. */
function referenceFields(schema: Schema): { field: FieldDef; target: () => string }[] {
  const out: { field: FieldDef; target: () => string }[] = [];
  for (const field of schema.fields) {
    const kind = field.type.kind === 'array' ? field.type.of : field.type;
    if (kind.kind !== 'ref') continue;
    const spec = kind.model;
    out.push({ field, target: () => (typeof spec === 'string' ? spec : schemaOf(spec()).name) });
  }
  return out;
}

/** The model names a model's reference fields point to. */
export function referenceTargets(cls: Function): string[] {
  return [...new Set(referenceFields(concreteSchema(cls)).map((r) => r.target()))];
}

/**
 * The references objects of a model make as `reader` sees them: those of `ids`, or of every object
 * when none are given. Only reference fields are looked at (through the decoded-file cache).
 */
export async function* referencesIn(cls: Function, reader: TreeReader, ids?: Iterable<string>): AsyncGenerator<ReferenceOf> {
  const schema = concreteSchema(cls);
  const fields = referenceFields(schema);
  if (!fields.length) return;
  const layout = layoutOf(schema);
  for (const id of ids ?? (await layout.ids(reader))) {
    const path = layout.dataPath(id);
    const stat = await reader.stat(path);
    if (!stat || stat === 'dir') continue;
    let decoded: Decoded;
    try {
      decoded = await decodedFile(cls, schema, reader, path, stat.oid);
    } catch {
      continue; // an undecodable file is reported by reads, not here
    }
    for (const { field, target } of fields) {
      const value = decoded.values[field.name];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'string' && item !== '') yield { id, field: field.name, model: target(), target: item, ...(field.onDangling === 'conflict' ? { conflict: true as const } : {}) };
      }
    }
  }
}
