/** Public API of @vertebra/analysis: classical CT spine analysis as pure functions over Volume. */
export { analyzeSpineCt, checkSpineCtInput, ANALYSIS_ALGORITHM_VERSION } from './analyzeSpineCt.js';
export type { AnalyzeSpineCtOptions, AnalysisProgress } from './analyzeSpineCt.js';
export { defaultFindingThresholds, resolveFindingThresholds } from './findingThresholds.js';
export type { FindingThresholds, FindingThresholdsOverride } from './findingThresholds.js';
export { labelVertebrae, regionOf } from './labelVertebrae.js';
export type { LabelInput, LabelOutput } from './labelVertebrae.js';
export { createLpsSampler } from './createLpsSampler.js';
export type { LpsSampler } from './createLpsSampler.js';
export { resampleToLpsGrid } from './resampleToLpsGrid.js';
export type { LpsGrid } from './resampleToLpsGrid.js';
export type * from './SpineAnalysisResult.js';
