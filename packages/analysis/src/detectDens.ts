/**
 * C2 anchor: the dens (odontoid process) rises from the C2 body through the atlas ring; there is
 * no intervertebral disc between C1 and C2 (the atlanto-axial joints are synovial; Gray's
 * Anatomy, 41st ed., ch. 43). So above C2's superior cortex a narrow peg continues along the
 * axis: a cortical shell within 7 mm of the axis all around, soft tissue outside it in several
 * directions (atlanto-dental interval, transverse ligament), where every other vertebra has a
 * disc, wide and without a shell. A fused (ankylosed) level is bone across its full width, so the
 * peg must also be narrow.
 */
import type { GridSampler } from './createGridSampler.js';

export interface DensFrame {
  readonly superior: { readonly point: readonly number[]; readonly normal: readonly number[] };
  readonly anterior: readonly number[];
  readonly left: readonly number[];
}

/** The dens' cortical shell (≈ 10 mm wide peg): bright bone within 2.5–7 mm of the axis. */
const SHELL_HU = 350;
const SOFT_HU = 150;
/** Heights above the superior cortex (mm) examined; the dens must be there at most of them. */
const HEIGHTS_MM = [1.5, 3, 4.5, 6, 7.5, 9];
/** Radii of the annulus around the dens that must be soft tissue in some directions. */
const ANNULUS_MM = [8, 10];

export function detectDens(sample: GridSampler, body: DensFrame): boolean {
  const p = body.superior.point;
  const t = body.superior.normal;
  const a = body.anterior;
  const l = body.left;
  const at = (u: number, v: number, h: number): number =>
    sample(p[0]! + l[0]! * u + a[0]! * v + t[0]! * h, p[1]! + l[1]! * u + a[1]! * v + t[1]! * h, p[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
  let hits = 0;
  for (const h of HEIGHTS_MM) {
    const centre = at(0, 0, h);
    // Not air or fat at the centre (a disc or the dens' trabecular core are both ≥ ~50 HU).
    if (!(centre >= 50)) continue;
    let shell = 0;
    let soft = 0;
    for (let q = 0; q < 8; q++) {
      const c = Math.cos((2 * Math.PI * q) / 8);
      const sn = Math.sin((2 * Math.PI * q) / 8);
      let peak = -Infinity;
      for (let r = 2.5; r <= 7; r += 0.5) {
        const x = at(r * c, r * sn, h);
        if (x > peak) peak = x;
      }
      if (peak >= SHELL_HU) shell++;
      let isSoft = true;
      for (const r of ANNULUS_MM) {
        const x = at(r * c, r * sn, h);
        if (!(x < SOFT_HU)) isSoft = false;
      }
      if (isSoft) soft++;
    }
    if (shell >= 6 && soft >= 3) hits++;
  }
  return hits >= 4;
}
