/**
 * Writes a naturalized (dcmjs-style, keyword-keyed) data set as a DICOM Part 10 file
 * (PS3.10 7.1: 128-byte preamble, "DICM", file meta information group, data set) with
 * dcmjs's writer. Native Pixel Data with more than 8 bits allocated is written as OW
 * (PS3.5 8.2); typed arrays are accepted for PixelData.
 */
import { createRequire } from 'node:module';
import { VertebraError } from '@vertebra/errors';
import { isSafeUid } from './isValidUid.js';

const require = createRequire(import.meta.url);
const dcmjs = require('dcmjs') as any;

/** Vertebra's implementation class UID (a 2.25 UUID-derived UID, PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.186714052297462616232735917424340813311';
export const IMPLEMENTATION_VERSION_NAME = 'VERTEBRA_0_1';

/** A naturalized data set: keyword → value, with optional `_meta` (file meta, naturalized or dcmjs-namified) and `_vrMap`. */
export type NaturalizedDataset = Record<string, unknown> & {
  _meta?: Record<string, unknown>;
  _vrMap?: Record<string, string>;
};

export interface WritePart10Options {
  /** Transfer syntax of the written data set; default: `_meta.TransferSyntaxUID` or Explicit VR Little Endian. */
  readonly transferSyntaxUid?: string;
  /** Names the data set in error messages. */
  readonly subject?: string;
}

function metaValue(meta: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = meta?.[key];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Value' in value) {
    const first = (value as { Value?: unknown[] }).Value?.[0];
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

function toArrayBuffer(value: unknown): ArrayBuffer | unknown {
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value)) {
    const copy = new Uint8Array(value.byteLength);
    copy.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return copy.buffer;
  }
  return value;
}

/** Writes the data set as a Part 10 file. Throws VertebraError (DICOM_MALFORMED, DICOM_INVALID_UID) on bad input. */
export function writePart10(dataset: NaturalizedDataset, options: WritePart10Options = {}): Uint8Array {
  const errorOptions = options.subject === undefined ? {} : { subject: options.subject };
  const transferSyntaxUid = options.transferSyntaxUid ?? metaValue(dataset._meta, 'TransferSyntaxUID') ?? '1.2.840.10008.1.2.1';
  const sopClassUid = (typeof dataset.SOPClassUID === 'string' ? dataset.SOPClassUID : undefined) ?? metaValue(dataset._meta, 'MediaStorageSOPClassUID') ?? '';
  const sopInstanceUid = (typeof dataset.SOPInstanceUID === 'string' ? dataset.SOPInstanceUID : undefined) ?? metaValue(dataset._meta, 'MediaStorageSOPInstanceUID') ?? '';
  for (const [name, uid] of [['TransferSyntaxUID', transferSyntaxUid], ['SOPClassUID', sopClassUid], ['SOPInstanceUID', sopInstanceUid]] as const) {
    if (!isSafeUid(uid)) {
      throw new VertebraError('DICOM_INVALID_UID', `cannot write a Part 10 file: ${name} ${JSON.stringify(uid)} is not a valid UID`, errorOptions);
    }
  }
  const fileMetaInformationVersion = new Uint8Array([0, 1]).buffer;
  const meta = {
    FileMetaInformationVersion: fileMetaInformationVersion,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: metaValue(dataset._meta, 'ImplementationClassUID') ?? IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: metaValue(dataset._meta, 'ImplementationVersionName') ?? IMPLEMENTATION_VERSION_NAME,
    ...(metaValue(dataset._meta, 'SourceApplicationEntityTitle') === undefined ? {} : { SourceApplicationEntityTitle: metaValue(dataset._meta, 'SourceApplicationEntityTitle') }),
  };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dataset)) {
    if (key === '_meta') continue;
    body[key] = key === 'PixelData' ? (Array.isArray(value) ? value.map(toArrayBuffer) : toArrayBuffer(value)) : value;
  }
  const encapsulated = Array.isArray(body.PixelData) && transferSyntaxUid !== '1.2.840.10008.1.2.1' && transferSyntaxUid !== '1.2.840.10008.1.2' && transferSyntaxUid !== '1.2.840.10008.1.2.2';
  const vrMap = { ...((dataset._vrMap as Record<string, string> | undefined) ?? {}) };
  if (body.PixelData !== undefined && vrMap.PixelData === undefined) {
    const bitsAllocated = typeof dataset.BitsAllocated === 'number' ? dataset.BitsAllocated : 16;
    vrMap.PixelData = encapsulated || bitsAllocated <= 8 ? 'OB' : 'OW';
  }
  body._vrMap = vrMap;
  if (body.PixelData !== undefined && !Array.isArray(body.PixelData)) body.PixelData = [body.PixelData];
  try {
    const dicomDict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dicomDict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(body);
    const written = dicomDict.write({ fragmentMultiframe: false }) as ArrayBuffer;
    return new Uint8Array(written);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `cannot write the data set as Part 10: ${error instanceof Error ? error.message : String(error)}`, { ...errorOptions, cause: error });
  }
}
