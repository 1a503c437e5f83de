import { beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { lpsToVoxel, mat3Column, voxelToLps, type Mat3, type Vec3, type Volume } from '@vertebra/geometry';
import { assembleVolume, loadPixelCodecs, readNifti } from '@vertebra/dicom';
import { codeOf, jp2kFiles, readBytes, sharedData } from './testData.js';


/** Axis code per voxel axis (the direction each index increases toward), e.g. 'LAS', 'PIR'. */
function orientationCode(direction: Mat3): string {
  return ([0, 1, 2] as const)
    .map((axis) => {
      const v = mat3Column(direction, axis);
      const dominant = [0, 1, 2].reduce((best, c) => (Math.abs(v[c] ?? 0) > Math.abs(v[best] ?? 0) ? c : best), 0);
      const positive = (v[dominant] ?? 0) > 0;
      return ['LR', 'PA', 'SI'][dominant]?.[positive ? 0 : 1] ?? '?';
    })
    .join('');
}

function close(a: Vec3, b: readonly number[], tolerance = 1e-4): void {
  expect(Math.hypot(a[0] - (b[0] ?? 0), a[1] - (b[1] ?? 0), a[2] - (b[2] ?? 0))).toBeLessThan(tolerance);
}

interface SyntheticNifti {
  version?: 1 | 2;
  littleEndian?: boolean;
  dims: [number, number, number];
  datatype?: number;
  values: number[];
  pixdim?: [number, number, number, number];
  sform?: number[][];
  qform?: { quatern: [number, number, number]; offset: [number, number, number] };
  slope?: number;
  inter?: number;
}

/** Writes a NIfTI-1 or -2 file byte by byte from the standard's field offsets. */
function writeNifti(spec: SyntheticNifti): Uint8Array {
  const version = spec.version ?? 1;
  const le = spec.littleEndian ?? true;
  const headerSize = version === 1 ? 348 : 540;
  const voxOffset = version === 1 ? 352 : 544;
  const datatype = spec.datatype ?? 4;
  const bytesPer = ({ 2: 1, 4: 2, 16: 4, 512: 2 } as Record<number, number>)[datatype] ?? 2;
  const out = new Uint8Array(voxOffset + spec.values.length * bytesPer);
  const view = new DataView(out.buffer);
  const pixdim = spec.pixdim ?? [1, 1, 1, 1];
  view.setInt32(0, headerSize, le);
  if (version === 1) {
    [3, ...spec.dims, 1, 1, 1, 1].forEach((value, i) => view.setInt16(40 + 2 * i, value, le));
    view.setInt16(70, datatype, le);
    view.setInt16(72, bytesPer * 8, le);
    [...pixdim, 0, 0, 0, 0].forEach((value, i) => view.setFloat32(76 + 4 * i, value, le));
    view.setFloat32(108, voxOffset, le);
    view.setFloat32(112, spec.slope ?? 1, le);
    view.setFloat32(116, spec.inter ?? 0, le);
    view.setInt16(252, spec.qform ? 1 : 0, le);
    view.setInt16(254, spec.sform ? 2 : 0, le);
    if (spec.qform) {
      [...spec.qform.quatern, ...spec.qform.offset].forEach((value, i) => view.setFloat32(256 + 4 * i, value, le));
    }
    if (spec.sform) spec.sform.flat().forEach((value, i) => view.setFloat32(280 + 4 * i, value, le));
    out.set(new TextEncoder().encode('n+1\0'), 344);
  } else {
    out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
    view.setInt16(12, datatype, le);
    view.setInt16(14, bytesPer * 8, le);
    [3, ...spec.dims, 1, 1, 1, 1].forEach((value, i) => view.setBigInt64(16 + 8 * i, BigInt(value), le));
    [...pixdim, 0, 0, 0, 0].forEach((value, i) => view.setFloat64(104 + 8 * i, value, le));
    view.setBigInt64(168, BigInt(voxOffset), le);
    view.setFloat64(176, spec.slope ?? 1, le);
    view.setFloat64(184, spec.inter ?? 0, le);
    view.setInt32(344, spec.qform ? 1 : 0, le);
    view.setInt32(348, spec.sform ? 2 : 0, le);
    if (spec.qform) [...spec.qform.quatern, ...spec.qform.offset].forEach((value, i) => view.setFloat64(352 + 8 * i, value, le));
    if (spec.sform) spec.sform.flat().forEach((value, i) => view.setFloat64(400 + 8 * i, value, le));
  }
  spec.values.forEach((value, i) => {
    const at = voxOffset + i * bytesPer;
    if (datatype === 2) view.setUint8(at, value);
    else if (datatype === 16) view.setFloat32(at, value, le);
    else if (datatype === 512) view.setUint16(at, value, le);
    else view.setInt16(at, value, le);
  });
  return out;
}

beforeAll(async () => {
  await loadPixelCodecs();
});

describe('readNifti on the real samples', () => {
  it('puts T12 (label 32) of the segmentation at LPS (−9.7, −107.8, −790.8) and on the DICOM grid', () => {
    const labels = readNifti(readBytes(join(sharedData, 'ct-abdomen-dicom-jp2k-labels/segmentation.nii.gz')), { valueUnit: 'label' });
    expect(labels.dimensions).toEqual([512, 512, 20]);
    expect(orientationCode(labels.direction)).toBe('LAS');
    const ct = assembleVolume(jp2kFiles().map(readBytes)).volume;
    const [nx, ny, nz] = labels.dimensions;
    const sum: [number, number, number] = [0, 0, 0];
    let count = 0;
    let boneHu = 0;
    let cordHu = 0;
    let cordCount = 0;
    let worstGridOffset = 0;
    for (let k = 0; k < nz; k += 1) {
      for (let j = 0; j < ny; j += 1) {
        for (let i = 0; i < nx; i += 1) {
          const label = labels.data[i + nx * (j + ny * k)];
          if (label !== 32 && label !== 79) continue;
          const lps = voxelToLps(labels, [i, j, k]);
          const ijk = lpsToVoxel(ct, lps);
          const rounded = ijk.map(Math.round) as unknown as Vec3;
          worstGridOffset = Math.max(worstGridOffset, ...ijk.map((value, axis) => Math.abs(value - (rounded[axis] ?? 0))));
          const hu = ct.data[rounded[0] + 512 * (rounded[1] + 512 * rounded[2])] ?? 0;
          if (label === 32) {
            sum[0] += lps[0];
            sum[1] += lps[1];
            sum[2] += lps[2];
            count += 1;
            boneHu += hu;
          } else {
            cordHu += hu;
            cordCount += 1;
          }
        }
      }
    }
    const centroid = sum.map((value) => value / count);
    close(centroid as unknown as Vec3, [-9.7, -107.8, -790.8], 1);
    // the label grid coincides with the DICOM grid (its rows are flipped, the world agrees)
    expect(worstGridOffset).toBeLessThan(1e-3);
    // the same world points are bone in the DICOM volume for T12 and soft tissue for the cord
    expect(boneHu / count).toBeGreaterThan(150);
    expect(cordHu / cordCount).toBeGreaterThan(-50);
    expect(cordHu / cordCount).toBeLessThan(80);
  });

  it('reads every orientation in the samples (LAS, LPS, PIR) and agrees with nifti-reader-js on the affine', async () => {
    const nifti = (await import('nifti-reader-js')) as unknown as {
      isCompressed(buffer: ArrayBuffer): boolean;
      decompress(buffer: ArrayBuffer): ArrayBuffer;
      readHeader(buffer: ArrayBuffer): { affine: number[][] };
    };
    const files: Array<[string, string]> = [
      ['ct-abdomen-dicom-jp2k-labels/segmentation.nii.gz', 'LAS'],
      ['ct-lumbar-crop/sub-ct_label-22_ct.nii.gz', 'PIR'],
      ['ct-lumbar-crop/sub-ct_seg-vert_label-22_msk.nii.gz', 'PIR'],
      ['mr-cervical-crop/sub-mri_label-6_T2w.nii.gz', 'PIR'],
      ['mr-abdomen/image.nii.gz', 'LPS'],
      ['ct-chest-crop/image.nii.gz', 'LPS'],
    ];
    for (const [file, code] of files) {
      const bytes = readBytes(join(sharedData, file));
      const volume = readNifti(bytes, { subject: file });
      expect(orientationCode(volume.direction), file).toBe(code);
      let buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer);
      const affine = nifti.readHeader(buffer).affine;
      for (const ijk of [[0, 0, 0], [3, 5, 7], [10, 1, 2]] as const) {
        const ras = [0, 1, 2].map((row) => (affine[row]?.[0] ?? 0) * ijk[0] + (affine[row]?.[1] ?? 0) * ijk[1] + (affine[row]?.[2] ?? 0) * ijk[2] + (affine[row]?.[3] ?? 0));
        close(voxelToLps(volume, ijk), [-(ras[0] ?? 0), -(ras[1] ?? 0), ras[2] ?? 0], 1e-3);
      }
    }
    const chest = readNifti(readBytes(join(sharedData, 'ct-chest-crop/image.nii.gz')));
    let min = Infinity;
    let max = -Infinity;
    for (const value of chest.data) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    expect([min, max]).toEqual([-1064, 3343]);
  });
});

describe('readNifti on synthetic files', () => {
  const values = Array.from({ length: 24 }, (_, i) => i * 3 - 10);

  it('uses the sform when sform_code > 0 (RAS file → LPS volume)', () => {
    const file = writeNifti({ dims: [2, 3, 4], values, sform: [[2, 0, 0, -10], [0, 3, 0, 20], [0, 0, 4, 30]] });
    const volume = readNifti(file);
    expect(orientationCode(volume.direction)).toBe('RAS');
    expect(volume.spacingMm).toEqual([2, 3, 4]);
    close(voxelToLps(volume, [1, 2, 3]), [-(2 - 10), -(6 + 20), 12 + 30]);
    expect(Array.from(volume.data)).toEqual(values);
    expect(volume.data).toBeInstanceOf(Int16Array);
  });

  it('uses the qform (quaternion, qfac) when only qform_code > 0', () => {
    // 90° about z: b = c = 0, d = sin(45°); i → +y (A), j → −x (L); qfac −1 flips k → I
    const d = Math.SQRT1_2;
    const file = writeNifti({ dims: [2, 3, 4], values, pixdim: [-1, 1.5, 2, 2.5], qform: { quatern: [0, 0, d], offset: [5, 6, 7] } });
    const volume = readNifti(file);
    expect(orientationCode(volume.direction)).toBe('ALI');
    // RAS = R · diag(1.5, 2, −2.5) · ijk + offset, R = [[0,−1,0],[1,0,0],[0,0,1]]
    const ijk = [1, 2, 3] as const;
    const ras = [-2 * ijk[1] + 5, 1.5 * ijk[0] + 6, -2.5 * ijk[2] + 7];
    close(voxelToLps(volume, ijk), [-(ras[0] ?? 0), -(ras[1] ?? 0), ras[2] ?? 0]);
  });

  it('reads NIfTI-2, big-endian and gzip files alike, and applies scl_slope/scl_inter', () => {
    const spec: SyntheticNifti = { dims: [2, 3, 4], values, sform: [[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] };
    const reference = readNifti(writeNifti(spec));
    for (const variant of [writeNifti({ ...spec, version: 2 }), writeNifti({ ...spec, littleEndian: false }), gzipSync(writeNifti({ ...spec, version: 2, littleEndian: false }))]) {
      const volume = readNifti(new Uint8Array(variant));
      expect(Array.from(volume.data)).toEqual(Array.from(reference.data));
      expect(volume.direction).toEqual(reference.direction);
      expect(orientationCode(volume.direction)).toBe('LAS');
    }
    const scaled = readNifti(writeNifti({ ...spec, slope: 0.5, inter: -3 }));
    expect(scaled.data).toBeInstanceOf(Float32Array);
    expect(scaled.data[1]).toBeCloseTo((values[1] ?? 0) * 0.5 - 3, 5);
  });

  it('rejects files that are not NIfTI, truncated or of unsupported type', () => {
    expect(codeOf(() => readNifti(new Uint8Array(0)))).toBe('NIFTI_INVALID');
    expect(codeOf(() => readNifti(new TextEncoder().encode('x'.repeat(400)), { subject: 'a.nii' }))).toBe('NIFTI_INVALID');
    const file = writeNifti({ dims: [2, 3, 4], values, sform: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] });
    expect(() => readNifti(file.subarray(0, file.length - 10), { subject: 'cut.nii' })).toThrow(/cut\.nii: the voxel data is truncated/);
    const bad = file.slice();
    new DataView(bad.buffer).setInt16(70, 128, true); // RGB24
    expect(codeOf(() => readNifti(bad))).toBe('NIFTI_INVALID');
    expect(codeOf(() => readNifti(gzipSync(file).subarray(0, 40)))).toBe('NIFTI_INVALID');
  });
});

// keep the Volume type import used for readers of this file
export type { Volume };
