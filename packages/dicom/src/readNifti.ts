/**
 * NIfTI-1 and NIfTI-2 reader (nifti1.h / nifti2.h, gzip or not) into the same `Volume`
 * type as DICOM series. The voxel → world affine is the sform when sform_code > 0, else
 * the qform (quaternion, qfac = pixdim[0]) when qform_code > 0, else the ANALYZE 7.5
 * diagonal. NIfTI world coordinates are RAS+; they are converted to the DICOM patient
 * frame (LPS) by negating x and y. Any storage orientation (LAS, LPS, PIR, RAS, …) is
 * kept as a direction matrix, no resampling. scl_slope/scl_inter are applied when the
 * slope is non-zero and not the identity (values then Float32Array).
 */
import { gunzipSync } from 'node:zlib';
import { VertebraError } from '@vertebra/errors';
import { mat3FromColumns, type Vec3, type Volume, type VoxelArray } from '@vertebra/geometry';

export interface ReadNiftiOptions {
  /** Names the file in error messages. */
  readonly subject?: string;
  /** Which 3D volume of a 4D file to read (default 0). */
  readonly volumeIndex?: number;
  /** What the values mean (default 'arbitrary'). */
  readonly valueUnit?: string;
}

export interface NiftiHeader {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  readonly dims: readonly number[];
  readonly pixdim: readonly number[];
  readonly datatype: number;
  readonly bitpix: number;
  readonly voxOffset: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly qformCode: number;
  readonly sformCode: number;
  readonly quatern: readonly [number, number, number];
  readonly qoffset: readonly [number, number, number];
  readonly srow: readonly [readonly number[], readonly number[], readonly number[]];
}

function fail(message: string, options: ReadNiftiOptions, cause?: unknown): VertebraError {
  return new VertebraError('NIFTI_INVALID', message, {
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(cause === undefined ? {} : { cause }),
  });
}

function readHeader(bytes: Uint8Array, options: ReadNiftiOptions): NiftiHeader {
  if (bytes.length < 348) throw fail(`${bytes.length} bytes is too short for a NIfTI header (348 bytes)`, options);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLe = view.getInt32(0, true);
  const sizeBe = view.getInt32(0, false);
  const size = sizeLe === 348 || sizeLe === 540 ? sizeLe : sizeBe === 348 || sizeBe === 540 ? sizeBe : 0;
  if (size === 0) throw fail('not a NIfTI file: sizeof_hdr is neither 348 (NIfTI-1) nor 540 (NIfTI-2)', options);
  const le = sizeLe === size;
  if (size === 348) {
    const magic = String.fromCharCode(bytes[344] ?? 0, bytes[345] ?? 0, bytes[346] ?? 0);
    if (magic !== 'n+1' && magic !== 'ni1') throw fail(`not a NIfTI-1 file: magic is ${JSON.stringify(magic)}, expected "n+1"`, options);
    if (magic === 'ni1') throw fail('a NIfTI-1 header/image pair (.hdr/.img) is not supported: give a single .nii file', options);
    const dims = Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, le));
    const pixdim = Array.from({ length: 8 }, (_, i) => view.getFloat32(76 + 4 * i, le));
    const f = (offset: number): number => view.getFloat32(offset, le);
    return {
      version: 1,
      littleEndian: le,
      dims,
      pixdim,
      datatype: view.getInt16(70, le),
      bitpix: view.getInt16(72, le),
      voxOffset: f(108),
      sclSlope: f(112),
      sclInter: f(116),
      qformCode: view.getInt16(252, le),
      sformCode: view.getInt16(254, le),
      quatern: [f(256), f(260), f(264)],
      qoffset: [f(268), f(272), f(276)],
      srow: [[f(280), f(284), f(288), f(292)], [f(296), f(300), f(304), f(308)], [f(312), f(316), f(320), f(324)]],
    };
  }
  if (bytes.length < 540) throw fail(`${bytes.length} bytes is too short for a NIfTI-2 header (540 bytes)`, options);
  const magic = String.fromCharCode(bytes[4] ?? 0, bytes[5] ?? 0, bytes[6] ?? 0);
  if (magic !== 'n+2') throw fail(`not a NIfTI-2 file: magic is ${JSON.stringify(magic)}, expected "n+2"`, options);
  const d = (offset: number): number => view.getFloat64(offset, le);
  const i64 = (offset: number): number => Number(view.getBigInt64(offset, le));
  return {
    version: 2,
    littleEndian: le,
    dims: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => d(104 + 8 * i)),
    datatype: view.getInt16(12, le),
    bitpix: view.getInt16(14, le),
    voxOffset: i64(168),
    sclSlope: d(176),
    sclInter: d(184),
    qformCode: view.getInt32(344, le),
    sformCode: view.getInt32(348, le),
    quatern: [d(352), d(360), d(368)],
    qoffset: [d(376), d(384), d(392)],
    srow: [[d(400), d(408), d(416), d(424)], [d(432), d(440), d(448), d(456)], [d(464), d(472), d(480), d(488)]],
  };
}

/** 3×4 voxel → RAS affine (row-major rows of [R | t]). */
export function niftiAffineRas(header: NiftiHeader): number[][] {
  if (header.sformCode > 0) return header.srow.map((row) => [...row]);
  const [dx, dy, dz] = [Math.abs(header.pixdim[1] ?? 1) || 1, Math.abs(header.pixdim[2] ?? 1) || 1, Math.abs(header.pixdim[3] ?? 1) || 1];
  if (header.qformCode > 0) {
    let [b, c, d] = header.quatern;
    let aSquared = 1 - (b * b + c * c + d * d);
    let a: number;
    if (aSquared < 1e-7) {
      const length = Math.hypot(b, c, d);
      [b, c, d] = [b / length, c / length, d / length];
      a = 0;
      aSquared = 0;
    } else {
      a = Math.sqrt(aSquared);
    }
    const qfac = (header.pixdim[0] ?? 1) < 0 ? -1 : 1;
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const zScale = dz * qfac;
    return r.map((row, index) => [(row[0] ?? 0) * dx, (row[1] ?? 0) * dy, (row[2] ?? 0) * zScale, header.qoffset[index] ?? 0]);
  }
  return [
    [dx, 0, 0, 0],
    [0, dy, 0, 0],
    [0, 0, dz, 0],
  ];
}

interface TypeInfo {
  readonly bytes: number;
  readonly create: (buffer: ArrayBuffer, count: number) => VoxelArray;
  readonly read: (view: DataView, offset: number, le: boolean) => number;
}

const TYPES: Record<number, TypeInfo> = {
  2: { bytes: 1, create: (b, n) => new Uint8Array(b, 0, n), read: (v, o) => v.getUint8(o) },
  256: { bytes: 1, create: (b, n) => new Int8Array(b, 0, n), read: (v, o) => v.getInt8(o) },
  4: { bytes: 2, create: (b, n) => new Int16Array(b, 0, n), read: (v, o, le) => v.getInt16(o, le) },
  512: { bytes: 2, create: (b, n) => new Uint16Array(b, 0, n), read: (v, o, le) => v.getUint16(o, le) },
  8: { bytes: 4, create: (b, n) => new Int32Array(b, 0, n), read: (v, o, le) => v.getInt32(o, le) },
  768: { bytes: 4, create: (b, n) => new Uint32Array(b, 0, n), read: (v, o, le) => v.getUint32(o, le) },
  16: { bytes: 4, create: (b, n) => new Float32Array(b, 0, n), read: (v, o, le) => v.getFloat32(o, le) },
  64: { bytes: 8, create: (b, n) => new Float64Array(b, 0, n), read: (v, o, le) => v.getFloat64(o, le) },
  1024: { bytes: 8, create: (b, n) => new Float64Array(b, 0, n), read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  1280: { bytes: 8, create: (b, n) => new Float64Array(b, 0, n), read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a .nii or .nii.gz (NIfTI-1 or -2) into a Volume in LPS mm. Throws VertebraError NIFTI_INVALID. */
export function readNifti(input: Uint8Array, options: ReadNiftiOptions = {}): Volume {
  try {
    return readVolume(input, options);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw fail(`cannot read the NIfTI file: ${error instanceof Error ? error.message : String(error)}`, options, error);
  }
}

function readVolume(input: Uint8Array, options: ReadNiftiOptions): Volume {
  if (input.length === 0) throw fail('the file is empty (0 bytes)', options);
  let bytes = input;
  if (isGzip(input)) {
    try {
      const inflated = gunzipSync(input);
      bytes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    } catch (error) {
      throw fail(`cannot decompress the gzip stream: ${error instanceof Error ? error.message : String(error)}`, options, error);
    }
  }
  const header = readHeader(bytes, options);
  const rank = header.dims[0] ?? 0;
  if (rank < 1 || rank > 7) throw fail(`dim[0] is ${rank}; expected 1…7`, options);
  const nx = header.dims[1] ?? 1;
  const ny = rank >= 2 ? (header.dims[2] ?? 1) : 1;
  const nz = rank >= 3 ? (header.dims[3] ?? 1) : 1;
  const extra = header.dims.slice(4, rank + 1).reduce((product, value) => product * Math.max(1, value), 1);
  if (![nx, ny, nz].every((value) => Number.isInteger(value) && value >= 1)) throw fail(`invalid dimensions ${nx}×${ny}×${nz}`, options);
  const volumeIndex = options.volumeIndex ?? 0;
  if (!Number.isInteger(volumeIndex) || volumeIndex < 0 || volumeIndex >= extra) throw fail(`volume index ${volumeIndex} is outside the ${extra} volume(s) in the file`, options);
  const type = TYPES[header.datatype];
  if (!type) throw fail(`datatype ${header.datatype} is not supported (integer and float scalar types are)`, options);
  const count = nx * ny * nz;
  const headerBytes = header.version === 1 ? 352 : 544;
  const voxelStart = Math.max(Math.floor(header.voxOffset), headerBytes) + volumeIndex * count * type.bytes;
  if (voxelStart + count * type.bytes > bytes.length) {
    throw fail(`the voxel data is truncated: ${nx}×${ny}×${nz} voxels of ${type.bytes} bytes at offset ${voxelStart} need ${voxelStart + count * type.bytes} bytes, the file has ${bytes.length}`, options);
  }
  // copy the voxels into an aligned buffer in the host's byte order
  let data: VoxelArray;
  const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (header.littleEndian === hostLittleEndian) {
    const buffer = new ArrayBuffer(count * type.bytes);
    new Uint8Array(buffer).set(bytes.subarray(voxelStart, voxelStart + count * type.bytes));
    data = header.datatype === 1024 || header.datatype === 1280 ? readSlow(bytes, voxelStart, count, type, header.littleEndian) : type.create(buffer, count);
  } else {
    data = readSlow(bytes, voxelStart, count, type, header.littleEndian);
  }
  const slope = header.sclSlope;
  const intercept = header.sclInter;
  if (Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (intercept === 0 || !Number.isFinite(intercept)))) {
    const scaled = new Float32Array(count);
    const offset = Number.isFinite(intercept) ? intercept : 0;
    for (let i = 0; i < count; i += 1) scaled[i] = (data[i] ?? 0) * slope + offset;
    data = scaled;
  }
  // RAS → LPS: negate the x and y rows of the affine
  const ras = niftiAffineRas(header);
  const lps = ras.map((row, index) => (index < 2 ? row.map((value) => -value) : row));
  const column = (c: number): Vec3 => [lps[0]?.[c] ?? 0, lps[1]?.[c] ?? 0, lps[2]?.[c] ?? 0];
  const spacing: Vec3 = [0, 1, 2].map((c) => Math.hypot(...column(c))) as unknown as Vec3;
  if (spacing.some((value) => !(value > 0) || !Number.isFinite(value))) {
    throw fail(`the ${header.sformCode > 0 ? 'sform' : header.qformCode > 0 ? 'qform' : 'pixdim'} affine has a zero or invalid axis`, options);
  }
  const unit = (c: 0 | 1 | 2): Vec3 => {
    const v = column(c);
    return [v[0] / spacing[c], v[1] / spacing[c], v[2] / spacing[c]];
  };
  return {
    dimensions: [nx, ny, nz],
    spacingMm: spacing,
    originLps: column(3),
    direction: mat3FromColumns(unit(0), unit(1), unit(2)),
    data,
    valueUnit: options.valueUnit ?? 'arbitrary',
  };
}

function readSlow(bytes: Uint8Array, start: number, count: number, type: TypeInfo, le: boolean): VoxelArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = type.create(new ArrayBuffer(count * type.bytes), count);
  for (let i = 0; i < count; i += 1) out[i] = type.read(view, start + i * type.bytes, le);
  return out;
}

/** Reads only the header (for inspection and tests). */
export function readNiftiHeader(input: Uint8Array, options: ReadNiftiOptions = {}): NiftiHeader {
  let bytes = input;
  if (isGzip(input)) {
    try {
      bytes = new Uint8Array(gunzipSync(input));
    } catch (error) {
      throw fail(`cannot decompress the gzip stream: ${error instanceof Error ? error.message : String(error)}`, options, error);
    }
  }
  return readHeader(bytes, options);
}
