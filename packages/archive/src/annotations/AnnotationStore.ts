/**
 * Storage of viewer measurements and per-series user calibrations (issue 5) next to the
 * metadata index, on the same Kysely connection (SQLite or PostgreSQL). The archive does
 * not interpret the records' JSON bodies: the REST layer validates them against
 * @vertebra/contracts; here they are keyed and listed by study and series UID.
 */
import type { Kysely } from 'kysely';
import { VertebraError } from '@vertebra/errors';
import type { Dialect } from '../createIndexSchema.js';
import { createAnnotationSchema, type AnnotationDatabase } from './createAnnotationSchema.js';

export interface StoredMeasurement {
  readonly id: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  /** '' when the measurement is not on one instance (world coordinates). */
  readonly sopInstanceUid: string;
  readonly toolType: string;
  /** JSON-serializable body (the REST contract's measurement). */
  readonly body: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StoredCalibration {
  readonly seriesInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly mmPerPixel: number;
  readonly body: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AnnotationStore {
  /** Measurements of a study, oldest first. */
  listMeasurements(studyInstanceUid: string): Promise<StoredMeasurement[]>;
  getMeasurement(id: string): Promise<StoredMeasurement | undefined>;
  /** Throws REQUEST_INVALID_PARAMETER (subject 'id') when the id exists. */
  insertMeasurement(measurement: StoredMeasurement): Promise<void>;
  /** Replaces body, tool, instance and updatedAt; false when the id does not exist. */
  updateMeasurement(measurement: StoredMeasurement): Promise<boolean>;
  deleteMeasurement(id: string): Promise<boolean>;
  getCalibration(seriesInstanceUid: string): Promise<StoredCalibration | undefined>;
  listCalibrations(studyInstanceUid: string): Promise<StoredCalibration[]>;
  /** Inserts or replaces the calibration of a series (createdAt kept on replace). */
  putCalibration(calibration: StoredCalibration): Promise<StoredCalibration>;
  deleteCalibration(seriesInstanceUid: string): Promise<boolean>;
}

interface MeasurementRow {
  id: string;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  tool_type: string;
  body: string;
  created_at: string;
  updated_at: string;
}

interface CalibrationRow {
  series_instance_uid: string;
  study_instance_uid: string;
  mm_per_pixel: number | string;
  body: string;
  created_at: string;
  updated_at: string;
}

function toMeasurement(row: MeasurementRow): StoredMeasurement {
  return {
    id: row.id,
    studyInstanceUid: row.study_instance_uid,
    seriesInstanceUid: row.series_instance_uid,
    sopInstanceUid: row.sop_instance_uid,
    toolType: row.tool_type,
    body: JSON.parse(row.body) as unknown,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCalibration(row: CalibrationRow): StoredCalibration {
  return {
    seriesInstanceUid: row.series_instance_uid,
    studyInstanceUid: row.study_instance_uid,
    mmPerPixel: Number(row.mm_per_pixel),
    body: JSON.parse(row.body) as unknown,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Creates the annotation tables when missing and returns the store on that connection. */
export async function openAnnotationStore(options: { readonly db: Kysely<unknown>; readonly dialect: Dialect }): Promise<AnnotationStore> {
  const db = options.db as unknown as Kysely<AnnotationDatabase>;
  await createAnnotationSchema(db, options.dialect);
  return {
    async listMeasurements(studyInstanceUid) {
      const rows = await db.selectFrom('annotation_measurements').selectAll().where('study_instance_uid', '=', studyInstanceUid).orderBy('created_at').orderBy('id').execute();
      return rows.map(toMeasurement);
    },
    async getMeasurement(id) {
      const row = await db.selectFrom('annotation_measurements').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toMeasurement(row);
    },
    async insertMeasurement(m) {
      const result = await db
        .insertInto('annotation_measurements')
        .values({
          id: m.id,
          study_instance_uid: m.studyInstanceUid,
          series_instance_uid: m.seriesInstanceUid,
          sop_instance_uid: m.sopInstanceUid,
          tool_type: m.toolType,
          body: JSON.stringify(m.body),
          created_at: m.createdAt,
          updated_at: m.updatedAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', `a measurement with id ${m.id} already exists; update it with PUT /api/measurements/${m.id}`, { subject: 'id' });
      }
    },
    async updateMeasurement(m) {
      const result = await db
        .updateTable('annotation_measurements')
        .set({ series_instance_uid: m.seriesInstanceUid, sop_instance_uid: m.sopInstanceUid, tool_type: m.toolType, body: JSON.stringify(m.body), updated_at: m.updatedAt })
        .where('id', '=', m.id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteMeasurement(id) {
      const result = await db.deleteFrom('annotation_measurements').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async getCalibration(seriesInstanceUid) {
      const row = await db.selectFrom('annotation_calibrations').selectAll().where('series_instance_uid', '=', seriesInstanceUid).executeTakeFirst();
      return row === undefined ? undefined : toCalibration(row);
    },
    async listCalibrations(studyInstanceUid) {
      const rows = await db.selectFrom('annotation_calibrations').selectAll().where('study_instance_uid', '=', studyInstanceUid).orderBy('series_instance_uid').execute();
      return rows.map(toCalibration);
    },
    async putCalibration(c) {
      await db
        .insertInto('annotation_calibrations')
        .values({
          series_instance_uid: c.seriesInstanceUid,
          study_instance_uid: c.studyInstanceUid,
          mm_per_pixel: c.mmPerPixel,
          body: JSON.stringify(c.body),
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('series_instance_uid').doUpdateSet({ study_instance_uid: c.studyInstanceUid, mm_per_pixel: c.mmPerPixel, body: JSON.stringify(c.body), updated_at: c.updatedAt }),
        )
        .execute();
      const stored = await db.selectFrom('annotation_calibrations').selectAll().where('series_instance_uid', '=', c.seriesInstanceUid).executeTakeFirstOrThrow();
      return toCalibration(stored);
    },
    async deleteCalibration(seriesInstanceUid) {
      const result = await db.deleteFrom('annotation_calibrations').where('series_instance_uid', '=', seriesInstanceUid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
