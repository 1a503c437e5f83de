/**
 * Mean adult vertebral dimensions per level, used as the phantom's default anatomy.
 * Values are rounded means read from:
 *  - Panjabi MM et al. Cervical human vertebrae: quantitative three-dimensional anatomy of the
 *    middle and lower regions. Spine 1991;16(8):861–869.
 *  - Panjabi MM et al. Thoracic human vertebrae: quantitative three-dimensional anatomy.
 *    Spine 1991;16(8):888–901.
 *  - Panjabi MM et al. Human lumbar vertebrae: quantitative three-dimensional anatomy.
 *    Spine 1992;17(3):299–306.
 * Disc heights after Frobin W et al., Clin Biomech 1997 (lumbar) and Gilad & Nissan 1986
 * (cervical/thoracic). Variant levels (T13, L6) borrow the neighbouring level's values.
 */
import type { VertebraLevel } from './spineLevels.js';

export interface VertebraDimensions {
  /** Upper endplate width (lateral), mm (Panjabi EPWu). */
  readonly bodyWidthMm: number;
  /** Endplate depth (AP), mm (Panjabi EPDu). */
  readonly bodyDepthMm: number;
  /** Posterior body height, mm (Panjabi VBHp). */
  readonly posteriorHeightMm: number;
  /** Anterior body height, mm. */
  readonly anteriorHeightMm: number;
  /** Pedicle width (transverse) and height, mm (Panjabi PDW, PDH). */
  readonly pedicleWidthMm: number;
  readonly pedicleHeightMm: number;
  /** Spinal canal AP depth and width, mm (Panjabi SCD, SCW). */
  readonly canalDepthMm: number;
  readonly canalWidthMm: number;
  /** Spinous process length from the lamina junction, mm, and its downward angle, degrees. */
  readonly spinousLengthMm: number;
  readonly spinousAngleDeg: number;
  /** Distance of the transverse process tip from the midline, mm (half of Panjabi TPW). */
  readonly transverseHalfSpanMm: number;
  /** Middle height of the disc below this vertebra, mm. */
  readonly discBelowHeightMm: number;
}

type Row = readonly [number, number, number, number, number, number, number, number, number, number, number, number];

// width, depth, post h, ant h, ped w, ped h, canal AP, canal w, spinous len, spinous angle, TP half-span, disc below
const table: Record<Exclude<VertebraLevel, 'T13' | 'L6'>, Row> = {
  C1: [46, 40, 10, 10, 0, 0, 20, 28, 10, 0, 38, 2.5],
  C2: [17, 15.5, 15, 15, 6, 8, 16, 24, 18, 20, 28, 5],
  C3: [16, 15.5, 11.5, 11.5, 5.5, 7, 14.5, 23, 15, 20, 25, 5],
  C4: [17, 16, 11.5, 11.5, 5.5, 7, 14, 24, 15, 20, 26, 5.5],
  C5: [18, 16.5, 11.5, 11.5, 5.8, 7, 14, 25, 16, 20, 27, 5.5],
  C6: [20, 17, 12, 12, 5.8, 7, 14, 25, 20, 20, 28, 5.5],
  C7: [23, 17, 13.5, 13.5, 6.3, 7.2, 14, 24, 30, 25, 34, 5],
  T1: [25, 17, 15, 14.5, 8, 10, 15, 19, 32, 35, 40, 4],
  T2: [26, 18, 16, 15.5, 7, 11, 15, 16, 34, 45, 40, 4],
  T3: [26, 20, 16.5, 16, 5.5, 11.5, 15, 15, 36, 55, 39, 4],
  T4: [27, 22, 17, 16.5, 4.7, 11.5, 15, 15, 37, 60, 38, 4.2],
  T5: [28, 24, 17.5, 17, 4.8, 11.5, 15, 15, 37, 60, 37, 4.4],
  T6: [29, 26, 18, 17.5, 5, 11.5, 15, 15, 37, 60, 36, 4.6],
  T7: [30, 27, 18.5, 18, 5, 12, 15, 15.5, 36, 60, 35, 4.8],
  T8: [31, 28, 19.5, 19, 5.6, 12.5, 15, 15.5, 35, 55, 34, 5],
  T9: [33, 29, 20.5, 20, 6, 13, 15, 15.5, 34, 50, 33, 5.3],
  T10: [35, 30, 21.5, 21, 6.5, 14, 15, 16, 33, 40, 31, 5.6],
  T11: [38, 31, 23, 22.5, 7.5, 16, 16, 17, 32, 30, 27, 6.2],
  T12: [41, 32, 24, 23.5, 7.9, 16, 17, 19, 31, 20, 24, 7.5],
  L1: [43, 34, 25, 24, 8.7, 15.5, 18, 21, 30, 5, 33, 9],
  L2: [45, 35, 25.5, 25, 9, 15, 17.5, 22, 31, 5, 38, 10],
  L3: [47, 35, 25.5, 25.5, 10, 14.5, 17, 23, 31, 5, 42, 11],
  L4: [49, 35, 25, 26, 12, 14, 17, 24, 29, 5, 38, 12],
  L5: [50, 35, 24, 27, 17, 14, 17.5, 26, 26, 10, 40, 11],
};

function rowToDimensions(row: Row): VertebraDimensions {
  return {
    bodyWidthMm: row[0],
    bodyDepthMm: row[1],
    posteriorHeightMm: row[2],
    anteriorHeightMm: row[3],
    pedicleWidthMm: row[4],
    pedicleHeightMm: row[5],
    canalDepthMm: row[6],
    canalWidthMm: row[7],
    spinousLengthMm: row[8],
    spinousAngleDeg: row[9],
    transverseHalfSpanMm: row[10],
    discBelowHeightMm: row[11],
  };
}

/** Default dimensions of a level; T13 mixes T12 and L1, L6 copies L5. */
export function vertebraMorphometry(level: VertebraLevel): VertebraDimensions {
  if (level === 'T13') {
    const a = table.T12;
    const b = table.L1;
    return rowToDimensions(a.map((value, index) => (value + b[index]!) / 2) as unknown as Row);
  }
  if (level === 'L6') return rowToDimensions(table.L5);
  return rowToDimensions(table[level]);
}
