import { beforeAll, describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import { voxelToLps, type Vec3 } from '@vertebra/geometry';
import { assembleVolume, loadPixelCodecs, writePart10, type NaturalizedDataset } from '@vertebra/dicom';
import { jp2kFiles, readBytes, syntheticDataset } from './testData.js';

beforeAll(async () => {
  await loadPixelCodecs();
});

interface SliceSpec {
  position: Vec3;
  orientation?: readonly number[];
  instanceNumber?: number;
  rows?: number;
  columns?: number;
  fill?: number;
  slope?: number;
  intercept?: number;
}

/** One 8×6 slice whose pixels all hold `fill` (so each slice is recognisable after sorting). */
function slice(spec: SliceSpec, index: number): Uint8Array {
  const rows = spec.rows ?? 6;
  const columns = spec.columns ?? 8;
  const pixels = new Int16Array(rows * columns).fill(spec.fill ?? index * 10);
  return writePart10({
    ...syntheticDataset({ rows, columns, signed: true, sopInstanceUid: `1.2.826.0.1.3680043.10.1234.9.${index + 1}` }),
    ImagePositionPatient: [...spec.position],
    ImageOrientationPatient: [...(spec.orientation ?? [1, 0, 0, 0, 1, 0])],
    InstanceNumber: spec.instanceNumber ?? index + 1,
    PixelSpacing: [0.5, 0.75],
    SliceThickness: 2,
    RescaleSlope: spec.slope ?? 1,
    RescaleIntercept: spec.intercept ?? 0,
    PixelData: pixels,
  } as NaturalizedDataset);
}

function codes(result: ReturnType<typeof assembleVolume>): string[] {
  return result.geometryWarnings.map((warning) => warning.code);
}

function expectFailure(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VertebraError);
    expect((error as VertebraError).code).toBe('VOLUME_ASSEMBLY_FAILED');
    expect((error as VertebraError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected VOLUME_ASSEMBLY_FAILED');
}

describe('assembleVolume on the real JPEG 2000 series', () => {
  it('orders 20 slices by position (not InstanceNumber), 2 mm apart, and reports the 3 mm overlap', () => {
    const files = jp2kFiles();
    const result = assembleVolume(files.map((path) => ({ bytes: readBytes(path), subject: path })), { subject: 'ct-abdomen' });
    const { volume, slices } = result;
    expect(volume.dimensions).toEqual([512, 512, 20]);
    expect(volume.spacingMm[0]).toBeCloseTo(0.977, 2);
    expect(volume.spacingMm[2]).toBeCloseTo(2, 3);
    expect(volume.valueUnit).toBe('HU');
    expect(volume.data).toBeInstanceOf(Int16Array);
    expect(codes(result)).toEqual(['OVERLAPPING_SLICES']);
    expect(result.geometryWarnings[0]?.message).toMatch(/3 mm .* 2 mm/);
    // z rises with k while InstanceNumber falls
    expect(slices[0]?.instanceNumber).toBe(286);
    expect(slices[19]?.instanceNumber).toBe(267);
    for (let k = 1; k < 20; k += 1) {
      expect((slices[k]?.imagePositionPatient[2] ?? 0) - (slices[k - 1]?.imagePositionPatient[2] ?? 0)).toBeCloseTo(2, 3);
      const lps = voxelToLps(volume, [0, 0, k]);
      const position = slices[k]?.imagePositionPatient ?? [0, 0, 0];
      expect(Math.hypot(lps[0] - position[0], lps[1] - position[1], lps[2] - position[2])).toBeLessThan(1e-3);
    }
    let min = Infinity;
    let max = -Infinity;
    for (const value of volume.data) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    expect(min).toBe(-1024);
    expect(max).toBeGreaterThan(1800);
    expect(max).toBeLessThan(1900);
  });
});

describe('assembleVolume on synthetic series', () => {
  it('sorts shuffled input along the normal and maps voxels to the slice positions', () => {
    const positions = [0, 1, 2, 3, 4].map((k): Vec3 => [10, 20, -50 + 2.5 * k]);
    const order = [3, 0, 4, 1, 2];
    const inputs = order.map((k) => slice({ position: positions[k] ?? [0, 0, 0], fill: k * 100, instanceNumber: 10 - k }, k));
    const result = assembleVolume(inputs);
    expect(codes(result)).toEqual(['SLICE_GAPS']);
    expect(result.slices.map((s) => s.inputIndex)).toEqual([1, 3, 4, 0, 2]);
    expect(result.volume.spacingMm).toEqual([0.75, 0.5, 2.5]);
    for (let k = 0; k < 5; k += 1) {
      expect(result.volume.data[k * 48]).toBe(k * 100);
      expect(voxelToLps(result.volume, [0, 0, k])[2]).toBeCloseTo(-50 + 2.5 * k, 6);
    }
    expect(voxelToLps(result.volume, [2, 3, 0])).toEqual([10 + 2 * 0.75, 20 + 3 * 0.5, -50]);
  });

  it('handles oblique (sagittal) orientation: k follows row × column', () => {
    const orientation = [0, 1, 0, 0, 0, -1]; // rows along +P, columns along -S (foot-ward): normal = +L? cross((0,1,0),(0,0,-1)) = (-1,0,0)
    const inputs = [0, 1, 2].map((k) => slice({ position: [30 - 2 * k, 0, 0], orientation }, k));
    const result = assembleVolume(inputs.reverse());
    expect(result.slices.map((s) => s.imagePositionPatient[0])).toEqual([30, 28, 26]);
    expect(voxelToLps(result.volume, [1, 1, 2])).toEqual([26, 0.75, -0.5]);
  });

  it('reports uneven spacing, duplicates and non-monotonic instance numbers', () => {
    const z = [0, 2, 4, 7, 9];
    const inputs = z.map((value, k) => slice({ position: [0, 0, value], instanceNumber: [1, 3, 2, 4, 5][k] ?? 0 }, k));
    inputs.push(slice({ position: [0, 0, 4] }, 9));
    const result = assembleVolume(inputs);
    expect(codes(result)).toContain('UNEVEN_SPACING');
    expect(codes(result)).toContain('DUPLICATE_POSITIONS');
    expect(codes(result)).toContain('INSTANCE_NUMBER_ORDER');
    expect(result.volume.dimensions[2]).toBe(5);
    expect(result.volume.spacingMm[2]).toBeCloseTo(9 / 4, 6);
    expect(result.geometryWarnings.find((w) => w.code === 'UNEVEN_SPACING')?.message).toMatch(/from 2 to 3 mm/);
  });

  it('keeps gantry tilt exact as a sheared k axis and reports it', () => {
    const inputs = [0, 1, 2, 3].map((k) => slice({ position: [0, 1.0 * k, 2 * k] }, k));
    const result = assembleVolume(inputs);
    expect(codes(result)).toContain('GANTRY_TILT');
    expect(result.geometryWarnings.find((w) => w.code === 'GANTRY_TILT')?.message).toMatch(/26\.565°/);
    for (let k = 0; k < 4; k += 1) {
      const lps = voxelToLps(result.volume, [0, 0, k]);
      expect(lps[1]).toBeCloseTo(k, 6);
      expect(lps[2]).toBeCloseTo(2 * k, 6);
    }
  });

  it('rescales to Float32Array when the slope is fractional', () => {
    const inputs = [0, 1].map((k) => slice({ position: [0, 0, k], fill: 3, slope: 0.5, intercept: -1 }, k));
    const result = assembleVolume(inputs);
    expect(result.volume.data).toBeInstanceOf(Float32Array);
    expect(result.volume.data[0]).toBeCloseTo(0.5, 6);
  });

  it('refuses mixed orientation, mixed size, missing geometry and empty input', () => {
    expectFailure(() => assembleVolume([slice({ position: [0, 0, 0] }, 0), slice({ position: [0, 0, 1], orientation: [0, 1, 0, 0, 0, -1] }, 1)]), /mixed orientations/);
    expectFailure(() => assembleVolume([slice({ position: [0, 0, 0] }, 0), slice({ position: [0, 0, 1], rows: 4 }, 1)]), /mixed image sizes: 8×6 \(1 instance\) and 8×4/);
    const noPosition = writePart10({ ...syntheticDataset({ rows: 6, columns: 8 }), ImagePositionPatient: undefined } as unknown as NaturalizedDataset);
    expectFailure(() => assembleVolume([{ bytes: noPosition, subject: 'nopos.dcm' }]), /nopos\.dcm has no valid Image Position/);
    expectFailure(() => assembleVolume([]), /no instances/);
  });
});
