/**
 * Shared Part 10 / raw data set parsing on top of dicom-parser (zero-copy). Detects
 * files without the 128-byte preamble and "DICM" prefix (raw data sets as C-STORE
 * delivers them, PS3.10 7.1 / PS3.5 Annex A), inflates deflated data sets (A.5), bounds
 * sequence nesting and checks every value lies inside the data, and turns every parser failure into a
 * VertebraError with a catalogue code naming the subject and the problem.
 */
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import type { DataSet, Element } from 'dicom-parser';
import { VertebraError } from '@vertebra/errors';

const require = createRequire(import.meta.url);
/** dicom-parser is a UMD bundle; Node's ESM loader exposes it only as `default`, so load it with require. */
export const dicomParser = require('dicom-parser') as typeof import('dicom-parser');

export const TransferSyntax = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;

export interface ParseOptions {
  /** Names the data for error messages: a file path, a STOW part, a C-STORE sender. */
  readonly subject?: string;
  /** Transfer syntax of a raw data set without file meta information. Detected when absent. */
  readonly transferSyntaxUid?: string;
  /** Stop before this tag (dicom-parser style, e.g. 'x7fe00010'). */
  readonly untilTag?: string;
}

export interface ParsedDataSet {
  readonly dataSet: DataSet;
  readonly transferSyntaxUid: string;
  /** True when the bytes had a preamble and file meta information. */
  readonly hasFileMeta: boolean;
  readonly byteLength: number;
}

const VALID_VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW',
  'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);
const UNDEFINED_LENGTH = 0xffffffff;

function label(options: ParseOptions): string {
  return options.subject ?? 'the data';
}

function fail(code: ConstructorParameters<typeof VertebraError>[0], message: string, options: ParseOptions, details?: Record<string, unknown>, cause?: unknown): VertebraError {
  return new VertebraError(code, message, {
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  });
}

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function vrAt(bytes: Uint8Array, offset: number): string | undefined {
  if (offset + 2 > bytes.length) return undefined;
  const vr = String.fromCharCode(bytes[offset] ?? 0, bytes[offset + 1] ?? 0);
  return VALID_VRS.has(vr) ? vr : undefined;
}

/**
 * Guesses the transfer syntax of a raw data set from its first element: a plausible
 * little-endian tag (even group 0x0002…0x0008 range, ascending data sets start low)
 * followed by either a two-letter VR (explicit) or a 32-bit length that fits (implicit).
 */
function detectRawTransferSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const group = view.getUint16(0, true);
  const element = view.getUint16(2, true);
  if (group === 0 || group > 0x0010 || group % 2 !== 0) return undefined;
  if (group === 0x0002) return undefined; // meta information without a preamble: not supported
  const vr = vrAt(bytes, 4);
  if (vr !== undefined) {
    const length = LONG_LENGTH_VRS.has(vr) ? (bytes.length >= 12 ? view.getUint32(8, true) : 0) : view.getUint16(6, true);
    if (length === UNDEFINED_LENGTH || length <= bytes.length) return TransferSyntax.explicitLittle;
    return undefined;
  }
  const length = view.getUint32(4, true);
  if (element > 0xffff) return undefined;
  if (length === UNDEFINED_LENGTH || 8 + length <= bytes.length) return TransferSyntax.implicitLittle;
  return undefined;
}

function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'exception' in error) return messageOf((error as { exception: unknown }).exception);
  return String(error);
}

function tagLabel(tag: string): string {
  return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;
}

/** End of the value of every fully parsed top-level element, i.e. where parsing stopped. */
function resumePosition(dataSet: DataSet | undefined, start: number): number {
  let position = start;
  if (!dataSet) return position;
  for (const element of Object.values(dataSet.elements)) {
    if (element.tag.startsWith('x0002')) continue;
    const end = element.dataOffset + (element.length === UNDEFINED_LENGTH ? 0 : element.length);
    if (end > position) position = end;
  }
  return position;
}

/**
 * After dicom-parser failed, read the element header at the position where it stopped
 * and say exactly what is wrong: a header cut short (truncated), or a declared length
 * past the end (absurd when larger than the whole data, truncated otherwise).
 */
function classifyFailure(bytes: Uint8Array, error: unknown, options: ParseOptions, context: { start: number; explicit: boolean; littleEndian: boolean }): VertebraError {
  const partial = error && typeof error === 'object' && 'dataSet' in error ? (error as { dataSet: DataSet }).dataSet : undefined;
  const raw = messageOf(error);
  const position = resumePosition(partial, context.start);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const remaining = bytes.length - position;
  const headerSize = context.explicit ? 8 : 8;
  if (remaining < headerSize) {
    return fail('DICOM_TRUNCATED', `the data set ends inside an element header at byte ${position} of ${bytes.length} (the file is truncated)`, options, { position, byteLength: bytes.length, parser: raw }, error);
  }
  const group = view.getUint16(position, context.littleEndian);
  const elementNumber = view.getUint16(position + 2, context.littleEndian);
  const tag = `x${group.toString(16).padStart(4, '0')}${elementNumber.toString(16).padStart(4, '0')}`;
  let length: number;
  let valueOffset: number;
  const vr = context.explicit ? vrAt(bytes, position + 4) : undefined;
  if (context.explicit && vr !== undefined && LONG_LENGTH_VRS.has(vr)) {
    if (remaining < 12) {
      return fail('DICOM_TRUNCATED', `the data set ends inside the header of element ${tagLabel(tag)} at byte ${position} (the file is truncated)`, options, { position, byteLength: bytes.length, parser: raw }, error);
    }
    length = view.getUint32(position + 8, context.littleEndian);
    valueOffset = position + 12;
  } else if (context.explicit && vr !== undefined) {
    length = view.getUint16(position + 6, context.littleEndian);
    valueOffset = position + 8;
  } else {
    length = view.getUint32(position + 4, context.littleEndian);
    valueOffset = position + 8;
  }
  if (length !== UNDEFINED_LENGTH && valueOffset + length > bytes.length) {
    const available = bytes.length - valueOffset;
    if (length > bytes.length) {
      return fail('DICOM_LENGTH_PAST_END', `element ${tagLabel(tag)} at byte ${position} declares a length of ${length} bytes (0x${length.toString(16).toUpperCase()}) but only ${available} bytes remain`, options, { tag: tagLabel(tag), position, declaredLength: length, available, parser: raw }, error);
    }
    return fail('DICOM_TRUNCATED', `element ${tagLabel(tag)} at byte ${position} declares ${length} bytes but the data ends after ${available} (the file is truncated)`, options, { tag: tagLabel(tag), position, declaredLength: length, available, parser: raw }, error);
  }
  // dicom-parser 1.8 reports two structural problems by failing on its own warning list
  if (/reading 'push'/.test(raw)) {
    return fail('DICOM_TRUNCATED', `a sequence or item of undefined length that starts before byte ${position} has no delimiter before the end of the data (the file is truncated or a length is wrong)`, options, { position, parser: raw }, error);
  }
  if (/warnings is not a function/.test(raw)) {
    return fail('DICOM_MALFORMED', `an item delimiter (FFFE,E00D) near byte ${position} has a non-zero length (PS3.5 7.5.2)`, options, { position, parser: raw }, error);
  }
  if (/past end|overread|overrun|eof/i.test(raw)) {
    return fail('DICOM_TRUNCATED', `the data set ends before element ${tagLabel(tag)} at byte ${position} is complete (${raw})`, options, { tag: tagLabel(tag), position, parser: raw }, error);
  }
  return fail('DICOM_MALFORMED', `cannot parse the data set near element ${tagLabel(tag)} at byte ${position}: ${raw}`, options, { tag: tagLabel(tag), position, parser: raw }, error);
}

/** Validates the file meta information group (PS3.10 7.1) before the data set is parsed. */
function checkFileMeta(bytes: Uint8Array, options: ParseOptions): { transferSyntaxUid: string; metaEnd: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 132;
  let transferSyntaxUid: string | undefined;
  while (position + 8 <= bytes.length) {
    const group = view.getUint16(position, true);
    if (group !== 0x0002) break;
    const elementNumber = view.getUint16(position + 2, true);
    const vr = vrAt(bytes, position + 4);
    const tag = `x0002${elementNumber.toString(16).padStart(4, '0')}`;
    if (vr === undefined) {
      throw fail('DICOM_MALFORMED', `file meta element ${tagLabel(tag)} at byte ${position} has no valid explicit VR`, options, { position });
    }
    let length: number;
    let valueOffset: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      if (position + 12 > bytes.length) break;
      length = view.getUint32(position + 8, true);
      valueOffset = position + 12;
    } else {
      length = view.getUint16(position + 6, true);
      valueOffset = position + 8;
    }
    if (length === UNDEFINED_LENGTH || valueOffset + length > bytes.length) {
      const available = bytes.length - valueOffset;
      const code = length > bytes.length ? 'DICOM_LENGTH_PAST_END' : 'DICOM_TRUNCATED';
      throw fail(code, `file meta element ${tagLabel(tag)} at byte ${position} declares ${length} bytes (0x${length.toString(16).toUpperCase()}) but only ${available} bytes remain`, options, { tag: tagLabel(tag), position, declaredLength: length, available });
    }
    if (elementNumber === 0x0010) {
      transferSyntaxUid = latin1(bytes, valueOffset, length);
    }
    position = valueOffset + length;
  }
  if (position + 8 > bytes.length && position < bytes.length) {
    throw fail('DICOM_TRUNCATED', `the data ends inside the file meta information at byte ${position} of ${bytes.length}`, options, { position });
  }
  const groupLengthElement = 132 + 8 <= bytes.length && view.getUint16(132, true) === 0x0002 && view.getUint16(134, true) === 0x0000 && bytes.length >= 144
    ? view.getUint32(140, true)
    : undefined;
  if (groupLengthElement !== undefined && 144 + groupLengthElement > bytes.length) {
    throw fail('DICOM_TRUNCATED', `the data ends inside the file meta information: its group length (0002,0000) says ${144 + groupLengthElement} bytes, the data has ${bytes.length}`, options, { byteLength: bytes.length });
  }
  if (!transferSyntaxUid) {
    throw fail('DICOM_MISSING_TRANSFER_SYNTAX', 'the file meta information has no Transfer Syntax UID (0002,0010)', options);
  }
  return { transferSyntaxUid, metaEnd: position };
}

const INFLATE_FILLER_TAG = 'x00000001';

/**
 * Inflates a Deflated Explicit VR Little Endian data set (PS3.5 A.5) for dicom-parser, which
 * parses the returned array from byte 0: the 128-byte preamble and "DICM" would be read as
 * elements (misaligned junk, or a failure when the preamble is not zero). The first 132
 * bytes are therefore replaced by one filler element (0000,0001) OB of 120 bytes, removed
 * after parsing; the file meta information and the inflated data set keep their offsets.
 */
function inflateForParser(byteArray: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(byteArray.subarray(position));
  const full = Buffer.alloc(position + inflated.length);
  full.set(byteArray.subarray(0, position), 0);
  full.set(inflated, position);
  if (position >= 132) {
    full.fill(0, 0, 132);
    full.writeUInt16LE(0x0000, 0);
    full.writeUInt16LE(0x0001, 2);
    full.write('OB', 4, 'latin1');
    full.writeUInt32LE(120, 8);
  }
  return full;
}

/** A zero-copy Buffer view (dicom-parser's deflate path needs Buffer methods). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses a Part 10 file or a raw data set. Throws only VertebraError:
 * DICOM_EMPTY_FILE, DICOM_NOT_DICOM, DICOM_TRUNCATED, DICOM_LENGTH_PAST_END,
 * DICOM_MISSING_TRANSFER_SYNTAX, DICOM_MALFORMED.
 */
export function parseDataSet(bytes: Uint8Array, options: ParseOptions = {}): ParsedDataSet {
  if (!(bytes instanceof Uint8Array)) {
    throw fail('DICOM_NOT_DICOM', 'expected the bytes of a DICOM file (Uint8Array)', options);
  }
  if (bytes.length === 0) {
    throw fail('DICOM_EMPTY_FILE', 'the file is empty (0 bytes)', options);
  }
  const part10 = hasDicmPrefix(bytes);
  let transferSyntaxUid: string;
  let start: number;
  if (part10) {
    const meta = checkFileMeta(bytes, options);
    transferSyntaxUid = meta.transferSyntaxUid;
    start = meta.metaEnd;
    if (start >= bytes.length) {
      throw fail('DICOM_TRUNCATED', `the file ends after the file meta information (${bytes.length} bytes): no data set`, options, { byteLength: bytes.length });
    }
  } else {
    const detected = options.transferSyntaxUid ?? detectRawTransferSyntax(bytes);
    if (detected === undefined) {
      throw fail('DICOM_NOT_DICOM', `not DICOM: no "DICM" prefix at byte 128 and the first bytes are not a data set element (${bytes.length} bytes)`, options, { byteLength: bytes.length });
    }
    transferSyntaxUid = detected;
    start = 0;
  }
  const explicit = transferSyntaxUid !== TransferSyntax.implicitLittle;
  const littleEndian = transferSyntaxUid !== TransferSyntax.explicitBig;
  let dataSet: DataSet;
  try {
    const deflated = transferSyntaxUid === TransferSyntax.deflatedExplicitLittle;
    const input = deflated ? asBuffer(bytes) : bytes;
    dataSet = dicomParser.parseDicom(input, {
      ...(options.untilTag === undefined ? {} : { untilTag: options.untilTag }),
      ...(part10 ? {} : { TransferSyntaxUID: transferSyntaxUid }),
      ...(deflated ? { inflater: inflateForParser } : {}),
    } as Parameters<typeof dicomParser.parseDicom>[1]);
    if (deflated) delete dataSet.elements[INFLATE_FILLER_TAG];
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    if (/maximum call stack/i.test(messageOf(error))) {
      throw fail('DICOM_MALFORMED', `sequences are nested too deeply to parse (more than ${MAX_SEQUENCE_DEPTH} levels allowed)`, options, { maxDepth: MAX_SEQUENCE_DEPTH }, error);
    }
    if (transferSyntaxUid === TransferSyntax.deflatedExplicitLittle) {
      throw fail('DICOM_MALFORMED', `cannot inflate or parse the deflated data set: ${messageOf(error)}`, options, undefined, error);
    }
    throw classifyFailure(bytes, error, options, { start, explicit, littleEndian });
  }
  checkElementBounds(dataSet, dataSet.byteArray.length, options);
  checkNestingDepth(dataSet, options);
  return { dataSet, transferSyntaxUid, hasFileMeta: part10, byteLength: bytes.length };
}

/** Deepest sequence nesting accepted; real objects stay far below (an SR tree rarely passes 10). */
export const MAX_SEQUENCE_DEPTH = 64;

/**
 * Rejects data sets whose sequences nest deeper than MAX_SEQUENCE_DEPTH, so that every
 * recursive walk over a parsed data set (DICOM JSON, de-identification) has a bounded
 * stack. Iterative, so the check itself cannot overflow.
 */
function checkNestingDepth(dataSet: DataSet, options: ParseOptions): void {
  const stack: Array<{ dataSet: DataSet; depth: number }> = [{ dataSet, depth: 0 }];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined) break;
    for (const tag in next.dataSet.elements) {
      const items = next.dataSet.elements[tag]?.items;
      if (!items) continue;
      if (next.depth + 1 > MAX_SEQUENCE_DEPTH) {
        throw fail('DICOM_MALFORMED', `sequence ${tagLabel(tag)} is nested more than ${MAX_SEQUENCE_DEPTH} levels deep`, options, { tag: tagLabel(tag), maxDepth: MAX_SEQUENCE_DEPTH });
      }
      for (const item of items) {
        if (item.dataSet) stack.push({ dataSet: item.dataSet, depth: next.depth + 1 });
      }
    }
  }
}

/**
 * dicom-parser does not check every declared length (implicit VR data sets, values
 * skipped by seek, elements inside sequence items): make sure each parsed element's
 * value, at any depth, lies inside the data.
 */
function checkElementBounds(dataSet: DataSet, byteLength: number, options: ParseOptions): void {
  const stack: DataSet[] = [dataSet];
  while (stack.length > 0) {
    const elements = stack.pop()?.elements ?? {};
    for (const tag in elements) {
      const element = elements[tag];
      if (element === undefined) continue;
      for (const item of element.items ?? []) {
        if (item.dataSet) stack.push(item.dataSet);
      }
      if (element.dataOffset === undefined || element.length === UNDEFINED_LENGTH || !(element.dataOffset + element.length > byteLength)) continue;
      const available = byteLength - element.dataOffset;
      const header = element.dataOffset - (element.vr !== undefined && LONG_LENGTH_VRS.has(element.vr) ? 12 : 8);
      if (element.length > byteLength) {
        throw fail('DICOM_LENGTH_PAST_END', `element ${tagLabel(element.tag)} at byte ${header} declares a length of ${element.length} bytes (0x${element.length.toString(16).toUpperCase()}) but only ${available} bytes remain`, options, { tag: tagLabel(element.tag), declaredLength: element.length, available });
      }
      throw fail('DICOM_TRUNCATED', `element ${tagLabel(element.tag)} at byte ${header} declares ${element.length} bytes but the data ends after ${available} (the file is truncated)`, options, { tag: tagLabel(element.tag), declaredLength: element.length, available });
    }
  }
}

/** Latin-1 string of a byte range with trailing NUL/space padding and leading spaces removed. */
function latin1(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset + length;
  while (end > offset && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x00)) end -= 1;
  let start = offset;
  while (start < end && bytes[start] === 0x20) start += 1;
  let text = '';
  for (let i = start; i < end; i += 1) {
    const code = bytes[i] ?? 0;
    if (code === 0) break;
    text += String.fromCharCode(code);
  }
  return text;
}

/** Trimmed string value of an element, '' when absent or empty (PS3.5 6.2 padding removed). */
export function stringOf(dataSet: DataSet, tag: string): string {
  const element = dataSet.elements[tag];
  if (!element || element.length === 0 || element.length === UNDEFINED_LENGTH) return '';
  if (element.dataOffset + element.length > dataSet.byteArray.length) return '';
  return latin1(dataSet.byteArray, element.dataOffset, element.length);
}

export function numberOf(dataSet: DataSet, tag: string): number | null {
  const text = stringOf(dataSet, tag);
  if (text === '') return null;
  const first = text.split('\\')[0]?.trim() ?? '';
  const value = Number(first);
  return first !== '' && Number.isFinite(value) ? value : null;
}

export function numbersOf(dataSet: DataSet, tag: string): number[] | null {
  const text = stringOf(dataSet, tag);
  if (text === '') return null;
  const values = text.split('\\').map((part) => Number(part.trim()));
  return values.every((value) => Number.isFinite(value)) ? values : null;
}

/** US value (binary) of an element in the data set's byte order, or null. */
export function uint16Of(dataSet: DataSet, tag: string): number | null {
  const element = dataSet.elements[tag];
  if (!element || element.length < 2) return null;
  return dataSet.uint16(tag) ?? null;
}

export type { DataSet, Element };

const utf8Decoder = new TextDecoder('utf-8');

/** True when Specific Character Set (0008,0005) selects UTF-8 (ISO_IR 192). */
export function isUtf8CharacterSet(specificCharacterSet: string): boolean {
  return specificCharacterSet.includes('ISO_IR 192');
}

/** Like stringOf, decoding UTF-8 when the data set declares ISO_IR 192 (PS3.5 6.1.2.3); otherwise Latin-1. */
export function textOf(dataSet: DataSet, tag: string, utf8: boolean): string {
  if (!utf8) return stringOf(dataSet, tag);
  const element = dataSet.elements[tag];
  if (!element || element.length === 0 || element.length === UNDEFINED_LENGTH) return '';
  if (element.dataOffset + element.length > dataSet.byteArray.length) return '';
  const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  return utf8Decoder.decode(bytes).replace(/[\0 ]+$/, '').trim();
}
