/**
 * Greyscale slice → RGBA pixels with a linear VOI window (PS3.3 C.11.2.1.2.1, the 'LINEAR'
 * function), turned (flips / transpose) so that the patient lies as the volume views show him,
 * and the rectangle that fits an image of given physical size into a canvas with its aspect
 * kept. Used to paint the first-image preview on a plain 2D canvas while the volume (and WebGL)
 * is still being set up: stored pixels of a prone or feet-first series are mirrored relative to
 * the MPR view that replaces the preview.
 */
export interface VoiWindow {
  readonly center: number;
  readonly width: number;
}

/**
 * Writes `values` (already in output units, e.g. HU) into `rgba` (4 bytes per value) through the
 * window; with `turn`, `values` is a stored `columns` × `rows` slice and `rgba` receives it turned
 * (chooseSliceDisplay), displayedSize's width × height.
 */
export function renderSliceToRgba(
  values: ArrayLike<number>,
  window: VoiWindow,
  rgba: Uint8ClampedArray,
  turn?: { readonly stored: { readonly columns: number; readonly rows: number }; readonly transform: SliceDisplayTransform },
): void {
  const width = Math.max(1, window.width);
  const low = window.center - 0.5 - (width - 1) / 2;
  const scale = 255 / Math.max(1, width - 1);
  const sourceOf = turn === undefined ? undefined : turnedIndex(turn.stored, turn.transform);
  for (let i = 0, j = 0; i < values.length; i++, j += 4) {
    const grey = ((values[sourceOf === undefined ? i : sourceOf(i)] as number) - low) * scale;
    const byte = grey <= 0 ? 0 : grey >= 255 ? 255 : grey;
    rgba[j] = byte;
    rgba[j + 1] = byte;
    rgba[j + 2] = byte;
    rgba[j + 3] = 255;
  }
}

/** Stored index of displayed pixel i (row-major in the displayed width), or undefined for the stored layout. */
function turnedIndex(stored: { columns: number; rows: number }, transform: SliceDisplayTransform): ((i: number) => number) | undefined {
  if (!transform.transpose && !transform.flipX && !transform.flipY) return undefined;
  const { columns } = stored;
  const width = transform.transpose ? stored.rows : columns;
  const height = transform.transpose ? columns : stored.rows;
  return (i) => {
    const x = i % width;
    const y = (i - x) / width;
    const u = transform.flipX ? width - 1 - x : x;
    const v = transform.flipY ? height - 1 - y : y;
    // Not transposed: u is the stored column, v the stored row; transposed: the other way round.
    return transform.transpose ? v + columns * u : u + columns * v;
  };
}

/** The window from the header, else from the value range. */
export function chooseVoiWindow(options: { headerCenter?: number; headerWidth?: number; min: number; max: number }): VoiWindow {
  if (options.headerCenter !== undefined && options.headerWidth !== undefined && Number.isFinite(options.headerCenter) && options.headerWidth > 0) {
    return { center: options.headerCenter, width: options.headerWidth };
  }
  return { center: (options.min + options.max) / 2, width: Math.max(1, options.max - options.min) };
}

/** Largest rectangle of the image's physical aspect (width / height in mm) centred in the canvas. */
export function fitRect(options: { canvasWidth: number; canvasHeight: number; imageWidthMm: number; imageHeightMm: number }): { x: number; y: number; width: number; height: number } {
  const { canvasWidth, canvasHeight, imageWidthMm, imageHeightMm } = options;
  const scale = Math.min(canvasWidth / imageWidthMm, canvasHeight / imageHeightMm);
  const width = imageWidthMm * scale;
  const height = imageHeightMm * scale;
  return { x: (canvasWidth - width) / 2, y: (canvasHeight - height) / 2, width, height };
}

/**
 * How a stored slice is turned for display: with `transpose` display x runs along the stored
 * rows (the column direction), else along the stored columns; then mirrored in x and / or y.
 */
export interface SliceDisplayTransform {
  readonly transpose: boolean;
  readonly flipX: boolean;
  readonly flipY: boolean;
}

export const storedOrientation: SliceDisplayTransform = { transpose: false, flipX: false, flipY: false };

type Vec3 = readonly [number, number, number];

/**
 * Screen right / down (LPS) of the volume views, as Cornerstone's MPR cameras show them
 * (constants/mprCameraValues: viewRight, −viewUp): axial in radiological convention (patient
 * left on screen right, anterior up), sagittal with anterior on the left and head up, coronal
 * with patient left on the right and head up.
 */
const screenAxes: Record<'axial' | 'sagittal' | 'coronal', { right: Vec3; down: Vec3 }> = {
  axial: { right: [1, 0, 0], down: [0, 1, 0] },
  sagittal: { right: [0, 1, 0], down: [0, 0, -1] },
  coronal: { right: [1, 0, 0], down: [0, 0, -1] },
};

const dot3 = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * The turn that shows a slice of Image Orientation (Patient) `rowCosines` (direction of
 * increasing column index, PS3.3 C.7.6.2.1.1) / `columnCosines` (increasing row index) like the
 * MPR view of its plane (the axis its normal is nearest to): the stored axis nearest to the
 * screen's right goes right, pointing right; the other goes down, pointing down. Oblique slices
 * get the nearest of these eight turns; missing orientation keeps the stored layout.
 */
export function chooseSliceDisplay(rowCosines: readonly number[] | undefined, columnCosines: readonly number[] | undefined): SliceDisplayTransform {
  if (rowCosines?.length !== 3 || columnCosines?.length !== 3 || ![...rowCosines, ...columnCosines].every(Number.isFinite)) return storedOrientation;
  const r = rowCosines as unknown as Vec3;
  const c = columnCosines as unknown as Vec3;
  const normal: Vec3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  const [ax, ay, az] = normal.map(Math.abs) as [number, number, number];
  if (ax + ay + az < 1e-6) return storedOrientation;
  const plane = az >= ax && az >= ay ? 'axial' : ax >= ay ? 'sagittal' : 'coronal';
  const { right, down } = screenAxes[plane];
  const transpose = Math.abs(dot3(c, right)) > Math.abs(dot3(r, right));
  const alongX = transpose ? c : r;
  const alongY = transpose ? r : c;
  return { transpose, flipX: dot3(alongX, right) < 0, flipY: dot3(alongY, down) < 0 };
}

/** Displayed size of a stored `columns` × `rows` slice (pixels and, given the spacings, mm) after the turn. */
export function displayedSize(
  transform: SliceDisplayTransform,
  stored: { columns: number; rows: number; columnSpacingMm: number; rowSpacingMm: number },
): { width: number; height: number; widthMm: number; heightMm: number } {
  const widthMm = stored.columns * stored.columnSpacingMm;
  const heightMm = stored.rows * stored.rowSpacingMm;
  return transform.transpose
    ? { width: stored.rows, height: stored.columns, widthMm: heightMm, heightMm: widthMm }
    : { width: stored.columns, height: stored.rows, widthMm, heightMm };
}
