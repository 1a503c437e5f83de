/**
 * The metadata index behind the archive: patients, studies, series, instances, their
 * stored DICOM JSON metadata and the ingest warnings per study. One implementation
 * (KyselyMetadataIndex) runs on SQLite and PostgreSQL; both pass the same test suite.
 * `commitBatch` is the only write path: it decides and applies a whole batch of ingests in
 * one transaction (group commit), so a row appears only together with everything it needs.
 */
import type { DicomJsonDataset, InstanceRecord, InstanceSelector, IngestWarning, QueryResult } from './ArchiveService.js';
import type { QueryPlan } from './planQuery.js';

export interface IndexedPatient {
  /** Identity of the patient row: PatientID when present, else a key derived from name and birth date. */
  readonly patientKey: string;
  readonly patientId: string;
  readonly patientName: string;
  readonly patientBirthDate: string;
  readonly patientSex: string;
}

export interface IndexedStudy {
  readonly studyInstanceUid: string;
  readonly studyDate: string;
  readonly studyTime: string;
  readonly accessionNumber: string;
  readonly studyId: string;
  readonly studyDescription: string;
  readonly referringPhysicianName: string;
  readonly uidDerived: boolean;
}

export interface IndexedSeries {
  readonly seriesInstanceUid: string;
  readonly modality: string;
  readonly seriesNumber: number | null;
  readonly seriesDescription: string;
  readonly seriesDate: string;
  readonly seriesTime: string;
  readonly bodyPartExamined: string;
  readonly frameOfReferenceUid: string;
  readonly uidDerived: boolean;
}

export interface IndexedInstance {
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly instanceNumber: number | null;
  readonly numberOfFrames: number;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly bitsAllocated: number | null;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** One ingest whose blob is already durable, waiting for its index transaction. */
export interface IndexWriteItem {
  readonly patient: IndexedPatient;
  readonly study: IndexedStudy;
  readonly series: IndexedSeries;
  readonly instance: IndexedInstance;
  /** DICOM JSON (PS3.18 Annex F) of the instance, serialized. */
  readonly metadataJson: string;
  readonly warnings: readonly IngestWarning[];
  readonly replace: boolean;
}

export type IndexWriteOutcome =
  | { readonly outcome: 'stored' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'replaced'; readonly previousSha256: string }
  | { readonly outcome: 'conflict'; readonly existingSha256: string };

export interface StoredInstanceRef {
  readonly sopInstanceUid: string;
  readonly sha256: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopClassUid: string;
}

export interface IndexCounts {
  readonly patients: number;
  readonly studies: number;
  readonly series: number;
  readonly instances: number;
}

export interface MetadataIndex {
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates tables and indexes when missing (idempotent). */
  migrate(): Promise<void>;
  findInstance(sopInstanceUid: string): Promise<StoredInstanceRef | undefined>;
  /** Applies a batch in one transaction; outcomes line up with `items`. */
  commitBatch(items: readonly IndexWriteItem[]): Promise<IndexWriteOutcome[]>;
  /** True when any instance row references the blob. */
  isBlobReferenced(sha256: string): Promise<boolean>;
  query(plan: QueryPlan): Promise<QueryResult>;
  listInstances(selector: InstanceSelector): Promise<InstanceRecord[]>;
  readInstanceMetadata(sopInstanceUid: string): Promise<DicomJsonDataset | undefined>;
  listIngestWarnings(studyInstanceUid: string): Promise<IngestWarning[]>;
  /** Deletes a study with its series, instances, metadata and warnings; returns the blobs it referenced. */
  deleteStudy(studyInstanceUid: string): Promise<{ deleted: boolean; sha256s: string[] }>;
  counts(): Promise<IndexCounts>;
  close(): Promise<void>;
}
