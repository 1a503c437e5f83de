/**
 * Renders the phantom anatomy into an axial CT volume of Hounsfield units (Int16) with a
 * parallel label volume. Per slice, every solid is evaluated only inside its bounding box; at
 * boundary voxels the signed distance d is turned into partial-volume coverage
 * f = clamp(½ − d / w, 0, 1), where w = Σ|nᵢ|·sᵢ is the voxel's extent along the surface normal
 * (the exact coverage of a plane crossing a box voxel, linearised), so partial-volume edges and
 * centroids are unbiased. Rows are sphere-traced: far from a solid, voxels are skipped by half the
 * distance to its surface. Labels mark voxels whose centre lies inside a labelled solid.
 *
 * Slice sensitivity profile: a reconstructed CT slice is the attenuation averaged along z with
 * the slice sensitivity profile (SSP) as weight, not the value in its central plane (Kalender,
 * Computed Tomography, 3rd ed. 2011, §2.3 "slice sensitivity profile": for sequential CT, and
 * for multi-slice spiral CT reconstructed with a z-filter, the SSP is close to a rectangle whose
 * FWHM is the nominal slice thickness). With the default profile 'rectangular' each slice is
 * the mean of sub-sections at ≤ 0.5 mm steps across its thickness (an odd count, so the central
 * plane is one of them; it gives the labels), each rendered with the partial-volume rule above
 * over its own sub-slab. A 1 mm cortex thus partial-volumes into a 3 mm slice (≈ ⅓ of its HU)
 * instead of appearing or vanishing depending on where the slice centre falls. The cortex's
 * inner surface (d = −shellMm, parallel to the outer one) is partial-volumed by the same
 * linearised coverage, so a sub-section that straddles it mixes cortex and core. Overlapping
 * slices (spacing < thickness) each average their own window. The body outline and the table,
 * which change slowly along z, are drawn once at the slice centre; the air-filled organs and the
 * solids per sub-section. A solid's distance is evaluated per sub-section only near its surfaces
 * (elsewhere a voxel is inside or outside it in every sub-section). 'centre' renders the central
 * plane only, cortex by the value at the voxel centre (as before); used for the helper volumes
 * that radiographs and MR are derived from.
 * The volume is world-aligned (direction = identity, k increasing towards the head); the DICOM
 * writer reorders it for the patient position.
 */
import type { Mask, Vec3, Volume } from '@vertebra/geometry';
import { identityMat3 } from '@vertebra/geometry';
import type { AxisEllipsoid, OutlineSample, PhantomAnatomy } from './buildAnatomy.js';
import { tissueHu } from './buildAnatomy.js';
import { createSeededRandom } from './seededRandom.js';

export interface CtGridOptions {
  readonly columns: number;
  readonly rows: number;
  /** Spacing between rows (along y), and between columns (along x) unless `columnSpacingMm` is given, mm. */
  readonly pixelSpacingMm: number;
  /** Spacing along x when it differs from `pixelSpacingMm` (a stack of sagittal slabs), mm. */
  readonly columnSpacingMm?: number;
  readonly sliceThicknessMm: number;
  readonly sliceSpacingMm: number;
  /** LPS centre of the in-plane field of view (x, y). */
  readonly centreXY: readonly [number, number];
  /** Inclusive z range of slice centres, mm. */
  readonly zRange: readonly [number, number];
}

export interface RenderCtOptions extends CtGridOptions {
  readonly noiseHu: number;
  readonly noiseSeed: string;
  /** Render the label volume too (default true). */
  readonly labels?: boolean;
  /** Render the scanner table (default true; off for standing radiographs). */
  readonly table?: boolean;
  /** Maps each tissue's CT number to the rendered value (e.g. MR signal); identity for CT. */
  readonly valueMap?: (hu: number) => number;
  /** Clamp range of the output values (default −1024…3071, the CT range). */
  readonly valueRange?: readonly [number, number];
  /** Slice sensitivity profile along z (default 'rectangular'; see the header). */
  readonly sliceProfile?: 'rectangular' | 'centre';
  /** Largest step between the sub-sections of the rectangular profile (default `maxSubsectionStepMm`), mm. */
  readonly subsectionStepMm?: number;
}

/** Largest distance between the sub-sections that average one slice, mm. */
export const maxSubsectionStepMm = 0.5;

/**
 * Number of sub-sections averaged for a slice of the given thickness: the smallest odd count
 * whose step (thickness / count) is at most `maxSubsectionStepMm`.
 */
export function subsectionCount(sliceThicknessMm: number, stepMm = maxSubsectionStepMm): number {
  const count = Math.max(1, Math.ceil(sliceThicknessMm / stepMm - 1e-9));
  return count % 2 === 0 ? count + 1 : count;
}

export interface RenderedCt {
  readonly volume: Volume<Int16Array>;
  readonly labels: Mask | null;
}

function interpolateOutline(outline: readonly OutlineSample[], z: number): OutlineSample | null {
  const first = outline[0]!;
  const last = outline[outline.length - 1]!;
  if (z > last.z || z < first.z) return null;
  for (let k = 0; k + 1 < outline.length; k += 1) {
    const a = outline[k]!;
    const b = outline[k + 1]!;
    if (z >= a.z && z <= b.z) {
      const t = b.z === a.z ? 0 : (z - a.z) / (b.z - a.z);
      return {
        z,
        cx: a.cx + t * (b.cx - a.cx),
        cy: a.cy + t * (b.cy - a.cy),
        halfWidth: a.halfWidth + t * (b.halfWidth - a.halfWidth),
        halfDepth: a.halfDepth + t * (b.halfDepth - a.halfDepth),
      };
    }
  }
  return null;
}

interface SliceGrid {
  readonly nx: number;
  readonly ny: number;
  readonly x0: number;
  readonly y0: number;
  readonly sx: number;
  readonly sy: number;
}

/** Fills one row with an x interval [left, right], mixing edge voxels by their covered fraction. */
function fillSpan(slice: Float32Array, grid: SliceGrid, row: number, left: number, right: number, hu: number, weight: number): void {
  const { nx, x0, sx } = grid;
  const first = Math.max(0, Math.floor((left - x0) / sx + 0.5));
  const last = Math.min(nx - 1, Math.ceil((right - x0) / sx - 0.5));
  const offset = row * nx;
  for (let i = first; i <= last; i += 1) {
    const x = x0 + i * sx;
    const covered = Math.min(right, x + sx / 2) - Math.max(left, x - sx / 2);
    if (covered <= 0) continue;
    const f = Math.min(1, covered / sx) * weight;
    const index = offset + i;
    slice[index] = slice[index]! + f * (hu - slice[index]!);
  }
}

function fillEllipse(slice: Float32Array, grid: SliceGrid, cx: number, cy: number, a: number, b: number, hu: number): void {
  if (a <= 0 || b <= 0) return;
  const firstRow = Math.max(0, Math.floor((cy - b - grid.y0) / grid.sy));
  const lastRow = Math.min(grid.ny - 1, Math.ceil((cy + b - grid.y0) / grid.sy));
  for (let j = firstRow; j <= lastRow; j += 1) {
    const y = grid.y0 + j * grid.sy;
    // Coverage in y of this row (1 inside, fractional at the tips).
    const top = Math.min(cy + b, y + grid.sy / 2);
    const bottom = Math.max(cy - b, y - grid.sy / 2);
    if (top <= bottom) continue;
    const yc = Math.min(Math.max(y, cy - b), cy + b);
    const rel = (yc - cy) / b;
    const half = a * Math.sqrt(Math.max(0, 1 - rel * rel));
    fillSpan(slice, grid, j, cx - half, cx + half, hu, Math.min(1, (top - bottom) / grid.sy));
  }
}

function fillEllipsoid(slice: Float32Array, grid: SliceGrid, pocket: AxisEllipsoid, z: number): void {
  const rel = (z - pocket.centre[2]) / pocket.semi[2];
  if (Math.abs(rel) >= 1) return;
  const f = Math.sqrt(1 - rel * rel);
  fillEllipse(slice, grid, pocket.centre[0], pocket.centre[1], pocket.semi[0] * f, pocket.semi[1] * f, pocket.hu);
}

export function renderCtVolume(anatomy: PhantomAnatomy, options: RenderCtOptions): RenderedCt {
  const nx = options.columns;
  const ny = options.rows;
  const sx = options.columnSpacingMm ?? options.pixelSpacingMm;
  const sy = options.pixelSpacingMm;
  const map = options.valueMap ?? ((hu: number): number => hu);
  const [minValue, maxValue] = options.valueRange ?? [-1024, 3071];
  const sz = options.sliceSpacingMm;
  const thickness = options.sliceThicknessMm;
  const nz = Math.max(1, Math.floor((options.zRange[1] - options.zRange[0]) / sz + 1e-9) + 1);
  const x0 = options.centreXY[0] - ((nx - 1) * sx) / 2;
  const y0 = options.centreXY[1] - ((ny - 1) * sy) / 2;
  const z0 = options.zRange[0];
  const grid: SliceGrid = { nx, ny, x0, y0, sx, sy };
  const sliceSize = nx * ny;
  const data = new Int16Array(sliceSize * nz);
  const wantLabels = options.labels ?? true;
  const labels = wantLabels ? new Uint8Array(sliceSize * nz) : null;
  const subsections = options.sliceProfile === 'centre' ? 1 : subsectionCount(thickness, options.subsectionStepMm);
  const subsectionMm = thickness / subsections;
  const centreSubsection = (subsections - 1) / 2;
  // One buffer per sub-section; the slice is their mean.
  const sections = Array.from({ length: subsections }, () => new Float32Array(sliceSize));
  const mean = subsections > 1 ? new Float32Array(sliceSize) : sections[0]!;
  const noiseTableSize = 1 << 16;
  const noiseTable = new Float32Array(noiseTableSize);
  const random = createSeededRandom(options.noiseSeed);
  for (let k = 0; k < noiseTableSize; k += 1) noiseTable[k] = random.normal() * options.noiseHu;
  let noiseState = Math.floor(random.next() * 4294967296) >>> 0;
  const h = 0.05;
  const solids = anatomy.solids;
  const tableLayers: readonly [number, number, number][] =
    anatomy.table.side === 'posterior'
      ? [[anatomy.table.surfaceY, anatomy.table.surfaceY + 2.5, tissueHu.table], [anatomy.table.surfaceY + 2.5, anatomy.table.surfaceY + 37.5, tissueHu.tableCore], [anatomy.table.surfaceY + 37.5, anatomy.table.surfaceY + 40, tissueHu.table]]
      : [[anatomy.table.surfaceY - 2.5, anatomy.table.surfaceY, tissueHu.table], [anatomy.table.surfaceY - 37.5, anatomy.table.surfaceY - 2.5, tissueHu.tableCore], [anatomy.table.surfaceY - 40, anatomy.table.surfaceY - 37.5, tissueHu.table]];

  const mixShell = options.sliceProfile !== 'centre';
  /** Voxel half-diagonal of one sub-section's slab. */
  const halfDiagonal = 0.5 * Math.sqrt(sx * sx + sy * sy + subsectionMm * subsectionMm);
  /** Farthest sub-section centre from the slice centre, mm. */
  const farthestMm = thickness / 2 - subsectionMm / 2;
  /**
   * Renders the background of the slice centred at z into `slice`: air, table and body outline
   * (fat, then muscle/organs), which vary slowly along z and are taken at the slice centre.
   */
  const renderBackground = (slice: Float32Array, z: number): void => {
    slice.fill(map(tissueHu.air));
    // Table.
    for (const [low, high, hu] of options.table === false ? [] : tableLayers) {
      const firstRow = Math.max(0, Math.floor((low - y0) / sy));
      const lastRow = Math.min(ny - 1, Math.ceil((high - y0) / sy));
      for (let j = firstRow; j <= lastRow; j += 1) {
        const y = y0 + j * sy;
        const covered = Math.min(high, y + sy / 2) - Math.max(low, y - sy / 2);
        if (covered > 0) fillSpan(slice, grid, j, -anatomy.table.halfWidth, anatomy.table.halfWidth, map(hu), Math.min(1, covered / sy));
      }
    }
    // Body outline: fat, then muscle/organs inside.
    const section = interpolateOutline(anatomy.outline, z);
    if (section !== null) {
      fillEllipse(slice, grid, section.cx, section.cy, section.halfWidth, section.halfDepth, map(tissueHu.fat));
      const fat = Math.min(anatomy.fatThicknessMm, section.halfWidth * 0.3, section.halfDepth * 0.3);
      fillEllipse(slice, grid, section.cx, section.cy, section.halfWidth - fat, section.halfDepth - fat, map(tissueHu.soft));
    }
  };
  const pockets = anatomy.airPockets.map((pocket) => ({ ...pocket, hu: map(pocket.hu) }));
  /** The air-filled organs (lungs, trachea, bowel gas) of the section at z, inside the body outline. */
  const renderPockets = (slice: Float32Array, z: number): void => {
    if (interpolateOutline(anatomy.outline, z) === null) return;
    for (const pocket of pockets) fillEllipsoid(slice, grid, pocket, z);
  };
  const offsets = Array.from({ length: subsections }, (_, m) => -thickness / 2 + (m + 0.5) * subsectionMm);
  /**
   * Renders the slice centred at z: its sub-sections' backgrounds, then every solid. A voxel whose
   * centre lies deeper inside a solid than the farthest sub-section centre plus a sub-section's
   * half-diagonal (and its shell) is inside it in every sub-section, one farther outside is
   * outside in all of them (signed distances change by at most the z offset): the solid's
   * distance is evaluated per sub-section only in the band around its surfaces. The labels are
   * those of the central plane.
   */
  const renderSlice = (z: number, labelOffset: number): void => {
    renderBackground(sections[0]!, z);
    for (let m = 1; m < subsections; m += 1) sections[m]!.set(sections[0]!);
    for (let m = 0; m < subsections; m += 1) renderPockets(sections[m]!, z + offsets[m]!);
    const margin = farthestMm + halfDiagonal;
    for (const solid of solids) {
      const min = solid.boundsMin;
      const max = solid.boundsMax;
      if (min[2] > z + thickness / 2 || max[2] < z - thickness / 2) continue;
      const i0 = Math.max(0, Math.ceil((min[0] - x0) / sx));
      const i1 = Math.min(nx - 1, Math.floor((max[0] - x0) / sx));
      const j0 = Math.max(0, Math.ceil((min[1] - y0) / sy));
      const j1 = Math.min(ny - 1, Math.floor((max[1] - y0) / sy));
      if (i0 > i1 || j0 > j1) continue;
      const label = solid.label;
      const { shellMm, shellHu, coreHu } = solid.material;
      const shellVaries = shellMm > 0 && shellHu !== coreHu;
      // Whether a voxel at distance d straddles the shell's inner surface (d = −shellMm), when mixed.
      const straddlesShell = (d: number): boolean => mixShell && shellVaries && Math.abs(d + shellMm) < halfDiagonal;
      const uniformDepth = margin + (shellVaries ? shellMm : 0);
      for (let j = j0; j <= j1; j += 1) {
        const y = y0 + j * sy;
        const rowOffset = j * nx;
        for (let i = i0; i <= i1; i += 1) {
          const x = x0 + i * sx;
          const dc = solid.sdf(x, y, z);
          if (dc >= margin) {
            // Sphere tracing along the row: the surface is at least dc away (half of it, for the
            // approximate distances), so skip the voxels that cannot reach it.
            i += Math.floor((0.5 * (dc - margin)) / sx);
            continue;
          }
          const index = rowOffset + i;
          if (subsections === 1 ? dc <= -halfDiagonal && !straddlesShell(dc) : dc <= -uniformDepth) {
            const value = map(solid.hu(dc));
            for (let m = 0; m < subsections; m += 1) sections[m]![index] = value;
          } else {
            for (let m = 0; m < subsections; m += 1) {
              const zm = z + offsets[m]!;
              const d = m === centreSubsection ? dc : solid.sdf(x, y, zm);
              const slice = sections[m]!;
              if (d >= halfDiagonal) continue;
              if (d <= -halfDiagonal && !straddlesShell(d)) {
                slice[index] = map(solid.hu(d));
                continue;
              }
              const gx = (solid.sdf(x + h, y, zm) - d) / h;
              const gy = (solid.sdf(x, y + h, zm) - d) / h;
              const gz = (solid.sdf(x, y, zm + h) - d) / h;
              const length = Math.hypot(gx, gy, gz) || 1;
              const extent = (Math.abs(gx) * sx + Math.abs(gy) * sy + Math.abs(gz) * subsectionMm) / length;
              const f = Math.min(1, Math.max(0, 0.5 - d / extent));
              if (f <= 0) continue;
              let hu: number;
              if (straddlesShell(d)) {
                // The shell's inner surface is parallel to the outer one: the same linearised
                // coverage gives the core's share, the shell takes the rest of the covered part.
                const core = Math.min(f, Math.max(0, 0.5 - (d + shellMm) / extent));
                hu = (core * map(coreHu) + (f - core) * map(shellHu)) / f;
              } else {
                hu = map(solid.hu(Math.min(d, -1e-3)));
              }
              slice[index] = slice[index]! + f * (hu - slice[index]!);
            }
          }
          if (labels !== null && dc < 0 && label > 0) labels[labelOffset + index] = label;
        }
      }
    }
  };

  const meanScale = 1 / subsections;
  for (let k = 0; k < nz; k += 1) {
    const z = z0 + k * sz;
    const labelOffset = k * sliceSize;
    renderSlice(z, labelOffset);
    if (subsections > 1) {
      // Rectangular slice sensitivity profile: the mean of the equally spaced sub-sections.
      mean.set(sections[0]!);
      for (let m = 1; m < subsections; m += 1) {
        const section = sections[m]!;
        for (let index = 0; index < sliceSize; index += 1) mean[index] = mean[index]! + section[index]!;
      }
    }
    // Noise and quantisation.
    for (let index = 0; index < sliceSize; index += 1) {
      noiseState = (Math.imul(noiseState, 1664525) + 1013904223) >>> 0;
      const value = mean[index]! * meanScale + noiseTable[noiseState >>> 16]!;
      data[labelOffset + index] = Math.max(minValue, Math.min(maxValue, Math.round(value)));
    }
  }
  const geometry = {
    dimensions: [nx, ny, nz] as const,
    spacingMm: [sx, sy, sz] as Vec3,
    originLps: [x0, y0, z0] as Vec3,
    direction: identityMat3,
  };
  return {
    volume: { ...geometry, data, valueUnit: options.valueMap === undefined ? 'HU' : 'arbitrary' },
    labels: labels === null ? null : { ...geometry, data: labels },
  };
}
