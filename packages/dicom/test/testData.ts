/** Helpers shared by the dicom package tests: sample paths, dcmtk conversions in a temp dir, byte patching. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { VertebraError } from '@vertebra/errors';

export const sharedData = resolve(import.meta.dirname, '../../../../shared/data');
export const jp2kDir = join(sharedData, 'ct-abdomen-dicom-jp2k');
export const crDir = join(sharedData, 'cr-cervical');

export function jp2kFiles(): string[] {
  return readdirSync(jp2kDir).sort().map((name) => join(jp2kDir, name));
}

export function readBytes(path: string): Uint8Array {
  const buffer = readFileSync(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a dcmtk tool (e.g. dcmconv, dcmcjpeg) on bytes and returns the output file's bytes. */
export function dcmtk(tool: string, args: readonly string[], input: Uint8Array, dir: string, name: string): Uint8Array {
  const inPath = join(dir, `${name}.in.dcm`);
  const outPath = join(dir, `${name}.out.dcm`);
  writeFileSync(inPath, input);
  execFileSync(tool, [...args, inPath, outPath], { stdio: 'pipe' });
  return readBytes(outPath);
}

/** Offset of the first explicit-or-implicit LE element header with this tag after the preamble. */
export function findTag(bytes: Uint8Array, group: number, element: number, from = 132): number {
  for (let i = from; i + 4 <= bytes.length; i += 1) {
    if (bytes[i] === (group & 0xff) && bytes[i + 1] === group >> 8 && bytes[i + 2] === (element & 0xff) && bytes[i + 3] === element >> 8) return i;
  }
  throw new Error(`tag (${group.toString(16)},${element.toString(16)}) not found`);
}

export function metaEnd(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return 132 + 12 + view.getUint32(140, true);
}

export interface SyntheticImageSpec {
  readonly rows?: number;
  readonly columns?: number;
  readonly frames?: number;
  readonly bitsAllocated?: 8 | 16;
  readonly bitsStored?: number;
  readonly signed?: boolean;
  readonly samplesPerPixel?: 1 | 3;
  readonly rescaleIntercept?: number;
  readonly sopInstanceUid?: string;
  /** Extra naturalized attributes. */
  readonly attributes?: Record<string, unknown>;
}

/** Smooth gradients plus a little noise, in the stored-value range: compressible and not trivial. */
export function syntheticPixels(spec: SyntheticImageSpec): Int16Array | Uint16Array | Uint8Array {
  const rows = spec.rows ?? 48;
  const columns = spec.columns ?? 64;
  const frames = spec.frames ?? 1;
  const spp = spec.samplesPerPixel ?? 1;
  const bitsAllocated = spec.bitsAllocated ?? 16;
  const bitsStored = spec.bitsStored ?? bitsAllocated;
  const signed = spec.signed ?? false;
  const count = rows * columns * frames * spp;
  const out = bitsAllocated === 8 ? new Uint8Array(count) : signed ? new Int16Array(count) : new Uint16Array(count);
  const min = signed ? -(2 ** (bitsStored - 1)) : 0;
  const max = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  let seed = 7;
  for (let f = 0; f < frames; f += 1) {
    for (let r = 0; r < rows; r += 1) {
      for (let c = 0; c < columns; c += 1) {
        for (let s = 0; s < spp; s += 1) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const noise = (seed % 9) - 4;
          const base = min + ((max - min) * ((r * 3 + c * 2 + f * 17 + s * 40) % 200)) / 200;
          const value = Math.max(min, Math.min(max, Math.round(base + noise)));
          out[((f * rows + r) * columns + c) * spp + s] = value;
        }
      }
    }
  }
  return out;
}

/** A naturalized CT (or secondary capture for colour) data set with synthetic pixels. */
export function syntheticDataset(spec: SyntheticImageSpec = {}): Record<string, unknown> {
  const rows = spec.rows ?? 48;
  const columns = spec.columns ?? 64;
  const frames = spec.frames ?? 1;
  const spp = spec.samplesPerPixel ?? 1;
  const bitsAllocated = spec.bitsAllocated ?? 16;
  const bitsStored = spec.bitsStored ?? bitsAllocated;
  const pixels = syntheticPixels(spec);
  return {
    SOPClassUID: spp === 3 || frames > 1 ? '1.2.840.10008.5.1.4.1.1.7' : '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: spec.sopInstanceUid ?? '1.2.826.0.1.3680043.10.1234.1.1',
    StudyInstanceUID: '1.2.826.0.1.3680043.10.1234.2',
    SeriesInstanceUID: '1.2.826.0.1.3680043.10.1234.3',
    FrameOfReferenceUID: '1.2.826.0.1.3680043.10.1234.4',
    PatientName: 'Synthetic^Spine',
    PatientID: 'SYN-1',
    Modality: spp === 3 ? 'OT' : 'CT',
    StudyDate: '20260101',
    InstanceNumber: 1,
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: spp,
    PhotometricInterpretation: spp === 3 ? 'RGB' : 'MONOCHROME2',
    ...(spp === 3 ? { PlanarConfiguration: 0 } : {}),
    ...(frames > 1 ? { NumberOfFrames: frames } : {}),
    BitsAllocated: bitsAllocated,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: spec.signed ? 1 : 0,
    RescaleIntercept: spec.rescaleIntercept ?? 0,
    RescaleSlope: 1,
    ImagePositionPatient: [0, 0, 0],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.5, 0.5],
    SliceThickness: 1,
    PixelData: pixels,
    ...(spec.attributes ?? {}),
  };
}

/** The catalogue code a call throws (asserting it is a VertebraError), or 'NO_ERROR'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VertebraError);
    return (error as VertebraError).code;
  }
  return 'NO_ERROR';
}
