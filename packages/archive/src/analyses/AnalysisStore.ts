/**
 * Storage of the per-series CT spine analyses (issue 6) next to the metadata index, on the
 * same Kysely connection (SQLite or PostgreSQL): the durable state of the server's analysis
 * job queue (queued → running → done | failed), with times, the instance count, the error
 * catalogue's code and message of a failure, and the result JSON with its algorithm
 * version. The archive does not interpret results: the caller passes the finding count and
 * labels the worklist summary shows. Every state change names the attempt it belongs to, so
 * a job that finishes after its series was queued again cannot overwrite the newer state.
 */
import type { Kysely, Selectable } from 'kysely';
import { VertebraError } from '@vertebra/errors';
import type { Dialect, SeriesTable, StudiesTable } from '../createIndexSchema.js';
import { createAnalysisSchema, type AnalysesTable, type AnalysisDatabase } from './createAnalysisSchema.js';

export type AnalysisState = 'queued' | 'running' | 'done' | 'failed';
export const analysisStates: readonly AnalysisState[] = ['queued', 'running', 'done', 'failed'];

export interface StoredAnalysis {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
  readonly state: AnalysisState;
  /** 1 for the first run of the series, raised each time it is queued again. */
  readonly attempt: number;
  readonly queuedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly instanceCount: number;
  /** Set when state is 'failed'. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The analysis result (JSON-serializable), set when state is 'done'. */
  readonly result: unknown;
  readonly algorithmVersion: string | null;
  readonly findingCount: number;
  readonly labels: readonly string[];
}

/** One series' line of the worklist summary (no result). */
export interface AnalysisSummary {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly state: AnalysisState;
  readonly findingCount: number;
  readonly labels: readonly string[];
}

export interface AnalysisJobInput {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
  readonly queuedAt: string;
}

export type AnalysisOutcome =
  | {
      readonly state: 'done';
      readonly instanceCount: number;
      readonly result: unknown;
      readonly algorithmVersion: string;
      readonly findingCount: number;
      readonly labels: readonly string[];
    }
  | {
      readonly state: 'failed';
      readonly instanceCount: number;
      /** An error catalogue code. */
      readonly errorCode: string;
      readonly errorMessage: string;
    };

export interface AnalysisStore {
  /** Queues the analysis of a series (again): state 'queued', attempt raised, start/finish times, error and result cleared. */
  enqueue(job: AnalysisJobInput): Promise<StoredAnalysis>;
  /** queued → running for this attempt, with the instance count read; false when the series was queued again or is not queued. */
  markRunning(seriesInstanceUid: string, attempt: number, options: { readonly startedAt: string; readonly instanceCount: number }): Promise<boolean>;
  /** queued or running → done or failed for this attempt; false when the series was queued again meanwhile. */
  finish(seriesInstanceUid: string, attempt: number, outcome: AnalysisOutcome, finishedAt: string): Promise<boolean>;
  get(seriesInstanceUid: string): Promise<StoredAnalysis | undefined>;
  /** The analyses of a study, oldest queued first. */
  listByStudy(studyInstanceUid: string): Promise<StoredAnalysis[]>;
  /** State, finding count and labels of every analysis of these studies (no results): the worklist. */
  summarize(studyInstanceUids: readonly string[]): Promise<AnalysisSummary[]>;
  /** Analyses queued or running, oldest queued first, without results: what a restart queues again. */
  listUnfinished(): Promise<StoredAnalysis[]>;
  /**
   * Series of this modality that the archive holds and that have no analysis row at all, oldest
   * stored first: what arrived while analysis was off (`vertebra import`, `serve --no-analysis`).
   */
  listSeriesWithoutAnalysis(modality: string): Promise<AnalysisSeriesRef[]>;
}

/** A series that could be analysed, as the job queue names it. */
export interface AnalysisSeriesRef {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
}

/** The index tables the backfill query joins (the store shares the index's connection). */
interface IndexSeriesDatabase extends AnalysisDatabase {
  studies: Pick<StudiesTable, 'pk' | 'study_instance_uid'>;
  series: Pick<SeriesTable, 'pk' | 'study_pk' | 'series_instance_uid' | 'modality' | 'frame_of_reference_uid'>;
}

type AnalysisRow = Selectable<AnalysesTable>;

function stateOf(value: string): AnalysisState {
  if ((analysisStates as readonly string[]).includes(value)) return value as AnalysisState;
  throw new VertebraError('INTERNAL', `the analysis store holds an unknown state ${JSON.stringify(value)}`, { subject: 'analyses.state' });
}

const labelsOf = (text: string): string[] => (text === '' ? [] : text.split(','));

function toAnalysis(row: AnalysisRow): StoredAnalysis {
  return {
    studyInstanceUid: row.study_instance_uid,
    seriesInstanceUid: row.series_instance_uid,
    frameOfReferenceUid: row.frame_of_reference_uid,
    state: stateOf(row.state),
    attempt: Number(row.attempt),
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    instanceCount: Number(row.instance_count),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    algorithmVersion: row.algorithm_version,
    findingCount: Number(row.finding_count),
    labels: labelsOf(row.labels),
  };
}

const withoutResult = [
  'series_instance_uid',
  'study_instance_uid',
  'frame_of_reference_uid',
  'state',
  'attempt',
  'queued_at',
  'started_at',
  'finished_at',
  'instance_count',
  'error_code',
  'error_message',
  'algorithm_version',
  'finding_count',
  'labels',
] as const;

/** Creates the analysis table when missing and returns the store on that connection. */
export async function openAnalysisStore(options: { readonly db: Kysely<unknown>; readonly dialect: Dialect }): Promise<AnalysisStore> {
  const db = options.db as unknown as Kysely<AnalysisDatabase>;
  await createAnalysisSchema(db, options.dialect);
  const get = async (seriesInstanceUid: string): Promise<StoredAnalysis | undefined> => {
    const row = await db.selectFrom('analyses').selectAll().where('series_instance_uid', '=', seriesInstanceUid).executeTakeFirst();
    return row === undefined ? undefined : toAnalysis(row);
  };
  return {
    async enqueue(job) {
      const reset = {
        study_instance_uid: job.studyInstanceUid,
        frame_of_reference_uid: job.frameOfReferenceUid,
        state: 'queued',
        queued_at: job.queuedAt,
        started_at: null,
        finished_at: null,
        instance_count: 0,
        error_code: null,
        error_message: null,
        result: null,
        algorithm_version: null,
        finding_count: 0,
        labels: '',
      };
      await db
        .insertInto('analyses')
        .values({ series_instance_uid: job.seriesInstanceUid, attempt: 1, ...reset })
        .onConflict((oc) => oc.column('series_instance_uid').doUpdateSet((eb) => ({ ...reset, attempt: eb('analyses.attempt', '+', 1) })))
        .execute();
      const stored = await get(job.seriesInstanceUid);
      if (stored === undefined) throw new VertebraError('INTERNAL', 'the queued analysis was not found right after it was written', { subject: job.seriesInstanceUid });
      return stored;
    },
    async markRunning(seriesInstanceUid, attempt, { startedAt, instanceCount }) {
      const result = await db
        .updateTable('analyses')
        .set({ state: 'running', started_at: startedAt, instance_count: instanceCount })
        .where('series_instance_uid', '=', seriesInstanceUid)
        .where('attempt', '=', attempt)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async finish(seriesInstanceUid, attempt, outcome, finishedAt) {
      const values =
        outcome.state === 'done'
          ? {
              state: 'done',
              finished_at: finishedAt,
              instance_count: outcome.instanceCount,
              error_code: null,
              error_message: null,
              result: JSON.stringify(outcome.result),
              algorithm_version: outcome.algorithmVersion,
              finding_count: outcome.findingCount,
              labels: outcome.labels.join(','),
            }
          : {
              state: 'failed',
              finished_at: finishedAt,
              instance_count: outcome.instanceCount,
              error_code: outcome.errorCode,
              error_message: outcome.errorMessage,
              result: null,
              finding_count: 0,
              labels: '',
            };
      const result = await db
        .updateTable('analyses')
        .set(values)
        .where('series_instance_uid', '=', seriesInstanceUid)
        .where('attempt', '=', attempt)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    get,
    async listByStudy(studyInstanceUid) {
      const rows = await db.selectFrom('analyses').selectAll().where('study_instance_uid', '=', studyInstanceUid).orderBy('queued_at').orderBy('series_instance_uid').execute();
      return rows.map(toAnalysis);
    },
    async summarize(studyInstanceUids) {
      if (studyInstanceUids.length === 0) return [];
      const rows = await db
        .selectFrom('analyses')
        .select(['study_instance_uid', 'series_instance_uid', 'state', 'finding_count', 'labels'])
        .where('study_instance_uid', 'in', [...new Set(studyInstanceUids)])
        .orderBy('study_instance_uid')
        .orderBy('queued_at')
        .execute();
      return rows.map((row) => ({
        studyInstanceUid: row.study_instance_uid,
        seriesInstanceUid: row.series_instance_uid,
        state: stateOf(row.state),
        findingCount: Number(row.finding_count),
        labels: labelsOf(row.labels),
      }));
    },
    async listUnfinished() {
      const rows = await db.selectFrom('analyses').select(withoutResult).where('state', 'in', ['queued', 'running']).orderBy('queued_at').orderBy('series_instance_uid').execute();
      return rows.map((row) => toAnalysis({ ...row, result: null }));
    },
    async listSeriesWithoutAnalysis(modality) {
      const rows = await (db as unknown as Kysely<IndexSeriesDatabase>)
        .selectFrom('series')
        .innerJoin('studies', 'studies.pk', 'series.study_pk')
        .leftJoin('analyses', 'analyses.series_instance_uid', 'series.series_instance_uid')
        .select(['studies.study_instance_uid', 'series.series_instance_uid', 'series.frame_of_reference_uid'])
        .where('series.modality', '=', modality)
        .where('analyses.series_instance_uid', 'is', null)
        .orderBy('series.pk')
        .execute();
      return rows.map((row) => ({
        studyInstanceUid: row.study_instance_uid,
        seriesInstanceUid: row.series_instance_uid,
        frameOfReferenceUid: row.frame_of_reference_uid === '' ? null : row.frame_of_reference_uid,
      }));
    },
  };
}
