/**
 * Cone-beam projection radiographs from an HU volume (point source, flat detector):
 * a voxel at p projects to detector offset t·((p − s)·e) with magnification
 * t = SID / ((p − s)·b), b the beam direction and s the source (PS3.3 C.8.11.7 geometry:
 * DistanceSourceToDetector, DistanceSourceToPatient, EstimatedRadiographicMagnificationFactor).
 * Line integrals of linear attenuation (μ = μwater·(1 + HU/1000), μwater = 0.02 /mm at ~70 keV)
 * are accumulated by splatting each voxel bilinearly onto a detector grid about one voxel
 * footprint wide, then resampled bilinearly to the full detector. Views: lateral (beam from the
 * patient's right to left, columns towards posterior) and AP (beam from anterior to posterior,
 * columns towards the patient's left); rows run towards the feet.
 */
import type { Vec3, Volume } from '@vertebra/geometry';

export interface ProjectionGeometry {
  /** 'c-arm': beam direction from the positioner angles (XA, PS3.3 C.8.7.5). */
  readonly view: 'lateral' | 'ap' | 'c-arm';
  /** C-arm primary angle (LAO +, RAO −) and secondary angle (CRA +, CAU −), degrees; 'c-arm' view only. */
  readonly primaryAngleDeg?: number;
  readonly secondaryAngleDeg?: number;
  readonly sourceToDetectorMm: number;
  readonly sourceToPatientMm: number;
  /** Point of the central ray at the source-to-patient distance, LPS. */
  readonly isocentreLps: Vec3;
  readonly columns: number;
  readonly rows: number;
  readonly imagerPixelSpacingMm: number;
}

interface Axes {
  readonly beam: Vec3;
  readonly u: Vec3;
  readonly v: Vec3;
}

/**
 * Beam and detector axes. C-arm at 0°/0°: source posterior, detector anterior (beam P→A),
 * columns towards the patient's left, rows towards the feet; the primary angle turns the
 * detector towards the patient's left (LAO), the secondary angle towards the head (CRA).
 */
export function projectionAxes(geometry: Pick<ProjectionGeometry, 'view' | 'primaryAngleDeg' | 'secondaryAngleDeg'>): Axes {
  if (geometry.view === 'lateral') return { beam: [1, 0, 0], u: [0, 1, 0], v: [0, 0, -1] };
  if (geometry.view === 'ap') return { beam: [0, 1, 0], u: [1, 0, 0], v: [0, 0, -1] };
  const a = ((geometry.primaryAngleDeg ?? 0) * Math.PI) / 180;
  const b = ((geometry.secondaryAngleDeg ?? 0) * Math.PI) / 180;
  const beam: Vec3 = [Math.sin(a) * Math.cos(b), -Math.cos(a) * Math.cos(b), Math.sin(b)];
  const u: Vec3 = [Math.cos(a), Math.sin(a), 0];
  const v: Vec3 = [u[1] * beam[2] - u[2] * beam[1], u[2] * beam[0] - u[0] * beam[2], u[0] * beam[1] - u[1] * beam[0]];
  return { beam, u, v };
}

const axesFor = (geometry: ProjectionGeometry): Axes => projectionAxes(geometry);

/** A radio-opaque rod (instrument) added analytically to the projection. */
export interface ProjectedRod {
  readonly from: Vec3;
  readonly to: Vec3;
  readonly radiusMm: number;
  /** CT number of its material (metal ≈ 3000 HU). */
  readonly hu: number;
}

/** Detector pixel coordinates (column, row; pixel centres at integers) of an LPS point. */
export function projectPointToDetector(geometry: ProjectionGeometry, point: Vec3): [number, number] {
  const { beam, u, v } = axesFor(geometry);
  const iso = geometry.isocentreLps;
  const source: Vec3 = [iso[0] - geometry.sourceToPatientMm * beam[0], iso[1] - geometry.sourceToPatientMm * beam[1], iso[2] - geometry.sourceToPatientMm * beam[2]];
  const d: Vec3 = [point[0] - source[0], point[1] - source[1], point[2] - source[2]];
  const depth = d[0] * beam[0] + d[1] * beam[1] + d[2] * beam[2];
  const t = geometry.sourceToDetectorMm / depth;
  const du = (d[0] * u[0] + d[1] * u[1] + d[2] * u[2]) * t;
  const dv = (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) * t;
  return [du / geometry.imagerPixelSpacingMm + (geometry.columns - 1) / 2, dv / geometry.imagerPixelSpacingMm + (geometry.rows - 1) / 2];
}

export interface ProjectedRadiograph {
  /** Line integrals of attenuation per detector pixel, row-major. */
  readonly lineIntegrals: Float32Array;
  /** 12-bit display values after presentation processing (unsharp mask, window), bone bright. */
  readonly pixels: Uint16Array;
}

const muWaterPerMm = 0.02;

function addRow(grid: Float64Array, index: number, weight: number, a0: number, a1: number, a2: number, a3: number): void {
  if (weight === 0) return;
  grid[index] = grid[index]! + weight * a0;
  grid[index + 1] = grid[index + 1]! + weight * a1;
  grid[index + 2] = grid[index + 2]! + weight * a2;
  grid[index + 3] = grid[index + 3]! + weight * a3;
}

/** Projects a world-aligned (direction identity) HU volume onto the detector. */
export function projectRadiograph(volume: Volume<Int16Array>, geometry: ProjectionGeometry, rods: readonly ProjectedRod[] = []): ProjectedRadiograph {
  const { beam, u, v } = axesFor(geometry);
  const [nx, ny, nz] = volume.dimensions;
  const [sx, sy, sz] = volume.spacingMm;
  const [x0, y0, z0] = volume.originLps;
  const ps = geometry.imagerPixelSpacingMm;
  const iso = geometry.isocentreLps;
  const sourceX = iso[0] - geometry.sourceToPatientMm * beam[0];
  const sourceY = iso[1] - geometry.sourceToPatientMm * beam[1];
  const sourceZ = iso[2] - geometry.sourceToPatientMm * beam[2];
  const sid = geometry.sourceToDetectorMm;
  // Splatting grid: one grid pixel at least as large as a voxel projected at the isocentre.
  const voxelSize = Math.max(sx, sy, sz);
  const factor = Math.max(1, Math.ceil((voxelSize * sid) / geometry.sourceToPatientMm / ps - 1e-9));
  const coarseSize = ps * factor;
  const coarseColumns = Math.ceil(geometry.columns / factor) + 5;
  const coarseRows = Math.ceil(geometry.rows / factor) + 5;
  const coarse = new Float64Array(coarseColumns * coarseRows);
  const voxelVolume = sx * sy * sz;
  const coarseCentreColumn = (coarseColumns - 1) / 2;
  const coarseCentreRow = (coarseRows - 1) / 2;
  const data = volume.data;
  // Footprint splat: each voxel covers a box of its projected size (≈ voxel·t) on the grid;
  // weights are the box's overlap with each grid pixel (no aliasing between voxel planes).
  // Boxes are at most 3 grid pixels wide (the grid is about one projected voxel).
  for (let k = 0; k < nz; k += 1) {
    const dz = z0 + k * sz - sourceZ;
    for (let j = 0; j < ny; j += 1) {
      const dy = y0 + j * sy - sourceY;
      const rowBase = (k * ny + j) * nx;
      for (let i = 0; i < nx; i += 1) {
        const hu = data[rowBase + i]!;
        if (hu <= -990) continue;
        const dx = x0 + i * sx - sourceX;
        const t = sid / (dx * beam[0] + dy * beam[1] + dz * beam[2]);
        const width = Math.min(2.999, (voxelSize * t) / coarseSize);
        const half = width / 2;
        const cu = ((dx * u[0] + dy * u[1] + dz * u[2]) * t) / coarseSize + coarseCentreColumn;
        const cv = ((dx * v[0] + dy * v[1] + dz * v[2]) * t) / coarseSize + coarseCentreRow;
        const weight = (muWaterPerMm * (1 + hu / 1000) * voxelVolume * t * t) / (coarseSize * coarseSize * width * width);
        const u0 = Math.floor(cu - half + 0.5);
        const v0 = Math.floor(cv - half + 0.5);
        if (u0 < 0 || v0 < 0 || u0 + 3 >= coarseColumns || v0 + 3 >= coarseRows) continue;
        const index = v0 * coarseColumns + u0;
        if (width <= 1) {
          // The box spans at most two cells per axis: split at the cell border u0 + ½.
          const a0 = Math.min(width, u0 + 0.5 - (cu - half));
          const a1 = width - a0;
          const b0 = Math.min(width, v0 + 0.5 - (cv - half));
          const b1 = width - b0;
          const w0 = weight * b0;
          coarse[index] = coarse[index]! + w0 * a0;
          coarse[index + 1] = coarse[index + 1]! + w0 * a1;
          const w1 = weight * b1;
          const next = index + coarseColumns;
          coarse[next] = coarse[next]! + w1 * a0;
          coarse[next + 1] = coarse[next + 1]! + w1 * a1;
          continue;
        }
        // Overlap of [c − half, c + half] with cells u0 … u0 + 3 (cell n spans [n − ½, n + ½]).
        const uLow = cu - half;
        const uHigh = cu + half;
        const a0 = Math.max(0, Math.min(uHigh, u0 + 0.5) - uLow);
        const a1 = Math.max(0, Math.min(uHigh, u0 + 1.5) - Math.max(uLow, u0 + 0.5));
        const a2 = Math.max(0, Math.min(uHigh, u0 + 2.5) - Math.max(uLow, u0 + 1.5));
        const a3 = Math.max(0, uHigh - Math.max(uLow, u0 + 2.5));
        const vLow = cv - half;
        const vHigh = cv + half;
        const b0 = Math.max(0, Math.min(vHigh, v0 + 0.5) - vLow);
        const b1 = Math.max(0, Math.min(vHigh, v0 + 1.5) - Math.max(vLow, v0 + 0.5));
        const b2 = Math.max(0, Math.min(vHigh, v0 + 2.5) - Math.max(vLow, v0 + 1.5));
        const b3 = Math.max(0, vHigh - Math.max(vLow, v0 + 2.5));
        addRow(coarse, index, weight * b0, a0, a1, a2, a3);
        if (b1 > 0) addRow(coarse, index + coarseColumns, weight * b1, a0, a1, a2, a3);
        if (b2 > 0) addRow(coarse, index + 2 * coarseColumns, weight * b2, a0, a1, a2, a3);
        if (b3 > 0) addRow(coarse, index + 3 * coarseColumns, weight * b3, a0, a1, a2, a3);
      }
    }
  }
  // Instruments: sample points along the axis, each carrying μ·πr²·step.
  for (const rod of rods) {
    const length = Math.hypot(rod.to[0] - rod.from[0], rod.to[1] - rod.from[1], rod.to[2] - rod.from[2]);
    const steps = Math.max(1, Math.ceil(length / 0.25));
    const mu = muWaterPerMm * (1 + rod.hu / 1000);
    const weightVolume = (Math.PI * rod.radiusMm * rod.radiusMm * length) / steps;
    for (let step = 0; step < steps; step += 1) {
      const f = (step + 0.5) / steps;
      const dx = rod.from[0] + f * (rod.to[0] - rod.from[0]) - sourceX;
      const dy = rod.from[1] + f * (rod.to[1] - rod.from[1]) - sourceY;
      const dz = rod.from[2] + f * (rod.to[2] - rod.from[2]) - sourceZ;
      const t = sid / (dx * beam[0] + dy * beam[1] + dz * beam[2]);
      const cu = ((dx * u[0] + dy * u[1] + dz * u[2]) * t) / coarseSize + coarseCentreColumn;
      const cv = ((dx * v[0] + dy * v[1] + dz * v[2]) * t) / coarseSize + coarseCentreRow;
      const c0 = Math.floor(cu);
      const r0 = Math.floor(cv);
      if (c0 < 0 || r0 < 0 || c0 + 1 >= coarseColumns || r0 + 1 >= coarseRows) continue;
      const fc = cu - c0;
      const fr = cv - r0;
      const weight = (mu * weightVolume * t * t) / (coarseSize * coarseSize);
      const index = r0 * coarseColumns + c0;
      coarse[index] = coarse[index]! + weight * (1 - fc) * (1 - fr);
      coarse[index + 1] = coarse[index + 1]! + weight * fc * (1 - fr);
      coarse[index + coarseColumns] = coarse[index + coarseColumns]! + weight * (1 - fc) * fr;
      coarse[index + coarseColumns + 1] = coarse[index + coarseColumns + 1]! + weight * fc * fr;
    }
  }
  const { columns, rows } = geometry;
  const lineIntegrals = new Float32Array(columns * rows);
  for (let r = 0; r < rows; r += 1) {
    const cv = (r - (rows - 1) / 2) / factor + coarseCentreRow;
    const r0 = Math.min(coarseRows - 2, Math.max(0, Math.floor(cv)));
    const fr = Math.min(1, Math.max(0, cv - r0));
    for (let c = 0; c < columns; c += 1) {
      const cu = (c - (columns - 1) / 2) / factor + coarseCentreColumn;
      const c0 = Math.min(coarseColumns - 2, Math.max(0, Math.floor(cu)));
      const fc = Math.min(1, Math.max(0, cu - c0));
      const index = r0 * coarseColumns + c0;
      const value =
        coarse[index]! * (1 - fc) * (1 - fr) + coarse[index + 1]! * fc * (1 - fr) + coarse[index + coarseColumns]! * (1 - fc) * fr + coarse[index + coarseColumns + 1]! * fc * fr;
      lineIntegrals[r * columns + c] = value;
    }
  }
  return { lineIntegrals, pixels: processForPresentation(lineIntegrals, columns, rows, Math.max(1, Math.round(25 / ps))) };
}

/** Separable box blur (three passes approximate a Gaussian), edges clamped. */
function boxBlur(source: Float32Array, columns: number, rows: number, radius: number): Float32Array {
  let current = Float32Array.from(source);
  let next = new Float32Array(current.length);
  const window = 2 * radius + 1;
  for (let pass = 0; pass < 3; pass += 1) {
    for (let r = 0; r < rows; r += 1) {
      const base = r * columns;
      let sum = 0;
      for (let c = -radius - 1; c < radius; c += 1) sum += current[base + Math.min(columns - 1, Math.max(0, c))]!;
      for (let c = 0; c < columns; c += 1) {
        sum += current[base + Math.min(columns - 1, c + radius)]! - current[base + Math.max(0, c - radius - 1)]!;
        next[base + c] = sum / window;
      }
    }
    [current, next] = [next, current];
    for (let c = 0; c < columns; c += 1) {
      let sum = 0;
      for (let r = -radius - 1; r < radius; r += 1) sum += current[Math.min(rows - 1, Math.max(0, r)) * columns + c]!;
      for (let r = 0; r < rows; r += 1) {
        sum += current[Math.min(rows - 1, r + radius) * columns + c]! - current[Math.max(0, r - radius - 1) * columns + c]!;
        next[r * columns + c] = sum / window;
      }
    }
    [current, next] = [next, current];
  }
  return current;
}

/**
 * Presentation processing as on a digital radiography console: unsharp masking of the
 * log-attenuation image (large kernel, strong weight) to equalise soft-tissue thickness and
 * bring out bone, then a linear window between the 0.5th and 99.8th percentiles of the patient
 * area, to 12 bits.
 */
function processForPresentation(lineIntegrals: Float32Array, columns: number, rows: number, radiusPx: number): Uint16Array {
  const blurred = boxBlur(lineIntegrals, columns, rows, radiusPx);
  const enhanced = new Float32Array(lineIntegrals.length);
  const samples: number[] = [];
  const stride = Math.max(1, Math.floor(lineIntegrals.length / 200_000));
  for (let index = 0; index < lineIntegrals.length; index += 1) {
    const value = lineIntegrals[index]! - 0.8 * blurred[index]!;
    enhanced[index] = value;
    if (index % stride === 0 && lineIntegrals[index]! > 0.5) samples.push(value);
  }
  const pixels = new Uint16Array(lineIntegrals.length);
  if (samples.length === 0) return pixels;
  samples.sort((a, b) => a - b);
  const low = samples[Math.floor(samples.length * 0.005)]!;
  const high = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.998))]!;
  const scale = 4095 / Math.max(1e-6, high - low);
  for (let index = 0; index < enhanced.length; index += 1) {
    pixels[index] = lineIntegrals[index]! <= 0.05 ? 0 : Math.max(0, Math.min(4095, Math.round((enhanced[index]! - low) * scale)));
  }
  return pixels;
}
