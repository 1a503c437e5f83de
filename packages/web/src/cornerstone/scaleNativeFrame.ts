/**
 * One native (uncompressed, little-endian) grayscale frame → the typed array a Cornerstone
 * volume keeps for it, the Modality LUT applied on the way (PS3.3 C.11.1.1.2: output units =
 * stored value × Rescale Slope + Rescale Intercept, e.g. Hounsfield units for CT), in one pass
 * that also finds the output's smallest and largest value. It does on the page's thread what the
 * dicom-image-loader's decode worker does for such a frame (sign extension of Bits Stored,
 * rescale, copy into the target type), without the two copies across the worker boundary.
 * Undefined where it does not apply (the caller then uses the loader's worker path): a type or
 * layout it does not handle, a frame shorter than rows × columns, or output values the target
 * type cannot hold exactly.
 */

export type NativeTargetType = 'Uint8Array' | 'Int16Array' | 'Uint16Array' | 'Float32Array';

export interface NativeFrameLayout {
  readonly rows: number;
  readonly columns: number;
  /** Bits Allocated (0028,0100): 8 or 16. */
  readonly bitsAllocated: number;
  /** Bits Stored (0028,0101). */
  readonly bitsStored: number;
  /** Pixel Representation (0028,0103) = 1: two's complement. */
  readonly signed: boolean;
}

export interface Rescale {
  readonly slope: number;
  readonly intercept: number;
}

export type NativePixels = Uint8Array | Int16Array | Uint16Array | Float32Array;

export interface ScaledFrame {
  readonly pixels: NativePixels;
  readonly min: number;
  readonly max: number;
}

const targetRange: Record<NativeTargetType, readonly [number, number] | undefined> = {
  Uint8Array: [0, 255],
  Int16Array: [-32768, 32767],
  Uint16Array: [0, 65535],
  Float32Array: undefined,
};

function allocate(type: NativeTargetType, length: number): NativePixels {
  switch (type) {
    case 'Uint8Array':
      return new Uint8Array(length);
    case 'Int16Array':
      return new Int16Array(length);
    case 'Uint16Array':
      return new Uint16Array(length);
    case 'Float32Array':
      return new Float32Array(length);
  }
}

/** The stored values as a typed array view (a copy where the bytes start at an odd offset). */
function storedValues(bytes: Uint8Array, layout: NativeFrameLayout, length: number): Int8Array | Uint8Array | Int16Array | Uint16Array {
  if (layout.bitsAllocated === 8) return layout.signed ? new Int8Array(bytes.buffer, bytes.byteOffset, length) : bytes.subarray(0, length);
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice(0, 2 * length);
  return layout.signed ? new Int16Array(aligned.buffer, aligned.byteOffset, length) : new Uint16Array(aligned.buffer, aligned.byteOffset, length);
}

/**
 * out[i] = stored[i] × slope + intercept, and the smallest and largest output value (one pass: this runs on the page's
 * thread per frame). The extremes are taken of the stored integers and rescaled once (the same numbers: the rescale is
 * monotonic), without branches; a CT slice into Float32 (the common case) has a loop of its own, so that its element
 * accesses stay monomorphic. On 2 busy cores (Node 22, 512² Int16 → Float32, 2026-11-27) 0.73–0.86 against 1.27–1.36
 * CPU-ms per slice.
 */
function rescaleInto(stored: Int8Array | Uint8Array | Int16Array | Uint16Array, out: NativePixels, slope: number, intercept: number): { min: number; max: number } {
  const { low, high } = stored instanceof Int16Array && out instanceof Float32Array ? rescaleInt16ToFloat32(stored, out, slope, intercept) : rescaleAny(stored, out, slope, intercept);
  return extremes(low, high, slope, intercept);
}

/**
 * Two values per step, each with its own extremes (fewer dependent min/max steps in a row): 0.32 against 0.40 CPU-ms
 * per 512² slice in Node 20 on this machine (2026-11-27, .tmp/viewer/exp/convertVariants.mjs; native
 * Float32Array.set then a rescale pass: 0.57).
 */
function rescaleInt16ToFloat32(stored: Int16Array, out: Float32Array, slope: number, intercept: number): { low: number; high: number } {
  let low0 = 32767;
  let high0 = -32768;
  let low1 = 32767;
  let high1 = -32768;
  const n = stored.length;
  const even = n - (n % 2);
  for (let i = 0; i < even; i += 2) {
    const a = stored[i] as number;
    const b = stored[i + 1] as number;
    out[i] = a * slope + intercept;
    out[i + 1] = b * slope + intercept;
    low0 = Math.min(low0, a);
    high0 = Math.max(high0, a);
    low1 = Math.min(low1, b);
    high1 = Math.max(high1, b);
  }
  if (even < n) {
    const v = stored[even] as number;
    out[even] = v * slope + intercept;
    low0 = Math.min(low0, v);
    high0 = Math.max(high0, v);
  }
  return { low: Math.min(low0, low1), high: Math.max(high0, high1) };
}

function rescaleAny(stored: ArrayLike<number>, out: NativePixels, slope: number, intercept: number): { low: number; high: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  const n = stored.length;
  for (let i = 0; i < n; i += 1) {
    const v = stored[i] as number;
    out[i] = v * slope + intercept;
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  return { low, high };
}

/** The output range of stored values low…high: both ends rescaled (a negative slope swaps them). */
function extremes(low: number, high: number, slope: number, intercept: number): { min: number; max: number } {
  const a = low * slope + intercept;
  const b = high * slope + intercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

function rescaleSignExtendedInto(stored: ArrayLike<number>, out: NativePixels, slope: number, intercept: number, shift: number): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < stored.length; i += 1) {
    const value = (((stored[i] as number) << shift) >> shift) * slope + intercept;
    out[i] = value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

export function scaleNativeFrame(bytes: Uint8Array, layout: NativeFrameLayout, rescale: Rescale | undefined, targetType: NativeTargetType): ScaledFrame | undefined {
  const { rows, columns, bitsAllocated, bitsStored, signed } = layout;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) return undefined;
  if (bitsStored < 1 || bitsStored > bitsAllocated) return undefined;
  // Unsigned values with bits above Bits Stored would need masking, which the loader's decoder does not do either: leave them to it.
  if (!signed && bitsStored < bitsAllocated) return undefined;
  const length = rows * columns;
  if (length === 0 || bytes.length < length * (bitsAllocated / 8)) return undefined;
  const range = targetRange[targetType];
  const slope = rescale?.slope ?? 1;
  const intercept = rescale?.intercept ?? 0;
  // Integer targets hold the rescaled values exactly only for an integer slope and intercept.
  if (range !== undefined && (!Number.isInteger(slope) || !Number.isInteger(intercept))) return undefined;
  const stored = storedValues(bytes, layout, length);
  const out = allocate(targetType, length);
  // Two's complement values narrower than their cell carry their sign in bit Bits Stored − 1 (PS3.5 8.1.1).
  const shift = signed && bitsStored < bitsAllocated ? 32 - bitsStored : 0;
  const { min, max } = shift === 0 ? rescaleInto(stored, out, slope, intercept) : rescaleSignExtendedInto(stored, out, slope, intercept, shift);
  if (range !== undefined && (min < range[0] || max > range[1])) return undefined;
  return { pixels: out, min, max };
}
