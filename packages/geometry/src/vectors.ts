/**
 * Small 3-vector and 3×3 matrix helpers in the DICOM patient frame (LPS, millimetres).
 * Matrices are row-major `Mat3` tuples; `Vec3` values are plain tuples so they cross
 * worker and JSON boundaries unchanged.
 */
export type Vec3 = readonly [number, number, number];
/** Row-major 3×3 matrix: [m00, m01, m02, m10, m11, m12, m20, m21, m22]. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function subtract(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, factor: number): Vec3 {
  return [a[0] * factor, a[1] * factor, a[2] * factor];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function normalize(a: Vec3): Vec3 {
  const length = norm(a);
  if (length === 0) throw new RangeError('cannot normalize a zero-length vector');
  return scale(a, 1 / length);
}

/** Angle between two vectors in degrees, in [0, 180]. */
export function angleBetweenDeg(a: Vec3, b: Vec3): number {
  const cosine = dot(a, b) / (norm(a) * norm(b));
  return (Math.acos(Math.min(1, Math.max(-1, cosine))) * 180) / Math.PI;
}

export const identityMat3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Matrix whose columns are the three given vectors. */
export function mat3FromColumns(c0: Vec3, c1: Vec3, c2: Vec3): Mat3 {
  return [c0[0], c1[0], c2[0], c0[1], c1[1], c2[1], c0[2], c1[2], c2[2]];
}

export function mat3Column(m: Mat3, column: 0 | 1 | 2): Vec3 {
  if (column === 0) return [m[0], m[3], m[6]];
  if (column === 1) return [m[1], m[4], m[7]];
  return [m[2], m[5], m[8]];
}

export function mat3MultiplyVec3(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

export function mat3Transpose(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

export function mat3Determinant(m: Mat3): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

export function mat3Inverse(m: Mat3): Mat3 {
  const det = mat3Determinant(m);
  if (Math.abs(det) < 1e-12) throw new RangeError('matrix is singular');
  const inv = 1 / det;
  return [
    (m[4] * m[8] - m[5] * m[7]) * inv,
    (m[2] * m[7] - m[1] * m[8]) * inv,
    (m[1] * m[5] - m[2] * m[4]) * inv,
    (m[5] * m[6] - m[3] * m[8]) * inv,
    (m[0] * m[8] - m[2] * m[6]) * inv,
    (m[2] * m[3] - m[0] * m[5]) * inv,
    (m[3] * m[7] - m[4] * m[6]) * inv,
    (m[1] * m[6] - m[0] * m[7]) * inv,
    (m[0] * m[4] - m[1] * m[3]) * inv,
  ];
}
