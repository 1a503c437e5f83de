/**
 * The REST API under /api (issue 5): viewer measurements and per-series user calibrations,
 * stored in the archive's annotation store, shapes and validation from @vertebra/contracts.
 *
 *   GET    /studies/{study}/measurements          → { measurements }
 *   POST   /studies/{study}/measurements          → 201 Measurement
 *   GET    /studies/{study}/measurements/export   → JSON download (MeasurementExport)
 *   PUT    /measurements/{id}                     → Measurement
 *   DELETE /measurements/{id}                     → 204
 *   GET    /series/{series}/calibration           → { calibration | null }
 *   PUT    /series/{series}/calibration           → SeriesCalibration
 *   DELETE /series/{series}/calibration           → 204
 *   POST   /studies/{study}/viewed                → 204 (the viewer opened the study: audit 'viewer-open')
 *
 * A body that breaks the contract is a 400 REQUEST_INVALID_PARAMETER whose message starts
 * with the field's path; an unknown study, series, instance or measurement is a 404.
 * Reading needs 'dicom:read', changing 'annotation:write' (issue 3); reads and changes are
 * audited with the study they concern.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { annotationStoreOf, type AnnotationStore, type ArchiveService, type StoredCalibration, type StoredMeasurement } from '@vertebra/archive';
import {
  isDicomUid,
  isMeasurementId,
  validateMeasurementInput,
  validateSeriesCalibrationInput,
  type Measurement,
  type MeasurementExport,
  type MeasurementInput,
  type SeriesCalibration,
  type SeriesCalibrationInput,
  type Validated,
} from '@vertebra/contracts';
import { VertebraError } from '@vertebra/errors';
import '../auth/routeAccess.js';

export interface RestRoutesOptions {
  readonly archive: ArchiveService;
  /** Clock for created/updated timestamps (tests); default Date.now. */
  readonly now?: () => Date;
}

function checked<T>(result: Validated<T>): T {
  if (!result.ok) throw new VertebraError('REQUEST_INVALID_PARAMETER', result.message, { subject: result.field });
  return result.value;
}

function uidParam(value: string, name: string): string {
  if (!isDicomUid(value)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(value)} is not a DICOM UID`, { subject: name });
  return value;
}

function toMeasurement(stored: StoredMeasurement): Measurement {
  const body = stored.body as Omit<Measurement, 'id' | 'studyInstanceUid' | 'createdAt' | 'updatedAt'>;
  return { id: stored.id, studyInstanceUid: stored.studyInstanceUid, ...body, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
}

function toCalibration(stored: StoredCalibration): SeriesCalibration {
  const body = stored.body as SeriesCalibrationInput;
  return { ...body, seriesInstanceUid: stored.seriesInstanceUid, studyInstanceUid: stored.studyInstanceUid, mmPerPixel: stored.mmPerPixel, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
}

/** What is stored: the validated input without id and without the server-owned fields. */
function measurementBody(input: MeasurementInput): Omit<MeasurementInput, 'id'> {
  const { id: _id, ...rest } = input;
  const cleaned = { ...rest } as Record<string, unknown>;
  for (const key of ['studyInstanceUid', 'createdAt', 'updatedAt']) delete cleaned[key];
  return cleaned as unknown as Omit<MeasurementInput, 'id'>;
}

export async function registerRestRoutes(app: FastifyInstance, options: RestRoutesOptions): Promise<void> {
  const { archive } = options;
  const now = (): string => (options.now?.() ?? new Date()).toISOString();
  const store = (): AnnotationStore => {
    const found = annotationStoreOf(archive);
    if (found === undefined) throw new VertebraError('CONFIG_INVALID', 'this archive has no annotation store (open it with openArchive)', { subject: 'archive' });
    return found;
  };

  /** The series (and instance) must be in the study: measurements never point at images the archive lacks. */
  const requireImage = async (studyInstanceUid: string, seriesInstanceUid: string, sopInstanceUid: string | undefined): Promise<void> => {
    const instances = await archive.listInstances({ studyInstanceUid, seriesInstanceUid, ...(sopInstanceUid === undefined ? {} : { sopInstanceUid }) });
    if (instances.length > 0) return;
    const inSeries = sopInstanceUid === undefined ? [] : await archive.listInstances({ studyInstanceUid, seriesInstanceUid });
    if (inSeries.length > 0) throw new VertebraError('ARCHIVE_NOT_FOUND', `instance ${sopInstanceUid} is not in series ${seriesInstanceUid}`, { subject: 'sopInstanceUid' });
    throw new VertebraError('ARCHIVE_NOT_FOUND', `series ${seriesInstanceUid} is not in study ${studyInstanceUid} in the archive`, { subject: 'seriesInstanceUid' });
  };

  const requireFrame = async (input: MeasurementInput, studyInstanceUid: string): Promise<void> => {
    if (input.frame === undefined || input.sopInstanceUid === undefined) return;
    const [instance] = await archive.listInstances({ studyInstanceUid, seriesInstanceUid: input.seriesInstanceUid, sopInstanceUid: input.sopInstanceUid });
    if (instance !== undefined && input.frame > instance.numberOfFrames) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `frame ${input.frame} is past the instance's ${instance.numberOfFrames} frame(s)`, { subject: 'frame' });
    }
  };

  const seriesStudy = async (seriesInstanceUid: string, studyInstanceUid: string): Promise<void> => {
    const instances = await archive.listInstances({ studyInstanceUid, seriesInstanceUid });
    if (instances.length === 0) throw new VertebraError('ARCHIVE_NOT_FOUND', `series ${seriesInstanceUid} is not in study ${studyInstanceUid} in the archive`, { subject: 'seriesInstanceUid' });
  };

  app.get<{ Params: { study: string } }>('/studies/:study/measurements', { config: { permission: 'dicom:read', audit: 'annotation-read' } }, async (request) => {
    const study = uidParam(request.params.study, 'study');
    return { measurements: (await store().listMeasurements(study)).map(toMeasurement) };
  });

  app.post<{ Params: { study: string } }>('/studies/:study/measurements', { config: { permission: 'annotation:write', audit: 'annotation-write' } }, async (request, reply) => {
    const study = uidParam(request.params.study, 'study');
    const input = checked(validateMeasurementInput(request.body));
    const bodyStudy = (request.body as { studyInstanceUid?: unknown }).studyInstanceUid;
    if (bodyStudy !== undefined && bodyStudy !== study) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(bodyStudy)} differs from the study in the path (${study})`, { subject: 'studyInstanceUid' });
    await requireImage(study, input.seriesInstanceUid, input.sopInstanceUid);
    await requireFrame(input, study);
    const time = now();
    const record: StoredMeasurement = {
      id: input.id ?? randomUUID(),
      studyInstanceUid: study,
      seriesInstanceUid: input.seriesInstanceUid,
      sopInstanceUid: input.sopInstanceUid ?? '',
      toolType: input.toolType,
      body: measurementBody(input),
      createdAt: time,
      updatedAt: time,
    };
    await store().insertMeasurement(record);
    return reply.status(201).header('location', `${request.url.split('?')[0]?.replace(/\/studies\/[^/]+\/measurements$/, '') ?? ''}/measurements/${encodeURIComponent(record.id)}`).send(toMeasurement(record));
  });

  app.get<{ Params: { study: string } }>('/studies/:study/measurements/export', { config: { permission: 'dicom:read', audit: 'annotation-read' } }, async (request, reply) => {
    const study = uidParam(request.params.study, 'study');
    const exported: MeasurementExport = {
      format: 'vertebra-measurements',
      version: 1,
      studyInstanceUid: study,
      exportedAt: now(),
      measurements: (await store().listMeasurements(study)).map(toMeasurement),
      calibrations: (await store().listCalibrations(study)).map(toCalibration),
    };
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="measurements-${study}.json"`)
      .send(JSON.stringify(exported, null, 2));
  });

  app.put<{ Params: { id: string } }>('/measurements/:id', { config: { permission: 'annotation:write', audit: 'annotation-write' } }, async (request) => {
    const id = request.params.id;
    if (!isMeasurementId(id)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(id)} is not a measurement id`, { subject: 'id' });
    const input = checked(validateMeasurementInput(request.body));
    if (input.id !== undefined && input.id !== id) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(input.id)} differs from the id in the path (${id})`, { subject: 'id' });
    const existing = await store().getMeasurement(id);
    if (existing === undefined) throw new VertebraError('ARCHIVE_NOT_FOUND', `no measurement ${id}`, { subject: 'id' });
    request.auditFacts.studyInstanceUid = existing.studyInstanceUid;
    if (input.seriesInstanceUid !== existing.seriesInstanceUid || (input.sopInstanceUid ?? '') !== existing.sopInstanceUid) {
      await requireImage(existing.studyInstanceUid, input.seriesInstanceUid, input.sopInstanceUid);
    }
    await requireFrame(input, existing.studyInstanceUid);
    const record: StoredMeasurement = {
      ...existing,
      seriesInstanceUid: input.seriesInstanceUid,
      sopInstanceUid: input.sopInstanceUid ?? '',
      toolType: input.toolType,
      body: measurementBody(input),
      updatedAt: now(),
    };
    if (!(await store().updateMeasurement(record))) throw new VertebraError('ARCHIVE_NOT_FOUND', `no measurement ${id}`, { subject: 'id' });
    return toMeasurement(record);
  });

  app.delete<{ Params: { id: string } }>('/measurements/:id', { config: { permission: 'annotation:write', audit: 'annotation-write' } }, async (request, reply) => {
    const id = request.params.id;
    if (!isMeasurementId(id)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(id)} is not a measurement id`, { subject: 'id' });
    request.auditFacts.studyInstanceUid = (await store().getMeasurement(id))?.studyInstanceUid ?? null;
    if (!(await store().deleteMeasurement(id))) throw new VertebraError('ARCHIVE_NOT_FOUND', `no measurement ${id}`, { subject: 'id' });
    return reply.status(204).send();
  });

  app.get<{ Params: { series: string } }>('/series/:series/calibration', { config: { permission: 'dicom:read' } }, async (request) => {
    const series = uidParam(request.params.series, 'series');
    const stored = await store().getCalibration(series);
    return { calibration: stored === undefined ? null : toCalibration(stored) };
  });

  app.put<{ Params: { series: string } }>('/series/:series/calibration', { config: { permission: 'annotation:write', audit: 'annotation-write' } }, async (request) => {
    const series = uidParam(request.params.series, 'series');
    const input = checked(validateSeriesCalibrationInput(request.body));
    request.auditFacts.studyInstanceUid = input.studyInstanceUid;
    await seriesStudy(series, input.studyInstanceUid);
    if (input.sopInstanceUid !== undefined) await requireImage(input.studyInstanceUid, series, input.sopInstanceUid);
    const time = now();
    const stored = await store().putCalibration({
      seriesInstanceUid: series,
      studyInstanceUid: input.studyInstanceUid,
      mmPerPixel: input.knownLengthMm / input.pixelLength,
      body: input,
      createdAt: time,
      updatedAt: time,
    });
    return toCalibration(stored);
  });

  app.delete<{ Params: { series: string } }>('/series/:series/calibration', { config: { permission: 'annotation:write', audit: 'annotation-write' } }, async (request, reply) => {
    const series = uidParam(request.params.series, 'series');
    request.auditFacts.studyInstanceUid = (await store().getCalibration(series))?.studyInstanceUid ?? null;
    if (!(await store().deleteCalibration(series))) throw new VertebraError('ARCHIVE_NOT_FOUND', `series ${series} has no user calibration`, { subject: 'series' });
    return reply.status(204).send();
  });

  // The viewer reports that it opened a study (audit 'viewer-open'; the patient is looked up by the audit hook).
  app.post<{ Params: { study: string } }>('/studies/:study/viewed', { config: { permission: 'dicom:read', audit: 'viewer-open' } }, async (request, reply) => {
    const study = uidParam(request.params.study, 'study');
    const found = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: study }, includeFields: ['PatientID'], limit: 1 });
    if (found.rows.length === 0) throw new VertebraError('ARCHIVE_NOT_FOUND', `no study ${study} in the archive`, { subject: 'study' });
    return reply.status(204).send();
  });
}
