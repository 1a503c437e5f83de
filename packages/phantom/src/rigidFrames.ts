/**
 * Rigid frames in the DICOM patient frame (LPS, mm). A frame's rotation is a row-major
 * `Mat3` whose columns are its local x (patient left), y (posterior) and z (superior) axes:
 *   world = origin + rotation · local.
 */
import type { Mat3, Vec3 } from '@vertebra/geometry';

export interface Frame {
  readonly origin: Vec3;
  readonly rotation: Mat3;
}

export function mat3Multiply(a: Mat3, b: Mat3): Mat3 {
  const out: number[] = [];
  for (let row = 0; row < 3; row += 1) {
    for (let column = 0; column < 3; column += 1) {
      out.push(a[row * 3]! * b[column]! + a[row * 3 + 1]! * b[3 + column]! + a[row * 3 + 2]! * b[6 + column]!);
    }
  }
  return out as unknown as Mat3;
}

/** Rotation about local x by `angleRad`, turning +z towards +y (posterior): extension is positive. */
export function rotationX(angleRad: number): Mat3 {
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  return [1, 0, 0, 0, c, s, 0, -s, c];
}

/** Rotation about local y by `angleRad`, turning +z towards +x (patient left). */
export function rotationY(angleRad: number): Mat3 {
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}

/** Rotation about local z by `angleRad`, turning +x towards +y. */
export function rotationZ(angleRad: number): Mat3 {
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

export function toWorld(frame: Frame, local: Vec3): Vec3 {
  const m = frame.rotation;
  return [
    frame.origin[0] + m[0] * local[0] + m[1] * local[1] + m[2] * local[2],
    frame.origin[1] + m[3] * local[0] + m[4] * local[1] + m[5] * local[2],
    frame.origin[2] + m[6] * local[0] + m[7] * local[1] + m[8] * local[2],
  ];
}

export function directionToWorld(frame: Frame, local: Vec3): Vec3 {
  const m = frame.rotation;
  return [
    m[0] * local[0] + m[1] * local[1] + m[2] * local[2],
    m[3] * local[0] + m[4] * local[1] + m[5] * local[2],
    m[6] * local[0] + m[7] * local[1] + m[8] * local[2],
  ];
}

export function toLocal(frame: Frame, world: Vec3): Vec3 {
  const m = frame.rotation;
  const dx = world[0] - frame.origin[0];
  const dy = world[1] - frame.origin[1];
  const dz = world[2] - frame.origin[2];
  return [m[0] * dx + m[3] * dy + m[6] * dz, m[1] * dx + m[4] * dy + m[7] * dz, m[2] * dx + m[5] * dy + m[8] * dz];
}

export const degToRad = (deg: number): number => (deg * Math.PI) / 180;
export const radToDeg = (rad: number): number => (rad * 180) / Math.PI;
