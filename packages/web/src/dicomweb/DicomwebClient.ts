/**
 * The viewer's only door to the archive: QIDO-RS study/series search and WADO-RS series
 * metadata under one DICOMweb base URL (PS3.18 10.4, 10.6). Frames are fetched by
 * Cornerstone's wadors image loader from URLs built here.
 */
import { buildStudyQuery, type StudySearchCriteria } from './buildStudyQuery.js';
import type { DicomJsonDataset } from './dicomJson.js';
import { fetchDicomJson } from './fetchDicomJson.js';
import { toSeriesSummary, toStudySummary, type SeriesSummary, type StudySummary } from './StudySummary.js';

export interface DicomwebClient {
  readonly baseUrl: string;
  searchStudies(criteria: StudySearchCriteria, signal?: AbortSignal): Promise<StudySummary[]>;
  getStudy(studyInstanceUid: string, signal?: AbortSignal): Promise<StudySummary | undefined>;
  listSeries(studyInstanceUid: string, signal?: AbortSignal): Promise<SeriesSummary[]>;
  seriesMetadata(studyInstanceUid: string, seriesInstanceUid: string, signal?: AbortSignal): Promise<DicomJsonDataset[]>;
  /** URL of one frame (1-based) for the wadors: image loader scheme. */
  frameUrl(studyInstanceUid: string, seriesInstanceUid: string, sopInstanceUid: string, frame: number): string;
  thumbnailUrl(studyInstanceUid: string, seriesInstanceUid?: string): string;
}

export interface DicomwebClientOptions {
  /** Called on every 401 (session expired or signed out elsewhere). */
  readonly onUnauthorized?: () => void;
}

export function createDicomwebClient(baseUrl: string, options: DicomwebClientOptions = {}): DicomwebClient {
  const base = baseUrl.replace(/\/+$/, '');
  const enc = encodeURIComponent;
  const get = (url: string, signal: AbortSignal | undefined): Promise<DicomJsonDataset[]> =>
    fetchDicomJson(url, { ...(signal === undefined ? {} : { signal }), ...(options.onUnauthorized === undefined ? {} : { onUnauthorized: options.onUnauthorized }) });
  return {
    baseUrl: base,
    async searchStudies(criteria, signal) {
      const results = await get(`${base}/studies?${buildStudyQuery(criteria).toString()}`, signal);
      return results.map(toStudySummary);
    },
    async getStudy(studyInstanceUid, signal) {
      const params = buildStudyQuery({});
      params.set('StudyInstanceUID', studyInstanceUid);
      const results = await get(`${base}/studies?${params.toString()}`, signal);
      return results[0] === undefined ? undefined : toStudySummary(results[0]);
    },
    async listSeries(studyInstanceUid, signal) {
      const params = new URLSearchParams();
      for (const field of ['SeriesDescription', 'BodyPartExamined', 'NumberOfSeriesRelatedInstances']) params.append('includefield', field);
      const results = await get(`${base}/studies/${enc(studyInstanceUid)}/series?${params.toString()}`, signal);
      return results
        .map((d) => toSeriesSummary(d, studyInstanceUid))
        .sort((a, b) => (a.seriesNumber ?? Number.MAX_SAFE_INTEGER) - (b.seriesNumber ?? Number.MAX_SAFE_INTEGER));
    },
    seriesMetadata(studyInstanceUid, seriesInstanceUid, signal) {
      return get(`${base}/studies/${enc(studyInstanceUid)}/series/${enc(seriesInstanceUid)}/metadata`, signal);
    },
    frameUrl(studyInstanceUid, seriesInstanceUid, sopInstanceUid, frame) {
      return `${base}/studies/${enc(studyInstanceUid)}/series/${enc(seriesInstanceUid)}/instances/${enc(sopInstanceUid)}/frames/${frame}`;
    },
    thumbnailUrl(studyInstanceUid, seriesInstanceUid) {
      const study = `${base}/studies/${enc(studyInstanceUid)}`;
      return seriesInstanceUid === undefined ? `${study}/thumbnail` : `${study}/series/${enc(seriesInstanceUid)}/thumbnail`;
    },
  };
}
