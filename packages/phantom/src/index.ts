/** Public API of @vertebra/phantom: synthetic spine patients with exact ground truth, rendered as CT and radiographs. */
export type { AnatomyVariant, SpineLevel, SpineRegion, VertebraLevel } from './spineLevels.js';
export { normalVariant, vertebraLevelsFor } from './spineLevels.js';
export { vertebraMorphometry, type VertebraDimensions } from './vertebraMorphometry.js';
export {
  defaultPhantomParameters,
  mergePhantomParameters,
  validatePhantomParameters,
  type CoronalCurve,
  type DiscDegenerationSpec,
  type FractureShape,
  type FractureSpec,
  type ImplantSpec,
  type ListhesisSpec,
  type PhantomParameterOverrides,
  type PhantomParameters,
  type PhantomPatient,
  type StenosisSpec,
} from './PhantomParameters.js';
export { phantomPresetNames, phantomPresets, resolvePhantomPreset, type PhantomPreset, type PhantomPresetName } from './phantomPresets.js';
export { buildSpineModel, coronalLineAngleDeg, sagittalLineAngleDeg, type DiscModel, type SpineModel, type VertebraModel } from './buildSpineModel.js';
export { buildAnatomy, pedicleTrajectory, posteriorLandmarks, phantomLabels, tissueHu, type PhantomAnatomy } from './buildAnatomy.js';
export {
  computeGroundTruth,
  findCobbAngles,
  meyerdingSlipPercent,
  type CobbTruth,
  type DiscTruth,
  type EndplateTruth,
  type PhantomGroundTruth,
  type VertebraTruth,
} from './computeGroundTruth.js';
export { renderCtVolume, type CtGridOptions, type RenderCtOptions, type RenderedCt } from './renderCtVolume.js';
export { projectionAxes, projectPointToDetector, projectRadiograph, type ProjectedRadiograph, type ProjectedRod, type ProjectionGeometry } from './projectRadiograph.js';
export { mrSignal, type MrWeighting } from './mrSignal.js';
export { encodeCtSeries, encodeDxImage, encodeMrSeries, encodeXaCine, studyIdentity, type PatientPosition, type StudyIdentity } from './writeDicomSeries.js';
export { encodeNifti } from './writeNifti.js';
export { createSeededRandom, deterministicUid } from './seededRandom.js';
export {
  generatePhantomCase,
  phantomModalities,
  type CtOptions,
  type FieldOfView,
  type MrOptions,
  type MrSeriesTruth,
  type GeneratePhantomCaseOptions,
  type PhantomCase,
  type PhantomCaseGroundTruth,
  type PhantomFile,
  type PhantomModality,
  type RadiographTruth,
  type VisitTruth,
  type XaFrameTruth,
  type XaOptions,
  type XaTruth,
  type XrOptions,
} from './generatePhantomCase.js';
export { writePhantomCase } from './writePhantomCase.js';
export { phantomSuite } from './phantomSuite.js';
