/** Public API of @vertebra/archive: the archive service contract, openArchive, and the storage interfaces behind it. */
export * from './ArchiveService.js';
export { openArchive, type OpenArchiveOptions } from './openArchive.js';
export { createArchiveService, type Archive, type ArchiveLogger, type CreateArchiveServiceOptions } from './createArchiveService.js';
export type { BlobStore } from './BlobStore.js';
export { FileSystemBlobStore, type FileSystemBlobStoreOptions, type QuarantineOutcome } from './FileSystemBlobStore.js';
export { sweepOrphanBlobs, defaultOrphanBlobMinAgeMs, type SweepOrphanBlobsOptions, type SweepOrphanBlobsReport } from './sweepOrphanBlobs.js';
export type {
  MetadataIndex,
  IndexWriteItem,
  IndexWriteOutcome,
  IndexCounts,
  StoredInstanceRef,
  IndexedPatient,
  IndexedStudy,
  IndexedSeries,
  IndexedInstance,
} from './MetadataIndex.js';
export { KyselyMetadataIndex } from './KyselyMetadataIndex.js';
export { openMetadataIndex, openSqliteIndex, openPostgresIndex, type OpenMetadataIndexOptions, type SqliteIndexOptions, type PostgresIndexOptions } from './openMetadataIndex.js';
export { createIndexSchema, type IndexDatabase } from './createIndexSchema.js';
export { planQuery, type QueryPlan, type PlannedMatch, type MatchCondition, type ValueMatcher, type PlanQueryOptions } from './planQuery.js';
export { indexedAttributes, findIndexedAttribute, type IndexedAttribute } from './indexedAttributes.js';
export { deriveUid } from './deriveUid.js';
export { GroupCommitQueue, type GroupCommitQueueOptions } from './GroupCommitQueue.js';
export { openAnnotationStore, attachAnnotationStore, annotationStoreOf, type AnnotationStore, type StoredMeasurement, type StoredCalibration, type ArchiveWithAnnotations } from './annotations/index.js';
export * from './security/index.js';
export * from './analyses/index.js';
