/**
 * The frames of a Part 10 instance (PS3.10 7.1) whose Pixel Data is native little endian
 * (PS3.5 A.1 Implicit / A.2 Explicit VR Little Endian, 8.1.1), as views into the file: what
 * a WADO-RS frames request would return for them (PS3.18 8.7.3.3.2), byte for byte, where
 * no value needs masking. Undefined for anything else (encapsulated, big endian, deflated,
 * 1-bit, planar colour, unsigned values with Bits Stored < Bits Allocated, truncated data):
 * those frames are left to the server's frames resource. dicom-parser stops at Pixel Data.
 */
import dicomParser from 'dicom-parser';

export interface NativeFrames {
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** One view per frame, in frame order. */
  readonly frames: readonly Uint8Array[];
}

const littleEndian = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

export function readNativeFrames(part10: Uint8Array): NativeFrames | undefined {
  let dataSet: ReturnType<typeof dicomParser.parseDicom>;
  try {
    dataSet = dicomParser.parseDicom(part10, { untilTag: 'x7fe00010' });
  } catch {
    return undefined;
  }
  const transferSyntaxUid = (dataSet.string('x00020010') ?? '').trim();
  const sopInstanceUid = (dataSet.string('x00080018') ?? '').trim();
  const pixelData = dataSet.elements.x7fe00010;
  if (!littleEndian.has(transferSyntaxUid) || sopInstanceUid === '' || pixelData === undefined || pixelData.length === 0xffffffff || pixelData.encapsulatedPixelData) return undefined;
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const planar = samplesPerPixel > 1 ? (dataSet.uint16('x00280006') ?? 0) : 0;
  const signed = dataSet.uint16('x00280103') === 1;
  if (rows === 0 || columns === 0 || ![8, 16, 32].includes(bitsAllocated) || planar !== 0) return undefined;
  // Unsigned values above Bits Stored would be masked by the server's decoder; signed ones are sign-extended by Cornerstone as by it.
  if (!signed && bitsStored < bitsAllocated) return undefined;
  const frameCount = Math.max(1, Math.trunc(Number(dataSet.string('x00280008') ?? '1')) || 1);
  const frameBytes = rows * columns * samplesPerPixel * (bitsAllocated / 8);
  const start = pixelData.dataOffset;
  if (frameBytes * frameCount > pixelData.length || start + frameBytes * frameCount > part10.length) return undefined;
  const frames = Array.from({ length: frameCount }, (_, k) => part10.subarray(start + k * frameBytes, start + (k + 1) * frameBytes));
  return { sopInstanceUid, transferSyntaxUid, frames };
}
