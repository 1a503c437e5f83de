/**
 * The one ingest path and the one query path of the archive (ArchiveService), over a
 * MetadataIndex and a BlobStore.
 *
 * Ingest: parse once (readDicomInstance: the header validates; bad input → outcome
 * 'rejected' with the catalogue code and a message naming the source, never a throw), derive
 * missing Study / Series Instance UIDs deterministically (deriveUid; recorded as warnings),
 * compute the SHA-256, short-cut duplicates and conflicts that are already visible, start the
 * durable blob write (BlobStore.put: data and directory entry flushed) and build the DICOM
 * JSON while the disk works, then, once the put resolved, hand the index rows to the
 * group-commit queue, which commits at once when idle and batches what arrives during a
 * commit. A row therefore never exists without its durable blob, and a crash before the
 * commit leaves at most an unreferenced blob file, never a partial instance.
 *
 * After a commit that stored or replaced an instance, the `onStored` listeners are told
 * synchronously (modality, study, series, frame of reference); a listener that throws is
 * logged and cannot fail the ingest (issue 6: the server's analysis scheduler listens).
 *
 * Blob lifetime: a blob is shared by every ingest of the same bytes. Blobs made unreferenced
 * by a replacement (or written by an ingest that lost a race) are deleted only when no
 * ingest of the same digest is in flight; an ingest that starts meanwhile waits for the
 * deletion before writing.
 */
import { createHash } from 'node:crypto';
import { VertebraError, isVertebraError, type ErrorCode } from '@vertebra/errors';
import { readDicomInstance, type DicomHeader, type DicomInstance } from '@vertebra/dicom';
import type {
  ArchiveService,
  DicomJsonDataset,
  IngestRequest,
  IngestResult,
  IngestWarning,
  InstanceRecord,
  InstanceSelector,
  QueryRequest,
  QueryResult,
  StoredInstanceEvent,
  StoredInstanceListener,
} from './ArchiveService.js';
import { isBlobKey, type BlobStore } from './BlobStore.js';
import { deriveUid } from './deriveUid.js';
import { GroupCommitQueue } from './GroupCommitQueue.js';
import type { IndexWriteItem, IndexWriteOutcome, MetadataIndex } from './MetadataIndex.js';
import { planQuery } from './planQuery.js';

export interface ArchiveLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface CreateArchiveServiceOptions {
  readonly index: MetadataIndex;
  readonly blobs: BlobStore;
  /** Objects larger than this are rejected with ARCHIVE_TOO_LARGE. Default 2 GiB. */
  readonly maxInstanceBytes?: number;
  readonly logger?: ArchiveLogger;
  /** Prefix of the BulkDataURIs stored in instance metadata. Default '/dicomweb'. */
  readonly bulkDataBaseUri?: string;
  /** Group commit: most ingests per transaction (default 256) and how long an idle queue waits for more (default 0: commit at once; see GroupCommitQueue). */
  readonly commitBatchMaxItems?: number;
  readonly commitBatchMaxDelayMs?: number;
  /** Resolves a DICOM keyword the index does not hold to its tag, for includefield. */
  readonly tagForKeyword?: (keyword: string) => string | undefined;
}

/** ArchiveService plus the operations that tools and tests use. */
export interface Archive extends ArchiveService {
  readonly index: MetadataIndex;
  readonly blobs: BlobStore;
  /** Deletes a study (index rows first, then blobs no longer referenced). False when absent. */
  deleteStudy(studyInstanceUid: string): Promise<boolean>;
}

const defaultMaxInstanceBytes = 2 * 1024 * 1024 * 1024;
const fileMetaWarning = /\(0002,000([23])\)/;

function warningCode(message: string): string {
  const fileMeta = fileMetaWarning.exec(message);
  if (fileMeta && message.includes('is empty in the data set')) return fileMeta[1] === '3' ? 'SOP_INSTANCE_UID_FROM_FILE_META' : 'SOP_CLASS_UID_FROM_FILE_META';
  if (message.includes('differs from SOP Instance UID')) return 'FILE_META_UID_MISMATCH';
  if (message.includes('leading zero')) return 'UID_LEADING_ZERO';
  return 'HEADER_WARNING';
}

function roundedOrientation(header: DicomHeader): string {
  const orientation = header.imageOrientationPatient;
  if (!orientation) return '';
  return orientation.map((v) => (Math.round(v * 1000) / 1000 + 0).toFixed(3)).join('\\');
}

/** A storage SOP class (PS3.4 B.5) or a private one; other standard SOP classes are not objects to store. */
function isStorableSopClass(uid: string): boolean {
  return !uid.startsWith('1.2.840.10008.') || uid.startsWith('1.2.840.10008.5.1.4.');
}

interface Identity {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly patientKey: string;
  readonly studyDerived: boolean;
  readonly seriesDerived: boolean;
  readonly warnings: IngestWarning[];
}

/** Study, series and patient identity of an object, deriving what is empty (recorded as warnings). */
function identityOf(header: DicomHeader): Identity {
  const warnings: IngestWarning[] = header.warnings.map((message) => ({ code: warningCode(message), message }));
  let studyInstanceUid = header.studyInstanceUid;
  const studyDerived = studyInstanceUid === '';
  if (studyDerived) {
    // Frame of Reference separates anonymous studies only when nothing identifies the patient or order.
    const anonymous = header.patientId === '' && header.accessionNumber === '';
    const parts: Array<[string, string]> = [
      ['PatientID', header.patientId],
      ['PatientName', header.patientName],
      ['PatientBirthDate', header.patientBirthDate],
      ['StudyDate', header.studyDate],
      ['StudyTime', header.studyTime],
      ['AccessionNumber', header.accessionNumber],
      ['StudyID', header.studyId],
      ['StudyDescription', header.studyDescription],
      ...(anonymous ? ([['FrameOfReferenceUID', header.frameOfReferenceUid]] as Array<[string, string]>) : []),
    ];
    studyInstanceUid = deriveUid('vertebra-study-v1', parts.map(([, v]) => v));
    warnings.push({
      code: 'DERIVED_STUDY_UID',
      message: `Study Instance UID (0020,000D) is empty; derived ${studyInstanceUid} from ${parts.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    });
  }
  let seriesInstanceUid = header.seriesInstanceUid;
  const seriesDerived = seriesInstanceUid === '';
  if (seriesDerived) {
    const parts: Array<[string, string]> = [
      ['StudyInstanceUID', studyInstanceUid],
      ['Modality', header.modality],
      ['SeriesNumber', header.seriesNumber === null ? '' : String(header.seriesNumber)],
      ['SeriesDescription', header.seriesDescription],
      ['SeriesDate', header.seriesDate],
      ['SeriesTime', header.seriesTime],
      ['BodyPartExamined', header.bodyPartExamined],
      ['FrameOfReferenceUID', header.frameOfReferenceUid],
      ['ImageOrientationPatient', roundedOrientation(header)],
    ];
    seriesInstanceUid = deriveUid('vertebra-series-v1', parts.map(([, v]) => v));
    warnings.push({
      code: 'DERIVED_SERIES_UID',
      message: `Series Instance UID (0020,000E) is empty; derived ${seriesInstanceUid} from ${parts.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    });
  }
  let patientKey: string;
  if (header.patientId !== '') {
    patientKey = `id:${header.patientId}`;
  } else {
    patientKey = header.patientName !== '' ? `name:${header.patientName}\u0000${header.patientBirthDate}` : `study:${studyInstanceUid}`;
    warnings.push({
      code: 'EMPTY_PATIENT_ID',
      message:
        header.patientName !== ''
          ? `Patient ID (0010,0020) is empty; the study is filed under the patient named ${JSON.stringify(header.patientName)} born ${JSON.stringify(header.patientBirthDate)}`
          : 'Patient ID (0010,0020) and Patient Name (0010,0010) are empty; the study is filed under an anonymous patient of its own',
    });
  }
  return { studyInstanceUid, seriesInstanceUid, patientKey, studyDerived, seriesDerived, warnings };
}

function uidAttribute(uid: string): { vr: string; Value: string[] } {
  return { vr: 'UI', Value: [uid] };
}

export function createArchiveService(options: CreateArchiveServiceOptions): Archive {
  const { index, blobs } = options;
  const maxInstanceBytes = options.maxInstanceBytes ?? defaultMaxInstanceBytes;
  const bulkBase = (options.bulkDataBaseUri ?? '/dicomweb').replace(/\/+$/, '');
  const logger = options.logger;
  const queue = new GroupCommitQueue<IndexWriteItem, IndexWriteOutcome>({
    commit: (items) => index.commitBatch(items),
    ...(options.commitBatchMaxItems === undefined ? {} : { maxItems: options.commitBatchMaxItems }),
    ...(options.commitBatchMaxDelayMs === undefined ? {} : { maxDelayMs: options.commitBatchMaxDelayMs }),
  });
  /** Ingests between "digest known" and "outcome committed", per digest. */
  const inflight = new Map<string, number>();
  /** Blob deletions in progress, per digest: ingests of that digest wait for them. */
  const deleting = new Map<string, Promise<void>>();
  const running = new Set<Promise<unknown>>();
  const storedListeners = new Set<StoredInstanceListener>();
  let closed = false;

  /** Tells the onStored listeners; a listener that throws is logged, never fails the ingest. */
  const announce = (event: StoredInstanceEvent): void => {
    for (const listener of storedListeners) {
      try {
        listener(event);
      } catch (error) {
        logger?.warn('archive: an onStored listener failed', { sopInstanceUid: event.sopInstanceUid, error: (error as Error)?.message });
      }
    }
  };

  const retain = (sha: string): void => {
    inflight.set(sha, (inflight.get(sha) ?? 0) + 1);
  };
  const release = (sha: string): void => {
    const n = (inflight.get(sha) ?? 1) - 1;
    if (n <= 0) inflight.delete(sha);
    else inflight.set(sha, n);
  };

  /** Deletes a blob that no row references and no ingest is about to reference. */
  const collect = (sha: string): Promise<void> => {
    if ((inflight.get(sha) ?? 0) > 0 || deleting.has(sha)) return Promise.resolve();
    const work = (async () => {
      try {
        if (await index.isBlobReferenced(sha)) return;
        if ((inflight.get(sha) ?? 0) > 0) return; // an ingest started meanwhile; it waits for us
        await blobs.delete(sha);
      } catch (error) {
        logger?.warn('archive: could not delete an unreferenced blob', { sha256: sha, error: (error as Error).message });
      } finally {
        deleting.delete(sha);
      }
    })();
    deleting.set(sha, work);
    return work;
  };

  const rejected = (label: string, code: ErrorCode, message: string, partial: Partial<IngestResult> = {}): IngestResult => ({
    outcome: 'rejected',
    label,
    sopClassUid: partial.sopClassUid ?? '',
    sopInstanceUid: partial.sopInstanceUid ?? '',
    studyInstanceUid: partial.studyInstanceUid ?? '',
    seriesInstanceUid: partial.seriesInstanceUid ?? '',
    warnings: partial.warnings ?? [],
    error: { code, message: message.startsWith(`${label}: `) ? message : `${label}: ${message}` },
  });

  /**
   * `hold.bytesInUse` settles once nothing reads `request.bytes` any more (the blob put is the
   * last reader): ingest() waits for it even when ingestNow fails unexpectedly, so a settled
   * ingest never leaves a write of the caller's bytes running (callers may reuse the buffer).
   */
  const ingestNow = async (request: IngestRequest, hold: { bytesInUse: Promise<unknown> }): Promise<IngestResult> => {
    const label = request.source?.label || 'unnamed object';
    const bytes = request.bytes;
    if (!(bytes instanceof Uint8Array)) return rejected(label, 'DICOM_NOT_DICOM', 'the data is not a byte array');
    if (bytes.byteLength === 0) return rejected(label, 'DICOM_EMPTY_FILE', 'the file is empty (0 bytes)');
    if (bytes.byteLength > maxInstanceBytes) {
      return rejected(label, 'ARCHIVE_TOO_LARGE', `the object has ${bytes.byteLength} bytes, more than the limit of ${maxInstanceBytes} bytes`);
    }

    let instance: DicomInstance;
    try {
      instance = readDicomInstance(bytes, { subject: label });
    } catch (error) {
      if (isVertebraError(error)) return rejected(label, error.code, error.message);
      return rejected(label, 'DICOM_MALFORMED', `the data set cannot be parsed: ${(error as Error).message}`);
    }
    const header: DicomHeader = instance.header;
    const base = { sopClassUid: header.sopClassUid, sopInstanceUid: header.sopInstanceUid };
    if (header.transferSyntaxUid === '') {
      return rejected(label, 'DICOM_MISSING_TRANSFER_SYNTAX', 'the file meta information has no Transfer Syntax UID (0002,0010)', base);
    }
    if (!isStorableSopClass(header.sopClassUid)) {
      return rejected(label, 'DICOM_SOP_CLASS_NOT_SUPPORTED', `SOP Class UID ${header.sopClassUid} is not a storage SOP class`, base);
    }
    const expected = request.expectedUids;
    if (expected !== undefined) {
      // PS3.4 B.2.3 / PS3.7 9.3.1.1: the object must be the one the transport announced; storing it
      // under another UID would acknowledge an instance the archive does not hold.
      for (const [field, tag, actual] of [
        ['sopClassUid', 'SOP Class UID (0008,0016)', header.sopClassUid],
        ['sopInstanceUid', 'SOP Instance UID (0008,0018)', header.sopInstanceUid],
      ] as const) {
        if (expected[field] !== actual) {
          return rejected(label, 'DICOM_UID_MISMATCH', `the data set's ${tag} ${actual} differs from the announced ${expected[field]}; nothing was stored`, base);
        }
      }
    }
    const identity = identityOf(header);
    const ids = { ...base, studyInstanceUid: identity.studyInstanceUid, seriesInstanceUid: identity.seriesInstanceUid, warnings: identity.warnings };
    if (request.sha256 !== undefined && !isBlobKey(request.sha256)) {
      return rejected(label, 'INTERNAL', `the transport passed ${JSON.stringify(String(request.sha256).slice(0, 80))} as the SHA-256 of the object`, ids);
    }
    const sha = request.sha256 ?? createHash('sha256').update(bytes).digest('hex');

    // Fast answers for what the index already shows; the transaction re-checks under its lock.
    let stored: Awaited<ReturnType<MetadataIndex['findInstance']>>;
    try {
      stored = await index.findInstance(header.sopInstanceUid);
    } catch (error) {
      logger?.error('archive: the metadata index failed', { label, error: (error as Error).message });
      return rejected(label, 'ARCHIVE_STORAGE_FAILED', `the metadata index is not available: ${(error as Error).message}`, ids);
    }
    if (stored && stored.sha256 === sha) {
      return { outcome: 'duplicate', label, ...base, studyInstanceUid: stored.studyInstanceUid, seriesInstanceUid: stored.seriesInstanceUid, warnings: identity.warnings };
    }
    if (stored && request.replace !== true) {
      return rejected(label, 'ARCHIVE_INSTANCE_CONFLICT', conflictMessage(header.sopInstanceUid, stored.sha256, sha), ids);
    }

    retain(sha);
    // The blob write starts now (open and flushes on the pool, the write into the page cache
    // as soon as the file is open) and the DICOM JSON is built while the disk works. The row is submitted only after
    // the put resolved, so no row ever references a blob that is not durable.
    let putting: Promise<void>;
    try {
      const pendingDelete = deleting.get(sha);
      if (pendingDelete) await pendingDelete;
      putting = blobs.put(sha, bytes);
    } catch (error) {
      putting = Promise.reject(error);
    }
    // Settled (never an unhandled rejection) while the JSON is built; awaited below.
    const put = putting.then(() => null, (error: unknown) => error ?? new Error('the blob store failed'));
    hold.bytesInUse = put;

    let metadata: DicomJsonDataset;
    try {
      const instancePath = `${bulkBase}/studies/${identity.studyInstanceUid}/series/${identity.seriesInstanceUid}/instances/${header.sopInstanceUid}/bulkdata`;
      metadata = instance.toJson({
        bulkDataUriFor: (tag, context) => `${instancePath}/${[...context.path.map((p) => p.replace(/\[(\d+)\]$/, '/$1')), tag].join('/')}`,
      }) as DicomJsonDataset;
    } catch (error) {
      await put;
      release(sha);
      void collect(sha);
      if (isVertebraError(error)) return rejected(label, error.code, error.message, ids);
      return rejected(label, 'DICOM_MALFORMED', `the data set cannot be converted to DICOM JSON: ${(error as Error).message}`, ids);
    }
    // The stored metadata carries the identity the archive files the object under.
    metadata['0020000D'] = uidAttribute(identity.studyInstanceUid);
    metadata['0020000E'] = uidAttribute(identity.seriesInstanceUid);
    metadata['00080016'] = uidAttribute(header.sopClassUid);
    metadata['00080018'] = uidAttribute(header.sopInstanceUid);

    const item: IndexWriteItem = {
      patient: { patientKey: identity.patientKey, patientId: header.patientId, patientName: header.patientName, patientBirthDate: header.patientBirthDate, patientSex: header.patientSex },
      study: {
        studyInstanceUid: identity.studyInstanceUid,
        studyDate: header.studyDate,
        studyTime: header.studyTime,
        accessionNumber: header.accessionNumber,
        studyId: header.studyId,
        studyDescription: header.studyDescription,
        referringPhysicianName: header.referringPhysicianName,
        uidDerived: identity.studyDerived,
      },
      series: {
        seriesInstanceUid: identity.seriesInstanceUid,
        modality: header.modality,
        seriesNumber: header.seriesNumber,
        seriesDescription: header.seriesDescription,
        seriesDate: header.seriesDate,
        seriesTime: header.seriesTime,
        bodyPartExamined: header.bodyPartExamined,
        frameOfReferenceUid: header.frameOfReferenceUid,
        uidDerived: identity.seriesDerived,
      },
      instance: {
        sopInstanceUid: header.sopInstanceUid,
        sopClassUid: header.sopClassUid,
        transferSyntaxUid: header.transferSyntaxUid,
        instanceNumber: header.instanceNumber,
        numberOfFrames: header.numberOfFrames,
        rows: header.rows,
        columns: header.columns,
        bitsAllocated: header.bitsAllocated,
        sizeBytes: bytes.byteLength,
        sha256: sha,
      },
      metadataJson: JSON.stringify(metadata),
      warnings: identity.warnings,
      replace: request.replace === true,
    };

    let outcome: IndexWriteOutcome;
    try {
      const putError = await put;
      if (putError !== null) throw putError;
      outcome = await queue.submit(item);
    } catch (error) {
      release(sha);
      void collect(sha);
      const vertebraError = isVertebraError(error) ? error : new VertebraError('ARCHIVE_STORAGE_FAILED', (error as Error).message, { cause: error });
      logger?.error('archive: ingest failed in storage', { label, sopInstanceUid: header.sopInstanceUid, error: vertebraError.message });
      return rejected(label, 'ARCHIVE_STORAGE_FAILED', `the archive could not store the object: ${vertebraError.message}`, ids);
    }
    release(sha);
    if ((outcome.outcome === 'stored' || outcome.outcome === 'replaced') && storedListeners.size > 0) {
      announce({
        outcome: outcome.outcome,
        studyInstanceUid: identity.studyInstanceUid,
        seriesInstanceUid: identity.seriesInstanceUid,
        sopInstanceUid: header.sopInstanceUid,
        modality: header.modality,
        frameOfReferenceUid: header.frameOfReferenceUid === '' ? null : header.frameOfReferenceUid,
        source: request.source?.kind ?? 'import',
      });
    }
    switch (outcome.outcome) {
      case 'stored':
        return { outcome: 'stored', label, ...ids };
      case 'duplicate':
        return { outcome: 'duplicate', label, ...ids };
      case 'replaced':
        if (outcome.previousSha256 !== sha) void collect(outcome.previousSha256);
        logger?.info('archive: replaced an instance', { label, sopInstanceUid: header.sopInstanceUid, previousSha256: outcome.previousSha256, sha256: sha });
        return { outcome: 'replaced', label, ...ids };
      case 'conflict':
        void collect(sha);
        return rejected(label, 'ARCHIVE_INSTANCE_CONFLICT', conflictMessage(header.sopInstanceUid, outcome.existingSha256, sha), ids);
    }
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  };

  const notFound = (record: InstanceRecord): VertebraError =>
    new VertebraError('ARCHIVE_NOT_FOUND', `instance ${record.sopInstanceUid} is not in the archive`, { subject: record.sopInstanceUid });

  return {
    index,
    blobs,
    ingest(request: IngestRequest): Promise<IngestResult> {
      const label = request?.source?.label || 'unnamed object';
      if (closed) return Promise.resolve(rejected(label, 'ARCHIVE_STORAGE_FAILED', 'the archive is closed'));
      const hold: { bytesInUse: Promise<unknown> } = { bytesInUse: Promise.resolve() };
      return track(
        ingestNow(request, hold).catch(async (error: unknown) => {
          await hold.bytesInUse;
          logger?.error('archive: unexpected ingest failure', { label, error: (error as Error).message });
          return rejected(label, 'INTERNAL', `unexpected failure: ${(error as Error).message}`);
        }),
      );
    },
    onStored(listener: StoredInstanceListener): () => void {
      storedListeners.add(listener);
      return () => {
        storedListeners.delete(listener);
      };
    },
    async query(request: QueryRequest): Promise<QueryResult> {
      const plan = planQuery(request, options.tagForKeyword === undefined ? {} : { tagForKeyword: options.tagForKeyword });
      return index.query(plan);
    },
    listInstances(selector: InstanceSelector): Promise<readonly InstanceRecord[]> {
      return index.listInstances(selector);
    },
    async readInstance(record: InstanceRecord): Promise<Uint8Array> {
      try {
        return await blobs.get(record.sha256);
      } catch (error) {
        if (isVertebraError(error) && error.code === 'ARCHIVE_NOT_FOUND') throw notFound(record);
        throw error;
      }
    },
    async readInstanceMetadata(record: InstanceRecord): Promise<DicomJsonDataset> {
      const metadata = await index.readInstanceMetadata(record.sopInstanceUid);
      if (!metadata) throw notFound(record);
      return metadata;
    },
    async listIngestWarnings(studyInstanceUid: string): Promise<readonly IngestWarning[]> {
      return index.listIngestWarnings(studyInstanceUid);
    },
    async deleteStudy(studyInstanceUid: string): Promise<boolean> {
      const { deleted, sha256s } = await index.deleteStudy(studyInstanceUid);
      for (const sha of new Set(sha256s)) await collect(sha);
      return deleted;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...running]);
      await queue.close();
      await Promise.allSettled([...deleting.values()]);
      await blobs.close();
      await index.close();
    },
  };
}

function conflictMessage(sopInstanceUid: string, storedSha: string, newSha: string): string {
  return `a different object is already stored under SOP Instance UID ${sopInstanceUid} (stored sha256 ${storedSha.slice(0, 16)}…, this object ${newSha.slice(0, 16)}…); send it with replace to overwrite the stored one`;
}
