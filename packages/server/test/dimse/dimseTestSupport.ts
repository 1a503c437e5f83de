/**
 * Helpers for the DIMSE tests with real peers: synthetic CT instances written with
 * @vertebra/dicom's writePart10, free loopback ports, and running dcmtk tools.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { writePart10 } from '@vertebra/dicom';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface CtInstanceOptions {
  readonly patientName: string;
  readonly patientId: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly studyDate: string;
  readonly instanceNumber: number;
  readonly seriesNumber?: number;
  readonly modality?: string;
  readonly rows?: number;
  readonly columns?: number;
  readonly transferSyntaxUid?: string;
}

/** A small CT Image Storage instance (Explicit VR Little Endian unless told) with a gradient. */
export function makeCtInstance(o: CtInstanceOptions): Uint8Array {
  const rows = o.rows ?? 16;
  const columns = o.columns ?? 16;
  const pixels = new Int16Array(rows * columns);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 7 + o.instanceNumber * 13) % 2000) - 1000;
  return writePart10(
    {
      _meta: { TransferSyntaxUID: o.transferSyntaxUid ?? '1.2.840.10008.1.2.1' },
      _vrMap: { PixelData: 'OW' },
      SpecificCharacterSet: 'ISO_IR 100',
      SOPClassUID: CT_IMAGE_STORAGE,
      SOPInstanceUID: o.sopInstanceUid,
      StudyDate: o.studyDate,
      StudyTime: '101010',
      Modality: o.modality ?? 'CT',
      PatientName: o.patientName,
      PatientID: o.patientId,
      PatientBirthDate: '19700101',
      PatientSex: 'F',
      StudyInstanceUID: o.studyInstanceUid,
      SeriesInstanceUID: o.seriesInstanceUid,
      StudyID: '1',
      SeriesNumber: o.seriesNumber ?? 1,
      InstanceNumber: o.instanceNumber,
      FrameOfReferenceUID: `${o.studyInstanceUid}.9`,
      ImagePositionPatient: [0, 0, o.instanceNumber * 2],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      PixelSpacing: [0.5, 0.5],
      SliceThickness: 2,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: columns,
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: 0,
      RescaleSlope: 1,
      PixelData: pixels.buffer,
    },
    { subject: o.sopInstanceUid },
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a dcmtk tool; never throws for a non-zero exit status. */
export function runTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The data set bytes after the Part 10 file meta group. */
export function datasetBytes(part10: Uint8Array): Uint8Array {
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  let offset = 132;
  while (offset + 8 <= part10.length && view.getUint16(offset, true) === 0x0002) {
    const vr = String.fromCharCode(part10[offset + 4] ?? 0, part10[offset + 5] ?? 0);
    const long = ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT'].includes(vr);
    offset += long ? 12 + view.getUint32(offset + 8, true) : 8 + view.getUint16(offset + 6, true);
  }
  return part10.subarray(offset);
}
