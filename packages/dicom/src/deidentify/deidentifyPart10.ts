/**
 * De-identifies a DICOM object by the Basic Application Level Confidentiality Profile
 * (DICOM PS3.15 Annex E.1, Table E.1-1; see basicProfileActions.ts) with the Retain
 * Longitudinal Temporal Information with Modified Dates Option (E.3.6): every date is
 * shifted by a per-patient number of days derived from the key and the original Patient
 * ID, times are kept, so intervals between studies survive. Instance UIDs (U) become
 * '2.25.' HMAC UIDs, Patient ID and Patient's Name a keyed pseudonym, consistently
 * across calls with the same key. Private groups, curves and overlays are removed and
 * sequences are processed recursively. The result records what was done (E.1.1):
 * Patient Identity Removed (0012,0062) YES, De-identification Method (0012,0063) and its
 * Code Sequence (0012,0064, CID 7050: 113100, 113107), Longitudinal Temporal Information
 * Modified (0028,0303) MODIFIED.
 *
 * The data set is rewritten element by element in its own transfer syntax; values that
 * are kept (Pixel Data among them) are copied byte for byte. The file meta information
 * (PS3.10 7.1) is written anew with the new Media Storage SOP Instance UID.
 */
import { deflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { VertebraError } from '@vertebra/errors';
import { parseDataSet, stringOf, TransferSyntax, type DataSet, type Element } from '../parseDataSet.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../writePart10.js';
import { basicProfileActions, isRemovedGroup, resolveAction, WELL_KNOWN_UID_TAGS, type ResolvedAction } from './basicProfileActions.js';
import { encodeElements, stringValue, type Encoding, type OutputElement } from './encodeElements.js';
import { dateOffsetDays, patientNamePseudonym, patientPseudonym, pseudonymousUid, shiftDate, shiftDateTime, type DeidentificationKey } from './pseudonyms.js';

export interface DeidentifyOptions {
  /** The secret that keys UIDs, pseudonyms and date offsets (HMAC-SHA256). Keep it; the same key links studies. */
  readonly key: DeidentificationKey;
  /** Names the input in error messages. */
  readonly subject?: string;
}

export interface DeidentifyResult {
  /** The de-identified Part 10 file. */
  readonly bytes: Uint8Array;
  /** Tags ('GGGGEEEE') removed anywhere in the data set, sorted. */
  readonly removedTags: string[];
  /** Original UID → pseudonymous UID, for every UID replaced. */
  readonly replacedUids: Record<string, string>;
}

/** Attributes the de-identifier writes itself at the top level (PS3.15 E.1.1, E.3.6). */
export const DEIDENTIFICATION_METHOD = [
  'DICOM PS3.15 E.1 Basic Application Confidentiality Profile',
  'E.3.6 Retain Longitudinal Temporal Information Modified Dates',
] as const;
export const DEIDENTIFICATION_CODES = [
  { code: '113100', meaning: 'Basic Application Confidentiality Profile' },
  { code: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
] as const;
const WRITTEN_TAGS = new Set(['00120062', '00120063', '00120064', '00280303']);
/**
 * Dates that version a code set or template, not the patient's care: kept (E.3.6 modifies
 * the dates of the patient's record). Every other DA/DT outside the table is shifted too.
 */
const CODING_VERSION_DATES = new Set(['00080106', '00080107', '0040DB06', '0040DB07']);

const require = createRequire(import.meta.url);
const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { vr: string } | undefined> } } }).data
  .DicomMetaDictionary.dictionary;
const VALID_VR = /^(AE|AS|AT|CS|DA|DS|DT|FL|FD|IS|LO|LT|OB|OD|OF|OL|OV|OW|PN|SH|SL|SQ|SS|ST|SV|TM|UC|UI|UL|UN|UR|US|UT|UV)$/;
const UNDEFINED_LENGTH = 0xffffffff;

/** The data dictionary's VR (PS3.6) of a tag 'GGGGEEEE', or undefined. */
export function dictionaryVr(tagKey: string): string | undefined {
  return dictionary[`(${tagKey.slice(0, 4)},${tagKey.slice(4, 8)})`]?.vr;
}

/** A sequence sent as UN with a defined length (PS3.5 6.2.2): its items were not parsed, so its content cannot be cleaned or checked. */
export function isOpaqueSequence(tagKey: string, element: Element): boolean {
  return !element.items && element.vr === 'UN' && element.length > 0 && dictionaryVr(tagKey) === 'SQ';
}

/** VR of an element: explicit when the data had one, else the data dictionary's (PS3.6). */
export function vrOfElement(tagKey: string, element: Element): string {
  if (element.items) return 'SQ';
  if (element.vr !== undefined && VALID_VR.test(element.vr)) return element.vr;
  const entry = dictionary[`(${tagKey.slice(0, 4)},${tagKey.slice(4, 8)})`]?.vr;
  if (entry === undefined) return 'UN';
  if (VALID_VR.test(entry)) return entry;
  if (entry.includes('OW')) return 'OW';
  if (entry.includes('US')) return 'US';
  return 'UN';
}

export function tagKeyOf(key: string): string {
  return key.slice(1).toUpperCase();
}

function rawText(bytes: Uint8Array, element: Element): string {
  if (element.length === UNDEFINED_LENGTH || element.length === 0 || element.dataOffset >= bytes.length) return '';
  const length = Math.min(element.length, bytes.length - element.dataOffset);
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.dataOffset, length).toString('latin1').replace(/[\0 ]+$/, '');
}

interface Context {
  readonly key: DeidentificationKey;
  readonly offsetDays: number;
  readonly bytes: Uint8Array;
  readonly explicit: boolean;
  readonly subject: string | undefined;
  readonly removed: Set<string>;
  readonly uids: Map<string, string>;
}

function fail(context: Context, code: 'DICOM_MALFORMED' | 'DICOM_TRUNCATED' | 'DICOM_MISSING_SOP_INSTANCE_UID' | 'DICOM_MISSING_SOP_CLASS_UID', message: string): VertebraError {
  return new VertebraError(code, message, context.subject === undefined ? {} : { subject: context.subject });
}

function mapUid(context: Context, uid: string): string {
  const existing = context.uids.get(uid);
  if (existing !== undefined) return existing;
  const replaced = pseudonymousUid(context.key, uid);
  context.uids.set(uid, replaced);
  return replaced;
}

function textElement(tag: number, vr: string, text: string): OutputElement {
  return { tag, vr, value: stringValue(text, vr) };
}

function dummyValue(vr: string, context: Context): Uint8Array {
  switch (vr) {
    case 'DA': return stringValue('19000101', vr);
    case 'TM': return stringValue('000000', vr);
    case 'DT': return stringValue('19000101000000', vr);
    case 'AS': return stringValue('000D', vr);
    case 'IS': case 'DS': return stringValue('0', vr);
    case 'UI': return stringValue(pseudonymousUid(context.key, 'vertebra-dummy'), vr);
    case 'US': case 'SS': return new Uint8Array(2);
    case 'UL': case 'SL': case 'FL': case 'AT': return new Uint8Array(4);
    case 'FD': case 'SV': case 'UV': return new Uint8Array(8);
    case 'OB': case 'OD': case 'OF': case 'OL': case 'OV': case 'OW': case 'UN': return new Uint8Array(0);
    default: return stringValue('ANONYMIZED', vr);
  }
}

function rawValue(element: Element, context: Context, tagKey: string): { value: Uint8Array; undefinedLength?: boolean } {
  const { bytes } = context;
  if (element.length === UNDEFINED_LENGTH) {
    throw fail(context, 'DICOM_TRUNCATED', `element (${tagKey.slice(0, 4)},${tagKey.slice(4)}) has an undefined length and no delimiter before the end of the data`);
  }
  if (element.dataOffset + element.length > bytes.length) {
    throw fail(context, 'DICOM_TRUNCATED', `element (${tagKey.slice(0, 4)},${tagKey.slice(4)}) declares ${element.length} bytes past the end of the data`);
  }
  const value = bytes.subarray(element.dataOffset, element.dataOffset + element.length);
  return element.hadUndefinedLength && element.encapsulatedPixelData ? { value, undefinedLength: true } : { value };
}

function shiftValues(text: string, vr: 'DA' | 'DT', context: Context): string {
  return text
    .split('\\')
    .map((part) => {
      if (part.trim() === '') return '';
      const range = vr === 'DA' ? /^(\d*)-(\d*)$/.exec(part.trim()) : null;
      if (range) return `${range[1] ? shiftDate(range[1], context.offsetDays) ?? '' : ''}-${range[2] ? shiftDate(range[2], context.offsetDays) ?? '' : ''}`;
      return (vr === 'DA' ? shiftDate(part, context.offsetDays) : shiftDateTime(part, context.offsetDays)) ?? '';
    })
    .join('\\');
}

function processItems(element: Element, context: Context, patientId: string): OutputElement[][] {
  return (element.items ?? []).map((item) => (item.dataSet ? processDataSet(item.dataSet, context, patientId) : []));
}

function processElement(key: string, element: Element, context: Context, patientId: string): OutputElement | undefined {
  const tagKey = tagKeyOf(key);
  const tag = parseInt(tagKey, 16) >>> 0;
  const group = tag >>> 16;
  if (group === 0x0002 || group === 0xfffe || (tag & 0xffff) === 0) return undefined;
  if (isRemovedGroup(group)) {
    context.removed.add(tagKey);
    return undefined;
  }
  if (WRITTEN_TAGS.has(tagKey)) return undefined;
  if (context.explicit && element.vr !== undefined && !element.items && !VALID_VR.test(element.vr)) {
    throw fail(context, 'DICOM_MALFORMED', `element (${tagKey.slice(0, 4)},${tagKey.slice(4)}) has an invalid VR ${JSON.stringify(element.vr)}`);
  }
  const vr = vrOfElement(tagKey, element);
  // Patient ID / Patient's Name at any depth: the pseudonym of the Patient ID of the same data set (or the enclosing one)
  if (tagKey === '00100010') return textElement(tag, 'PN', patientNamePseudonym(context.key, patientId));
  if (tagKey === '00100020') return textElement(tag, 'LO', patientPseudonym(context.key, patientId));
  const entry = basicProfileActions.get(tagKey);
  if (entry?.temporal && (vr === 'DA' || vr === 'DT' || vr === 'TM')) {
    if (vr === 'TM') return { tag, vr, ...rawValue(element, context, tagKey) };
    return textElement(tag, vr, shiftValues(rawText(context.bytes, element), vr, context));
  }
  const action: ResolvedAction | undefined = entry === undefined ? undefined : resolveAction(entry.action);
  if (action !== 'Z' && isOpaqueSequence(tagKey, element)) {
    context.removed.add(tagKey);
    return undefined;
  }
  switch (action) {
    case 'X':
      context.removed.add(tagKey);
      return undefined;
    case 'Z':
      return vr === 'SQ' ? { tag, vr, value: [] } : { tag, vr, value: new Uint8Array(0) };
    case 'D':
      return vr === 'SQ' ? { tag, vr, value: processItems(element, context, patientId) } : { tag, vr, value: dummyValue(vr, context) };
    case 'U':
      if (vr === 'SQ') return { tag, vr, value: processItems(element, context, patientId) };
      return textElement(tag, 'UI', rawText(context.bytes, element).split('\\').map((uid) => (uid.trim() === '' ? '' : mapUid(context, uid.trim()))).join('\\'));
    default:
      break;
  }
  if (vr === 'SQ') return { tag, vr, value: processItems(element, context, patientId) };
  if ((vr === 'DA' || vr === 'DT') && !CODING_VERSION_DATES.has(tagKey)) return textElement(tag, vr, shiftValues(rawText(context.bytes, element), vr, context));
  if (vr === 'UI' && !WELL_KNOWN_UID_TAGS.has(tagKey)) {
    const text = rawText(context.bytes, element);
    if (text !== '' && !text.split('\\').every((uid) => uid.trim() === '' || uid.trim().startsWith('1.2.840.10008.'))) {
      return textElement(tag, vr, text.split('\\').map((uid) => (uid.trim() === '' || uid.trim().startsWith('1.2.840.10008.') ? uid.trim() : mapUid(context, uid.trim()))).join('\\'));
    }
  }
  return { tag, vr, ...rawValue(element, context, tagKey) };
}

function processDataSet(dataSet: DataSet, context: Context, inheritedPatientId: string): OutputElement[] {
  const out: OutputElement[] = [];
  const patientId = dataSet.elements.x00100020 ? stringOf(dataSet, 'x00100020') : inheritedPatientId;
  for (const key of Object.keys(dataSet.elements)) {
    const element = dataSet.elements[key];
    if (element === undefined || key.length !== 9) continue;
    const processed = processElement(key, element, context, patientId);
    if (processed) out.push(processed);
  }
  return out.sort((a, b) => a.tag - b.tag);
}

function codeItem(code: string, meaning: string): OutputElement[] {
  return [textElement(0x00080100, 'SH', code), textElement(0x00080102, 'SH', 'DCM'), textElement(0x00080104, 'LO', meaning)];
}

function fileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Uint8Array {
  const encoding: Encoding = { explicit: true, littleEndian: true };
  const elements: OutputElement[] = [
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    textElement(0x00020002, 'UI', sopClassUid),
    textElement(0x00020003, 'UI', sopInstanceUid),
    textElement(0x00020010, 'UI', transferSyntaxUid),
    textElement(0x00020012, 'UI', IMPLEMENTATION_CLASS_UID),
    textElement(0x00020013, 'SH', IMPLEMENTATION_VERSION_NAME),
  ];
  const body = encodeElements(elements, encoding);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, body.length, true);
  return Buffer.concat([encodeElements([{ tag: 0x00020000, vr: 'UL', value: groupLength }], encoding), body]);
}

/**
 * De-identifies a Part 10 file (or a raw data set, detected as parseDataSet does) and
 * returns a Part 10 file in the same transfer syntax. Throws VertebraError (the parse
 * codes, DICOM_MISSING_SOP_INSTANCE_UID, DICOM_MISSING_SOP_CLASS_UID).
 */
export function deidentifyPart10(bytes: Uint8Array, options: DeidentifyOptions): DeidentifyResult {
  const subjectOptions = options.subject === undefined ? {} : { subject: options.subject };
  const parsed = parseDataSet(bytes, subjectOptions);
  const { dataSet, transferSyntaxUid } = parsed;
  const patientId = stringOf(dataSet, 'x00100020');
  const context: Context = {
    key: options.key,
    offsetDays: dateOffsetDays(options.key, patientId),
    bytes: dataSet.byteArray,
    explicit: transferSyntaxUid !== TransferSyntax.implicitLittle,
    subject: options.subject,
    removed: new Set(),
    uids: new Map(),
  };
  const sopInstanceUid = stringOf(dataSet, 'x00080018') || stringOf(dataSet, 'x00020003');
  const sopClassUid = stringOf(dataSet, 'x00080016') || stringOf(dataSet, 'x00020002');
  if (sopInstanceUid === '') throw fail(context, 'DICOM_MISSING_SOP_INSTANCE_UID', 'no SOP Instance UID (0008,0018) or (0002,0003) to de-identify');
  if (sopClassUid === '') throw fail(context, 'DICOM_MISSING_SOP_CLASS_UID', 'no SOP Class UID (0008,0016) or (0002,0002)');
  const metaInstance = stringOf(dataSet, 'x00020003');
  if (metaInstance !== '') mapUid(context, metaInstance);
  const newSopInstanceUid = mapUid(context, sopInstanceUid);

  let elements: OutputElement[];
  try {
    elements = processDataSet(dataSet, context, patientId);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `cannot de-identify the data set: ${error instanceof Error ? error.message : String(error)}`, { ...subjectOptions, cause: error });
  }
  elements.push(
    textElement(0x00120062, 'CS', 'YES'),
    textElement(0x00120063, 'LO', DEIDENTIFICATION_METHOD.join('\\')),
    { tag: 0x00120064, vr: 'SQ', value: DEIDENTIFICATION_CODES.map(({ code, meaning }) => codeItem(code, meaning)) },
    textElement(0x00280303, 'CS', 'MODIFIED'),
  );
  elements.sort((a, b) => a.tag - b.tag);
  const encoding: Encoding = {
    explicit: context.explicit,
    littleEndian: transferSyntaxUid !== TransferSyntax.explicitBig,
  };
  let body = encodeElements(elements, encoding);
  if (transferSyntaxUid === TransferSyntax.deflatedExplicitLittle) body = new Uint8Array(deflateRawSync(body));
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  const out = Buffer.concat([preamble, fileMeta(sopClassUid, newSopInstanceUid, transferSyntaxUid), body]);
  return {
    bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
    removedTags: [...context.removed].sort(),
    replacedUids: Object.fromEntries(context.uids),
  };
}
