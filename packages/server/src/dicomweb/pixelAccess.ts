/**
 * The one place the DICOMweb adapters touch pixel data: a frame's stored codestream
 * (PS3.5 A.4 encapsulation), a frame's decoded values as little-endian bytes (PS3.18
 * 8.7.3.3.2 uncompressed frames), decoded values for rendering, and Part 10 transcoding
 * to Explicit VR Little Endian. Decoding, frame extraction and transcoding are @vertebra/dicom's.
 */
import { decodeFrameAsync, loadPixelCodecs, readFrameCodestream as readDicomFrameCodestream, transcodeToExplicitLittle } from '@vertebra/dicom';
import type { FramePixels } from './renderFrame.js';

/** Part 10 bytes → Part 10 bytes in Explicit VR Little Endian, pixel data decoded. */
export async function transcodeInstance(bytes: Uint8Array, subject: string): Promise<Uint8Array> {
  await loadPixelCodecs();
  return transcodeToExplicitLittle(bytes, { subject });
}

/** The stored codestream of frame `frameIndex` (0-based) of encapsulated Pixel Data (PS3.5 A.4). */
export function readFrameCodestream(bytes: Uint8Array, frameIndex: number, subject: string): Uint8Array {
  return readDicomFrameCodestream(bytes, frameIndex, { subject });
}

export interface DecodedFramePixels extends FramePixels {
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly photometricInterpretation: string;
}

/** Decoded stored values of one frame (0-based), with what rendering needs. */
export async function readFramePixels(bytes: Uint8Array, frameIndex: number, subject: string): Promise<DecodedFramePixels> {
  const frame = await decodeFrameAsync(bytes, frameIndex, { subject });
  return {
    values: frame.pixels,
    rows: frame.rows,
    columns: frame.columns,
    samplesPerPixel: frame.samplesPerPixel,
    rescaleSlope: frame.rescaleSlope,
    rescaleIntercept: frame.rescaleIntercept,
    photometricInterpretation: frame.photometricInterpretation,
  };
}

/** Decoded values of one frame (0-based) as little-endian bytes at their allocated width. */
export async function readFramePixelBytes(bytes: Uint8Array, frameIndex: number, subject: string): Promise<Uint8Array> {
  const frame = await decodeFrameAsync(bytes, frameIndex, { subject });
  const values = frame.pixels;
  // Typed arrays use platform byte order: little endian on every platform Node supports here.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
