/** The annotation store: viewer measurements and series calibrations next to the metadata index. */
export { openAnnotationStore, type AnnotationStore, type StoredMeasurement, type StoredCalibration } from './AnnotationStore.js';
export { attachAnnotationStore, annotationStoreOf, type ArchiveWithAnnotations } from './attachAnnotationStore.js';
export { createAnnotationSchema, type AnnotationDatabase } from './createAnnotationSchema.js';
