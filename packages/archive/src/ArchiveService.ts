/**
 * The archive's public service contract. Every transport (STOW-RS, C-STORE,
 * `vertebra import`, the demo loader) ingests through `ingest`; QIDO-RS and C-FIND both
 * query through `query`; WADO-RS, C-MOVE, C-GET and export read through `listInstances`
 * and `readInstance`. Transports convert and call; the rules live behind this interface.
 */
import type { ErrorCode } from '@vertebra/errors';

/** DICOM JSON data set (PS3.18 Annex F): tag 'GGGGEEEE' → { vr, Value | BulkDataURI | InlineBinary }. */
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

export type IngestSourceKind = 'stow-rs' | 'c-store' | 'import' | 'demo';

export interface IngestSource {
  readonly kind: IngestSourceKind;
  /** Names the object for messages: a file path, 'part 3 of the STOW request', 'C-STORE from AE X'. */
  readonly label: string;
  readonly callingAeTitle?: string;
  readonly remoteAddress?: string;
}

export interface IngestRequest {
  /** The Part 10 bytes. The archive keeps no reference and reads them no more once ingest() settled: the caller may reuse the buffer then. */
  readonly bytes: Uint8Array;
  readonly source: IngestSource;
  /** Replace a different object already stored under the same SOP Instance UID. */
  readonly replace?: boolean;
  /**
   * The SHA-256 of `bytes` (64 lower-case hex digits) when the transport computed it while
   * the bytes arrived (the DIMSE SCP hashes each PDV as it comes in, so the digest is ready
   * when the last one is). Trusted: it names the blob. Computed by the archive when absent.
   */
  readonly sha256?: string;
  /**
   * The identity the transport announced (C-STORE Affected SOP Class/Instance UID, PS3.7
   * 9.1.1.1): a data set that names another SOP Class or Instance UID is rejected
   * (DICOM_UID_MISMATCH) before anything is stored.
   */
  readonly expectedUids?: { readonly sopClassUid: string; readonly sopInstanceUid: string };
}

export type IngestOutcome = 'stored' | 'duplicate' | 'replaced' | 'rejected';

export interface IngestWarning {
  /** Stable machine-readable code, e.g. 'DERIVED_STUDY_UID'. */
  readonly code: string;
  readonly message: string;
}

export interface IngestResult {
  readonly outcome: IngestOutcome;
  readonly label: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly warnings: readonly IngestWarning[];
  /** Set when outcome is 'rejected'. */
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export type QueryLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

export interface QueryRequest {
  readonly level: QueryLevel;
  /**
   * Matching keys by DICOM keyword (PatientName, StudyDate, ModalitiesInStudy, …) with
   * values in the PS3.4 C.2.2.2 syntax: single value, wildcard (* ?), range (a-b),
   * UID list (backslash or comma separated). Empty string = universal match.
   */
  readonly match: Readonly<Record<string, string>>;
  /** Extra attributes to return (keywords or 'GGGGEEEE' tags); 'all' returns all indexed ones. */
  readonly includeFields?: readonly string[];
  /** PS3.18 8.3.4.3 fuzzymatching: person names match case-insensitively on any name component prefix. */
  readonly fuzzyMatching?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

export interface QueryResult {
  readonly rows: readonly DicomJsonDataset[];
  /** Rows beyond `limit` that matched (PS3.18 8.3.4.4 Warning header). */
  readonly truncated: boolean;
}

export interface InstanceRecord {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly instanceNumber: number | null;
  readonly numberOfFrames: number;
  readonly sizeBytes: number;
  /** SHA-256 of the stored Part 10 bytes, hex. */
  readonly sha256: string;
}

export interface InstanceSelector {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
}

/** What `onStored` listeners learn after an instance was committed (outcome 'stored' or 'replaced'). */
export interface StoredInstanceEvent {
  readonly outcome: 'stored' | 'replaced';
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** Modality (0008,0060); '' when absent. */
  readonly modality: string;
  /** Frame of Reference UID (0020,0052); null when absent. */
  readonly frameOfReferenceUid: string | null;
  readonly source: IngestSourceKind;
}

/** Called synchronously after the commit: must be cheap and must not throw (a throw is logged and ignored). */
export type StoredInstanceListener = (event: StoredInstanceEvent) => void;

export interface ArchiveService {
  ingest(request: IngestRequest): Promise<IngestResult>;
  /**
   * Subscribes to committed instances (every transport: they all ingest here), e.g. to start
   * an analysis job. Duplicates and rejections are not reported. Returns the unsubscribe function.
   */
  onStored(listener: StoredInstanceListener): () => void;
  query(request: QueryRequest): Promise<QueryResult>;
  /** Instances in a study/series/instance, ordered by series then instance number; [] when none. */
  listInstances(selector: InstanceSelector): Promise<readonly InstanceRecord[]>;
  /** The stored Part 10 bytes, byte-identical to what was ingested. */
  readInstance(record: InstanceRecord): Promise<Uint8Array>;
  /** DICOM JSON metadata of one instance (bulk data replaced by BulkDataURI placeholders). */
  readInstanceMetadata(record: InstanceRecord): Promise<DicomJsonDataset>;
  /** Ingest warnings recorded for a study, for the API to return. */
  listIngestWarnings(studyInstanceUid: string): Promise<readonly IngestWarning[]>;
  close(): Promise<void>;
}
