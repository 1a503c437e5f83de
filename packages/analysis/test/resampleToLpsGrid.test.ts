/** The separable fast path (signed-permutation directions) equals generic trilinear sampling. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLpsSampler, resampleToLpsGrid } from '../src/index.js';
import { buildSyntheticSpine } from './support/buildSyntheticSpine.js';
import { loadNifti } from './support/loadNifti.js';
import type { Volume } from '@vertebra/geometry';

const lumbar = fileURLToPath(new URL('../../../../shared/data/ct-lumbar-crop/sub-ct_label-22_ct.nii.gz', import.meta.url));

function maxDifference(volume: Volume, spacingMm: number): number {
  const grid = resampleToLpsGrid(volume, spacingMm);
  const sampler = createLpsSampler(volume);
  let max = 0;
  let n = 0;
  for (let k = 0; k < grid.dims[2]; k++) {
    for (let j = 0; j < grid.dims[1]; j++) {
      for (let i = 0; i < grid.dims[0]; i++, n++) {
        const v = sampler.sample(grid.originLps[0] + i * spacingMm, grid.originLps[1] + j * spacingMm, grid.originLps[2] + k * spacingMm);
        max = Math.max(max, Math.abs((v === v ? Math.round(v) : -1024) - grid.data[n]!));
      }
    }
  }
  return max;
}

describe('resampleToLpsGrid', () => {
  it.skipIf(!existsSync(lumbar))('matches trilinear sampling on a PIR-oriented real crop', () => {
    expect(maxDifference(loadNifti(lumbar), 1.3)).toBeLessThanOrEqual(1);
  });

  it('matches trilinear sampling on a feet-first (flipped) grid', () => {
    const syn = buildSyntheticSpine({ levels: ['L4', 'L5'], direction: [-1, 0, 0, 0, 1, 0, 0, 0, -1], spacingMm: [2, 2, 2], noiseHu: 0 });
    expect(maxDifference(syn.volume, 1.7)).toBeLessThanOrEqual(1);
  });
});
