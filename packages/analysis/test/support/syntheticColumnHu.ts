/**
 * HU of a synthetic spinal column at local coordinates along its canal (canal tracing tests):
 * arc length u (mm; a vertebra and its disc every 30 mm, the disc at u mod 30 ∈ [27, 30) ∪ [0, 3)),
 * v anterior and w lateral of the canal centre (mm). CSF canal of 8 mm radius in a bony ring at
 * pedicle levels, a 16 mm body with a 2 mm cortical shell and endplates 28 mm in front, soft tissue
 * elsewhere.
 */
export const COLUMN_PITCH_MM = 30;

export function syntheticColumnHu(u: number, v: number, w: number): number {
  const m = ((u % COLUMN_PITCH_MM) + COLUMN_PITCH_MM) % COLUMN_PITCH_MM;
  const r = Math.hypot(v, w);
  if (r < 8) return 20; // canal (CSF)
  const pedicleLevel = m >= 7 && m <= 23;
  if (pedicleLevel && r <= 12 && v < 14) return 700; // neural ring (pedicles, laminae)
  const bodyR = Math.hypot(v - 28, w);
  const inBodyLevel = m >= 3 && m <= 27;
  if (bodyR <= 16) {
    if (!inBodyLevel) return 80; // disc
    return bodyR >= 14 || m < 4.5 || m > 25.5 ? 700 : 250; // cortex / endplates, trabecular bone
  }
  return 40; // soft tissue
}
