/**
 * Spinal-canal candidates in one 2D cross-section (an axial slice of the LPS working grid, or an
 * oblique plane perpendicular to the canal resampled by trackCanalObliquely.ts). Image rows run
 * anterior → posterior (j grows posteriorly), columns right → left. At pedicle level the canal is
 * a soft-tissue hole enclosed by bone (vertebral foramen: posterior body wall, pedicles, laminae)
 * with the vertebral body directly anterior. A pixel is canal-like when it is soft tissue and bone
 * is met within a few centimetres anteriorly, posteriorly and to both sides (and along ≥ 3 of the
 * 4 diagonals): distances to bone along 8 directions come from one linear scan each (chamfer-like
 * directional distance transforms). Connected canal-like pixels form a candidate when a vertebral
 * body lies anterior to them. Sizes follow adult canal and body morphometry (canal AP 12–25 mm,
 * width 15–30 mm; body depth 15–45 mm; Panjabi MM et al., Spine 1991/1992).
 */

export interface PlaneHole {
  /** Centroid in pixel units (column i, row j). */
  readonly i: number;
  readonly j: number;
  readonly areaMm2: number;
  readonly meanHu: number;
}

/** Reusable scratch buffers for planes of up to `size` pixels. */
export interface HoleWorkspace {
  readonly size: number;
  readonly dist: readonly Uint8Array[];
  readonly cand: Int32Array;
  readonly stack: Int32Array;
}

export function createHoleWorkspace(size: number): HoleWorkspace {
  return {
    size,
    dist: DIRS.map(() => new Uint8Array(size)),
    cand: new Int32Array(size),
    stack: new Int32Array(size),
  };
}

const DIRS: readonly (readonly [number, number])[] = [
  [1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1],
];

/**
 * Canal-like holes of the plane `data` (nx × ny pixels of `spacingMm`, row-major, rows anterior
 * → posterior). NaN pixels (outside the volume) count as non-bone.
 */
export function findCanalHolesInPlane(
  data: ArrayLike<number>,
  nx: number,
  ny: number,
  spacingMm: number,
  boneHu: number,
  work: HoleWorkspace = createHoleWorkspace(nx * ny),
): PlaneHole[] {
  const s = spacingMm;
  const plane = nx * ny;
  const far = 255;
  const { dist, cand, stack } = work;
  const out: PlaneHole[] = [];
  const antMax = Math.round(16 / s);
  const postMax = Math.round(22 / s);
  const latMax = Math.round(20 / s);
  const diagMax = Math.round(22 / s / Math.SQRT2);
  for (let d = 0; d < DIRS.length; d++) {
    const [dx, dy] = DIRS[d]!;
    const map = dist[d]!;
    const jStart = dy > 0 ? ny - 1 : 0;
    const jEnd = dy > 0 ? -1 : ny;
    const jStep = dy > 0 ? -1 : 1;
    const iStart = dx > 0 ? nx - 1 : 0;
    const iEnd = dx > 0 ? -1 : nx;
    const iStep = dx > 0 ? -1 : 1;
    for (let j = jStart; j !== jEnd; j += jStep) {
      for (let i = iStart; i !== iEnd; i += iStep) {
        const p = j * nx + i;
        if (data[p]! >= boneHu) {
          map[p] = 0;
          continue;
        }
        const i2 = i + dx;
        const j2 = j + dy;
        if (i2 < 0 || i2 >= nx || j2 < 0 || j2 >= ny) {
          map[p] = far;
          continue;
        }
        const next = map[j2 * nx + i2]!;
        map[p] = next >= far ? far : next + 1;
      }
    }
  }
  const [dL, dR, dP, dA, d4, d5, d6, d7] = dist as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  for (let p = 0; p < plane; p++) {
    const v = data[p]!;
    let ok = v > -150 && v < 115;
    if (ok) ok = dA[p]! <= antMax && dP[p]! <= postMax && dL[p]! <= latMax && dR[p]! <= latMax;
    if (ok) {
      const ap = (dA[p]! + dP[p]!) * s;
      const lr = (dL[p]! + dR[p]!) * s;
      ok = ap >= 7 && ap <= 32 && lr >= 9 && lr <= 38;
    }
    if (ok) {
      let diag = 0;
      if (d4[p]! <= diagMax) diag++;
      if (d5[p]! <= diagMax) diag++;
      if (d6[p]! <= diagMax) diag++;
      if (d7[p]! <= diagMax) diag++;
      ok = diag >= 3;
    }
    cand[p] = ok ? 0 : -1;
  }
  let id = 0;
  for (let p0 = 0; p0 < plane; p0++) {
    if (cand[p0] !== 0) continue;
    id++;
    let count = 0;
    let sumI = 0;
    let sumJ = 0;
    let sumHu = 0;
    cand[p0] = id;
    stack[0] = p0;
    let top = 1;
    while (top > 0) {
      const p = stack[--top]!;
      const i = p % nx;
      const j = (p - i) / nx;
      count++;
      sumI += i;
      sumJ += j;
      sumHu += data[p]!;
      if (i > 0 && cand[p - 1] === 0) { cand[p - 1] = id; stack[top++] = p - 1; }
      if (i < nx - 1 && cand[p + 1] === 0) { cand[p + 1] = id; stack[top++] = p + 1; }
      if (p >= nx && cand[p - nx] === 0) { cand[p - nx] = id; stack[top++] = p - nx; }
      if (p < plane - nx && cand[p + nx] === 0) { cand[p + nx] = id; stack[top++] = p + nx; }
    }
    const areaMm2 = count * s * s;
    if (areaMm2 < 12) continue;
    const ci = Math.round(sumI / count);
    const cj = Math.round(sumJ / count);
    if (!hasBodyAnterior(data, nx, s, ci, cj, boneHu)) continue;
    out.push({ i: sumI / count, j: sumJ / count, areaMm2, meanHu: sumHu / count });
  }
  return out;
}

/** A vertebral body anterior to (i, j): bone within 16 mm, and bone again 12–50 mm further on (its front cortex), laterally enclosed. */
function hasBodyAnterior(data: ArrayLike<number>, nx: number, s: number, i: number, j0: number, boneHu: number): boolean {
  const bone = (ii: number, jj: number): boolean => jj >= 0 && ii >= 0 && ii < nx && data[jj * nx + ii]! >= boneHu;
  let j = j0;
  const jFirstLimit = j0 - Math.round(16 / s);
  while (j >= 0 && j >= jFirstLimit && !bone(i, j)) j--;
  if (j < 0 || j < jFirstLimit) return false;
  const jWall = j;
  // Farthest bone within 50 mm anterior of the posterior wall, with at least 12 mm of depth.
  let jFront = -1;
  for (let jj = jWall - 1; jj >= Math.max(0, jWall - Math.round(50 / s)); jj--) {
    if (bone(i, jj) || bone(i - 1, jj) || bone(i + 1, jj)) jFront = jj;
    else if (jFront >= 0 && (jFront - jj) * s > 38) break; // an osteoporotic interior can be ~35 mm of soft HU
  }
  if (jFront < 0 || (jWall - jFront) * s < 12) return false;
  // Lateral enclosure at mid-depth: bone on both sides within 35 mm.
  const jm = Math.round((jWall + jFront) / 2);
  let left = false;
  let right = false;
  for (let di = 0; di <= Math.round(35 / s); di++) {
    if (!left && bone(i + di, jm)) left = true;
    if (!right && bone(i - di, jm)) right = true;
  }
  return left && right;
}
