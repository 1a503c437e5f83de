/**
 * Remembers, per stored blob (content-addressed by SHA-256, so immutable) and frame, whether
 * the uncompressed frame WADO-RS sends (PS3.18 8.7.3.3.2: decoded values, little endian, at
 * their allocated width) is byte for byte a slice of the stored Part 10 file, and where.
 * That is the case for native little-endian Pixel Data (PS3.5 A.1, A.2) whose values need no
 * masking or sign extension and whose samples are interleaved. The verdict comes from one full
 * decode of the frame compared with the slice, so every rule of decodeFrame (byte swapping,
 * planar configuration, Bits Stored, deflate) is honoured without being restated here; later
 * requests for that frame send the slice without parsing, decoding or copying.
 */
import { readDicomHeader } from '@vertebra/dicom';

interface BlobFrames {
  /** Byte offset of the Pixel Data value in the stored file, or -1 when unknown / absent. */
  readonly pixelDataOffset: number;
  /** Per frame: 0 not checked yet, 1 verbatim, 2 not verbatim. */
  readonly verdicts: Uint8Array;
  /** Bytes per frame, from the first decoded frame (all frames of an instance are the same size). */
  frameBytes: number;
}

const NOT_CHECKED = 0;
const VERBATIM = 1;
const NOT_VERBATIM = 2;

export class VerbatimFrameCache {
  readonly #blobs = new Map<string, BlobFrames>();
  readonly #maxBlobs: number;

  /** `maxBlobs`: how many blobs are remembered (oldest forgotten first); ~100 bytes each. */
  constructor(maxBlobs = 100_000) {
    this.#maxBlobs = maxBlobs;
  }

  /** The verbatim slice of frame `frameIndex` (0-based) of `bytes`, or undefined when it must be decoded. */
  slice(sha256: string, bytes: Uint8Array, frameIndex: number): Uint8Array | undefined {
    const entry = this.#blobs.get(sha256);
    if (entry === undefined || entry.verdicts[frameIndex] !== VERBATIM) return undefined;
    const start = entry.pixelDataOffset + frameIndex * entry.frameBytes;
    const end = start + entry.frameBytes;
    return end <= bytes.length ? bytes.subarray(start, end) : undefined;
  }

  /**
   * Records what decoding frame `frameIndex` produced (`decoded`: the bytes sent), comparing it
   * with the stored slice at the same place.
   */
  learn(sha256: string, bytes: Uint8Array, numberOfFrames: number, frameIndex: number, decoded: Uint8Array): void {
    let entry = this.#blobs.get(sha256);
    if (entry === undefined) {
      entry = { pixelDataOffset: pixelDataOffsetOf(bytes), verdicts: new Uint8Array(Math.max(1, numberOfFrames)), frameBytes: decoded.length };
      if (this.#blobs.size >= this.#maxBlobs) {
        const oldest = this.#blobs.keys().next();
        if (oldest.done !== true) this.#blobs.delete(oldest.value);
      }
      this.#blobs.set(sha256, entry);
    }
    if (frameIndex >= entry.verdicts.length || entry.verdicts[frameIndex] !== NOT_CHECKED) return;
    if (entry.pixelDataOffset < 0 || decoded.length !== entry.frameBytes || decoded.length === 0) {
      entry.verdicts[frameIndex] = NOT_VERBATIM;
      return;
    }
    const start = entry.pixelDataOffset + frameIndex * entry.frameBytes;
    const stored = start + decoded.length <= bytes.length ? bytes.subarray(start, start + decoded.length) : undefined;
    entry.verdicts[frameIndex] = stored !== undefined && Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).equals(decoded) ? VERBATIM : NOT_VERBATIM;
  }
}

function pixelDataOffsetOf(bytes: Uint8Array): number {
  try {
    return readDicomHeader(bytes).pixelDataOffset ?? -1;
  } catch {
    return -1;
  }
}
