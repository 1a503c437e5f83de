/** Public API of @vertebra/dicom: Part 10 reading, DICOM JSON, pixel decoding, volume assembly, NIfTI reading. */
export type { DicomHeader } from './DicomHeader.js';
export { readDicomHeader, type ReadDicomHeaderOptions } from './readDicomHeader.js';
export { readDicomInstance, type DicomInstance, type DicomInstanceJsonOptions } from './readDicomInstance.js';
export { isValidUid, isSafeUid } from './isValidUid.js';
export {
  dicomToJson,
  type BulkDataContext,
  type DicomJsonAttribute,
  type DicomJsonDataset,
  type DicomToJsonOptions,
} from './dicomToJson.js';
export {
  decodeFrame,
  decodeFrameAsync,
  isDecodableTransferSyntax,
  needsPixelCodecs,
  type DecodedFrame,
  type DecodeFrameOptions,
  type PixelArray,
} from './decodeFrame.js';
export { readFrameCodestream, type ReadFrameCodestreamOptions } from './readFrameCodestream.js';
export { loadPixelCodecs, pixelCodecsLoaded } from './pixelCodecs.js';
export { transcodeToExplicitLittle, type TranscodeOptions } from './transcodeToExplicitLittle.js';
export {
  writePart10,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  type NaturalizedDataset,
  type WritePart10Options,
} from './writePart10.js';
export {
  assembleVolume,
  assembleVolumeAsync,
  type AssembleVolumeOptions,
  type AssembledVolume,
  type AssemblyInput,
  type GeometryWarning,
  type GeometryWarningCode,
  type SliceInfo,
} from './assembleVolume.js';
export { readNifti, readNiftiHeader, niftiAffineRas, type NiftiHeader, type ReadNiftiOptions } from './readNifti.js';
export {
  deidentifyPart10,
  DEIDENTIFICATION_CODES,
  DEIDENTIFICATION_METHOD,
  type DeidentifyOptions,
  type DeidentifyResult,
} from './deidentify/deidentifyPart10.js';
export {
  checkDeidentified,
  type CheckDeidentifiedOptions,
  type CheckDeidentifiedResult,
  type DeidentificationViolation,
} from './deidentify/checkDeidentified.js';
export {
  basicProfileActions,
  resolveAction,
  type ProfileActionCode,
  type ProfileAttribute,
  type ResolvedAction,
} from './deidentify/basicProfileActions.js';
export { pseudonymousUid, patientPseudonym, patientNamePseudonym, dateOffsetDays, shiftDate, type DeidentificationKey } from './deidentify/pseudonyms.js';
