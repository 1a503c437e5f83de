import { describe, expect, it } from 'vitest';
import { readDicomHeader } from '@vertebra/dicom';
import { generatePhantomCase } from '@vertebra/phantom';
import { chooseSliceDisplay, chooseVoiWindow, displayedSize, fitRect, renderSliceToRgba, storedOrientation } from '../src/viewer/renderSliceToRgba.js';

describe('renderSliceToRgba', () => {
  it('maps values through a linear window: below black, above white, the centre mid-grey', () => {
    const rgba = new Uint8ClampedArray(4 * 4);
    renderSliceToRgba(Int16Array.from([-1000, 40, 440, 2000]), { center: 40, width: 400 }, rgba);
    expect([rgba[0], rgba[4], rgba[8], rgba[12]]).toEqual([0, 128, 255, 255]);
    expect([rgba[5], rgba[6], rgba[7]]).toEqual([128, 128, 255]);
  });

  it('takes the header window, else the value range', () => {
    expect(chooseVoiWindow({ headerCenter: 40, headerWidth: 400, min: -1024, max: 3000 })).toEqual({ center: 40, width: 400 });
    expect(chooseVoiWindow({ headerCenter: 40, headerWidth: 0, min: -1000, max: 1000 })).toEqual({ center: 0, width: 2000 });
    expect(chooseVoiWindow({ min: 5, max: 5 })).toEqual({ center: 5, width: 1 });
  });

  it('fits an image into a canvas keeping its physical aspect, centred', () => {
    expect(fitRect({ canvasWidth: 800, canvasHeight: 400, imageWidthMm: 300, imageHeightMm: 300 })).toEqual({ x: 200, y: 0, width: 400, height: 400 });
    expect(fitRect({ canvasWidth: 400, canvasHeight: 800, imageWidthMm: 400, imageHeightMm: 200 })).toEqual({ x: 0, y: 300, width: 400, height: 200 });
  });

  it('turns slices of every patient position to the volume view (axial: patient left on the right, anterior up)', () => {
    // Image Orientation (Patient) row / column cosines of axial slices (the phantom's and scanners' usual ones).
    expect(chooseSliceDisplay([1, 0, 0], [0, 1, 0])).toEqual(storedOrientation); // HFS
    expect(chooseSliceDisplay([-1, 0, 0], [0, -1, 0])).toEqual({ transpose: false, flipX: true, flipY: true }); // HFP
    expect(chooseSliceDisplay([-1, 0, 0], [0, 1, 0])).toEqual({ transpose: false, flipX: true, flipY: false }); // FFS
    expect(chooseSliceDisplay([1, 0, 0], [0, -1, 0])).toEqual({ transpose: false, flipX: false, flipY: true }); // FFP
    expect(chooseSliceDisplay([0, 1, 0], [1, 0, 0])).toEqual({ transpose: true, flipX: false, flipY: false }); // rows and columns swapped
    expect(chooseSliceDisplay([0.98, 0.17, 0], [-0.17, 0.98, 0])).toEqual(storedOrientation); // slightly oblique
    // Sagittal (anterior on the left, head up) and coronal (patient left on the right, head up) as the MPR views show them.
    expect(chooseSliceDisplay([0, 1, 0], [0, 0, -1])).toEqual(storedOrientation);
    expect(chooseSliceDisplay([0, -1, 0], [0, 0, -1])).toEqual({ transpose: false, flipX: true, flipY: false });
    expect(chooseSliceDisplay([1, 0, 0], [0, 0, -1])).toEqual(storedOrientation);
    expect(chooseSliceDisplay([0, 0, 1], [1, 0, 0])).toEqual({ transpose: true, flipX: false, flipY: true });
    expect(chooseSliceDisplay(undefined, [0, 1, 0])).toEqual(storedOrientation);
  });

  it('writes a turned slice so that each stored pixel lands where its patient direction is on screen', () => {
    // A stored 3 × 2 slice (columns × rows) of a prone patient: row cosines −x, column cosines −y.
    // The pixel at column 0, row 0 lies furthest right (patient right, −x) and anterior (−y)...
    const stored = { columns: 3, rows: 2 };
    const values = Int16Array.from([0, 1, 2, 3, 4, 5]); // value = column + 3 · row
    const identity = { center: 3, width: 6 }; // value v → grey 51 v
    const read = (rgba: Uint8ClampedArray): number[] => Array.from({ length: rgba.length / 4 }, (_, i) => Math.round(((rgba[4 * i] as number) / 255) * 5));
    const turned = new Uint8ClampedArray(4 * 6);
    renderSliceToRgba(values, identity, turned, { stored, transform: chooseSliceDisplay([-1, 0, 0], [0, -1, 0]) });
    // ...so on screen (patient right on the left, anterior up) it is the bottom-right pixel.
    expect(read(turned)).toEqual([5, 4, 3, 2, 1, 0]);
    const transposed = new Uint8ClampedArray(4 * 6);
    const transform = chooseSliceDisplay([0, 1, 0], [1, 0, 0]);
    renderSliceToRgba(values, identity, transposed, { stored, transform });
    // Displayed 2 wide × 3 high: display x runs along the stored rows, y along the stored columns.
    expect(read(transposed)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(displayedSize(transform, { ...stored, columnSpacingMm: 0.5, rowSpacingMm: 2 })).toEqual({ width: 2, height: 3, widthMm: 4, heightMm: 1.5 });
    expect(displayedSize(storedOrientation, { ...stored, columnSpacingMm: 0.5, rowSpacingMm: 2 })).toEqual({ width: 3, height: 2, widthMm: 1.5, heightMm: 4 });
  });

  it('shows a phantom CT slice of a prone or feet-first patient like the supine head-first one (the volume view), a prone one as stored not', () => {
    /** The stored slice through the L3 centroid of the same phantom scanned in `position`. */
    const stored = new Map<string, { pixels: Int16Array; columns: number; rows: number; iop: readonly number[] }>();
    const storedSlice = (position: 'HFS' | 'HFP' | 'FFS' | 'FFP') => {
      const known = stored.get(position);
      if (known !== undefined) return known;
      const ct = { columns: 96, rows: 96, pixelSpacingMm: 4, sliceSpacingMm: 5, sliceThicknessMm: 5, fieldOfView: 'lumbar' as const, patientPosition: position };
      const { files, groundTruth } = generatePhantomCase({ preset: 'normal', seed: 5, modalities: ['ct'], ct });
      const l3z = groundTruth.visits[0]!.anatomy.vertebrae.find((v) => v.level === 'L3')!.centroidLps[2];
      const slices = files.filter((f) => f.path.endsWith('.dcm')).map((f) => ({ bytes: f.bytes, header: readDicomHeader(f.bytes) }));
      const { bytes, header } = slices.sort((a, b) => Math.abs(a.header.imagePositionPatient![2] - l3z) - Math.abs(b.header.imagePositionPatient![2] - l3z))[0]!;
      const [columns, rows] = [header.columns!, header.rows!];
      // Uncompressed 16-bit little-endian pixels (the phantom writes Explicit VR Little Endian).
      const pixels = new Int16Array(bytes.slice(header.pixelDataOffset!, header.pixelDataOffset! + 2 * columns * rows).buffer);
      const found = { pixels, columns, rows, iop: header.imageOrientationPatient! };
      stored.set(position, found);
      return found;
    };
    /** That slice as greys on screen, stored or turned. */
    const slice = (position: 'HFS' | 'HFP' | 'FFS' | 'FFP', turned: boolean): number[] => {
      const { pixels, columns, rows, iop } = storedSlice(position);
      const rgba = new Uint8ClampedArray(4 * columns * rows);
      renderSliceToRgba(pixels, { center: 1000, width: 4000 }, rgba, { stored: { columns, rows }, transform: turned ? chooseSliceDisplay(iop.slice(0, 3), iop.slice(3)) : storedOrientation });
      return Array.from({ length: columns * rows }, (_, i) => rgba[4 * i] as number);
    };
    const correlation = (a: number[], b: number[]): number => {
      const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
      const [ma, mb] = [mean(a), mean(b)];
      let [ab, aa, bb] = [0, 0, 0];
      for (let i = 0; i < a.length; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const supine = slice('HFS', true);
    expect(supine).toEqual(slice('HFS', false)); // HFS is stored as the axial view shows it
    for (const position of ['HFP', 'FFS', 'FFP'] as const) {
      // Same anatomy on the same LPS grid: only the table differs (under the back or the belly).
      expect(correlation(supine, slice(position, true)), `${position} turned`).toBeGreaterThan(0.95); // measured 0.98–1.00
      // Upside down (anterior at the bottom) as stored: measured 0.83. The phantom is left-right
      // symmetric, so a feet-first mirror (FFS) cannot show here (the orientation test above covers it).
      if (position !== 'FFS') expect(correlation(supine, slice(position, false)), `${position} as stored`).toBeLessThan(0.9);
    }
  });
});
