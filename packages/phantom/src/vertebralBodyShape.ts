/**
 * The vertebral body as an implicit solid in its own frame (origin: centre of the inferior
 * endplate rim plane; x left, y posterior, z superior). The cross-section is an ellipse flattened
 * by a straight posterior wall; the rim height varies linearly from the anterior to the posterior
 * wall (wedging), and both endplates are concave (paraboloid dip of `concavityMm` at the centre).
 * Endplate concavity and proportions after Panjabi 1991/1992 (see vertebraMorphometry.ts).
 */
import type { Vec3 } from '@vertebra/geometry';

export interface BodyShape {
  readonly widthMm: number;
  readonly depthMm: number;
  readonly anteriorHeightMm: number;
  readonly posteriorHeightMm: number;
  readonly concavityMm: number;
  /** A hole through the body (the atlas ring around the dens and canal), body-frame ellipse. */
  readonly hole?: { readonly centreYMm: number; readonly semiXMm: number; readonly semiYMm: number };
}

const ellipseCentreFactor = 0.15;
const ellipseSemiDepthFactor = 0.65;

/** Approximate signed distance to an axis-aligned ellipse (Quilez), exact sign. */
export function ellipseSdf(x: number, y: number, a: number, b: number): number {
  const k0 = Math.hypot(x / a, y / b);
  const k1 = Math.hypot(x / (a * a), y / (b * b));
  if (k1 === 0) return -Math.min(a, b);
  return (k0 * (k0 - 1)) / k1;
}

export function bodyCrossSectionSdf(shape: BodyShape, x: number, y: number): number {
  const depth = shape.depthMm;
  const e = ellipseSdf(x, y - ellipseCentreFactor * depth, shape.widthMm / 2, ellipseSemiDepthFactor * depth);
  const outer = Math.max(e, y - depth / 2);
  if (shape.hole === undefined) return outer;
  return Math.max(outer, -ellipseSdf(x, y - shape.hole.centreYMm, shape.hole.semiXMm, shape.hole.semiYMm));
}

/** Height of the rim (without concavity) at AP position y. */
export function bodyRimHeight(shape: BodyShape, y: number): number {
  return (shape.anteriorHeightMm + shape.posteriorHeightMm) / 2 + ((shape.posteriorHeightMm - shape.anteriorHeightMm) * y) / shape.depthMm;
}

function concavityAt(shape: BodyShape, x: number, y: number): number {
  const rho2 = Math.min(1, (x / (shape.widthMm / 2)) ** 2 + (y / (shape.depthMm / 2)) ** 2);
  return shape.concavityMm * (1 - rho2);
}

export function bodyBottom(shape: BodyShape, x: number, y: number): number {
  return concavityAt(shape, x, y);
}

export function bodyTop(shape: BodyShape, x: number, y: number): number {
  return bodyRimHeight(shape, y) - concavityAt(shape, x, y);
}

export function bodySdf(shape: BodyShape, x: number, y: number, z: number): number {
  const cross = bodyCrossSectionSdf(shape, x, y);
  const zd = Math.max(bodyBottom(shape, x, y) - z, z - bodyTop(shape, x, y));
  if (cross < 0 && zd < 0) return Math.max(cross, zd);
  return Math.hypot(Math.max(cross, 0), Math.max(zd, 0));
}

/** Half-width of the cross-section at y = 0 (the lateral endplate corners). */
export function bodyHalfWidthAtCentre(shape: BodyShape): number {
  const rel = ellipseCentreFactor / ellipseSemiDepthFactor;
  return (shape.widthMm / 2) * Math.sqrt(1 - rel * rel);
}

export interface LocalEndplate {
  readonly centre: Vec3;
  readonly anterior: Vec3;
  readonly posterior: Vec3;
  readonly left: Vec3;
  readonly right: Vec3;
}

/** Rim corner points of both endplates in the body frame. */
export function bodyEndplatesLocal(shape: BodyShape): { superior: LocalEndplate; inferior: LocalEndplate } {
  const d = shape.depthMm / 2;
  const half = bodyHalfWidthAtCentre(shape);
  const mid = bodyRimHeight(shape, 0);
  return {
    inferior: { centre: [0, 0, 0], anterior: [0, -d, 0], posterior: [0, d, 0], left: [half, 0, 0], right: [-half, 0, 0] },
    superior: {
      centre: [0, 0, mid],
      anterior: [0, -d, shape.anteriorHeightMm],
      posterior: [0, d, shape.posteriorHeightMm],
      left: [half, 0, mid],
      right: [-half, 0, mid],
    },
  };
}

/**
 * Exact volume and centroid (body frame) by integrating the column height over the
 * cross-section on a fine grid (midpoint rule; the z extent is analytic).
 */
export function bodyVolumeAndCentroid(shape: BodyShape, stepMm = 0.1): { volumeMm3: number; centroid: Vec3 } {
  const half = shape.widthMm / 2;
  const d = shape.depthMm / 2;
  let volume = 0;
  let mx = 0;
  let my = 0;
  let mz = 0;
  for (let y = -d + stepMm / 2; y < d; y += stepMm) {
    for (let x = -half + stepMm / 2; x < half; x += stepMm) {
      if (bodyCrossSectionSdf(shape, x, y) >= 0) continue;
      const bottom = bodyBottom(shape, x, y);
      const top = bodyTop(shape, x, y);
      const length = top - bottom;
      if (length <= 0) continue;
      volume += length;
      mx += x * length;
      my += y * length;
      mz += ((top + bottom) / 2) * length;
    }
  }
  const area = stepMm * stepMm;
  return { volumeMm3: volume * area, centroid: [mx / volume, my / volume, mz / volume] };
}
