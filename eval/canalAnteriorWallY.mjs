/**
 * Per axial slice of a whole-vertebra model label map (TotalSegmentator), the LPS y (mm) of the
 * spinal canal's anterior wall: from the centre of the cord label, walking anteriorly (−y) to the
 * first voxel of one of `levels`, median over the 7 columns around the cord's centre; a slice
 * without a wall (a disc slice: no vertebra voxel within 10 mm anterior of the cord, or no cord)
 * takes the nearest slice's wall. The body part of a vertebra mask is what lies anterior to it
 * (VerSe scores the vertebral-body centroid: Sekuboyina A et al., Med Image Anal 2021;73:102166;
 * the cut anterior to the cord follows Hofmann F et al., VertebralBodiesCT-Labels, 2024, moved
 * forward to the wall so that the pedicle roots beside the canal are left out). Shared by the
 * eval (runEval.mjs) and the real-sample test (analyzeSpineCt.real.test.ts).
 */
import { voxelToLps } from '@vertebra/geometry';

export function canalAnteriorWallY(seg, levels, cordLabel) {
  const [nx, ny, nz] = seg.dimensions;
  const vert = new Set(levels);
  const at = (i, j, k) => seg.data[(k * ny + j) * nx + i];
  const yOf = (i, j, k) => voxelToLps(seg, [i, j, k])[1];
  const wall = new Array(nz).fill(Number.NaN);
  for (let k = 0; k < nz; k++) {
    const cord = [];
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (at(i, j, k) === cordLabel) cord.push([i, j]);
    if (cord.length === 0) continue;
    const ic = Math.round(cord.reduce((a, c) => a + c[0], 0) / cord.length);
    const jc = Math.round(cord.reduce((a, c) => a + c[1], 0) / cord.length);
    const front = Math.min(...cord.map(([i, j]) => yOf(i, j, k)));
    const step = yOf(ic, jc + 1, k) < yOf(ic, jc, k) ? 1 : -1; // the row direction that runs anteriorly
    const ys = [];
    for (let i = Math.max(0, ic - 3); i <= Math.min(nx - 1, ic + 3); i++) {
      for (let j = jc; j >= 0 && j < ny && yOf(i, j, k) > front - 10; j += step) {
        if (vert.has(at(i, j, k))) {
          ys.push(yOf(i, j, k));
          break;
        }
      }
    }
    ys.sort((p, q) => p - q);
    if (ys.length >= 4) wall[k] = ys[ys.length >> 1];
  }
  const known = wall.flatMap((w, k) => (w === w ? [k] : []));
  return wall.map((w, k) => (w === w || known.length === 0 ? w : wall[known.reduce((b, q) => (Math.abs(q - k) < Math.abs(b - k) ? q : b))]));
}
