/**
 * Part 10 framing for DIMSE (PS3.10 7.1, PS3.7 / PS3.8): wraps a data set received in a
 * C-STORE (raw bytes in the negotiated transfer syntax) in a preamble, "DICM" and a File
 * Meta Information group without re-encoding the data set, and splits a stored Part 10
 * file back into its meta values and data set bytes for C-MOVE / C-GET sub-operations.
 */
import { VertebraError } from '@vertebra/errors';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '@vertebra/dicom';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

export interface WrapDatasetOptions {
  /** The data set, whole or in consecutive pieces (copied once into the result). */
  readonly dataset: Uint8Array | readonly Uint8Array[];
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Source Application Entity Title (0002,0016): the calling AE of the C-STORE. */
  readonly sourceAeTitle?: string;
}

function metaElement(element: number, vr: string, value: Uint8Array): Uint8Array {
  const long = LONG_VRS.has(vr);
  const out = new Uint8Array((long ? 12 : 8) + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x0002, true);
  view.setUint16(2, element, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) {
    view.setUint32(8, value.length, true);
    out.set(value, 12);
  } else {
    view.setUint16(6, value.length, true);
    out.set(value, 8);
  }
  return out;
}

function textValue(text: string, pad: number): Uint8Array {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = pad;
  return padded;
}

/** Preamble + "DICM" + the file meta group for a data set received with these UIDs (PS3.10 7.1). */
export function part10Prefix(options: Omit<WrapDatasetOptions, 'dataset'>): Uint8Array {
  const elements: Uint8Array[] = [
    metaElement(0x0001, 'OB', new Uint8Array([0, 1])),
    metaElement(0x0002, 'UI', textValue(options.sopClassUid, 0)),
    metaElement(0x0003, 'UI', textValue(options.sopInstanceUid, 0)),
    metaElement(0x0010, 'UI', textValue(options.transferSyntaxUid, 0)),
    metaElement(0x0012, 'UI', textValue(IMPLEMENTATION_CLASS_UID, 0)),
    metaElement(0x0013, 'SH', textValue(IMPLEMENTATION_VERSION_NAME, 0x20)),
  ];
  const aeTitle = options.sourceAeTitle?.trim();
  if (aeTitle) elements.push(metaElement(0x0016, 'AE', textValue(aeTitle, 0x20)));
  const groupLength = elements.reduce((sum, e) => sum + e.length, 0);
  const lengthValue = new Uint8Array(4);
  new DataView(lengthValue.buffer).setUint32(0, groupLength, true);
  const header = metaElement(0x0000, 'UL', lengthValue);
  const out = new Uint8Array(132 + header.length + groupLength);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  let offset = 132;
  out.set(header, offset);
  offset += header.length;
  for (const element of elements) {
    out.set(element, offset);
    offset += element.length;
  }
  return out;
}

/** `prefix` followed by the data set pieces, copied once into one array. */
export function joinPart10(prefix: Uint8Array, dataset: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const pieces = dataset instanceof Uint8Array ? [dataset] : dataset;
  let length = prefix.length;
  for (const piece of pieces) length += piece.length;
  // Every byte is overwritten: no zero fill.
  const out = Buffer.allocUnsafe(length);
  out.set(prefix, 0);
  let offset = prefix.length;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** Returns preamble + DICM + file meta group + the data set bytes (copied once). */
export function wrapDatasetAsPart10(options: WrapDatasetOptions): Uint8Array {
  return joinPart10(part10Prefix(options), options.dataset);
}

export interface SplitPart10 {
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** The data set after the file meta group (a view on the input, no copy). */
  readonly dataset: Uint8Array;
}

function readText(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1').replace(/[\0 ]+$/, '');
}

/** Reads the file meta group of a Part 10 file (explicit VR little endian, PS3.10 7.1). */
export function splitPart10(bytes: Uint8Array, subject = 'stored instance'): SplitPart10 {
  if (bytes.length < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) {
    throw new VertebraError('DICOM_NOT_DICOM', 'no DICM prefix at offset 128', { subject });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 132;
  let transferSyntaxUid = '';
  let sopClassUid = '';
  let sopInstanceUid = '';
  while (offset + 8 <= bytes.length && view.getUint16(offset, true) === 0x0002) {
    const element = view.getUint16(offset + 2, true);
    const vr = String.fromCharCode(bytes[offset + 4] ?? 0, bytes[offset + 5] ?? 0);
    let length: number;
    let valueStart: number;
    if (LONG_VRS.has(vr)) {
      if (offset + 12 > bytes.length) break;
      length = view.getUint32(offset + 8, true);
      valueStart = offset + 12;
    } else {
      length = view.getUint16(offset + 6, true);
      valueStart = offset + 8;
    }
    if (valueStart + length > bytes.length) {
      throw new VertebraError('DICOM_LENGTH_PAST_END', `file meta element (0002,${element.toString(16).padStart(4, '0')}) runs past the end`, { subject });
    }
    if (element === 0x0010) transferSyntaxUid = readText(bytes, valueStart, length);
    else if (element === 0x0002) sopClassUid = readText(bytes, valueStart, length);
    else if (element === 0x0003) sopInstanceUid = readText(bytes, valueStart, length);
    offset = valueStart + length;
  }
  if (transferSyntaxUid === '') {
    throw new VertebraError('DICOM_MISSING_TRANSFER_SYNTAX', 'the file meta information has no Transfer Syntax UID', { subject });
  }
  return { transferSyntaxUid, sopClassUid, sopInstanceUid, dataset: bytes.subarray(offset) };
}
