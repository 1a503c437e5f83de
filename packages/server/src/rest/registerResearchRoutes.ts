/**
 * The research API (issue 3), for 'research:read' (researchers and admins), under /api.
 * Researchers never see identifying data (DICOM PS3.15 Annex E, Basic Application Level
 * Confidentiality Profile with the Retain Longitudinal Temporal Information with Modified
 * Dates Option, E.3.6), keyed by the archive's persistent de-identification key so that
 * pseudonyms are consistent across studies, requests and `vertebra export --deidentify`:
 *
 *   GET /research/studies?limit&offset
 *     → { studies: [{ studyInstanceUid (pseudonymous), patientId (pseudonym), studyDate
 *         (shifted, YYYYMMDD or null), modalities, numberOfSeries, numberOfInstances }] }
 *     No names, real IDs, accession numbers or descriptions.
 *   GET /research/studies/{pseudonymousStudyUid}
 *     → multipart/related; type="application/dicom": every instance de-identified
 *       (deidentifyPart10), in its stored transfer syntax.
 *
 * Pseudonymous → real Study Instance UIDs come from an in-memory map filled by every list
 * and rebuilt from the archive's study list when a UID is not in it (concurrent rebuilds
 * share one scan). The audit records the real patient and study.
 */
import type { FastifyInstance } from 'fastify';
import { deidentificationKeyOf, type ArchiveService, type DicomJsonDataset, type SecurityStore } from '@vertebra/archive';
import { isDicomUid } from '@vertebra/contracts';
import { dateOffsetDays, deidentifyPart10, patientPseudonym, pseudonymousUid, shiftDate } from '@vertebra/dicom';
import { VertebraError, isVertebraError } from '@vertebra/errors';
import { multipartRelatedStream, newBoundary, type OutgoingPart } from '../dicomweb/multipartRelatedStream.js';
import '../auth/routeAccess.js';

export interface ResearchRoutesOptions {
  readonly archive: ArchiveService;
  readonly store: SecurityStore;
}

export interface ResearchStudy {
  readonly studyInstanceUid: string;
  readonly patientId: string;
  readonly studyDate: string | null;
  readonly modalities: string[];
  readonly numberOfSeries: number;
  readonly numberOfInstances: number;
}

interface RealStudy {
  readonly studyInstanceUid: string;
  readonly patientId: string;
}

type Query = Record<string, string | string[] | undefined>;

const studyFields = ['PatientID', 'StudyDate', 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances'];
const scanPageSize = 5000;

function text(row: DicomJsonDataset, tag: string): string {
  const value = row[tag]?.Value?.[0];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function count(row: DicomJsonDataset, tag: string): number {
  const value = Number(row[tag]?.Value?.[0]);
  return Number.isFinite(value) ? value : 0;
}

function integerParam(query: Query, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${name} must be an integer from 0 to ${max}`, { subject: name });
  }
  return value;
}

export async function registerResearchRoutes(app: FastifyInstance, options: ResearchRoutesOptions): Promise<void> {
  const { archive, store } = options;
  let keyPromise: Promise<string> | undefined;
  const key = (): Promise<string> => (keyPromise ??= deidentificationKeyOf(store).catch((error: unknown) => {
    keyPromise = undefined;
    throw error;
  }));
  /** Pseudonymous Study Instance UID → the real study. */
  const studies = new Map<string, RealStudy>();
  let rebuilding: Promise<void> | undefined;

  const remember = (secret: string, row: DicomJsonDataset): { pseudonymousUid: string; real: RealStudy } | undefined => {
    const studyInstanceUid = text(row, '0020000D');
    if (studyInstanceUid === '') return undefined;
    const real = { studyInstanceUid, patientId: text(row, '00100020') };
    const pseudo = pseudonymousUid(secret, studyInstanceUid);
    studies.set(pseudo, real);
    return { pseudonymousUid: pseudo, real };
  };

  const rebuild = (): Promise<void> =>
    (rebuilding ??= (async () => {
      try {
        const secret = await key();
        for (let offset = 0; ; offset += scanPageSize) {
          const page = await archive.query({ level: 'STUDY', match: {}, includeFields: ['PatientID'], limit: scanPageSize, offset });
          for (const row of page.rows) remember(secret, row);
          if (!page.truncated || page.rows.length === 0) break;
        }
      } finally {
        rebuilding = undefined;
      }
    })());

  app.get<{ Querystring: Query }>('/research/studies', { config: { permission: 'research:read', audit: 'research-list' } }, async (request) => {
    const limit = integerParam(request.query, 'limit', 1000, 10_000);
    const offset = integerParam(request.query, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const secret = await key();
    const result = await archive.query({ level: 'STUDY', match: {}, includeFields: studyFields, limit: Math.max(limit, 1), offset });
    const list: ResearchStudy[] = [];
    for (const row of limit === 0 ? [] : result.rows) {
      const remembered = remember(secret, row);
      if (remembered === undefined) continue;
      const { patientId } = remembered.real;
      const date = text(row, '00080020');
      list.push({
        studyInstanceUid: remembered.pseudonymousUid,
        patientId: patientPseudonym(secret, patientId),
        studyDate: date === '' ? null : (shiftDate(date, dateOffsetDays(secret, patientId)) ?? null),
        modalities: (row['00080061']?.Value ?? []).filter((m): m is string => typeof m === 'string').map((m) => m.trim()).filter((m) => /^[A-Z0-9_ ]{1,16}$/.test(m)),
        numberOfSeries: count(row, '00201206'),
        numberOfInstances: count(row, '00201208'),
      });
    }
    request.auditFacts.note = `${list.length} studies`;
    request.auditFacts.patientId = null;
    return { studies: list, truncated: result.truncated };
  });

  app.get<{ Params: { pseudonymousStudyUid: string } }>(
    '/research/studies/:pseudonymousStudyUid',
    { config: { permission: 'research:read', audit: 'research-retrieve' } },
    async (request, reply) => {
      const pseudo = request.params.pseudonymousStudyUid;
      if (!isDicomUid(pseudo)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(String(pseudo).slice(0, 80))} is not a DICOM UID`, { subject: 'pseudonymousStudyUid' });
      const secret = await key();
      if (!studies.has(pseudo)) await rebuild();
      const real = studies.get(pseudo);
      if (real === undefined) throw new VertebraError('ARCHIVE_NOT_FOUND', `no study ${pseudo} in the archive`, { subject: 'pseudonymousStudyUid' });
      request.auditFacts.studyInstanceUid = real.studyInstanceUid;
      request.auditFacts.patientId = real.patientId === '' ? null : real.patientId;
      const records = await archive.listInstances({ studyInstanceUid: real.studyInstanceUid });
      if (records.length === 0) throw new VertebraError('ARCHIVE_NOT_FOUND', `no study ${pseudo} in the archive`, { subject: 'pseudonymousStudyUid' });
      let sent = 0;
      let skipped = 0;
      async function* parts(): AsyncGenerator<OutgoingPart> {
        for (const record of records) {
          let bytes: Uint8Array;
          try {
            bytes = deidentifyPart10(await archive.readInstance(record), { key: secret }).bytes;
          } catch (error) {
            // An instance that cannot be de-identified is never sent; the log names no UID.
            skipped += 1;
            request.log.warn({ code: isVertebraError(error) ? error.code : 'INTERNAL' }, 'research retrieve: an instance could not be de-identified and was left out');
            continue;
          }
          sent += 1;
          request.auditFacts.note = `${sent} instances${skipped > 0 ? `, ${skipped} left out` : ''}`;
          yield { contentType: `application/dicom; transfer-syntax=${record.transferSyntaxUid}`, bytes };
        }
        request.auditFacts.note = `${sent} instances${skipped > 0 ? `, ${skipped} left out (could not be de-identified)` : ''}`;
      }
      const boundary = newBoundary();
      reply.status(200).header('content-type', `multipart/related; type="application/dicom"; boundary=${boundary}`);
      return reply.send(multipartRelatedStream(boundary, parts()));
    },
  );
}
