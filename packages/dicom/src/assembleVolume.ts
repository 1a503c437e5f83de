/**
 * Series → Volume assembly. Slices are ordered by their Image Position (Patient)
 * projected on the slice normal n = row × column of Image Orientation (Patient)
 * (PS3.3 C.7.6.2.1.1), never by Instance Number. The k axis runs from the first to the
 * last slice position, so a gantry tilt (positions not along n) is kept exactly as a
 * sheared axis. Reported, not hidden: uneven spacing, overlapping slices or gaps
 * (Slice Thickness vs spacing), duplicate positions, gantry tilt, non-monotonic
 * Instance Numbers. Refused (VOLUME_ASSEMBLY_FAILED): mixed orientation, size, pixel
 * spacing or frame of reference, missing geometry, colour or multi-frame instances.
 * Values are rescaled (C.11.1.1.2): Int16Array when every slope/intercept is an integer
 * and the range fits, else Float32Array.
 */
import { VertebraError } from '@vertebra/errors';
import { angleBetweenDeg, cross, dot, mat3FromColumns, norm, normalize, subtract, type Vec3, type Volume } from '@vertebra/geometry';
import { decodeParsedFrame, describePixels } from './decodeFrame.js';
import { loadPixelCodecs } from './pixelCodecs.js';
import { numberOf, numbersOf, parseDataSet, stringOf, type ParsedDataSet } from './parseDataSet.js';

export type AssemblyInput = Uint8Array | { readonly bytes: Uint8Array; readonly subject?: string };

export interface AssembleVolumeOptions {
  /** Names the series in error messages. */
  readonly subject?: string;
  /** Spacing differences above this many mm count as uneven (default 0.05 mm or 1 % of the spacing, whichever is larger). */
  readonly spacingToleranceMm?: number;
  /** Output type: 'auto' (Int16Array when exact, default) or 'float32'. */
  readonly valueType?: 'auto' | 'float32';
}

export type GeometryWarningCode =
  | 'UNEVEN_SPACING'
  | 'OVERLAPPING_SLICES'
  | 'SLICE_GAPS'
  | 'DUPLICATE_POSITIONS'
  | 'GANTRY_TILT'
  | 'INSTANCE_NUMBER_ORDER'
  | 'SINGLE_SLICE';

export interface GeometryWarning {
  readonly code: GeometryWarningCode;
  readonly message: string;
}

export interface SliceInfo {
  /** Index of the instance in the input array. */
  readonly inputIndex: number;
  readonly subject: string | undefined;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number | null;
  readonly imagePositionPatient: Vec3;
  /** Position along the slice normal, mm. */
  readonly positionAlongNormalMm: number;
}

export interface AssembledVolume {
  readonly volume: Volume<Int16Array | Float32Array>;
  /** Slices in volume order (k = 0, 1, …); duplicates that were left out are not listed. */
  readonly slices: readonly SliceInfo[];
  readonly geometryWarnings: readonly GeometryWarning[];
  /** Slice Thickness (0018,0050) of the first slice, or null. */
  readonly sliceThicknessMm: number | null;
}

interface SliceRecord {
  readonly inputIndex: number;
  readonly subject: string | undefined;
  readonly parsed: ParsedDataSet;
  readonly position: Vec3;
  readonly row: Vec3;
  readonly column: Vec3;
  readonly rows: number;
  readonly columns: number;
  readonly pixelSpacing: readonly [number, number];
  readonly sliceThickness: number | null;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number | null;
  readonly frameOfReferenceUid: string;
  readonly modality: string;
  readonly rescaleType: string;
  readonly gantryTiltDeg: number | null;
  alongNormal: number;
}

function fail(message: string, subject: string | undefined, details?: Record<string, unknown>): VertebraError {
  return new VertebraError('VOLUME_ASSEMBLY_FAILED', message, {
    ...(subject === undefined ? {} : { subject }),
    ...(details === undefined ? {} : { details }),
  });
}

function describeInstance(record: { inputIndex: number; subject: string | undefined }): string {
  return record.subject ?? `instance ${record.inputIndex}`;
}

function readSlice(input: AssemblyInput, inputIndex: number, seriesSubject: string | undefined): SliceRecord {
  const bytes = input instanceof Uint8Array ? input : input.bytes;
  const subject = input instanceof Uint8Array ? undefined : input.subject;
  const parsed = parseDataSet(bytes, subject === undefined ? {} : { subject });
  const name = describeInstance({ inputIndex, subject });
  const description = describePixels(parsed, subject === undefined ? {} : { subject });
  if (description.numberOfFrames > 1) {
    throw fail(`${name} is a multi-frame instance (${description.numberOfFrames} frames); assembling multi-frame instances is not supported`, seriesSubject);
  }
  if (description.samplesPerPixel !== 1) {
    throw fail(`${name} has ${description.samplesPerPixel} samples per pixel; only single-sample (greyscale) images form a volume`, seriesSubject);
  }
  const position = numbersOf(parsed.dataSet, 'x00200032');
  const orientation = numbersOf(parsed.dataSet, 'x00200037');
  if (!position || position.length < 3 || !orientation || orientation.length < 6) {
    throw fail(`${name} has no valid Image Position (Patient) (0020,0032) or Image Orientation (Patient) (0020,0037)`, seriesSubject);
  }
  const spacing = numbersOf(parsed.dataSet, 'x00280030');
  if (!spacing || spacing.length < 2 || !((spacing[0] ?? 0) > 0) || !((spacing[1] ?? 0) > 0)) {
    throw fail(`${name} has no valid Pixel Spacing (0028,0030)`, seriesSubject);
  }
  const rowRaw: Vec3 = [orientation[0] ?? 0, orientation[1] ?? 0, orientation[2] ?? 0];
  const columnRaw: Vec3 = [orientation[3] ?? 0, orientation[4] ?? 0, orientation[5] ?? 0];
  if (norm(rowRaw) < 1e-6 || norm(columnRaw) < 1e-6 || norm(cross(rowRaw, columnRaw)) < 1e-6) {
    throw fail(`${name} has a degenerate Image Orientation (Patient) ${orientation.join('\\')}`, seriesSubject);
  }
  const sopInstanceUid = stringOf(parsed.dataSet, 'x00080018') || stringOf(parsed.dataSet, 'x00020003');
  const instanceNumber = numberOf(parsed.dataSet, 'x00200013');
  return {
    inputIndex,
    subject,
    parsed,
    position: [position[0] ?? 0, position[1] ?? 0, position[2] ?? 0],
    row: normalize(rowRaw),
    column: normalize(columnRaw),
    rows: description.rows,
    columns: description.columns,
    pixelSpacing: [spacing[0] ?? 1, spacing[1] ?? 1],
    sliceThickness: numberOf(parsed.dataSet, 'x00180050'),
    sopInstanceUid,
    instanceNumber,
    frameOfReferenceUid: stringOf(parsed.dataSet, 'x00200052'),
    modality: stringOf(parsed.dataSet, 'x00080060'),
    rescaleType: stringOf(parsed.dataSet, 'x00281054'),
    gantryTiltDeg: numberOf(parsed.dataSet, 'x00181120'),
    alongNormal: 0,
  };
}

function countBy<T>(values: readonly T[], key: (value: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(key(value), (counts.get(key(value)) ?? 0) + 1);
  return counts;
}

function describeCounts(counts: Map<string, number>): string {
  return [...counts.entries()].map(([value, count]) => `${value} (${count} instance${count === 1 ? '' : 's'})`).join(' and ');
}

function checkConsistent(slices: readonly SliceRecord[], subject: string | undefined): void {
  const sizes = countBy(slices, (slice) => `${slice.columns}×${slice.rows}`);
  if (sizes.size > 1) throw fail(`the instances have mixed image sizes: ${describeCounts(sizes)}`, subject);
  const first = slices[0];
  if (!first) return;
  for (const slice of slices) {
    const rowAngle = angleBetweenDeg(slice.row, first.row);
    const columnAngle = angleBetweenDeg(slice.column, first.column);
    if (rowAngle > 0.05 || columnAngle > 0.05) {
      throw fail(`the instances have mixed orientations: ${describeInstance(slice)} differs from ${describeInstance(first)} by ${Math.max(rowAngle, columnAngle).toFixed(2)}° (Image Orientation (Patient))`, subject);
    }
    if (Math.abs(slice.pixelSpacing[0] - first.pixelSpacing[0]) > 1e-3 || Math.abs(slice.pixelSpacing[1] - first.pixelSpacing[1]) > 1e-3) {
      throw fail(`the instances have mixed pixel spacing: ${slice.pixelSpacing.join('\\')} mm in ${describeInstance(slice)}, ${first.pixelSpacing.join('\\')} mm in ${describeInstance(first)}`, subject);
    }
  }
  const frames = countBy(slices.filter((slice) => slice.frameOfReferenceUid !== ''), (slice) => slice.frameOfReferenceUid);
  if (frames.size > 1) throw fail(`the instances belong to different frames of reference: ${describeCounts(frames)}`, subject);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const fmt = (value: number): string => String(Number(value.toFixed(3)));

/**
 * Assembles single-frame greyscale instances of one series into a Volume in LPS mm.
 * JPEG-family pixel data needs `await loadPixelCodecs()` first (or use assembleVolumeAsync).
 * Throws VertebraError: VOLUME_ASSEMBLY_FAILED naming the problem, or the decode errors.
 */
export function assembleVolume(instances: readonly AssemblyInput[], options: AssembleVolumeOptions = {}): AssembledVolume {
  try {
    return assemble(instances, options);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw fail(`cannot assemble the volume: ${error instanceof Error ? error.message : String(error)}`, options.subject);
  }
}

function assemble(instances: readonly AssemblyInput[], options: AssembleVolumeOptions): AssembledVolume {
  const subject = options.subject;
  if (instances.length === 0) throw fail('no instances to assemble', subject);
  const records = instances.map((input, index) => readSlice(input, index, subject));
  checkConsistent(records, subject);
  const first = records[0] as SliceRecord;
  const normal = normalize(cross(first.row, first.column));
  for (const record of records) record.alongNormal = dot(record.position, normal);
  const sorted = [...records].sort((a, b) => a.alongNormal - b.alongNormal || a.inputIndex - b.inputIndex);
  const warnings: GeometryWarning[] = [];

  // duplicates: keep the first of each position (input order)
  const kept: SliceRecord[] = [];
  const dropped: SliceRecord[] = [];
  for (const record of sorted) {
    const previous = kept[kept.length - 1];
    if (previous && Math.abs(record.alongNormal - previous.alongNormal) < 1e-3 && norm(subtract(record.position, previous.position)) < 1e-2) {
      dropped.push(record);
    } else {
      kept.push(record);
    }
  }
  if (dropped.length > 0) {
    warnings.push({
      code: 'DUPLICATE_POSITIONS',
      message: `${dropped.length} instance(s) share a slice position with another and were left out: ${dropped.map((record) => `${describeInstance(record)} at ${fmt(record.alongNormal)} mm`).join(', ')}`,
    });
  }

  const count = kept.length;
  const firstSlice = kept[0] as SliceRecord;
  const lastSlice = kept[count - 1] as SliceRecord;
  let kAxis: Vec3 = normal;
  let sliceSpacing = firstSlice.sliceThickness !== null && firstSlice.sliceThickness > 0 ? firstSlice.sliceThickness : 1;
  if (count === 1) {
    warnings.push({ code: 'SINGLE_SLICE', message: `only one slice: its spacing is taken from Slice Thickness (${fmt(sliceSpacing)} mm)` });
  } else {
    const span = subtract(lastSlice.position, firstSlice.position);
    kAxis = normalize(span);
    sliceSpacing = norm(span) / (count - 1);
    const steps = kept.slice(1).map((record, index) => record.alongNormal - (kept[index] as SliceRecord).alongNormal);
    const typical = median(steps);
    const tolerance = options.spacingToleranceMm ?? Math.max(0.05, typical * 0.01);
    const minStep = Math.min(...steps);
    const maxStep = Math.max(...steps);
    if (maxStep - minStep > tolerance) {
      warnings.push({
        code: 'UNEVEN_SPACING',
        message: `slice spacing along the normal varies from ${fmt(minStep)} to ${fmt(maxStep)} mm (median ${fmt(typical)} mm); the volume uses the mean ${fmt(sliceSpacing)} mm, so positions between the ends are approximate`,
      });
    }
    const tiltDeg = angleBetweenDeg(kAxis, normal);
    if (tiltDeg > 0.01) {
      const header = firstSlice.gantryTiltDeg !== null && firstSlice.gantryTiltDeg !== 0 ? `; Gantry/Detector Tilt (0018,1120) is ${fmt(firstSlice.gantryTiltDeg)}°` : '';
      warnings.push({
        code: 'GANTRY_TILT',
        message: `slice positions run at ${fmt(tiltDeg)}° to the slice normal (gantry tilt${header}); the k axis follows the positions, so the grid is sheared, not orthogonal`,
      });
    }
    const projectedSpacing = (lastSlice.alongNormal - firstSlice.alongNormal) / (count - 1);
    const thickness = firstSlice.sliceThickness;
    if (thickness !== null && thickness > 0) {
      if (thickness > projectedSpacing + tolerance) {
        warnings.push({
          code: 'OVERLAPPING_SLICES',
          message: `slices overlap: Slice Thickness ${fmt(thickness)} mm is larger than the spacing between slice positions ${fmt(projectedSpacing)} mm`,
        });
      } else if (thickness < projectedSpacing - tolerance) {
        warnings.push({
          code: 'SLICE_GAPS',
          message: `slices leave gaps: Slice Thickness ${fmt(thickness)} mm is smaller than the spacing between slice positions ${fmt(projectedSpacing)} mm`,
        });
      }
    }
    const numbers = kept.map((record) => record.instanceNumber);
    if (numbers.every((value) => value !== null)) {
      const deltas = numbers.slice(1).map((value, index) => (value ?? 0) - (numbers[index] ?? 0));
      const ascending = deltas.every((delta) => delta > 0);
      const descending = deltas.every((delta) => delta < 0);
      if (!ascending && !descending) {
        warnings.push({ code: 'INSTANCE_NUMBER_ORDER', message: 'Instance Numbers do not follow the slice positions in either direction; slices were ordered by position' });
      }
    }
  }

  // pixels, rescaled
  const { rows, columns } = firstSlice;
  const sliceSize = rows * columns;
  const frames = kept.map((record) => decodeParsedFrame(record.parsed, 0, record.subject === undefined ? {} : { subject: record.subject }));
  let integral = options.valueType !== 'float32';
  let low = Infinity;
  let high = -Infinity;
  for (const frame of frames) {
    if (!Number.isInteger(frame.rescaleSlope) || !Number.isInteger(frame.rescaleIntercept)) integral = false;
    const stored = frame.pixelRepresentation === 1 ? -(2 ** (frame.bitsStored - 1)) : 0;
    const storedHigh = frame.pixelRepresentation === 1 ? 2 ** (frame.bitsStored - 1) - 1 : 2 ** frame.bitsStored - 1;
    const a = stored * frame.rescaleSlope + frame.rescaleIntercept;
    const b = storedHigh * frame.rescaleSlope + frame.rescaleIntercept;
    low = Math.min(low, a, b);
    high = Math.max(high, a, b);
  }
  if (low < -32768 || high > 32767) integral = false;
  const data = integral ? new Int16Array(sliceSize * count) : new Float32Array(sliceSize * count);
  frames.forEach((frame, k) => {
    const { pixels, rescaleSlope, rescaleIntercept } = frame;
    const offset = k * sliceSize;
    if (rescaleSlope === 1 && rescaleIntercept === 0) {
      data.set(pixels, offset);
    } else {
      for (let i = 0; i < sliceSize; i += 1) data[offset + i] = (pixels[i] ?? 0) * rescaleSlope + rescaleIntercept;
    }
  });

  const valueUnit = firstSlice.rescaleType !== '' ? firstSlice.rescaleType : firstSlice.modality === 'CT' ? 'HU' : 'arbitrary';
  const volume: Volume<Int16Array | Float32Array> = {
    dimensions: [columns, rows, count],
    spacingMm: [firstSlice.pixelSpacing[1], firstSlice.pixelSpacing[0], sliceSpacing],
    originLps: firstSlice.position,
    direction: mat3FromColumns(firstSlice.row, firstSlice.column, kAxis),
    data,
    valueUnit,
  };
  const slices: SliceInfo[] = kept.map((record) => ({
    inputIndex: record.inputIndex,
    subject: record.subject,
    sopInstanceUid: record.sopInstanceUid,
    instanceNumber: record.instanceNumber,
    imagePositionPatient: record.position,
    positionAlongNormalMm: record.alongNormal,
  }));
  return { volume, slices, geometryWarnings: warnings, sliceThicknessMm: firstSlice.sliceThickness };
}

/** assembleVolume after making sure the pixel codecs are loaded. */
export async function assembleVolumeAsync(instances: readonly AssemblyInput[], options: AssembleVolumeOptions = {}): Promise<AssembledVolume> {
  await loadPixelCodecs();
  return assembleVolume(instances, options);
}
