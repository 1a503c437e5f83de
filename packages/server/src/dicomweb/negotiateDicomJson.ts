/**
 * Accept negotiation for resources answered as DICOM JSON (QIDO-RS results, WADO-RS
 * metadata; PS3.18 8.7.3, 10.6.3): application/dicom+json, application/json or a
 * wildcard. Anything else (e.g. multipart/related; type="application/dicom+xml") is 406.
 */
import { VertebraError } from '@vertebra/errors';
import { mediaRangeMatches, parseAcceptHeader } from '../http/parseAcceptHeader.js';

export function negotiateDicomJson(accept: string | string[] | undefined): void {
  const ok = parseAcceptHeader(accept).some(
    (range) => mediaRangeMatches(range.mediaType, 'application/dicom+json') || range.mediaType === 'application/json',
  );
  if (!ok) {
    throw new VertebraError('REQUEST_NOT_ACCEPTABLE', 'this resource is available as application/dicom+json only', { subject: 'Accept header' });
  }
}
