/**
 * The fast header path: reads the attributes the archive indexes from a Part 10 file or a
 * raw data set, stopping at Pixel Data (7FE0,0010) so no pixel bytes are touched
 * (dicom-parser, zero-copy). SOP Class/Instance UIDs fall back to the file meta
 * information (PS3.10 7.1, (0002,0002)/(0002,0003)) with a warning; UIDs are checked
 * against PS3.5 9.1.
 */
import { VertebraError } from '@vertebra/errors';
import type { DicomHeader } from './DicomHeader.js';
import { isSafeUid, isValidUid } from './isValidUid.js';
import { isUtf8CharacterSet, numberOf, numbersOf, parseDataSet, stringOf, textOf, uint16Of, type ParsedDataSet } from './parseDataSet.js';

export interface ReadDicomHeaderOptions {
  /** Names the data in error messages and warnings (file path, STOW part, C-STORE sender). */
  readonly subject?: string;
  /** Transfer syntax of a raw data set without preamble and file meta (e.g. from the C-STORE presentation context). */
  readonly transferSyntaxUid?: string;
}

const UNDEFINED_LENGTH = 0xffffffff;

/**
 * Image storage SOP classes (PS3.4 B.5) whose instances must carry pixel data: a data
 * set of one of these that ends without Pixel Data was cut short.
 */
const IMAGE_STORAGE_PREFIXES = [
  '1.2.840.10008.5.1.4.1.1.1', // CR, DX, MG, IO
  '1.2.840.10008.5.1.4.1.1.2', // CT, enhanced CT
  '1.2.840.10008.5.1.4.1.1.3.1', // US multi-frame
  '1.2.840.10008.5.1.4.1.1.4', // MR, enhanced MR
  '1.2.840.10008.5.1.4.1.1.6.1', // US
  '1.2.840.10008.5.1.4.1.1.6.2', // enhanced US volume
  '1.2.840.10008.5.1.4.1.1.7', // secondary capture
  '1.2.840.10008.5.1.4.1.1.12', // XA, RF
  '1.2.840.10008.5.1.4.1.1.13.1', // breast tomosynthesis, X-ray 3D
  '1.2.840.10008.5.1.4.1.1.20', // NM
  '1.2.840.10008.5.1.4.1.1.128', // PET
  '1.2.840.10008.5.1.4.1.1.130', // enhanced PET
  '1.2.840.10008.5.1.4.1.1.481.1', // RT image
];

function isImageStorage(sopClassUid: string): boolean {
  return IMAGE_STORAGE_PREFIXES.some((prefix) => sopClassUid === prefix || sopClassUid.startsWith(`${prefix}.`));
}

function tuple3(values: number[] | null): readonly [number, number, number] | null {
  return values && values.length >= 3 ? [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0] : null;
}

function tuple6(values: number[] | null): readonly [number, number, number, number, number, number] | null {
  return values && values.length >= 6
    ? [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0, values[3] ?? 0, values[4] ?? 0, values[5] ?? 0]
    : null;
}

function tuple2(values: number[] | null): readonly [number, number] | null {
  return values && values.length >= 2 ? [values[0] ?? 0, values[1] ?? 0] : null;
}

/** Reads the indexed header attributes. Throws VertebraError only (see parseDataSet for the codes). */
export function readDicomHeader(bytes: Uint8Array, options: ReadDicomHeaderOptions = {}): DicomHeader {
  try {
    return readHeader(bytes, options);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `the data set cannot be parsed: ${error instanceof Error ? error.message : String(error)}`, {
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      cause: error,
    });
  }
}

function readHeader(bytes: Uint8Array, options: ReadDicomHeaderOptions): DicomHeader {
  return headerOf(parseDataSet(bytes, { ...options, untilTag: 'x7fe00010' }), options);
}

/**
 * The header of an already parsed data set (whole, or up to Pixel Data). For readDicomInstance,
 * which parses once for both the header and DICOM JSON. Throws like readDicomHeader.
 */
export function headerOfParsed(parsed: ParsedDataSet, options: ReadDicomHeaderOptions = {}): DicomHeader {
  try {
    return headerOf(parsed, options);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `the data set cannot be parsed: ${error instanceof Error ? error.message : String(error)}`, {
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      cause: error,
    });
  }
}

function headerOf(parsed: ParsedDataSet, options: ReadDicomHeaderOptions): DicomHeader {
  const subject = options.subject;
  const { dataSet } = parsed;
  let bytes: Uint8Array;
  const warnings: string[] = [];
  const errorOptions = subject === undefined ? {} : { subject };
  const what = subject ?? 'the data set';

  let sopClassUid = stringOf(dataSet, 'x00080016');
  let sopInstanceUid = stringOf(dataSet, 'x00080018');
  if (sopClassUid === '') {
    const fromMeta = stringOf(dataSet, 'x00020002');
    if (fromMeta !== '') {
      sopClassUid = fromMeta;
      warnings.push(`${what}: SOP Class UID (0008,0016) is empty in the data set; used Media Storage SOP Class UID (0002,0002) ${fromMeta} from the file meta information`);
    }
  }
  if (sopInstanceUid === '') {
    const fromMeta = stringOf(dataSet, 'x00020003');
    if (fromMeta !== '') {
      sopInstanceUid = fromMeta;
      warnings.push(`${what}: SOP Instance UID (0008,0018) is empty in the data set; used Media Storage SOP Instance UID (0002,0003) ${fromMeta} from the file meta information`);
    }
  }
  if (sopInstanceUid === '') {
    throw new VertebraError('DICOM_MISSING_SOP_INSTANCE_UID', 'no SOP Instance UID (0008,0018) in the data set and no Media Storage SOP Instance UID (0002,0003) in the file meta information', errorOptions);
  }
  if (sopClassUid === '') {
    throw new VertebraError('DICOM_MISSING_SOP_CLASS_UID', 'no SOP Class UID (0008,0016) in the data set and no Media Storage SOP Class UID (0002,0002) in the file meta information', errorOptions);
  }
  const metaInstance = stringOf(dataSet, 'x00020003');
  if (metaInstance !== '' && metaInstance !== sopInstanceUid) {
    warnings.push(`${what}: Media Storage SOP Instance UID (0002,0003) ${metaInstance} differs from SOP Instance UID (0008,0018) ${sopInstanceUid}; the data set's value is used`);
  }

  const studyInstanceUid = stringOf(dataSet, 'x0020000d');
  const seriesInstanceUid = stringOf(dataSet, 'x0020000e');
  const frameOfReferenceUid = stringOf(dataSet, 'x00200052');
  const uids: Array<[string, string]> = [
    ['Transfer Syntax UID (0002,0010)', parsed.transferSyntaxUid],
    ['SOP Class UID (0008,0016)', sopClassUid],
    ['SOP Instance UID (0008,0018)', sopInstanceUid],
    ['Study Instance UID (0020,000D)', studyInstanceUid],
    ['Series Instance UID (0020,000E)', seriesInstanceUid],
    ['Frame of Reference UID (0020,0052)', frameOfReferenceUid],
  ];
  for (const [name, uid] of uids) {
    if (uid === '') continue;
    if (!isSafeUid(uid)) {
      throw new VertebraError('DICOM_INVALID_UID', `${name} ${JSON.stringify(uid.slice(0, 80))} is not a valid UID (PS3.5 9.1: digits and dots, at most 64 characters)`, { ...errorOptions, details: { attribute: name, uid: uid.slice(0, 80) } });
    }
    if (!isValidUid(uid)) {
      warnings.push(`${what}: ${name} ${uid} has a component with a leading zero (PS3.5 9.1); accepted as it is`);
    }
  }

  const pixelData = dataSet.elements.x7fe00010;
  // deflated data sets are inflated by the parser: check against the inflated bytes
  bytes = dataSet.byteArray;
  let pixelDataOffset: number | null = null;
  if (pixelData) {
    pixelDataOffset = pixelData.dataOffset;
    if (pixelData.length !== UNDEFINED_LENGTH && pixelData.dataOffset + pixelData.length > bytes.length) {
      const available = bytes.length - pixelData.dataOffset;
      const code = pixelData.length > bytes.length ? 'DICOM_LENGTH_PAST_END' : 'DICOM_TRUNCATED';
      throw new VertebraError(code, `Pixel Data (7FE0,0010) declares ${pixelData.length} bytes but only ${available} bytes remain${code === 'DICOM_TRUNCATED' ? ' (the file is truncated)' : ''}`, { ...errorOptions, details: { declaredLength: pixelData.length, available } });
    }
    if (pixelData.length === UNDEFINED_LENGTH) {
      // Encapsulated (PS3.5 A.4): walk the item headers (a jump per fragment) to the delimiter.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let at = pixelData.dataOffset;
      let first = true;
      for (;;) {
        if (at + 8 > bytes.length) {
          throw new VertebraError('DICOM_TRUNCATED', `the file ends inside the encapsulated Pixel Data (7FE0,0010) at byte ${bytes.length}, before its sequence delimiter (the file is truncated)`, errorOptions);
        }
        const itemTag = view.getUint32(at, true);
        const itemLength = view.getUint32(at + 4, true);
        if (itemTag === 0xe0ddfffe) break;
        if (itemTag !== 0xe000fffe) {
          throw new VertebraError('DICOM_MALFORMED', `encapsulated Pixel Data (7FE0,0010) has no item (FFFE,E000) at byte ${at}${first ? ' (Basic Offset Table expected)' : ''} (PS3.5 A.4)`, errorOptions);
        }
        if (at + 8 + itemLength > bytes.length) {
          const code = itemLength > bytes.length ? 'DICOM_LENGTH_PAST_END' : 'DICOM_TRUNCATED';
          throw new VertebraError(code, `the Pixel Data ${first ? 'Basic Offset Table' : 'fragment'} item at byte ${at} declares ${itemLength} bytes but only ${bytes.length - at - 8} remain${code === 'DICOM_TRUNCATED' ? ' (the file is truncated)' : ''}`, errorOptions);
        }
        at += 8 + itemLength;
        first = false;
      }
    }
  }

  if (!pixelData && isImageStorage(sopClassUid) && !dataSet.elements.x7fe00008 && !dataSet.elements.x7fe00009) {
    throw new VertebraError('DICOM_TRUNCATED', `the data set of this image (SOP Class ${sopClassUid}) ends after ${bytes.length} bytes without Pixel Data (7FE0,0010): the file is truncated`, { ...errorOptions, details: { byteLength: bytes.length } });
  }

  const specificCharacterSet = stringOf(dataSet, 'x00080005');
  const utf8 = isUtf8CharacterSet(specificCharacterSet);
  const numberOfFramesValue = numberOf(dataSet, 'x00280008');
  const integer = (tag: string): number | null => {
    const value = numberOf(dataSet, tag);
    return value === null ? null : Math.trunc(value);
  };

  return {
    transferSyntaxUid: parsed.transferSyntaxUid,
    sopClassUid,
    sopInstanceUid,
    studyInstanceUid,
    seriesInstanceUid,
    frameOfReferenceUid,
    patientId: textOf(dataSet, 'x00100020', utf8),
    patientName: textOf(dataSet, 'x00100010', utf8),
    patientBirthDate: stringOf(dataSet, 'x00100030'),
    patientSex: stringOf(dataSet, 'x00100040'),
    studyDate: stringOf(dataSet, 'x00080020'),
    studyTime: stringOf(dataSet, 'x00080030'),
    studyDescription: textOf(dataSet, 'x00081030', utf8),
    studyId: textOf(dataSet, 'x00200010', utf8),
    accessionNumber: textOf(dataSet, 'x00080050', utf8),
    referringPhysicianName: textOf(dataSet, 'x00080090', utf8),
    modality: stringOf(dataSet, 'x00080060'),
    seriesNumber: integer('x00200011'),
    seriesDescription: textOf(dataSet, 'x0008103e', utf8),
    seriesDate: stringOf(dataSet, 'x00080021'),
    seriesTime: stringOf(dataSet, 'x00080031'),
    bodyPartExamined: stringOf(dataSet, 'x00180015'),
    instanceNumber: integer('x00200013'),
    rows: uint16Of(dataSet, 'x00280010'),
    columns: uint16Of(dataSet, 'x00280011'),
    numberOfFrames: numberOfFramesValue !== null && numberOfFramesValue >= 1 ? Math.trunc(numberOfFramesValue) : pixelData ? 1 : 0,
    bitsAllocated: uint16Of(dataSet, 'x00280100'),
    imagePositionPatient: tuple3(numbersOf(dataSet, 'x00200032')),
    imageOrientationPatient: tuple6(numbersOf(dataSet, 'x00200037')),
    pixelSpacingMm: tuple2(numbersOf(dataSet, 'x00280030')),
    sliceThicknessMm: numberOf(dataSet, 'x00180050'),
    specificCharacterSet,
    pixelDataOffset,
    warnings,
  };
}
