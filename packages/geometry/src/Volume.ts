/**
 * Image containers with physical geometry. A `Volume` maps voxel index (i, j, k) =
 * (column, row, slice) to the DICOM patient frame (LPS, mm):
 *   lps = originLps + direction · diag(spacingMm) · [i, j, k]
 * where the columns of `direction` are the unit vectors of the i, j and k axes
 * (DICOM PS3.3 C.7.6.2.1.1, Image Orientation/Position Patient).
 */
import type { Mat3, Vec3 } from './vectors.js';
import { mat3Column, mat3Inverse, mat3MultiplyVec3 } from './vectors.js';

export type VoxelArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export interface VolumeGeometry {
  /** Number of voxels along i (columns), j (rows), k (slices). */
  readonly dimensions: readonly [number, number, number];
  /** Voxel spacing along i, j, k in millimetres. */
  readonly spacingMm: Vec3;
  /** LPS position of voxel (0, 0, 0)'s centre, in millimetres. */
  readonly originLps: Vec3;
  /** Columns are the unit direction vectors of the i, j, k axes in LPS. */
  readonly direction: Mat3;
}

export interface Volume<T extends VoxelArray = VoxelArray> extends VolumeGeometry {
  /** Voxel values, i fastest, then j, then k. CT values are Hounsfield units after rescale. */
  readonly data: T;
  /** What the values mean, e.g. 'HU' for rescaled CT, 'arbitrary' for MR. */
  readonly valueUnit: string;
}

/** A binary or label mask sharing a volume's geometry. */
export interface Mask extends VolumeGeometry {
  readonly data: Uint8Array | Uint16Array;
}

/** A single 2D image (radiograph, fluoroscopy frame) with its pixel spacing. */
export interface Image2D<T extends VoxelArray = VoxelArray> {
  readonly columns: number;
  readonly rows: number;
  /** Spacing between columns and between rows in millimetres, or null when uncalibrated. */
  readonly pixelSpacingMm: readonly [number, number] | null;
  readonly data: T;
}

export function voxelCount(geometry: VolumeGeometry): number {
  return geometry.dimensions[0] * geometry.dimensions[1] * geometry.dimensions[2];
}

export function voxelIndex(geometry: VolumeGeometry, i: number, j: number, k: number): number {
  const [nx, ny] = geometry.dimensions;
  return i + nx * (j + ny * k);
}

/** LPS millimetre position of a (possibly fractional) voxel index. */
export function voxelToLps(geometry: VolumeGeometry, ijk: Vec3): Vec3 {
  const scaled: Vec3 = [ijk[0] * geometry.spacingMm[0], ijk[1] * geometry.spacingMm[1], ijk[2] * geometry.spacingMm[2]];
  const offset = mat3MultiplyVec3(geometry.direction, scaled);
  return [geometry.originLps[0] + offset[0], geometry.originLps[1] + offset[1], geometry.originLps[2] + offset[2]];
}

/** Fractional voxel index of an LPS millimetre position. */
export function lpsToVoxel(geometry: VolumeGeometry, lps: Vec3): Vec3 {
  const relative: Vec3 = [lps[0] - geometry.originLps[0], lps[1] - geometry.originLps[1], lps[2] - geometry.originLps[2]];
  const unscaled = mat3MultiplyVec3(mat3Inverse(geometry.direction), relative);
  return [unscaled[0] / geometry.spacingMm[0], unscaled[1] / geometry.spacingMm[1], unscaled[2] / geometry.spacingMm[2]];
}

/** Unit vector of the given voxel axis in LPS. */
export function axisDirection(geometry: VolumeGeometry, axis: 0 | 1 | 2): Vec3 {
  return mat3Column(geometry.direction, axis);
}
