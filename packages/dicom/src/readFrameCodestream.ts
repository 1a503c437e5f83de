/**
 * The stored (still compressed) codestream of one frame of encapsulated Pixel Data
 * (PS3.5 A.4), as WADO-RS returns it when the client accepts the stored transfer syntax
 * (PS3.18 8.7.3.5). Uses the Basic / Extended Offset Table when present.
 */
import { VertebraError } from '@vertebra/errors';
import { describePixels } from './decodeFrame.js';
import { encapsulatedFrame } from './encapsulatedFrames.js';
import { parseDataSet } from './parseDataSet.js';

export interface ReadFrameCodestreamOptions {
  readonly subject?: string;
  readonly transferSyntaxUid?: string;
}

/** Frame `frameIndex` (0-based) of an encapsulated instance; throws DICOM_* catalogue errors. */
export function readFrameCodestream(bytes: Uint8Array, frameIndex: number, options: ReadFrameCodestreamOptions = {}): Uint8Array {
  const subjectOptions = options.subject === undefined ? {} : { subject: options.subject };
  try {
    const parsed = parseDataSet(bytes, options);
    const pixelData = parsed.dataSet.elements.x7fe00010;
    if (!pixelData) throw new VertebraError('DICOM_NO_PIXEL_DATA', 'the data set has no Pixel Data (7FE0,0010)', subjectOptions);
    if (!pixelData.encapsulatedPixelData) {
      throw new VertebraError('DICOM_DECODE_FAILED', `Pixel Data in transfer syntax ${parsed.transferSyntaxUid} is not encapsulated`, subjectOptions);
    }
    const description = describePixels(parsed, subjectOptions);
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= description.numberOfFrames) {
      throw new VertebraError('DICOM_FRAME_OUT_OF_RANGE', `frame index ${frameIndex} is outside 0..${description.numberOfFrames - 1}`, subjectOptions);
    }
    return encapsulatedFrame(parsed.dataSet, pixelData, frameIndex, description.numberOfFrames, subjectOptions);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `cannot read frame index ${frameIndex}: ${error instanceof Error ? error.message : String(error)}`, { ...subjectOptions, cause: error });
  }
}
