// Index files: a base's typed arrays written as blocks, so loading one is checking checksums and
// taking views of its bytes (no object per row, no sort). Layout (little-endian):
//   "GMIX", u32 format, u32 header length, u32 CRC-32 of the header, the header (JSON), then the
//   blocks, each starting on an 8-byte boundary (so Float64Array and Uint32Array views need no copy).
// The header names the model, tree, definition and row count, and per block its name, element
// type, offset, length and the CRC-32 of its bytes and padding; blocks tile the file to its end,
// so a flipped byte anywhere or a truncation fails a check. Same tree and definition, same bytes.
import type { FieldDef } from '../metadata/schema.js';
import { platform } from '../platform/current.js';
import { fromUtf8, utf8 } from '../util/bytes.js';
import { type Codes, type ColumnData, type BaseData, Base } from './segment.js';
import { type Key, keyFromJson, keyToJson } from './values.js';

/** Bumped whenever the layout or the meaning of a block changes (1 was a JSON file; 3 added `folder.starts` and `ascii`). */
export const FORMAT = 3;
const MAGIC = [0x47, 0x4d, 0x49, 0x58]; // GMIX
const PRELUDE = 16;

type BlockType = 'u8' | 'u16' | 'u32' | 'f64' | 'json';
interface BlockInfo {
  name: string;
  type: BlockType;
  offset: number;
  length: number;
  crc: number;
}
interface Header {
  model: string;
  tree: string;
  definition: string;
  rows: number;
  /** every id is ASCII: known without a pass over the ids */
  ascii: boolean;
  blocks: BlockInfo[];
}

const pad8 = (n: number) => (n + 7) & ~7;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typeOf(array: Codes | Float64Array): BlockType {
  return array instanceof Float64Array ? 'f64' : array instanceof Uint32Array ? 'u32' : array instanceof Uint16Array ? 'u16' : 'u8';
}

function bytesOf(array: Codes | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * The file of a base: byte-identical for the same tree and definition. `folderStarts` is the
 * entry-offset table of the folder tree's raw bytes (a large folder): a new process diffs that
 * tree against the head without a pass over its 100,000 entries.
 */
export function encodeBase(model: string, definition: string, base: Base, folderStarts?: Uint32Array): Uint8Array {
  const parts: { name: string; type: BlockType; bytes: Uint8Array }[] = [];
  const add = (name: string, array: Codes | Float64Array) => parts.push({ name, type: typeOf(array), bytes: bytesOf(array) });
  add('ids', base.data.idBytes);
  add('idStarts', base.data.idStarts);
  add('oids', base.data.oids);
  if (folderStarts) add('folder.starts', folderStarts);
  for (const [name, column] of base.data.columns) {
    const dict = column.dict;
    if (dict instanceof Float64Array) add(`${name}.dict`, dict);
    else parts.push({ name: `${name}.dict`, type: 'json', bytes: utf8(JSON.stringify(Array.from(dict, keyToJson))) });
    add(`${name}.codes`, column.codes);
    if (column.offsets) add(`${name}.offsets`, column.offsets);
    if (column.elems) add(`${name}.elems`, column.elems);
    add(`${name}.starts`, column.starts);
    add(`${name}.rows`, column.rows);
    add(`${name}.missing`, column.missing);
  }
  // a block's CRC covers its zero padding too, so it does not depend on where the block lands
  const crcs = parts.map((p) => {
    const padded = p.bytes.length % 8 ? new Uint8Array(pad8(p.bytes.length)) : p.bytes;
    if (padded !== p.bytes) padded.set(p.bytes);
    return platform().crc32(padded);
  });
  // offsets depend on the header's length, which depends on the offsets' digits: settle it
  let headerBytes: Uint8Array = new Uint8Array(0);
  let blocks: BlockInfo[] = [];
  let end = 0;
  for (let guess = 0; ; ) {
    end = pad8(PRELUDE + guess);
    blocks = parts.map((p, i) => {
      const info = { name: p.name, type: p.type, offset: end, length: p.bytes.length, crc: crcs[i] };
      end = pad8(end + p.bytes.length);
      return info;
    });
    headerBytes = utf8(JSON.stringify({ model, tree: base.tree!, definition, rows: base.size, ascii: base.ascii, blocks } satisfies Header));
    if (pad8(PRELUDE + headerBytes.length) === pad8(PRELUDE + guess)) break;
    guess = headerBytes.length;
  }
  const out = new Uint8Array(end);
  parts.forEach((p, i) => out.set(p.bytes, blocks[i].offset));
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PRELUDE);
  view.setUint32(12, platform().crc32(out.subarray(PRELUDE, pad8(PRELUDE + headerBytes.length))), true);
  return out;
}

/** The base a file holds, or undefined when it is not exactly the expected file, intact. */
export function decodeBase(file: Uint8Array, model: string, definition: string, tree: string, fields: FieldDef[]): Base | undefined {
  try {
    if (!LITTLE_ENDIAN || file.length < PRELUDE || MAGIC.some((b, i) => file[i] !== b)) return undefined;
    // views need aligned offsets: a buffer that starts off an 8-byte boundary is copied once
    const bytes = file.byteOffset % 8 ? file.slice() : file;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(4, true) !== FORMAT) return undefined;
    const headerLength = view.getUint32(8, true);
    const headerEnd = pad8(PRELUDE + headerLength);
    if (headerEnd > bytes.length || platform().crc32(bytes.subarray(PRELUDE, headerEnd)) !== view.getUint32(12, true)) return undefined;
    const header = JSON.parse(fromUtf8(bytes, PRELUDE, PRELUDE + headerLength)) as Header;
    if (header.model !== model || header.tree !== tree || header.definition !== definition || typeof header.ascii !== 'boolean') return undefined;
    // the blocks tile the rest of the file exactly, each intact
    const blocks = new Map<string, BlockInfo>();
    let at = headerEnd;
    header.blocks.forEach((b, i) => {
      const next = i + 1 < header.blocks.length ? header.blocks[i + 1].offset : bytes.length;
      if (b.offset !== at || pad8(b.offset + b.length) !== next || next > bytes.length) throw new Error('bad block');
      if (platform().crc32(bytes.subarray(b.offset, next)) !== b.crc) throw new Error('bad block');
      blocks.set(b.name, b);
      at = next;
    });
    if (at !== bytes.length) return undefined;
    const block = (name: string, optional = false): Codes | Float64Array | undefined => {
      const b = blocks.get(name);
      if (!b) {
        if (optional) return undefined;
        throw new Error(`no block ${name}`);
      }
      const buffer = bytes.buffer;
      const offset = bytes.byteOffset + b.offset;
      switch (b.type) {
        case 'u8': return new Uint8Array(buffer, offset, b.length);
        case 'u16': return new Uint16Array(buffer, offset, b.length / 2);
        case 'u32': return new Uint32Array(buffer, offset, b.length / 4);
        case 'f64': return new Float64Array(buffer, offset, b.length / 8);
        default: throw new Error(`block ${name} is not an array`);
      }
    };
    const u32 = (name: string) => {
      const array = block(name);
      if (!(array instanceof Uint32Array)) throw new Error(`block ${name} is not u32`);
      return array;
    };
    const codes = (name: string, optional = false) => {
      const array = block(name, optional);
      if (array instanceof Float64Array) throw new Error(`block ${name} is not codes`);
      return array;
    };
    const rows = header.rows;
    const idStarts = u32('idStarts');
    const idBytes = codes('ids') as Uint8Array;
    const oids = codes('oids') as Uint8Array;
    if (idStarts.length !== rows + 1 || idStarts[rows] !== idBytes.length || oids.length !== rows * 20) return undefined;
    const folderStarts = blocks.has('folder.starts') ? u32('folder.starts') : undefined;
    if (folderStarts && (!folderStarts.length || folderStarts[0] !== 0)) return undefined;
    const columns = new Map<string, ColumnData>();
    for (const field of fields) {
      if (field.id) continue;
      const name = field.name;
      const dictInfo = blocks.get(`${name}.dict`);
      if (!dictInfo) return undefined;
      const dict: ArrayLike<Key> =
        dictInfo.type === 'json'
          ? (JSON.parse(fromUtf8(bytes, dictInfo.offset, dictInfo.offset + dictInfo.length)) as unknown[]).map((k) => keyFromJson(k) as Key)
          : (block(`${name}.dict`) as Float64Array);
      const data: ColumnData = {
        dict,
        codes: codes(`${name}.codes`)!,
        offsets: block(`${name}.offsets`, true) as Uint32Array | undefined,
        elems: codes(`${name}.elems`, true),
        starts: u32(`${name}.starts`),
        rows: u32(`${name}.rows`),
        missing: u32(`${name}.missing`),
      };
      const list = field.type.kind === 'array';
      if (data.codes.length !== rows || data.starts.length !== dict.length + 1 || data.starts[dict.length] !== data.rows.length) return undefined;
      if (list && (!data.offsets || !data.elems || data.offsets.length !== rows + 1 || data.offsets[rows] !== data.elems.length)) return undefined;
      columns.set(name, data);
    }
    const base: BaseData = { idBytes, idStarts, oids, columns, ascii: header.ascii, folderStarts };
    return new Base(tree, base, fields);
  } catch {
    return undefined;
  }
}
