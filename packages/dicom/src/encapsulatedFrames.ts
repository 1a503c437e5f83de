/**
 * Frames of encapsulated Pixel Data (PS3.5 A.4): with a Basic Offset Table, frame i is
 * the fragments whose offsets lie in [BOT[i], BOT[i+1]); with an Extended Offset Table
 * (7FE0,0001)/(7FE0,0002) the frame is that byte range; with an empty table, one frame
 * uses all fragments, as many fragments as frames map one to one, and otherwise frame
 * starts are found from codestream start markers (JPEG SOI FFD8, JPEG 2000 SOC FF4F).
 */
import { VertebraError } from '@vertebra/errors';
import type { DataSet, Element } from './parseDataSet.js';

interface Fragment {
  /** Offset of the fragment's item tag relative to the first fragment item (as the BOT counts). */
  readonly offset: number;
  /** Position of the fragment's value in the file. */
  readonly position: number;
  readonly length: number;
}

function fragmentsOf(pixelData: Element, bytes: Uint8Array): Fragment[] {
  const fragments = (pixelData.fragments ?? []) as Fragment[];
  for (const fragment of fragments) {
    if (fragment.position + fragment.length > bytes.length) {
      throw new VertebraError('DICOM_TRUNCATED', `a Pixel Data fragment at byte ${fragment.position} declares ${fragment.length} bytes but the data ends at ${bytes.length}`);
    }
  }
  return fragments;
}

function concat(bytes: Uint8Array, fragments: readonly Fragment[]): Uint8Array {
  const first = fragments[0];
  if (fragments.length === 1 && first) return bytes.subarray(first.position, first.position + first.length);
  const total = fragments.reduce((sum, fragment) => sum + fragment.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const fragment of fragments) {
    out.set(bytes.subarray(fragment.position, fragment.position + fragment.length), at);
    at += fragment.length;
  }
  return out;
}

function startsFrame(bytes: Uint8Array, fragment: Fragment): boolean {
  const b0 = bytes[fragment.position];
  const b1 = bytes[fragment.position + 1];
  if (b0 !== 0xff) return false;
  if (b1 === 0xd8) return true; // JPEG, JPEG-LS SOI
  if (b1 === 0x4f && bytes[fragment.position + 2] === 0xff && bytes[fragment.position + 3] === 0x51) return true; // J2K SOC+SIZ
  return false;
}

/** Compressed bytes of frame `frameIndex` (0-based). */
export function encapsulatedFrame(dataSet: DataSet, pixelData: Element, frameIndex: number, numberOfFrames: number, subjectOptions: { subject?: string }): Uint8Array {
  const bytes = dataSet.byteArray;
  const fragments = fragmentsOf(pixelData, bytes);
  if (fragments.length === 0) {
    throw new VertebraError('DICOM_DECODE_FAILED', 'the encapsulated Pixel Data has no fragments', subjectOptions);
  }
  const extended = dataSet.elements.x7fe00001;
  const extendedLengths = dataSet.elements.x7fe00002;
  if (extended && extended.length >= 8 * numberOfFrames && extendedLengths && extendedLengths.length >= 8 * numberOfFrames) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const offset = Number(view.getBigUint64(extended.dataOffset + 8 * frameIndex, true));
    const length = Number(view.getBigUint64(extendedLengths.dataOffset + 8 * frameIndex, true));
    const firstItem = (fragments[0]?.position ?? 0) - 8;
    const start = firstItem + offset + 8;
    if (start + length <= bytes.length) return bytes.subarray(start, start + length);
  }
  const table = (pixelData.basicOffsetTable ?? []) as number[];
  if (table.length > 0) {
    const begin = table[frameIndex];
    if (begin === undefined) {
      throw new VertebraError('DICOM_FRAME_OUT_OF_RANGE', `frame index ${frameIndex} is outside the Basic Offset Table (${table.length} frames)`, subjectOptions);
    }
    const end = table[frameIndex + 1] ?? Number.POSITIVE_INFINITY;
    const selected = fragments.filter((fragment) => fragment.offset >= begin && fragment.offset < end);
    if (selected.length === 0) {
      throw new VertebraError('DICOM_DECODE_FAILED', `no Pixel Data fragment starts at Basic Offset Table offset ${begin} for frame index ${frameIndex}`, subjectOptions);
    }
    return concat(bytes, selected);
  }
  if (numberOfFrames === 1) return concat(bytes, fragments);
  if (fragments.length === numberOfFrames) {
    const fragment = fragments[frameIndex];
    if (!fragment) throw new VertebraError('DICOM_FRAME_OUT_OF_RANGE', `frame index ${frameIndex} is outside ${numberOfFrames} frames`, subjectOptions);
    return concat(bytes, [fragment]);
  }
  const starts: number[] = [];
  fragments.forEach((fragment, index) => {
    if (startsFrame(bytes, fragment)) starts.push(index);
  });
  if (starts.length !== numberOfFrames) {
    throw new VertebraError('DICOM_DECODE_FAILED', `cannot tell which of ${fragments.length} fragments belong to which of ${numberOfFrames} frames (empty Basic Offset Table, ${starts.length} codestream starts found)`, subjectOptions);
  }
  const first = starts[frameIndex] ?? 0;
  const next = starts[frameIndex + 1] ?? fragments.length;
  return concat(bytes, fragments.slice(first, next));
}
