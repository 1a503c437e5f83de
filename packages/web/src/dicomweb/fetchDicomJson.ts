/**
 * GET a DICOM JSON array from the DICOMweb service (QIDO-RS results, WADO-RS metadata);
 * 204 No Content is an empty result; an error response becomes an Error carrying the
 * server's catalogue message so the viewer can show it. The session cookie goes along
 * (same origin); the X-Requested-With marker keeps a 401 from opening the browser's
 * Basic-auth dialog, and `onUnauthorized` lets the viewer send the user to /login.
 */
import { xhrMarkerHeader } from '@vertebra/contracts';
import type { DicomJsonDataset } from './dicomJson.js';

export interface FetchDicomJsonOptions {
  readonly signal?: AbortSignal;
  readonly onUnauthorized?: () => void;
}

export class DicomwebRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'DicomwebRequestError';
    this.status = status;
  }
}

export async function fetchDicomJson(url: string, options: FetchDicomJsonOptions = {}): Promise<DicomJsonDataset[]> {
  const { signal } = options;
  const response = await fetch(url, { headers: { Accept: 'application/dicom+json', ...xhrMarkerHeader }, ...(signal ? { signal } : {}) });
  if (response.status === 204) return [];
  if (response.status === 401) options.onUnauthorized?.();
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = (await response.json()) as { message?: unknown };
      if (typeof body.message === 'string') detail = body.message;
    } catch {
      // not JSON: keep the status text
    }
    throw new DicomwebRequestError(response.status, `${url.split('?')[0] ?? url}: HTTP ${response.status} ${detail}`);
  }
  const body = (await response.json()) as unknown;
  if (!Array.isArray(body)) throw new DicomwebRequestError(response.status, `${url}: expected a DICOM JSON array`);
  return body as DicomJsonDataset[];
}
