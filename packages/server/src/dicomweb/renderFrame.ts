/**
 * Turns decoded stored pixel values into an 8-bit image for the rendered and thumbnail
 * resources (PS3.18 8.3.5.1, 10.4.1.1.4): Modality LUT as Rescale Slope/Intercept
 * (PS3.3 C.11.1), then the VOI LUT window (PS3.3 C.11.2.1.2: LINEAR, LINEAR_EXACT,
 * SIGMOID), MONOCHROME1 inverted; colour data is passed through. Encoding (PNG/JPEG)
 * and viewport scaling are done by sharp.
 */
import sharp from 'sharp';

export type VoiFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface Window {
  readonly center: number;
  readonly width: number;
  readonly fn: VoiFunction;
}

export interface FramePixels {
  readonly values: ArrayLike<number>;
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
}

export interface RenderOptions {
  readonly pixels: FramePixels;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly photometricInterpretation: string;
  /** Window from the request, else from the instance, else the frame's value range. */
  readonly window: Window | null;
  readonly mediaType: 'image/png' | 'image/jpeg';
  /** Target size; the image is scaled to fit inside, keeping its aspect ratio. */
  readonly viewport: { readonly width: number; readonly height: number } | null;
  /** Source region in pixels (PS3.18 8.3.5.1.2 sx,sy,sw,sh), or null for the whole frame. */
  readonly region: { readonly left: number; readonly top: number; readonly width: number; readonly height: number } | null;
  /** JPEG quality 1–100. */
  readonly quality: number;
}

/** PS3.3 C.11.2.1.2 applied to one modality value, output 0…255. */
export function applyVoi(x: number, window: Window): number {
  const { center: c, width: w } = window;
  if (window.fn === 'sigmoid') return 255 / (1 + Math.exp((-4 * (x - c)) / w));
  if (window.fn === 'linear-exact') {
    if (x <= c - w / 2) return 0;
    if (x > c + w / 2) return 255;
    return ((x - c) / w + 0.5) * 255;
  }
  const lower = c - 0.5 - (w - 1) / 2;
  const upper = c - 0.5 + (w - 1) / 2;
  if (x <= lower) return 0;
  if (x > upper) return 255;
  return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
}

export async function renderFrame(options: RenderOptions): Promise<Buffer> {
  const { pixels, rescaleSlope, rescaleIntercept } = options;
  const count = pixels.rows * pixels.columns;
  let image: ReturnType<typeof sharp>;
  let grayscale = false;
  if (pixels.samplesPerPixel === 3) {
    const rgb = Buffer.alloc(count * 3);
    for (let i = 0; i < count * 3; i += 1) rgb[i] = Math.max(0, Math.min(255, pixels.values[i] ?? 0));
    image = sharp(rgb, { raw: { width: pixels.columns, height: pixels.rows, channels: 3 } });
  } else {
    const modality = new Float64Array(count);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i += 1) {
      const v = (pixels.values[i] ?? 0) * rescaleSlope + rescaleIntercept;
      modality[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const window: Window = options.window ?? { center: (min + max) / 2, width: Math.max(1, max - min + 1), fn: 'linear' };
    const invert = options.photometricInterpretation.trim() === 'MONOCHROME1';
    const gray = Buffer.alloc(count);
    for (let i = 0; i < count; i += 1) {
      const y = Math.round(applyVoi(modality[i] as number, window));
      gray[i] = invert ? 255 - y : y;
    }
    image = sharp(gray, { raw: { width: pixels.columns, height: pixels.rows, channels: 1 } });
    grayscale = true;
  }
  if (options.region) image = image.extract(options.region);
  if (options.viewport) image = image.resize(options.viewport.width, options.viewport.height, { fit: 'inside' });
  if (grayscale) image = image.toColourspace('b-w'); // 8-bit grey PNG/JPEG, not RGB
  return options.mediaType === 'image/png' ? image.png().toBuffer() : image.jpeg({ quality: options.quality }).toBuffer();
}
