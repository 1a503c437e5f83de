/**
 * The absolute base URL of the DICOMweb service as the client addressed it, for
 * RetrieveURL (0008,1190) and BulkDataURI values (PS3.18 8.6, F.2.6).
 */
import type { FastifyRequest } from 'fastify';

export const dicomwebPrefix = '/dicomweb';

export function dicomwebBaseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${dicomwebPrefix}`;
}
