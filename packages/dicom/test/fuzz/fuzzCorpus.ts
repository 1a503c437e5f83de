/**
 * Seeded, replayable corpus of hostile DICOM input for the parser fuzz test. Case
 * `index` of seed `seed` depends on (seed, index) only, so any failing case can be
 * regenerated alone (replayFuzzCase). Base files: synthetic objects in the native
 * transfer syntaxes (implicit/explicit little, explicit big endian), with nested sequences, private groups and overlays; a synthetic RLE
 * image (PS3.5 Annex G); a deflated one (A.5); the real CR and JPEG 2000 CT samples. Mutations: byte flips,
 * truncation, length fields set to huge values (0xFFFFFFF0, 0x7FFFFFFF, …), undefined
 * lengths where they are not allowed, sequences nested thousands deep, wrong VRs, bogus
 * transfer syntax UIDs, empty and near-empty files, garbage after the data set,
 * inserted and deleted byte runs, and stacks of several of these.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeElements, stringValue, type OutputElement } from '../../src/deidentify/encodeElements.js';
import { parseDataSet, type DataSet } from '../../src/parseDataSet.js';
import { identifyingElements, identifyingFile, part10File } from '../deidentify/identifyingFile.js';
import { crDir, jp2kDir } from '../testData.js';

export interface BaseFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Relative chance of being picked. */
  readonly weight: number;
  /** Where length fields are: offset, size in bytes (2 or 4), byte order; and explicit VR field offsets. */
  readonly lengthFields: ReadonlyArray<{ readonly at: number; readonly size: 2 | 4; readonly littleEndian: boolean }>;
  readonly vrFields: readonly number[];
  /** US values (2 bytes) of the Image Pixel module (PS3.3 C.7.6.3): Rows, Columns, Bits Allocated/Stored, Samples, Planar Configuration, Pixel Representation. */
  readonly pixelModuleFields: ReadonlyArray<{ readonly at: number; readonly littleEndian: boolean }>;
  /** Where the pixel data value (or its first fragment) starts. */
  readonly pixelDataAt?: number;
  /** Offset and padded length of the Transfer Syntax UID value in the file meta, if any. */
  readonly transferSyntaxField?: { readonly at: number; readonly length: number };
}

export interface FuzzCase {
  readonly seed: number;
  readonly index: number;
  readonly base: string;
  /** The mutations applied, in order, with their parameters. */
  readonly mutations: string[];
  readonly bytes: Uint8Array;
}

/** mulberry32: a small, fast, seedable PRNG (returns [0, 1)). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function caseSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

type Rng = () => number;
const int = (rng: Rng, below: number): number => Math.floor(rng() * below);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)] as T;

function text(tag: number, vr: string, value: string): OutputElement {
  return { tag, vr, value: stringValue(value, vr) };
}

/** A PackBits-style RLE encoding (PS3.5 G.3.1) with literal runs only. */
function rleSegment(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const run = bytes.subarray(i, Math.min(bytes.length, i + 128));
    out.push(run.length - 1, ...run);
  }
  if (out.length % 2 === 1) out.push(0x80); // no-op byte pads the segment to even length
  return new Uint8Array(out);
}

/** An 8×8 16-bit RLE image: two segments (high bytes, low bytes), one fragment, empty Basic Offset Table. */
function rleFile(): Uint8Array {
  const rows = 8;
  const columns = 8;
  const high = new Uint8Array(rows * columns);
  const low = new Uint8Array(rows * columns);
  for (let i = 0; i < rows * columns; i += 1) {
    high[i] = (i >> 4) & 0x0f;
    low[i] = (i * 29) & 0xff;
  }
  const segments = [rleSegment(high), rleSegment(low)];
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, 2, true);
  view.setUint32(4, 64, true);
  view.setUint32(8, 64 + (segments[0]?.length ?? 0), true);
  const fragment = Buffer.concat([header, ...segments]);
  const items = Buffer.alloc(8 + 8 + fragment.length + 8);
  items.writeUInt16LE(0xfffe, 0); items.writeUInt16LE(0xe000, 2); items.writeUInt32LE(0, 4);
  items.writeUInt16LE(0xfffe, 8); items.writeUInt16LE(0xe000, 10); items.writeUInt32LE(fragment.length, 12);
  fragment.copy(items, 16);
  items.writeUInt16LE(0xfffe, 16 + fragment.length); items.writeUInt16LE(0xe0dd, 18 + fragment.length); items.writeUInt32LE(0, 20 + fragment.length);
  const us = (tag: number, value: number): OutputElement => ({ tag, vr: 'US', value: new Uint8Array([value & 0xff, value >> 8]) });
  const elements: OutputElement[] = [
    text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    text(0x00080018, 'UI', '1.2.826.0.1.3680043.10.777.5.1'),
    text(0x00080060, 'CS', 'OT'),
    text(0x0020000d, 'UI', '1.2.826.0.1.3680043.10.777.5.2'),
    text(0x0020000e, 'UI', '1.2.826.0.1.3680043.10.777.5.3'),
    us(0x00280002, 1),
    text(0x00280004, 'CS', 'MONOCHROME2'),
    us(0x00280010, rows),
    us(0x00280011, columns),
    us(0x00280100, 16),
    us(0x00280101, 16),
    us(0x00280102, 15),
    us(0x00280103, 0),
    { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(items), undefinedLength: true },
  ];
  const withoutMeta = part10File(elements, { sopUid: '1.2.826.0.1.3680043.10.777.5.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxUid: '1.2.840.10008.1.2.1' });
  // part10File writes native syntaxes; patch the meta Transfer Syntax UID to RLE (same padded length: 20 bytes)
  const rle = stringValue('1.2.840.10008.1.2.5', 'UI');
  const native = stringValue('1.2.840.10008.1.2.1', 'UI');
  const at = Buffer.from(withoutMeta).indexOf(Buffer.from(native));
  if (at < 0 || rle.length !== native.length) throw new Error('cannot patch the RLE transfer syntax');
  const out = new Uint8Array(withoutMeta);
  out.set(rle, at);
  return out;
}

/** Nested sequence (0040,A730) items `depth` levels deep, with defined or undefined lengths, as raw explicit VR LE bytes. */
export function deeplyNestedFile(depth: number, undefinedLengths: boolean): Uint8Array {
  const open: Buffer[] = [];
  const close: Buffer[] = [];
  const leaf = encodeElements([text(0x0040a160, 'UT', 'leaf')], { explicit: true, littleEndian: true });
  if (undefinedLengths) {
    const sqOpen = Buffer.from([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    const sqClose = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    for (let i = 0; i < depth; i += 1) {
      open.push(sqOpen);
      close.push(sqClose);
    }
    const nested = Buffer.concat([...open, leaf, ...close]);
    return frame(nested);
  }
  // outermost first: level k (1 = innermost) holds an item of leaf + 20 × (k − 1) bytes
  const out = Buffer.alloc(20 * depth + leaf.length);
  let at = 0;
  for (let k = depth; k >= 1; k -= 1) {
    const content = leaf.length + 20 * (k - 1);
    out.writeUInt16LE(0x0040, at); out.writeUInt16LE(0xa730, at + 2); out.write('SQ', at + 4, 'latin1'); out.writeUInt32LE(content + 8, at + 8);
    out.writeUInt16LE(0xfffe, at + 12); out.writeUInt16LE(0xe000, at + 14); out.writeUInt32LE(content, at + 16);
    at += 20;
  }
  out.set(leaf, at);
  const inner = out;
  return frame(inner);

  function frame(nested: Buffer): Uint8Array {
    const head = encodeElements([
      text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.88.11'),
      text(0x00080018, 'UI', '1.2.826.0.1.3680043.10.777.6.1'),
      text(0x0020000d, 'UI', '1.2.826.0.1.3680043.10.777.6.2'),
      text(0x0020000e, 'UI', '1.2.826.0.1.3680043.10.777.6.3'),
    ], { explicit: true, littleEndian: true });
    const file = part10File([], { sopUid: '1.2.826.0.1.3680043.10.777.6.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.88.11' });
    return new Uint8Array(Buffer.concat([file, head, nested]));
  }
}

const PIXEL_MODULE_TAGS = new Set(['x00280010', 'x00280011', 'x00280100', 'x00280101', 'x00280102', 'x00280002', 'x00280006', 'x00280103']);

function describeFields(bytes: Uint8Array): Pick<BaseFile, 'lengthFields' | 'vrFields' | 'transferSyntaxField' | 'pixelModuleFields' | 'pixelDataAt'> {
  const { dataSet, transferSyntaxUid } = parseDataSet(bytes);
  const lengthFields: Array<{ at: number; size: 2 | 4; littleEndian: boolean }> = [];
  const vrFields: number[] = [];
  let transferSyntaxField: { at: number; length: number } | undefined;
  const pixelModuleFields: Array<{ at: number; littleEndian: boolean }> = [];
  let pixelDataAt: number | undefined;
  const bodyLittle = transferSyntaxUid !== '1.2.840.10008.1.2.2';
  const visit = (set: DataSet): void => {
    for (const [key, element] of Object.entries(set.elements)) {
      const meta = key.startsWith('x0002');
      const littleEndian = meta || bodyLittle;
      const explicit = meta || transferSyntaxUid !== '1.2.840.10008.1.2';
      if (key === 'x00020010') transferSyntaxField = { at: element.dataOffset, length: element.length };
      if (PIXEL_MODULE_TAGS.has(key) && element.length === 2) pixelModuleFields.push({ at: element.dataOffset, littleEndian });
      if (key === 'x7fe00010') pixelDataAt = element.fragments?.[0]?.position ?? element.dataOffset;
      if (explicit && element.vr !== undefined) {
        const long = ['OB', 'OD', 'OF', 'OL', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT'].includes(element.vr);
        lengthFields.push(long ? { at: element.dataOffset - 4, size: 4, littleEndian } : { at: element.dataOffset - 2, size: 2, littleEndian });
        vrFields.push(element.dataOffset - (long ? 8 : 4));
      } else {
        lengthFields.push({ at: element.dataOffset - 4, size: 4, littleEndian });
      }
      for (const fragment of element.fragments ?? []) lengthFields.push({ at: fragment.position - 4, size: 4, littleEndian });
      for (const item of element.items ?? []) {
        lengthFields.push({ at: item.dataOffset - 4, size: 4, littleEndian });
        if (item.dataSet) visit(item.dataSet);
      }
    }
  };
  visit(dataSet);
  return {
    lengthFields: lengthFields.filter((field) => field.at >= 0),
    vrFields,
    pixelModuleFields,
    ...(transferSyntaxField ? { transferSyntaxField } : {}),
    ...(pixelDataAt === undefined ? {} : { pixelDataAt }),
  };
}

function base(name: string, bytes: Uint8Array, weight: number): BaseFile {
  return { name, bytes, weight, ...describeFields(bytes) };
}

/** Raw Data Storage (PS3.4 B.5): a SOP class without pixel data. */
const RAW_DATA = '1.2.840.10008.5.1.4.1.1.66';

/** The base files, built deterministically (synthetic) or read from ../shared/data (real). */
export function loadBaseFiles(): BaseFile[] {
  const bases: BaseFile[] = [
    base('synthetic-explicit-le', identifyingFile({}, '1.2.840.10008.1.2.1'), 30),
    base('synthetic-implicit-le', identifyingFile({}, '1.2.840.10008.1.2'), 20),
    base('synthetic-explicit-be', identifyingFile({}, '1.2.840.10008.1.2.2'), 10),
    base('synthetic-deflated', identifyingFile({}, '1.2.840.10008.1.2.1.99'), 5),
    base('synthetic-rle', rleFile(), 15),
    base('synthetic-nested-sr', deeplyNestedFile(5, false), 5),
    base('synthetic-no-pixels', part10File(identifyingElements().filter((element) => element.tag < 0x7fe00000).map((element) => (element.tag === 0x00080016 ? text(0x00080016, 'UI', RAW_DATA) : element)), { sopUid: '1.2.826.0.1.3680043.10.777.3.1', sopClassUid: RAW_DATA }), 5),
  ];
  try {
    bases.push(base('cr-cervical/CR1.dcm', new Uint8Array(readFileSync(join(crDir, 'CR1.dcm'))), 12));
    const first = readdirSync(jp2kDir).sort()[0];
    if (first !== undefined) bases.push(base(`ct-abdomen-dicom-jp2k/${first}`, new Uint8Array(readFileSync(join(jp2kDir, first))), 3));
  } catch {
    // the real samples are optional: the synthetic bases still exercise every mutation
  }
  return bases;
}

type Mutation = (bytes: Uint8Array, rng: Rng, source: BaseFile) => { bytes: Uint8Array; note: string };

const HUGE_LENGTHS = [0xfffffff0, 0x7fffffff, 0xffffffff, 0xfffffffe, 0x80000000, 0x00100000];

function setUint(bytes: Uint8Array, at: number, size: 2 | 4, value: number, littleEndian: boolean): void {
  if (at + size > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 2) view.setUint16(at, value & 0xffff, littleEndian);
  else view.setUint32(at, value >>> 0, littleEndian);
}

const VRS = ['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'TM', 'UI', 'UL', 'UN', 'US', 'UT', 'UV', 'SV', 'OV'];
const BOGUS_TS = ['1.2.3.4', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2', 'GARBAGE', '', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.80', '9'.repeat(70)];

const mutations: Record<string, Mutation> = {
  byteFlips: (bytes, rng) => {
    const out = new Uint8Array(bytes);
    const count = 1 + int(rng, 8);
    const region = rng() < 0.8 ? Math.min(out.length, 2048) : out.length;
    const at: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const position = int(rng, region);
      out[position] = (out[position] ?? 0) ^ (1 << int(rng, 8)) ^ (rng() < 0.3 ? int(rng, 256) : 0);
      at.push(position);
    }
    return { bytes: out, note: `byteFlips at ${at.join(',')}` };
  },
  truncate: (bytes, rng) => {
    const length = rng() < 0.5 ? int(rng, Math.min(bytes.length, 4096)) : int(rng, bytes.length);
    return { bytes: bytes.slice(0, length), note: `truncate to ${length}` };
  },
  hugeLength: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const field = pick(rng, source.lengthFields);
    if (!field) return { bytes: out, note: 'hugeLength (no field)' };
    const value = field.size === 2 ? pick(rng, [0xffff, 0xfffe, 0x8000]) : pick(rng, HUGE_LENGTHS);
    setUint(out, field.at, field.size, value, field.littleEndian);
    return { bytes: out, note: `hugeLength ${value.toString(16)} at ${field.at}` };
  },
  randomLength: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const field = pick(rng, source.lengthFields);
    if (!field) return { bytes: out, note: 'randomLength (no field)' };
    const value = int(rng, field.size === 2 ? 0x10000 : 0x1000);
    setUint(out, field.at, field.size, value, field.littleEndian);
    return { bytes: out, note: `randomLength ${value} at ${field.at}` };
  },
  undefinedLengthMisplaced: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const fields = source.lengthFields.filter((field) => field.size === 4);
    const field = pick(rng, fields);
    if (!field) return { bytes: out, note: 'undefinedLength (no field)' };
    setUint(out, field.at, 4, 0xffffffff, field.littleEndian);
    return { bytes: out, note: `undefinedLength at ${field.at}` };
  },
  wrongVr: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const at = pick(rng, source.vrFields);
    if (at === undefined) return { bytes: out, note: 'wrongVr (no explicit VR)' };
    const vr = rng() < 0.7 ? pick(rng, VRS) : String.fromCharCode(65 + int(rng, 26), 65 + int(rng, 26));
    out[at] = vr.charCodeAt(0);
    out[at + 1] = vr.charCodeAt(1);
    return { bytes: out, note: `wrongVr ${vr} at ${at}` };
  },
  bogusTransferSyntax: (bytes, rng, source) => {
    const field = source.transferSyntaxField;
    const uid = pick(rng, BOGUS_TS);
    if (!field) return { bytes: new Uint8Array(bytes), note: 'bogusTransferSyntax (no meta)' };
    const value = stringValue(uid, 'UI');
    const head = bytes.subarray(0, field.at);
    const tail = bytes.subarray(field.at + field.length);
    const out = new Uint8Array(Buffer.concat([head, value, tail]));
    setUint(out, field.at - 2, 2, value.length, true);
    const delta = value.length - field.length;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (out.length >= 144 && view.getUint16(132, true) === 0x0002 && view.getUint16(134, true) === 0) view.setUint32(140, view.getUint32(140, true) + delta, true);
    return { bytes: out, note: `bogusTransferSyntax ${uid.slice(0, 24)}` };
  },
  nearEmpty: (_bytes, rng) => {
    const choice = int(rng, 5);
    const preamble = new Uint8Array(132);
    preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
    const variants = [new Uint8Array(0), preamble, preamble.subarray(0, 131), new Uint8Array([0x44, 0x49, 0x43, 0x4d]), new Uint8Array(Buffer.concat([preamble, Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49])]))];
    return { bytes: variants[choice] ?? new Uint8Array(0), note: `nearEmpty variant ${choice}` };
  },
  garbageAfter: (bytes, rng) => {
    const extra = new Uint8Array(1 + int(rng, 4096));
    for (let i = 0; i < extra.length; i += 1) extra[i] = int(rng, 256);
    return { bytes: new Uint8Array(Buffer.concat([bytes, extra])), note: `garbageAfter ${extra.length}` };
  },
  insertBytes: (bytes, rng) => {
    const at = int(rng, Math.min(bytes.length, 4096));
    const extra = new Uint8Array(1 + int(rng, 64));
    for (let i = 0; i < extra.length; i += 1) extra[i] = int(rng, 256);
    return { bytes: new Uint8Array(Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)])), note: `insert ${extra.length} at ${at}` };
  },
  deleteBytes: (bytes, rng) => {
    const at = int(rng, Math.min(bytes.length, 4096));
    const count = 1 + int(rng, 64);
    return { bytes: new Uint8Array(Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + count)])), note: `delete ${count} at ${at}` };
  },
  deepNesting: (_bytes, rng) => {
    const depth = pick(rng, [65, 100, 1000, 3000, 10000, 20000]);
    const undefinedLengths = rng() < 0.5;
    return { bytes: deeplyNestedFile(depth, undefinedLengths), note: `deepNesting ${depth} ${undefinedLengths ? 'undefined' : 'defined'} lengths` };
  },
  extremePixelModule: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const field = pick(rng, source.pixelModuleFields);
    if (!field) return { bytes: out, note: 'extremePixelModule (none)' };
    const value = pick(rng, [0, 1, 2, 3, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 0x7fff, 0x8000, 0xffff]);
    setUint(out, field.at, 2, value, field.littleEndian);
    return { bytes: out, note: `extremePixelModule ${value} at ${field.at}` };
  },
  pixelDataFlips: (bytes, rng, source) => {
    const out = new Uint8Array(bytes);
    const start = source.pixelDataAt;
    if (start === undefined) return { bytes: out, note: 'pixelDataFlips (none)' };
    const at: number[] = [];
    for (let i = 0, count = 1 + int(rng, 6); i < count; i += 1) {
      const position = Math.min(out.length - 1, start + int(rng, 160));
      out[position] = rng() < 0.5 ? int(rng, 256) : (out[position] ?? 0) ^ 0xff;
      at.push(position);
    }
    return { bytes: out, note: `pixelDataFlips at ${at.join(',')}` };
  },
  rawDataSet: (bytes, rng) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const metaEnd = bytes.length >= 144 ? 144 + view.getUint32(140, true) : 0;
    const start = Math.min(bytes.length, metaEnd + (rng() < 0.7 ? 0 : int(rng, 16)));
    return { bytes: bytes.slice(start), note: `rawDataSet from ${start}` };
  },
};

const MUTATION_NAMES = Object.keys(mutations);
const MUTATION_WEIGHTS: Record<string, number> = {
  byteFlips: 20, truncate: 12, hugeLength: 14, randomLength: 8, undefinedLengthMisplaced: 8, wrongVr: 10, bogusTransferSyntax: 6,
  nearEmpty: 2, garbageAfter: 4, insertBytes: 5, deleteBytes: 5, deepNesting: 3, rawDataSet: 3, extremePixelModule: 8, pixelDataFlips: 8,
};

function weighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let r = rng() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1] as T;
}

/** Case `index` of `seed`: a base file with one to three mutations (20 % stacked). */
export function generateFuzzCase(seed: number, index: number, bases: readonly BaseFile[]): FuzzCase {
  const rng = mulberry32(caseSeed(seed, index));
  const source = weighted(rng, bases);
  const count = rng() < 0.8 ? 1 : 2 + int(rng, 2);
  let bytes: Uint8Array = source.bytes;
  const notes: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = weighted(rng, MUTATION_NAMES.map((mutation) => ({ mutation, weight: MUTATION_WEIGHTS[mutation] ?? 1 }))).mutation;
    const mutate = mutations[name];
    if (!mutate) continue;
    // after the first mutation the field offsets of the base may be stale: still valid input for a fuzzer
    const result = mutate(bytes, rng, source);
    bytes = result.bytes;
    notes.push(result.note);
  }
  return { seed, index, base: source.name, mutations: notes, bytes };
}
