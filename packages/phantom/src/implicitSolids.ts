/**
 * Implicit solids (approximate signed distance in mm, negative inside) with a material and a
 * world-space bounding box. The CT renderer evaluates each solid only inside its bounding box
 * and converts the signed distance at a voxel centre into partial-volume coverage.
 * Ellipse/ellipsoid distances use Quilez's first-order approximation (exact sign, accurate near
 * the surface); capsule and rounded box distances are exact.
 */
import type { Vec3 } from '@vertebra/geometry';
import { toWorld, type Frame } from './rigidFrames.js';
import { bodySdf, ellipseSdf, type BodyShape } from './vertebralBodyShape.js';

export interface Material {
  /** Value within `shellMm` of the surface (cortex), HU. */
  readonly shellHu: number;
  /** Value deeper inside, HU. */
  readonly coreHu: number;
  readonly shellMm: number;
}

export const uniformMaterial = (hu: number): Material => ({ shellHu: hu, coreHu: hu, shellMm: 0 });

export abstract class Solid {
  boundsMin: Vec3 = [0, 0, 0];
  boundsMax: Vec3 = [0, 0, 0];
  constructor(
    readonly name: string,
    readonly label: number,
    readonly material: Material,
  ) {}
  abstract sdf(x: number, y: number, z: number): number;
  hu(d: number): number {
    return d > -this.material.shellMm ? this.material.shellHu : this.material.coreHu;
  }
}

const boundsPadMm = 3;

abstract class FramedSolid extends Solid {
  protected readonly ox: number;
  protected readonly oy: number;
  protected readonly oz: number;
  protected readonly m: Float64Array;
  constructor(name: string, label: number, material: Material, frame: Frame, localMin: Vec3, localMax: Vec3) {
    super(name, label, material);
    this.ox = frame.origin[0];
    this.oy = frame.origin[1];
    this.oz = frame.origin[2];
    this.m = Float64Array.from(frame.rotation);
    const min: [number, number, number] = [Infinity, Infinity, Infinity];
    const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
    for (let corner = 0; corner < 8; corner += 1) {
      const local: Vec3 = [corner & 1 ? localMax[0] : localMin[0], corner & 2 ? localMax[1] : localMin[1], corner & 4 ? localMax[2] : localMin[2]];
      const world = toWorld(frame, local);
      for (let axis = 0; axis < 3; axis += 1) {
        min[axis] = Math.min(min[axis]!, world[axis]! - boundsPadMm);
        max[axis] = Math.max(max[axis]!, world[axis]! + boundsPadMm);
      }
    }
    this.boundsMin = min;
    this.boundsMax = max;
  }
  sdf(x: number, y: number, z: number): number {
    const dx = x - this.ox;
    const dy = y - this.oy;
    const dz = z - this.oz;
    const m = this.m;
    return this.localSdf(m[0]! * dx + m[3]! * dy + m[6]! * dz, m[1]! * dx + m[4]! * dy + m[7]! * dz, m[2]! * dx + m[5]! * dy + m[8]! * dz);
  }
  protected abstract localSdf(x: number, y: number, z: number): number;
}

export class EllipsoidSolid extends FramedSolid {
  constructor(name: string, label: number, material: Material, frame: Frame, private readonly semi: Vec3) {
    super(name, label, material, frame, [-semi[0], -semi[1], -semi[2]], semi);
  }
  protected localSdf(x: number, y: number, z: number): number {
    const [a, b, c] = this.semi;
    const k0 = Math.hypot(x / a, y / b, z / c);
    const k1 = Math.hypot(x / (a * a), y / (b * b), z / (c * c));
    if (k1 === 0) return -Math.min(a, b, c);
    return (k0 * (k0 - 1)) / k1;
  }
}

/** An ellipsoidal shell of the given thickness centred on the ellipsoid surface. */
export class EllipsoidShellSolid extends EllipsoidSolid {
  constructor(name: string, label: number, material: Material, frame: Frame, semi: Vec3, private readonly thicknessMm: number) {
    super(name, label, material, frame, [semi[0] + thicknessMm / 2, semi[1] + thicknessMm / 2, semi[2] + thicknessMm / 2]);
    this.innerSemi = semi;
  }
  private readonly innerSemi: Vec3;
  protected override localSdf(x: number, y: number, z: number): number {
    const [a, b, c] = this.innerSemi;
    const k0 = Math.hypot(x / a, y / b, z / c);
    const k1 = Math.hypot(x / (a * a), y / (b * b), z / (c * c));
    const d = k1 === 0 ? -Math.min(a, b, c) : (k0 * (k0 - 1)) / k1;
    return Math.abs(d) - this.thicknessMm / 2;
  }
}

export class BodySolid extends FramedSolid {
  constructor(name: string, label: number, material: Material, frame: Frame, readonly shape: BodyShape) {
    super(
      name,
      label,
      material,
      frame,
      [-shape.widthMm / 2, -shape.depthMm / 2, -1],
      [shape.widthMm / 2, shape.depthMm / 2, Math.max(shape.anteriorHeightMm, shape.posteriorHeightMm) + 1],
    );
  }
  protected localSdf(x: number, y: number, z: number): number {
    return bodySdf(this.shape, x, y, z);
  }
}

/** Elliptic cylinder along local z, |z| ≤ halfLength. */
export class EllipticCylinderSolid extends FramedSolid {
  constructor(name: string, label: number, material: Material, frame: Frame, private readonly a: number, private readonly b: number, private readonly halfLength: number) {
    super(name, label, material, frame, [-a, -b, -halfLength], [a, b, halfLength]);
  }
  protected localSdf(x: number, y: number, z: number): number {
    const e = ellipseSdf(x, y, this.a, this.b);
    const zd = Math.abs(z) - this.halfLength;
    if (e < 0 && zd < 0) return Math.max(e, zd);
    return Math.hypot(Math.max(e, 0), Math.max(zd, 0));
  }
}

export class RoundedBoxSolid extends FramedSolid {
  constructor(name: string, label: number, material: Material, frame: Frame, private readonly half: Vec3, private readonly radius: number) {
    super(name, label, material, frame, [-half[0], -half[1], -half[2]], half);
  }
  protected localSdf(x: number, y: number, z: number): number {
    const r = this.radius;
    const qx = Math.abs(x) - this.half[0] + r;
    const qy = Math.abs(y) - this.half[1] + r;
    const qz = Math.abs(z) - this.half[2] + r;
    const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
    return outside + Math.min(Math.max(qx, qy, qz), 0) - r;
  }
}

/** Intervertebral disc: the body cross-section between two endplate planes (each extended by a margin). */
export class DiscSolid extends FramedSolid {
  constructor(
    name: string,
    label: number,
    material: Material,
    frame: Frame,
    private readonly shape: BodyShape,
    private readonly lowerPoint: Vec3,
    private readonly lowerNormal: Vec3,
    private readonly upperPoint: Vec3,
    private readonly upperNormal: Vec3,
    private readonly marginMm: number,
    halfHeightMm: number,
  ) {
    super(name, label, material, frame, [-shape.widthMm / 2, -shape.depthMm / 2, -halfHeightMm - marginMm - 3], [shape.widthMm / 2, shape.depthMm / 2, halfHeightMm + marginMm + 3]);
  }
  override sdf(x: number, y: number, z: number): number {
    const lower = -((x - this.lowerPoint[0]) * this.lowerNormal[0] + (y - this.lowerPoint[1]) * this.lowerNormal[1] + (z - this.lowerPoint[2]) * this.lowerNormal[2]) - this.marginMm;
    const upper = (x - this.upperPoint[0]) * this.upperNormal[0] + (y - this.upperPoint[1]) * this.upperNormal[1] + (z - this.upperPoint[2]) * this.upperNormal[2] - this.marginMm;
    return Math.max(super.sdf(x, y, z), lower, upper);
  }
  protected localSdf(x: number, y: number): number {
    const depth = this.shape.depthMm;
    const e = ellipseSdf(x, y - 0.15 * depth, this.shape.widthMm / 2, 0.65 * depth);
    return Math.max(e, y - depth / 2);
  }
}

export class CapsuleSolid extends Solid {
  private readonly ax: number;
  private readonly ay: number;
  private readonly az: number;
  private readonly bx: number;
  private readonly by: number;
  private readonly bz: number;
  private readonly lengthSquared: number;
  constructor(name: string, label: number, material: Material, a: Vec3, b: Vec3, private readonly radius: number) {
    super(name, label, material);
    [this.ax, this.ay, this.az] = a;
    this.bx = b[0] - a[0];
    this.by = b[1] - a[1];
    this.bz = b[2] - a[2];
    this.lengthSquared = this.bx * this.bx + this.by * this.by + this.bz * this.bz || 1e-12;
    const pad = radius + boundsPadMm;
    this.boundsMin = [Math.min(a[0], b[0]) - pad, Math.min(a[1], b[1]) - pad, Math.min(a[2], b[2]) - pad];
    this.boundsMax = [Math.max(a[0], b[0]) + pad, Math.max(a[1], b[1]) + pad, Math.max(a[2], b[2]) + pad];
  }
  sdf(x: number, y: number, z: number): number {
    const px = x - this.ax;
    const py = y - this.ay;
    const pz = z - this.az;
    const t = Math.min(1, Math.max(0, (px * this.bx + py * this.by + pz * this.bz) / this.lengthSquared));
    return Math.hypot(px - t * this.bx, py - t * this.by, pz - t * this.bz) - this.radius;
  }
}

/** A spherical cup (acetabulum): a spherical shell with the half facing `opening` removed. */
export class CupSolid extends Solid {
  constructor(name: string, label: number, material: Material, private readonly centre: Vec3, private readonly radius: number, private readonly thickness: number, private readonly opening: Vec3) {
    super(name, label, material);
    const pad = radius + thickness + boundsPadMm;
    this.boundsMin = [centre[0] - pad, centre[1] - pad, centre[2] - pad];
    this.boundsMax = [centre[0] + pad, centre[1] + pad, centre[2] + pad];
  }
  sdf(x: number, y: number, z: number): number {
    const px = x - this.centre[0];
    const py = y - this.centre[1];
    const pz = z - this.centre[2];
    const shell = Math.abs(Math.hypot(px, py, pz) - this.radius - this.thickness / 2) - this.thickness / 2;
    return Math.max(shell, px * this.opening[0] + py * this.opening[1] + pz * this.opening[2]);
  }
}
