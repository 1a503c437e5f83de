/**
 * RLE Lossless decoding (DICOM PS3.5 Annex G): a 64-byte header of up to 15 segment
 * offsets, one PackBits-coded segment per byte plane (most significant byte first per
 * sample), composed into little-endian, pixel-interleaved samples.
 */
import { VertebraError } from '@vertebra/errors';

export interface RleFrameGeometry {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
}

/** Decodes one RLE frame into little-endian bytes, samples interleaved (planar configuration 0). */
export function decodeRle(encoded: Uint8Array, geometry: RleFrameGeometry, subjectOptions: { subject?: string } = {}): Uint8Array {
  const { rows, columns, samplesPerPixel, bitsAllocated } = geometry;
  const bytesPerSample = Math.ceil(bitsAllocated / 8);
  const pixelCount = rows * columns;
  const segmentsExpected = bytesPerSample * samplesPerPixel;
  if (encoded.length < 64) {
    throw new VertebraError('DICOM_DECODE_FAILED', `RLE frame of ${encoded.length} bytes is shorter than its 64-byte header`, subjectOptions);
  }
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segmentCount = view.getUint32(0, true);
  if (segmentCount !== segmentsExpected) {
    throw new VertebraError('DICOM_DECODE_FAILED', `RLE header declares ${segmentCount} segments, expected ${segmentsExpected} for ${samplesPerPixel} sample(s) of ${bitsAllocated} bits`, subjectOptions);
  }
  const out = new Uint8Array(pixelCount * segmentsExpected);
  for (let segment = 0; segment < segmentCount; segment += 1) {
    const start = view.getUint32(4 + 4 * segment, true);
    const end = segment + 1 < segmentCount ? view.getUint32(8 + 4 * segment, true) : encoded.length;
    if (start < 64 || start > encoded.length || end > encoded.length || end < start) {
      throw new VertebraError('DICOM_DECODE_FAILED', `RLE segment ${segment + 1} has offsets ${start}..${end} outside the ${encoded.length}-byte frame`, subjectOptions);
    }
    const sample = Math.floor(segment / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (segment % bytesPerSample); // MSB segment first → little-endian position
    const stride = segmentsExpected;
    let outIndex = sample * bytesPerSample + byteInSample;
    let produced = 0;
    let at = start;
    while (at < end && produced < pixelCount) {
      const control = encoded[at] ?? 0;
      at += 1;
      if (control < 128) {
        const count = control + 1;
        for (let i = 0; i < count && produced < pixelCount; i += 1) {
          if (at >= end) break;
          out[outIndex] = encoded[at] ?? 0;
          at += 1;
          outIndex += stride;
          produced += 1;
        }
      } else if (control > 128) {
        const count = 257 - control;
        const value = encoded[at] ?? 0;
        at += 1;
        for (let i = 0; i < count && produced < pixelCount; i += 1) {
          out[outIndex] = value;
          outIndex += stride;
          produced += 1;
        }
      }
    }
    if (produced < pixelCount) {
      throw new VertebraError('DICOM_DECODE_FAILED', `RLE segment ${segment + 1} decodes to ${produced} bytes, expected ${pixelCount}`, subjectOptions);
    }
  }
  return out;
}
