import type { Volume } from '@vertebra/geometry';

/** Per axial slice, the LPS y (mm) of the canal's anterior wall in a whole-vertebra label map (see canalAnteriorWallY.mjs). */
export function canalAnteriorWallY(seg: Volume, levels: readonly number[], cordLabel: number): number[];
