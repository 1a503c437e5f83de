/**
 * NIfTI-1 single-file (.nii) encoding of a world-aligned volume (NIfTI-1 header, 348 bytes,
 * vox_offset 352). NIfTI's frame is RAS: the LPS volume maps with x and y negated, written both
 * as qform (quaternion b=c=0, d=1: 180° about z) and sform, code 1 (scanner anatomical).
 */
import type { Mask, Volume } from '@vertebra/geometry';

export function encodeNifti(volume: Volume<Int16Array> | Mask, description: string): Uint8Array {
  const [nx, ny, nz] = volume.dimensions;
  const [sx, sy, sz] = volume.spacingMm;
  const [x0, y0, z0] = volume.originLps;
  const isLabels = volume.data instanceof Uint8Array;
  const bytesPerVoxel = isLabels ? 1 : 2;
  const buffer = new ArrayBuffer(352 + nx * ny * nz * bytesPerVoxel);
  const view = new DataView(buffer);
  view.setInt32(0, 348, true);
  view.setInt16(40, 3, true);
  view.setInt16(42, nx, true);
  view.setInt16(44, ny, true);
  view.setInt16(46, nz, true);
  for (let index = 4; index < 8; index += 1) view.setInt16(40 + index * 2, 1, true);
  view.setInt16(70, isLabels ? 2 : 4, true); // datatype: DT_UINT8 or DT_INT16
  view.setInt16(72, isLabels ? 8 : 16, true); // bitpix
  view.setFloat32(76, 1, true); // qfac
  view.setFloat32(80, sx, true);
  view.setFloat32(84, sy, true);
  view.setFloat32(88, sz, true);
  view.setFloat32(108, 352, true); // vox_offset
  view.setFloat32(112, 1, true); // scl_slope
  view.setFloat32(116, 0, true); // scl_inter
  view.setUint8(123, 10); // xyzt_units: mm, s
  const text = new TextEncoder().encode(description.slice(0, 79));
  new Uint8Array(buffer, 148, text.length).set(text);
  view.setInt16(252, 1, true); // qform_code
  view.setInt16(254, 1, true); // sform_code
  view.setFloat32(256, 0, true); // quatern_b
  view.setFloat32(260, 0, true); // quatern_c
  view.setFloat32(264, 1, true); // quatern_d
  view.setFloat32(268, -x0, true);
  view.setFloat32(272, -y0, true);
  view.setFloat32(276, z0, true);
  const srow = [
    [-sx, 0, 0, -x0],
    [0, -sy, 0, -y0],
    [0, 0, sz, z0],
  ];
  srow.forEach((row, r) => row.forEach((value, c) => view.setFloat32(280 + r * 16 + c * 4, value, true)));
  new Uint8Array(buffer, 344, 4).set([0x6e, 0x2b, 0x31, 0x00]); // "n+1\0"
  const out = new Uint8Array(buffer);
  out.set(new Uint8Array(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength), 352);
  return out;
}
