/**
 * The viewer's only door to the archive: QIDO-RS study/series search and WADO-RS series
 * metadata under one DICOMweb base URL (PS3.18 10.4, 10.6). Frames are fetched by
 * Cornerstone's wadors image loader from URLs built here.
 */
import { buildBodyPartSeriesQuery, buildStudyQuery, type StudySearchCriteria } from './buildStudyQuery.js';
import { stringValue, tags, type DicomJsonDataset } from './dicomJson.js';
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

/** Series a body part search reads at most (their studies make the page). */
const maxBodyPartSeries = 1000;
/** Study UIDs per /studies request (keeps the URL short). */
const uidsPerQuery = 40;

export function createDicomwebClient(baseUrl: string, options: DicomwebClientOptions = {}): DicomwebClient {
  const base = baseUrl.replace(/\/+$/, '');
  const enc = encodeURIComponent;
  const get = (url: string, signal: AbortSignal | undefined): Promise<DicomJsonDataset[]> =>
    fetchDicomJson(url, { ...(signal === undefined ? {} : { signal }), ...(options.onUnauthorized === undefined ? {} : { onUnauthorized: options.onUnauthorized }) });
  return {
    baseUrl: base,
    async searchStudies(criteria, signal) {
      const seriesQuery = buildBodyPartSeriesQuery(criteria, { limit: maxBodyPartSeries });
      if (seriesQuery === undefined) return (await get(`${base}/studies?${buildStudyQuery(criteria).toString()}`, signal)).map(toStudySummary);
      // Body part: the studies that have a matching series, then those studies with the other keys.
      const series = await get(`${base}/series?${seriesQuery.toString()}`, signal);
      const uids = [...new Set(series.map((d) => stringValue(d, tags.StudyInstanceUID)).filter((uid) => uid !== ''))].slice(0, criteria.limit ?? maxBodyPartSeries);
      const studies: StudySummary[] = [];
      for (let i = 0; i < uids.length; i += uidsPerQuery) {
        const { offset: _offset, ...rest } = criteria;
        const params = buildStudyQuery({ ...rest, studyInstanceUids: uids.slice(i, i + uidsPerQuery) });
        studies.push(...(await get(`${base}/studies?${params.toString()}`, signal)).map(toStudySummary));
      }
      return studies;
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
