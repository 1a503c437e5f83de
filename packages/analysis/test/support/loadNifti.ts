/**
 * Test-only: reads a NIfTI file from disk with @vertebra/dicom's readNifti (the one NIfTI
 * reader) and returns its voxels as Float32 so the analysis sees one value type.
 */
import { readFileSync } from 'node:fs';
import { readNifti } from '@vertebra/dicom';
import type { Volume } from '@vertebra/geometry';

export function loadNifti(path: string, valueUnit = 'HU'): Volume<Float32Array> {
  const volume = readNifti(readFileSync(path), { subject: path, valueUnit });
  const data = volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data);
  return { ...volume, data, valueUnit };
}
