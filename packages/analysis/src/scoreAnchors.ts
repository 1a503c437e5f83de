/**
 * Anatomical anchor evidence per vertebra, in planes perpendicular to the vertebra's own axis
 * (so a kyphotic or lordotic tilt does not slide a neighbour's rib into the slab), relative to the
 * canal centre (u: left, v: anterior):
 * - ribs, in the upper half of the body (rib heads and necks articulate there; the shafts of
 *   ribs 11–12 descend beside L1–L2 further out): bone 50–90 mm lateral on both sides, within
 *   30 mm anterior / 45 mm posterior of the canal, that is either connected in the plane to bone
 *   within 35 mm of the canal (the rib articulates with the vertebra) or a compact cross-section
 *   (≤ 40 mm, ≤ 400 mm²); a long plate such as an iliac wing beside L5 is neither. Lumbar
 *   transverse processes end medial to the window.
 * - sacrum: over the whole body height, a large bone mass 35–70 mm lateral on both sides
 *   (sacral alae with the adjoining ilium at the sacroiliac joints), far larger than a transverse
 *   process.
 */
import type { GridSampler } from './createGridSampler.js';

export interface AnchorScores {
  /** Fraction of upper-half planes with rib-like bone on both sides, 0…1. */
  readonly ribScore: number;
  /** Fraction of planes with an ala/ilium-like mass on both sides, 0…1. */
  readonly sacralScore: number;
}

export interface AnchorFrame {
  readonly canalCentre: readonly number[];
  readonly axis: readonly number[];
  readonly anterior: readonly number[];
  readonly left: readonly number[];
  readonly superior: { readonly point: readonly number[] };
  readonly inferior: { readonly point: readonly number[] };
}

const STEP = 1.5;
const U_MAX = 90;
const V_MIN = -45; // posterior
const V_MAX = 30; // anterior
const RIB_HU = 200;
const SACRAL_HU = 180;
/** Per side: alae with the ilium cover well over 1000 mm²; a rib running in-plane or a transverse process stays under ~400 mm². */
const SACRAL_AREA_MM2 = 600;

export function scoreAnchors(sample: GridSampler, body: AnchorFrame): AnchorScores {
  const c = body.canalCentre;
  const t = body.axis;
  const a = body.anterior;
  const l = body.left;
  const rel = (p: readonly number[]): number => (p[0]! - c[0]!) * t[0]! + (p[1]! - c[1]!) * t[1]! + (p[2]! - c[2]!) * t[2]!;
  const hSup = rel(body.superior.point);
  const hInf = rel(body.inferior.point);
  if (!(hSup > hInf)) return { ribScore: 0, sacralScore: 0 };
  const hMid = (hSup + hInf) / 2;
  const nu = Math.round((2 * U_MAX) / STEP) + 1;
  const nv = Math.round((V_MAX - V_MIN) / STEP) + 1;
  const img = new Float32Array(nu * nv);
  const seen = new Uint8Array(nu * nv);
  const queue = new Int32Array(nu * nv);
  const area = STEP * STEP;
  const uOf = (i: number): number => -U_MAX + i * STEP;
  const vOf = (j: number): number => V_MIN + j * STEP;

  const fillPlane = (h: number): void => {
    for (let j = 0; j < nv; j++) {
      const v = vOf(j);
      for (let i = 0; i < nu; i++) {
        const u = uOf(i);
        const x = c[0]! + l[0]! * u + a[0]! * v + t[0]! * h;
        const y = c[1]! + l[1]! * u + a[1]! * v + t[1]! * h;
        const z = c[2]! + l[2]! * u + a[2]! * v + t[2]! * h;
        const hu = sample(x, y, z);
        img[j * nu + i] = hu === hu ? hu : -1024;
      }
    }
  };

  const ribSide = (side: 1 | -1): boolean => {
    seen.fill(0);
    let head = 0;
    let tail = 0;
    let seedArea = 0;
    let iMin = Infinity;
    let iMax = -Infinity;
    let jMin = Infinity;
    let jMax = -Infinity;
    for (let j = 0; j < nv; j++) {
      for (let i = 0; i < nu; i++) {
        const du = side * uOf(i);
        if (du < 50 || du > U_MAX) continue;
        const q = j * nu + i;
        if (img[q]! < RIB_HU) continue;
        seen[q] = 1;
        queue[tail++] = q;
        seedArea += area;
        if (i < iMin) iMin = i;
        if (i > iMax) iMax = i;
        if (j < jMin) jMin = j;
        if (j > jMax) jMax = j;
      }
    }
    if (seedArea < 10) return false;
    if (Math.max(iMax - iMin + 1, jMax - jMin + 1) * STEP <= 40 && seedArea <= 400) return true;
    while (head < tail) {
      const q = queue[head++]!;
      const i = q % nu;
      const j = (q - i) / nu;
      const du = side * uOf(i);
      if (du <= 35 && du >= 18) return true;
      const nb0 = i > 0 ? q - 1 : -1;
      const nb1 = i < nu - 1 ? q + 1 : -1;
      const nb2 = j > 0 ? q - nu : -1;
      const nb3 = j < nv - 1 ? q + nu : -1;
      for (const r of [nb0, nb1, nb2, nb3]) {
        if (r < 0 || seen[r]) continue;
        const ru = side * uOf(r % nu);
        if (ru < 18 || img[r]! < RIB_HU) continue;
        seen[r] = 1;
        queue[tail++] = r;
      }
    }
    return false;
  };

  const sacralSide = (side: 1 | -1): boolean => {
    let count = 0;
    for (let j = 0; j < nv; j++) {
      const v = vOf(j);
      if (v < -30 || v > 35) continue;
      for (let i = 0; i < nu; i++) {
        const du = side * uOf(i);
        if (du < 35 || du > 70) continue;
        if (img[j * nu + i]! >= SACRAL_HU) count++;
      }
    }
    return count * area >= SACRAL_AREA_MM2;
  };

  let ribPlanes = 0;
  let ribHits = 0;
  let planes = 0;
  let sacralHits = 0;
  for (let h = hInf; h <= hSup + 1e-6; h += STEP) {
    fillPlane(h);
    planes++;
    if (sacralSide(1) && sacralSide(-1)) sacralHits++;
    if (h >= hMid - 1e-6) {
      ribPlanes++;
      if (ribSide(1) && ribSide(-1)) ribHits++;
    }
  }
  return { ribScore: ribPlanes ? ribHits / ribPlanes : 0, sacralScore: planes ? sacralHits / planes : 0 };
}
