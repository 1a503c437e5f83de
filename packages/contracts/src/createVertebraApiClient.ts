/**
 * A small typed client of the Vertebra REST API (`/api`): the session, measurements and series
 * calibrations. Works with any fetch (browser, Node 20); failures throw ApiError carrying
 * the error catalogue code and the server's message (which names the field at fault).
 */
import type { ErrorCode } from '@vertebra/errors';
import type {
  Measurement,
  MeasurementExport,
  MeasurementInput,
  MeasurementList,
  SeriesCalibration,
  SeriesCalibrationInput,
  SeriesCalibrationResponse,
} from './measurementSchema.js';
import type { SessionInfo } from './sessionSchema.js';
import type { AnalysisStatusSummary, SeriesAnalysis, StudyAnalyses } from './analysisSchema.js';

/** The part of fetch the client uses. */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal; keepalive?: boolean },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

export class ApiError extends Error {
  readonly status: number;
  /** Error catalogue code (REQUEST_INVALID_PARAMETER, ARCHIVE_NOT_FOUND…), or 'HTTP_<status>' when the body had none. */
  readonly code: ErrorCode | `HTTP_${number}`;

  constructor(status: number, code: ErrorCode | `HTTP_${number}`, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface VertebraApiClient {
  readonly baseUrl: string;
  listMeasurements(studyInstanceUid: string, signal?: AbortSignal): Promise<Measurement[]>;
  createMeasurement(studyInstanceUid: string, input: MeasurementInput): Promise<Measurement>;
  updateMeasurement(id: string, input: MeasurementInput): Promise<Measurement>;
  deleteMeasurement(id: string): Promise<void>;
  exportMeasurements(studyInstanceUid: string): Promise<MeasurementExport>;
  /** URL of the JSON download (Content-Disposition: attachment). */
  exportUrl(studyInstanceUid: string): string;
  getCalibration(seriesInstanceUid: string, signal?: AbortSignal): Promise<SeriesCalibration | null>;
  putCalibration(seriesInstanceUid: string, input: SeriesCalibrationInput): Promise<SeriesCalibration>;
  deleteCalibration(seriesInstanceUid: string): Promise<void>;
  /** Who is signed in (401 ApiError AUTH_REQUIRED when nobody). */
  getSession(signal?: AbortSignal): Promise<SessionInfo>;
  /** Ends the cookie session. */
  logout(): Promise<void>;
  /** Records in the audit trail that the user opened the study in the viewer. */
  markStudyViewed(studyInstanceUid: string): Promise<void>;
  /** The CT analyses of a study's series: state, error, result (issue 6). */
  listAnalyses(studyInstanceUid: string, signal?: AbortSignal): Promise<SeriesAnalysis[]>;
  /** Queues the analysis of a series again (202); 409 ApiError ANALYSIS_NOT_APPLICABLE for a series that cannot be analysed. */
  rerunAnalysis(studyInstanceUid: string, seriesInstanceUid: string): Promise<SeriesAnalysis>;
  /** Worklist status per study (at most 200 studies per call). */
  getAnalysisStatus(studyInstanceUids: readonly string[], signal?: AbortSignal): Promise<AnalysisStatusSummary>;
}

export interface VertebraApiClientOptions {
  /** e.g. '/api' in the browser or 'http://127.0.0.1:8042/api'. */
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  /** Extra headers for every request, read at call time (the viewer's CSRF token, credentials of a script). */
  readonly requestHeaders?: () => Readonly<Record<string, string>>;
  /** Called with every 401 before the ApiError is thrown (the viewer sends the user to /login). */
  readonly onUnauthorized?: () => void;
}

export function createVertebraApiClient(options: VertebraApiClientOptions): VertebraApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const enc = encodeURIComponent;

  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await doFetch(`${base}${path}`, {
      method,
      headers: {
        ...options.requestHeaders?.(),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
    if (!response.ok) {
      if (response.status === 401) options.onUnauthorized?.();
      const text = await response.text();
      let parsed: { code?: unknown; message?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // not JSON: keep the text as the message
      }
      const code = typeof parsed.code === 'string' ? (parsed.code as ErrorCode) : (`HTTP_${response.status}` as const);
      throw new ApiError(response.status, code, typeof parsed.message === 'string' ? parsed.message : text || `HTTP ${response.status}`);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  return {
    baseUrl: base,
    async listMeasurements(studyInstanceUid, signal) {
      return [...(await call<MeasurementList>('GET', `/studies/${enc(studyInstanceUid)}/measurements`, undefined, signal)).measurements];
    },
    createMeasurement: (studyInstanceUid, input) => call<Measurement>('POST', `/studies/${enc(studyInstanceUid)}/measurements`, input),
    updateMeasurement: (id, input) => call<Measurement>('PUT', `/measurements/${enc(id)}`, input),
    deleteMeasurement: (id) => call<void>('DELETE', `/measurements/${enc(id)}`),
    exportMeasurements: (studyInstanceUid) => call<MeasurementExport>('GET', `/studies/${enc(studyInstanceUid)}/measurements/export`),
    exportUrl: (studyInstanceUid) => `${base}/studies/${enc(studyInstanceUid)}/measurements/export`,
    async getCalibration(seriesInstanceUid, signal) {
      return (await call<SeriesCalibrationResponse>('GET', `/series/${enc(seriesInstanceUid)}/calibration`, undefined, signal)).calibration;
    },
    putCalibration: (seriesInstanceUid, input) => call<SeriesCalibration>('PUT', `/series/${enc(seriesInstanceUid)}/calibration`, input),
    deleteCalibration: (seriesInstanceUid) => call<void>('DELETE', `/series/${enc(seriesInstanceUid)}/calibration`),
    getSession: (signal) => call<SessionInfo>('GET', '/session', undefined, signal),
    logout: () => call<void>('DELETE', '/session'),
    markStudyViewed: (studyInstanceUid) => call<void>('POST', `/studies/${enc(studyInstanceUid)}/viewed`),
    async listAnalyses(studyInstanceUid, signal) {
      return [...(await call<StudyAnalyses>('GET', `/studies/${enc(studyInstanceUid)}/analyses`, undefined, signal)).analyses];
    },
    rerunAnalysis: (studyInstanceUid, seriesInstanceUid) => call<SeriesAnalysis>('POST', `/studies/${enc(studyInstanceUid)}/series/${enc(seriesInstanceUid)}/analysis`),
    getAnalysisStatus: (studyInstanceUids, signal) =>
      call<AnalysisStatusSummary>('GET', `/analysis-status?${studyInstanceUids.map((uid) => `study=${enc(uid)}`).join('&')}`, undefined, signal),
  };
}
