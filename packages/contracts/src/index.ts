/** Public API of @vertebra/contracts: REST schemas (measurements, calibrations), their validators and a typed client. */
export * from './measurementSchema.js';
export * from './validateMeasurement.js';
export * from './createVertebraApiClient.js';
export * from './sessionSchema.js';
export * from './analysisSchema.js';
