/**
 * Test-only generator of small, valid Part 10 CT instances (Explicit VR Little Endian,
 * 16-bit signed, with rescale and a default window) written with dcmjs, so DICOMweb
 * tests need no stored fixtures. Pixel values form a gradient with a bright square.
 */
import { createRequire } from 'node:module';
import { randomInt } from 'node:crypto';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dcmjs = require('dcmjs') as any;

let uidCounter = 0;
/** A fresh valid UID under the 2.25 (UUID-derived) root. */
export function newUid(): string {
  uidCounter += 1;
  return `2.25.${Date.now()}${randomInt(1_000_000)}${uidCounter}`;
}

export interface TestInstanceOptions {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid?: string;
  readonly patientName?: string;
  readonly patientId?: string;
  readonly modality?: string;
  readonly studyDate?: string;
  readonly instanceNumber?: number;
  readonly rows?: number;
  readonly columns?: number;
  /** Added to every pixel value: two instances with the same UID and different offsets differ. */
  readonly valueOffset?: number;
  /** Number of frames (multi-frame CT); frame f has every value raised by 100·f. */
  readonly numberOfFrames?: number;
  /** Adds an ICC Profile (0028,2000) OB of this many bytes: bulk data outside Pixel Data. */
  readonly iccProfileBytes?: number;
  /** More attributes by keyword (dcmjs naturalized form), e.g. StudyDescription, InstitutionName. */
  readonly extraAttributes?: Readonly<Record<string, unknown>>;
}

export interface TestInstance {
  readonly bytes: Uint8Array;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly rows: number;
  readonly columns: number;
  /** Stored values of all frames, before rescale. */
  readonly pixels: Int16Array;
}

const ctImageStorage = '1.2.840.10008.5.1.4.1.1.2';

export function makeTestInstance(options: TestInstanceOptions): TestInstance {
  const rows = options.rows ?? 32;
  const columns = options.columns ?? 48;
  const sopInstanceUid = options.sopInstanceUid ?? newUid();
  const frames = options.numberOfFrames ?? 1;
  const pixels = new Int16Array(rows * columns * frames);
  for (let f = 0; f < frames; f += 1) {
    for (let r = 0; r < rows; r += 1) {
      for (let c = 0; c < columns; c += 1) {
        const inSquare = r > rows / 4 && r < (3 * rows) / 4 && c > columns / 4 && c < (3 * columns) / 4;
        pixels[f * rows * columns + r * columns + c] = (inSquare ? 2000 : c * 20) + (options.valueOffset ?? 0) + 100 * f;
      }
    }
  }
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ctImageStorage,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.1234567890',
  };
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: ctImageStorage,
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: options.studyInstanceUid,
    SeriesInstanceUID: options.seriesInstanceUid,
    PatientName: options.patientName ?? 'Doe^Jane',
    PatientID: options.patientId ?? 'PID-1',
    PatientBirthDate: '19700101',
    PatientSex: 'F',
    StudyDate: options.studyDate ?? '20240115',
    StudyTime: '101500',
    AccessionNumber: 'ACC1',
    StudyID: 'S1',
    Modality: options.modality ?? 'CT',
    SeriesNumber: 1,
    InstanceNumber: options.instanceNumber ?? 1,
    FrameOfReferenceUID: `${options.studyInstanceUid}.1`,
    ImagePositionPatient: [0, 0, options.instanceNumber ?? 1],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.5, 0.5],
    SliceThickness: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    ...(frames > 1 ? { NumberOfFrames: frames } : {}),
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    RescaleIntercept: -1024,
    RescaleSlope: 1,
    WindowCenter: 40,
    WindowWidth: 400,
    ...options.extraAttributes,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  dict.dict['7FE00010'] = { vr: 'OW', Value: [pixels.buffer.slice(0)] };
  if (options.iccProfileBytes) {
    const profile = new Uint8Array(options.iccProfileBytes).map((_, i) => i % 251);
    dict.dict['00282000'] = { vr: 'OB', Value: [profile.buffer] };
  }
  const buffer = dict.write() as ArrayBuffer;
  return { bytes: new Uint8Array(buffer), sopInstanceUid, sopClassUid: ctImageStorage, rows, columns, pixels };
}

/** A multipart/related body (RFC 2387) with optional preamble, as STOW-RS clients send it. */
export function multipartBody(parts: readonly Uint8Array[], options: { boundary?: string; preamble?: string; partType?: string } = {}): {
  body: Uint8Array;
  contentType: string;
} {
  const boundary = options.boundary ?? `test-${newUid()}`;
  const chunks: Buffer[] = [Buffer.from(options.preamble ?? '', 'latin1')];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${options.partType ?? 'application/dicom'}\r\n\r\n`, 'latin1'));
    chunks.push(Buffer.from(part));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** Splits a multipart/related response body into its parts (headers lower-cased). */
export function parseMultipartResponse(body: Uint8Array, contentType: string): { headers: Record<string, string>; bytes: Uint8Array }[] {
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!match?.[1]) throw new Error(`no boundary in ${contentType}`);
  const buf = Buffer.from(body);
  const delimiter = Buffer.from(`--${match[1]}`, 'latin1');
  const parts: { headers: Record<string, string>; bytes: Uint8Array }[] = [];
  let at = buf.indexOf(delimiter);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (buf.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') break;
    const headerEnd = buf.indexOf('\r\n\r\n', afterDelimiter, 'latin1');
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(afterDelimiter + 2, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = buf.indexOf(delimiter, headerEnd + 4);
    parts.push({ headers, bytes: new Uint8Array(buf.subarray(headerEnd + 4, next - 2)) });
    at = next;
  }
  return parts;
}
