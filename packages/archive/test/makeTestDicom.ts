/**
 * A tiny Part 10 writer for tests (Explicit VR Little Endian, PS3.5 7.1.2 / PS3.10 7.1),
 * written by hand so that tests can also build the broken files real senders produce:
 * no transfer syntax, UIDs that look like paths, lengths past the end.
 */
import { randomBytes } from 'node:crypto';

export type TestValue = string | number[] | Uint8Array;
export interface TestElement {
  readonly tag: string;
  readonly vr: string;
  readonly value: TestValue;
}

const longLength = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function valueBytes(vr: string, value: TestValue): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length % 2 === 0) return value;
    const padded = new Uint8Array(value.length + 1);
    padded.set(value);
    return padded;
  }
  if (Array.isArray(value)) {
    const size = vr === 'UL' || vr === 'SL' ? 4 : 2;
    const out = new Uint8Array(value.length * size);
    const view = new DataView(out.buffer);
    value.forEach((v, i) => (size === 4 ? view.setUint32(i * size, v, true) : view.setUint16(i * size, v, true)));
    return out;
  }
  let bytes = new TextEncoder().encode(value);
  if (bytes.length % 2 === 1) {
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    padded[bytes.length] = vr === 'UI' || vr === 'OB' ? 0 : 0x20;
    bytes = padded;
  }
  return bytes;
}

export function encodeElement(element: TestElement, declaredLength?: number): Uint8Array {
  const value = valueBytes(element.vr, element.value);
  const group = parseInt(element.tag.slice(0, 4), 16);
  const number = parseInt(element.tag.slice(4, 8), 16);
  const long = longLength.has(element.vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, number, true);
  header[4] = element.vr.charCodeAt(0);
  header[5] = element.vr.charCodeAt(1);
  if (long) view.setUint32(8, declaredLength ?? value.length, true);
  else view.setUint16(6, declaredLength ?? value.length, true);
  return concat([header, value]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export interface Part10Options {
  readonly sopClassUid?: string;
  readonly sopInstanceUid?: string;
  /** null leaves (0002,0010) out. */
  readonly transferSyntaxUid?: string | null;
}

/** Preamble, 'DICM', file meta group and the data set elements (sorted by tag). */
export function writeTestPart10(elements: readonly TestElement[], options: Part10Options = {}): Uint8Array {
  const find = (tag: string): string => {
    const e = elements.find((x) => x.tag === tag);
    return typeof e?.value === 'string' ? e.value : '';
  };
  const meta: TestElement[] = [
    { tag: '00020001', vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: '00020002', vr: 'UI', value: options.sopClassUid ?? find('00080016') },
    { tag: '00020003', vr: 'UI', value: options.sopInstanceUid ?? find('00080018') },
  ];
  const transferSyntax = options.transferSyntaxUid === undefined ? '1.2.840.10008.1.2.1' : options.transferSyntaxUid;
  if (transferSyntax !== null) meta.push({ tag: '00020010', vr: 'UI', value: transferSyntax });
  meta.push({ tag: '00020012', vr: 'UI', value: '1.2.3.4.5.6' });
  const metaBytes = concat(meta.map((e) => encodeElement(e)));
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: [metaBytes.length] });
  const sorted = [...elements].sort((a, b) => a.tag.localeCompare(b.tag));
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return concat([preamble, groupLength, metaBytes, ...sorted.map((e) => encodeElement(e))]);
}

export const ctImageStorage = '1.2.840.10008.5.1.4.1.1.2';

export function randomUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10)}`;
}

export interface TestInstanceOptions {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
  readonly patientId?: string;
  readonly patientName?: string;
  readonly studyDate?: string;
  readonly studyTime?: string;
  readonly accessionNumber?: string;
  readonly studyDescription?: string;
  readonly modality?: string;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
  readonly instanceNumber?: number;
  readonly referringPhysicianName?: string;
  readonly frameOfReferenceUid?: string;
  /** Pixel bytes (rows*columns*2); default 4×4 random. */
  readonly pixelBytes?: number;
  readonly extra?: readonly TestElement[];
}

/** A small CT image (16-bit, 4×4 by default) with the given identity. */
export function makeTestInstance(options: TestInstanceOptions = {}): { bytes: Uint8Array; sopInstanceUid: string; studyInstanceUid: string; seriesInstanceUid: string } {
  const sopInstanceUid = options.sopInstanceUid ?? randomUid();
  const studyInstanceUid = options.studyInstanceUid ?? randomUid();
  const seriesInstanceUid = options.seriesInstanceUid ?? randomUid();
  const pixelBytes = options.pixelBytes ?? 32;
  const side = Math.max(1, Math.floor(Math.sqrt(pixelBytes / 2)));
  const elements: TestElement[] = [
    { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
    { tag: '00080016', vr: 'UI', value: ctImageStorage },
    { tag: '00080018', vr: 'UI', value: sopInstanceUid },
    { tag: '00080020', vr: 'DA', value: options.studyDate ?? '20240115' },
    { tag: '00080030', vr: 'TM', value: options.studyTime ?? '101500' },
    { tag: '00080050', vr: 'SH', value: options.accessionNumber ?? 'ACC1' },
    { tag: '00080060', vr: 'CS', value: options.modality ?? 'CT' },
    { tag: '00080090', vr: 'PN', value: options.referringPhysicianName ?? '' },
    { tag: '00081030', vr: 'LO', value: options.studyDescription ?? 'SPINE' },
    { tag: '0008103E', vr: 'LO', value: options.seriesDescription ?? 'AXIAL' },
    { tag: '00100010', vr: 'PN', value: options.patientName ?? 'Doe^John' },
    { tag: '00100020', vr: 'LO', value: options.patientId ?? 'PID1' },
    { tag: '00100030', vr: 'DA', value: '19600101' },
    { tag: '00100040', vr: 'CS', value: 'M' },
    { tag: '0020000D', vr: 'UI', value: studyInstanceUid },
    { tag: '0020000E', vr: 'UI', value: seriesInstanceUid },
    { tag: '00200010', vr: 'SH', value: 'S1' },
    { tag: '00200011', vr: 'IS', value: String(options.seriesNumber ?? 1) },
    { tag: '00200013', vr: 'IS', value: String(options.instanceNumber ?? 1) },
    { tag: '00200052', vr: 'UI', value: options.frameOfReferenceUid ?? '1.2.3.4' },
    { tag: '00280002', vr: 'US', value: [1] },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280010', vr: 'US', value: [side] },
    { tag: '00280011', vr: 'US', value: [side] },
    { tag: '00280100', vr: 'US', value: [16] },
    { tag: '00280101', vr: 'US', value: [16] },
    { tag: '00280102', vr: 'US', value: [15] },
    { tag: '00280103', vr: 'US', value: [1] },
    { tag: '7FE00010', vr: 'OW', value: new Uint8Array(randomBytes(side * side * 2)) },
  ];
  const extra = options.extra ?? [];
  const merged = [...elements.filter((e) => !extra.some((x) => x.tag === e.tag)), ...extra];
  return { bytes: writeTestPart10(merged), sopInstanceUid, studyInstanceUid, seriesInstanceUid };
}
