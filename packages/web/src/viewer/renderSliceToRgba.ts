/**
 * Greyscale slice → RGBA pixels with a linear VOI window (PS3.3 C.11.2.1.2.1, the 'LINEAR'
 * function), and the rectangle that fits an image of given physical size into a canvas with
 * its aspect kept. Used to paint the first-image preview on a plain 2D canvas while the volume
 * (and WebGL) is still being set up.
 */
export interface VoiWindow {
  readonly center: number;
  readonly width: number;
}

/** Writes `values` (already in output units, e.g. HU) into `rgba` (4 bytes per value) through the window. */
export function renderSliceToRgba(values: ArrayLike<number>, window: VoiWindow, rgba: Uint8ClampedArray): void {
  const width = Math.max(1, window.width);
  const low = window.center - 0.5 - (width - 1) / 2;
  const scale = 255 / Math.max(1, width - 1);
  for (let i = 0, j = 0; i < values.length; i++, j += 4) {
    const grey = ((values[i] as number) - low) * scale;
    const byte = grey <= 0 ? 0 : grey >= 255 ? 255 : grey;
    rgba[j] = byte;
    rgba[j + 1] = byte;
    rgba[j + 2] = byte;
    rgba[j + 3] = 255;
  }
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
