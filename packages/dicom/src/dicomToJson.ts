/**
 * DICOM JSON Model (PS3.18 Annex F) from a Part 10 file or raw data set, by a walk over
 * dicom-parser's element index (no copies of bulk data). Keys are 'GGGGEEEE' in upper
 * case; PN values are { Alphabetic, Ideographic, Phonetic } (F.2.2); IS/DS/binary numbers
 * are JSON numbers; sequences nest; bulk data (Pixel Data, large OB/OW/OD/OF/OL/OV/UN
 * values) becomes a BulkDataURI when the caller gives one, else only { vr } remains
 * (F.2.3); small binary values are InlineBinary (base64). The file meta group (0002) and
 * group lengths (gggg,0000) are left out, as in WADO-RS metadata.
 */
import { createRequire } from 'node:module';
import type { DataSet, Element } from 'dicom-parser';
import { VertebraError } from '@vertebra/errors';
import { isUtf8CharacterSet, parseDataSet, stringOf, TransferSyntax, type ParsedDataSet } from './parseDataSet.js';

const require = createRequire(import.meta.url);
interface DictionaryEntry {
  readonly vr: string;
}
const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, DictionaryEntry | undefined> } } }).data
  .DicomMetaDictionary.dictionary;

export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;

export interface BulkDataContext {
  /** Tags of the enclosing sequences, outermost first, each 'GGGGEEEE' with item index: ['00540016[0]']. */
  readonly path: readonly string[];
  /** Byte offset of the value in the file (for native values) and its length; undefined length for encapsulated data. */
  readonly offset: number;
  readonly length: number;
}

export interface DicomToJsonOptions {
  /** Names the data in error messages. */
  readonly subject?: string;
  /** Transfer syntax of a raw data set (no preamble and file meta). Detected when absent. */
  readonly transferSyntaxUid?: string;
  /** URI for a bulk data value; return undefined to leave the value out. */
  readonly bulkDataUriFor?: (tag: string, context: BulkDataContext) => string | undefined;
  /** Binary values longer than this many bytes are bulk data; shorter ones are InlineBinary. Default 1024. */
  readonly inlineBinaryMaxBytes?: number;
}

const UNDEFINED_LENGTH = 0xffffffff;
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const TEXT_VRS = new Set(['LT', 'ST', 'UT', 'UR']);
const PIXEL_DATA_TAGS = new Set(['7FE00010', '7FE00008', '7FE00009']);
const utf8Decoder = new TextDecoder('utf-8');
const latin1Decoder = new TextDecoder('latin1');

interface WalkContext {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly utf8: boolean;
  readonly pixelRepresentation: number;
  readonly bitsAllocated: number;
  readonly inlineMax: number;
  readonly bulkDataUriFor: DicomToJsonOptions['bulkDataUriFor'];
}

function vrFor(tagKey: string, element: Element, context: WalkContext): string {
  const explicitVr = element.vr;
  if (explicitVr !== undefined && explicitVr.length === 2 && explicitVr !== 'ox' && explicitVr !== 'xs') return explicitVr;
  const group = parseInt(tagKey.slice(0, 4), 16);
  const elementNumber = parseInt(tagKey.slice(4, 8), 16);
  if (group % 2 === 1) {
    if (elementNumber >= 0x0010 && elementNumber <= 0x00ff) return 'LO';
    return element.items ? 'SQ' : 'UN';
  }
  if (element.items) return 'SQ';
  const entry = dictionary[`(${tagKey.slice(0, 4)},${tagKey.slice(4, 8)})`];
  const vr = entry?.vr;
  if (vr === undefined) return 'UN';
  if (/^[A-Z]{2}$/.test(vr)) return vr;
  if (vr === 'xs') return context.pixelRepresentation === 1 ? 'SS' : 'US';
  if (vr === 'ox') return context.bitsAllocated > 8 ? 'OW' : 'OB';
  if (vr.startsWith('US') || vr.startsWith('SS')) return context.pixelRepresentation === 1 ? 'SS' : 'US';
  return vr.slice(0, 2).toUpperCase() === 'OB' ? 'OB' : 'OW';
}

function decodeText(context: WalkContext, offset: number, length: number): string {
  const { bytes } = context;
  if (context.utf8 || length > 256) {
    const slice = bytes.subarray(offset, offset + length);
    return (context.utf8 ? utf8Decoder : latin1Decoder).decode(slice);
  }
  let text = '';
  for (let i = offset; i < offset + length; i += 1) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}

/** Removes NUL and space padding at both ends (PS3.5 6.2), without regular expressions for speed. */
function trimValue(text: string): string {
  let start = 0;
  let end = text.length;
  while (end > start && (text.charCodeAt(end - 1) === 0 || text.charCodeAt(end - 1) === 0x20)) end -= 1;
  while (start < end && text.charCodeAt(start) === 0x20) start += 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function trimPadding(text: string): string {
  return text.replace(/[\0 ]+$/, '');
}

function splitStrings(text: string): Array<string | null> {
  if (!text.includes('\\')) {
    const trimmed = trimValue(text);
    return [trimmed === '' ? null : trimmed];
  }
  return text.split('\\').map((part) => {
    const trimmed = part.replace(/[\0]+$/, '').trim();
    return trimmed === '' ? null : trimmed;
  });
}

function personName(value: string | null): unknown {
  if (value === null) return null;
  const groups = value.split('=');
  const result: Record<string, string> = {};
  const names = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;
  groups.forEach((group, index) => {
    const name = names[index];
    const trimmed = group.replace(/\^+$/, '').trim();
    if (name !== undefined && trimmed !== '') result[name] = trimmed;
  });
  return Object.keys(result).length === 0 ? null : result;
}

function readNumbers(context: WalkContext, vr: string, offset: number, length: number): number[] {
  const { view, littleEndian } = context;
  const size = vr === 'FD' || vr === 'SV' || vr === 'UV' ? 8 : vr === 'US' || vr === 'SS' ? 2 : 4;
  const count = Math.floor(length / size);
  const values: number[] = new Array<number>(count);
  for (let i = 0; i < count; i += 1) {
    const at = offset + i * size;
    switch (vr) {
      case 'US': values[i] = view.getUint16(at, littleEndian); break;
      case 'SS': values[i] = view.getInt16(at, littleEndian); break;
      case 'UL': values[i] = view.getUint32(at, littleEndian); break;
      case 'SL': values[i] = view.getInt32(at, littleEndian); break;
      case 'FL': values[i] = view.getFloat32(at, littleEndian); break;
      case 'FD': values[i] = view.getFloat64(at, littleEndian); break;
      case 'SV': values[i] = Number(view.getBigInt64(at, littleEndian)); break;
      default: values[i] = Number(view.getBigUint64(at, littleEndian)); break;
    }
  }
  return values;
}

function attributeFor(tagKey: string, element: Element, path: readonly string[], context: WalkContext): DicomJsonAttribute {
  const vr = vrFor(tagKey, element, context);
  const attribute: DicomJsonAttribute = { vr };
  if (vr === 'SQ' || element.items) {
    attribute.vr = 'SQ';
    const items = element.items ?? [];
    if (items.length > 0) {
      attribute.Value = items.map((item, index) =>
        item.dataSet ? walk(item.dataSet, [...path, `${tagKey}[${index}]`], context) : {},
      );
    }
    return attribute;
  }
  const { dataOffset: offset, length } = element;
  if (length !== UNDEFINED_LENGTH && offset + length > context.bytes.length) return attribute;
  const encapsulated = length === UNDEFINED_LENGTH || element.encapsulatedPixelData === true;
  if (PIXEL_DATA_TAGS.has(tagKey) || BINARY_VRS.has(vr)) {
    if (!encapsulated && length === 0) return attribute;
    if (!PIXEL_DATA_TAGS.has(tagKey) && !encapsulated && length <= context.inlineMax) {
      attribute.InlineBinary = Buffer.from(context.bytes.buffer, context.bytes.byteOffset + offset, length).toString('base64');
      return attribute;
    }
    const uri = context.bulkDataUriFor?.(tagKey, { path, offset, length });
    if (uri !== undefined) attribute.BulkDataURI = uri;
    return attribute;
  }
  if (length === 0 || length === UNDEFINED_LENGTH) return attribute;
  switch (vr) {
    case 'US': case 'SS': case 'UL': case 'SL': case 'FL': case 'FD': case 'SV': case 'UV': {
      const values = readNumbers(context, vr, offset, length);
      if (values.length > 0) attribute.Value = values;
      return attribute;
    }
    case 'AT': {
      const values: string[] = [];
      for (let at = offset; at + 4 <= offset + length; at += 4) {
        const group = context.view.getUint16(at, context.littleEndian);
        const elementNumber = context.view.getUint16(at + 2, context.littleEndian);
        values.push(`${group.toString(16).padStart(4, '0')}${elementNumber.toString(16).padStart(4, '0')}`.toUpperCase());
      }
      if (values.length > 0) attribute.Value = values;
      return attribute;
    }
    default:
      break;
  }
  const text = decodeText(context, offset, length);
  if (TEXT_VRS.has(vr)) {
    const value = trimPadding(text);
    if (value !== '') attribute.Value = [value];
    return attribute;
  }
  const parts = splitStrings(text);
  if (parts.every((part) => part === null)) return attribute;
  if (vr === 'PN') {
    attribute.Value = parts.map(personName);
  } else if (vr === 'IS' || vr === 'DS') {
    attribute.Value = parts.map((part) => {
      if (part === null) return null;
      const number = Number(part);
      return Number.isFinite(number) ? number : part;
    });
  } else {
    attribute.Value = parts;
  }
  return attribute;
}

function walk(dataSet: DataSet, path: readonly string[], context: WalkContext): DicomJsonDataset {
  const result: DicomJsonDataset = {};
  const keys = Object.keys(dataSet.elements).filter((key) => key.length === 9 && !key.startsWith('x0002') && !key.startsWith('xfffe') && !key.endsWith('0000'));
  for (let i = 1; i < keys.length; i += 1) {
    if ((keys[i - 1] ?? '') > (keys[i] ?? '')) {
      keys.sort();
      break;
    }
  }
  for (const key of keys) {
    const element = dataSet.elements[key];
    if (element === undefined) continue;
    const tagKey = key.slice(1).toUpperCase();
    result[tagKey] = attributeFor(tagKey, element, path, context);
  }
  return result;
}

/** Converts a Part 10 file or raw data set to the DICOM JSON Model. Throws VertebraError only. */
export function dicomToJson(bytes: Uint8Array, options: DicomToJsonOptions = {}): DicomJsonDataset {
  const parsed = parseDataSet(bytes, {
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.transferSyntaxUid === undefined ? {} : { transferSyntaxUid: options.transferSyntaxUid }),
  });
  return jsonOfParsed(parsed, options);
}

/** DICOM JSON of an already parsed whole data set (readDicomInstance). Throws VertebraError only. */
export function jsonOfParsed(parsed: ParsedDataSet, options: Omit<DicomToJsonOptions, 'transferSyntaxUid'> = {}): DicomJsonDataset {
  const { dataSet } = parsed;
  const source = dataSet.byteArray;
  const pixelRepresentationElement = dataSet.elements.x00280103;
  const bitsAllocatedElement = dataSet.elements.x00280100;
  const context: WalkContext = {
    bytes: source,
    view: new DataView(source.buffer, source.byteOffset, source.byteLength),
    littleEndian: parsed.transferSyntaxUid !== TransferSyntax.explicitBig,
    utf8: isUtf8CharacterSet(stringOf(dataSet, 'x00080005')),
    pixelRepresentation: pixelRepresentationElement && pixelRepresentationElement.length >= 2 ? (dataSet.uint16('x00280103') ?? 0) : 0,
    bitsAllocated: bitsAllocatedElement && bitsAllocatedElement.length >= 2 ? (dataSet.uint16('x00280100') ?? 16) : 16,
    inlineMax: options.inlineBinaryMaxBytes ?? 1024,
    bulkDataUriFor: options.bulkDataUriFor,
  };
  try {
    return walk(dataSet, [], context);
  } catch (error) {
    throw new VertebraError('DICOM_MALFORMED', `cannot convert the data set to DICOM JSON: ${error instanceof Error ? error.message : String(error)}`, {
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      cause: error,
    });
  }
}
