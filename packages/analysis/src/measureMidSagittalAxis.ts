/**
 * The vertebra's own posterior (AP) axis from the mirror symmetry of its cross-section: the
 * vertebra (body, pedicles, canal, laminae, rib heads) is bilaterally symmetric about its
 * mid-sagittal plane, so that plane is found as the line in sections perpendicular to the body
 * axis about which the bone mirrors best (symmetry-based axial vertebral rotation: Vrtovec T,
 * Pernuš F, Likar B, "A review of methods for quantitative evaluation of axial vertebral
 * rotation", Eur Spine J 2009;18:1079-90). Unlike the centroid → canal direction it does not move
 * when bone outside the body (a rib head on one side of a tilted vertebra) is taken into the
 * body's outline. The anterior and posterior corners the sagittal angles are drawn through lie on
 * this plane; on a coronally tilted endplate its direction sets the AP line's slope.
 */

export interface BodyForMidSagittalAxis {
  readonly centroidLps: readonly number[];
  /** Unit cranial axis of the body. */
  readonly axisLps: readonly number[];
  /** Initial posterior direction (the centroid → canal axis), else the patient's +y is used. */
  readonly posteriorAxisLps?: readonly number[];
  readonly superiorEndplate: { readonly pointLps: readonly number[] };
  readonly inferiorEndplate: { readonly pointLps: readonly number[] };
  readonly apDepthMm: number;
}

export interface MidSagittalAxis {
  /** Unit posterior direction on the mid-sagittal plane, perpendicular to the body axis. */
  readonly posteriorAxisLps: [number, number, number];
  /** Mismatch of the section with its mirror image, 0 (perfect symmetry) … 1. */
  readonly asymmetry: number;
}

const STEP_MM = 1;
/** Bone indicator: 0 at or below LOW_HU, 1 at or above HIGH_HU. */
const LOW_HU = 150;
const HIGH_HU = 450;
/** Searched: axis turned up to ±MAX_TURN_DEG from the initial one, centre moved ±MAX_SHIFT_MM sideways. */
const MAX_TURN_DEG = 30;
const MAX_SHIFT_MM = 8;
/** Above this mismatch the section is not a symmetric vertebra (cut by the view, fused, fractured apart). */
const MAX_ASYMMETRY = 0.5;

export function measureMidSagittalAxis(sample: (x: number, y: number, z: number) => number, body: BodyForMidSagittalAxis): MidSagittalAxis | null {
  const t = unit(body.axisLps);
  if (!t || !(body.apDepthMm > 5)) return null;
  const p0 = perpendicular(body.posteriorAxisLps ?? [0, 1, 0], t) ?? perpendicular([0, 1, 0], t);
  if (!p0) return null;
  const l = cross(t, p0);
  const c = body.centroidLps;
  const sup = body.superiorEndplate.pointLps;
  const inf = body.inferiorEndplate.pointLps;
  const height = Math.abs((sup[0]! - inf[0]!) * t[0] + (sup[1]! - inf[1]!) * t[1] + (sup[2]! - inf[2]!) * t[2]);
  // Sections at the body's mid-height and ±30 % of its height (the pedicles, the rib heads at the
  // costal facets). The mirror is compared within a disc centred on the candidate line (a
  // reflection maps it onto itself, so no candidate can drop bone from the comparison by
  // mirroring it out of view), 1.9 AP depths across: from the body's front to the laminae.
  const vMid = 0.4 * body.apDepthMm;
  const radius = 0.95 * body.apDepthMm;
  const maxTurn = (MAX_TURN_DEG * Math.PI) / 180;
  const halfU = Math.ceil(radius + MAX_SHIFT_MM + Math.abs(vMid) * Math.tan(maxTurn) + 2);
  const vFrom = Math.floor(vMid - radius - 2);
  const vTo = Math.ceil(vMid + radius + 2);
  const nu = 2 * halfU + 1;
  const nv = vTo - vFrom + 1;
  const hs = [-0.3 * height, 0, 0.3 * height];
  const images = hs.map((h) => {
    const img = new Float32Array(nu * nv);
    for (let j = 0; j < nv; j++) {
      const v = (vFrom + j) * STEP_MM;
      for (let i = 0; i < nu; i++) {
        const u = (i - halfU) * STEP_MM;
        const x = sample(c[0]! + u * l[0] + v * p0[0] + h * t[0], c[1]! + u * l[1] + v * p0[1] + h * t[1], c[2]! + u * l[2] + v * p0[2] + h * t[2]);
        // Outside the volume: no bone.
        img[j * nu + i] = x === x ? Math.min(1, Math.max(0, (x - LOW_HU) / (HIGH_HU - LOW_HU))) : 0;
      }
    }
    return img;
  });
  const lookup = (img: Float32Array, u: number, v: number): number => {
    const fi = u / STEP_MM + halfU;
    const fj = v / STEP_MM - vFrom;
    const i = Math.min(nu - 2, Math.max(0, Math.floor(fi)));
    const j = Math.min(nv - 2, Math.max(0, Math.floor(fj)));
    const a = fi - i;
    const b = fj - j;
    const k = j * nu + i;
    return (1 - b) * ((1 - a) * img[k]! + a * img[k + 1]!) + b * ((1 - a) * img[k + nu]! + a * img[k + nu + 1]!);
  };
  // Mismatch of the sections with their mirror image about the line through (shift, 0) at angle
  // `turnRad` from the initial posterior direction, within the disc: Σ(b − b')² / Σ(b² + b'²),
  // over points every `stride` mm.
  const mismatch = (turnRad: number, shift: number, stride: number): number => {
    const eu = Math.sin(turnRad);
    const ev = Math.cos(turnRad);
    const pu = shift + (vMid * eu) / ev;
    let num = 0;
    let den = 0;
    const r2 = radius * radius;
    for (const img of images) {
      for (let y = -radius; y <= radius; y += stride) {
        for (let x = -radius; x <= radius; x += stride) {
          if (x * x + y * y > r2) continue;
          const u = pu + x;
          const v = vMid + y;
          const b = lookup(img, u, v);
          const along = x * eu + y * ev;
          const m = lookup(img, pu + 2 * along * eu - x, vMid + 2 * along * ev - y);
          num += (b - m) * (b - m);
          den += b * b + m * m;
        }
      }
    }
    return den > 0 ? num / den : 1;
  };
  // A coarse grid on every other point, then two finer grids around the best on every point.
  let best = { turn: 0, shift: 0, score: Infinity };
  const search = (turnStepDeg: number, turnSpanDeg: number, shiftStep: number, shiftSpan: number, stride: number): void => {
    const centre = { ...best };
    best = { ...best, score: Infinity };
    for (let dt = -turnSpanDeg; dt <= turnSpanDeg + 1e-9; dt += turnStepDeg) {
      const turn = centre.turn + (dt * Math.PI) / 180;
      if (Math.abs(turn) > maxTurn + 1e-9) continue;
      for (let ds = -shiftSpan; ds <= shiftSpan + 1e-9; ds += shiftStep) {
        const shift = centre.shift + ds;
        if (Math.abs(shift) > MAX_SHIFT_MM + 1e-9) continue;
        const score = mismatch(turn, shift, stride);
        if (score < best.score) best = { turn, shift, score };
      }
    }
  };
  search(3, MAX_TURN_DEG, 2, MAX_SHIFT_MM, 2 * STEP_MM);
  search(1, 3, 0.5, 2, STEP_MM);
  search(0.25, 1, 0.25, 0.5, STEP_MM);
  // An optimum at the edge of the search is no mirror plane found (the best match lies beyond it).
  if (best.score > MAX_ASYMMETRY || Math.abs(best.turn) > maxTurn - (0.5 * Math.PI) / 180 || Math.abs(best.shift) > MAX_SHIFT_MM - 0.5) return null;
  const eu = Math.sin(best.turn);
  const ev = Math.cos(best.turn);
  const p: [number, number, number] = [eu * l[0] + ev * p0[0], eu * l[1] + ev * p0[1], eu * l[2] + ev * p0[2]];
  return { posteriorAxisLps: p, asymmetry: best.score };
}

function unit(p: readonly number[]): [number, number, number] | null {
  const m = Math.hypot(p[0]!, p[1]!, p[2]!);
  return m > 1e-12 ? [p[0]! / m, p[1]! / m, p[2]! / m] : null;
}

/** p made perpendicular to the unit vector t, normalised (null when parallel). */
function perpendicular(p: readonly number[], t: readonly number[]): [number, number, number] | null {
  const d = p[0]! * t[0]! + p[1]! * t[1]! + p[2]! * t[2]!;
  return unit([p[0]! - d * t[0]!, p[1]! - d * t[1]!, p[2]! - d * t[2]!]);
}

function cross(p: readonly number[], q: readonly number[]): [number, number, number] {
  return [p[1]! * q[2]! - p[2]! * q[1]!, p[2]! * q[0]! - p[0]! * q[2]!, p[0]! * q[1]! - p[1]! * q[0]!];
}
