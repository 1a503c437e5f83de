/**
 * The analysis REST API under /api (issue 6; shapes in @vertebra/contracts analysisSchema):
 *
 *   GET  /studies/{study}/analyses                  → StudyAnalyses ('dicom:read', audit 'analysis-read')
 *   POST /studies/{study}/series/{series}/analysis  → 202 SeriesAnalysis, queued again
 *                                                     ('annotation:write', audit 'analysis-run');
 *                                                     404 ARCHIVE_NOT_FOUND for an unknown series,
 *                                                     409 ANALYSIS_NOT_APPLICABLE for a series that is
 *                                                     not CT, a localizer, too short, or when the
 *                                                     server runs without analysis
 *   GET  /analysis-status?study=UID&study=UID…      → AnalysisStatusSummary ('dicom:read'), at most
 *                                                     maxStudiesPerStatusRequest studies per request
 *
 * Reads come from the archive's analysis store; re-runs go to the server's AnalysisJobs.
 */
import type { FastifyInstance } from 'fastify';
import { analysisStoreOf, type AnalysisStore, type AnalysisSummary, type ArchiveService, type StoredAnalysis } from '@vertebra/archive';
import { isDicomUid, type AnalysisJobState, type AnalysisStatusSummary, type SeriesAnalysis, type StudyAnalyses, type StudyAnalysisStatus } from '@vertebra/contracts';
import type { SpineAnalysisResult } from '@vertebra/analysis';
import { VertebraError } from '@vertebra/errors';
import type { AnalysisJobs } from '../jobs/startAnalysisJobs.js';
import '../auth/routeAccess.js';

export interface AnalysisRoutesOptions {
  readonly archive: ArchiveService;
  /** The running job scheduler; absent when the server runs without analysis (re-runs are refused). */
  readonly jobs?: AnalysisJobs;
}

/** Most studies one GET /api/analysis-status may name (a worklist page). */
export const maxStudiesPerStatusRequest = 200;

function uidParam(value: unknown, name: string): string {
  if (typeof value !== 'string' || !isDicomUid(value)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(value)} is not a DICOM UID`, { subject: name });
  return value;
}

export function toSeriesAnalysis(stored: StoredAnalysis): SeriesAnalysis {
  return {
    studyInstanceUid: stored.studyInstanceUid,
    seriesInstanceUid: stored.seriesInstanceUid,
    frameOfReferenceUid: stored.frameOfReferenceUid,
    state: stored.state,
    queuedAt: stored.queuedAt,
    startedAt: stored.startedAt,
    finishedAt: stored.finishedAt,
    instanceCount: stored.instanceCount,
    error: stored.error,
    result: stored.state === 'done' ? (stored.result as SpineAnalysisResult) : null,
  };
}

/**
 * A study's worklist status from its series' analyses: in progress (running, else queued)
 * while any is; otherwise done when any finished, failed when all failed. Findings and
 * labels add up over the finished analyses (labels in first-seen order, no repeats).
 */
export function summarizeStudy(rows: readonly AnalysisSummary[]): StudyAnalysisStatus {
  const states = new Set(rows.map((r) => r.state));
  const order: readonly AnalysisJobState[] = ['running', 'queued', 'done', 'failed'];
  const state = order.find((s) => states.has(s)) ?? 'none';
  const done = rows.filter((r) => r.state === 'done');
  return { state, findings: done.reduce((sum, r) => sum + r.findingCount, 0), labels: [...new Set(done.flatMap((r) => r.labels))] };
}

export async function registerAnalysisRoutes(app: FastifyInstance, options: AnalysisRoutesOptions): Promise<void> {
  const { archive, jobs } = options;
  const store = (): AnalysisStore => {
    const found = analysisStoreOf(archive);
    if (found === undefined) throw new VertebraError('CONFIG_INVALID', 'this archive has no analysis store (open it with openArchive)', { subject: 'archive' });
    return found;
  };

  app.get<{ Params: { study: string } }>('/studies/:study/analyses', { config: { permission: 'dicom:read', audit: 'analysis-read' } }, async (request): Promise<StudyAnalyses> => {
    const study = uidParam(request.params.study, 'study');
    return { analyses: (await store().listByStudy(study)).map(toSeriesAnalysis) };
  });

  app.post<{ Params: { study: string; series: string } }>(
    '/studies/:study/series/:series/analysis',
    { config: { permission: 'annotation:write', audit: 'analysis-run' } },
    async (request, reply) => {
      const study = uidParam(request.params.study, 'study');
      const series = uidParam(request.params.series, 'series');
      if (jobs === undefined) {
        const known = await archive.listInstances({ studyInstanceUid: study, seriesInstanceUid: series });
        if (known.length === 0) throw new VertebraError('ARCHIVE_NOT_FOUND', `series ${series} of study ${study} is not in the archive`, { subject: 'series' });
        throw new VertebraError('ANALYSIS_NOT_APPLICABLE', 'this server runs without automatic analysis (vertebra serve --no-analysis); nothing was queued', { subject: 'series' });
      }
      const queued = await jobs.requestRun(study, series);
      return reply.status(202).send(toSeriesAnalysis(queued));
    },
  );

  app.get<{ Querystring: { study?: string | string[] } }>('/analysis-status', { config: { permission: 'dicom:read' } }, async (request): Promise<AnalysisStatusSummary> => {
    const raw = request.query.study;
    const listed = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).flatMap((value) => value.split(',')).filter((value) => value !== '');
    if (listed.length === 0) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'name at least one study: ?study=UID&study=UID…', { subject: 'study' });
    const studies = [...new Set(listed.map((value) => uidParam(value, 'study')))];
    if (studies.length > maxStudiesPerStatusRequest) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `${studies.length} studies named; at most ${maxStudiesPerStatusRequest} per request`, { subject: 'study' });
    }
    const rows = await store().summarize(studies);
    const statuses: Record<string, StudyAnalysisStatus> = {};
    for (const study of studies) statuses[study] = summarizeStudy(rows.filter((r) => r.studyInstanceUid === study));
    return { statuses };
  });
}
