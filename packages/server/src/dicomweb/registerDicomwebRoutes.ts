/**
 * The DICOMweb routes (PS3.18 10.4 WADO-RS, 10.5 STOW-RS, 10.6 QIDO-RS) under /dicomweb.
 * Each route converts the HTTP request and calls the archive; see docs/conformance.md.
 */
import type { FastifyInstance } from 'fastify';
import type { ArchiveService } from '@vertebra/archive';
import { handleQidoRs } from './qidoRs.js';
import { handleRendered, handleThumbnail } from './renderedRs.js';
import { handleStowRs, type StowLimits } from './stowRs.js';
import { handleBulkData, handleFrames, handleMetadata, handleRetrieve, type WadoParams } from './wadoRs.js';

export interface DicomwebRoutesOptions {
  readonly archive: ArchiveService;
  readonly limits: StowLimits;
}

type Query = Record<string, string | string[] | undefined>;

export async function registerDicomwebRoutes(app: FastifyInstance, options: DicomwebRoutesOptions): Promise<void> {
  const { archive, limits } = options;
  const context = { archive, limits };

  // STOW-RS: the body stays a stream; readMultipartRelated consumes it part by part.
  app.addContentTypeParser('multipart/related', (_request, payload, done) => {
    done(null, payload);
  });

  app.post<{ Params: { study?: string } }>('/studies', (request, reply) => handleStowRs(context, request, reply));
  app.post<{ Params: { study?: string } }>('/studies/:study', (request, reply) => handleStowRs(context, request, reply));

  // QIDO-RS
  type QidoRequest = { Params: { study?: string; series?: string }; Querystring: Query };
  app.get<QidoRequest>('/studies', (request, reply) => handleQidoRs(context, 'STUDY', request, reply));
  app.get<QidoRequest>('/series', (request, reply) => handleQidoRs(context, 'SERIES', request, reply));
  app.get<QidoRequest>('/instances', (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));
  app.get<QidoRequest>('/studies/:study/series', (request, reply) => handleQidoRs(context, 'SERIES', request, reply));
  app.get<QidoRequest>('/studies/:study/instances', (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));
  app.get<QidoRequest>('/studies/:study/series/:series/instances', (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));

  // WADO-RS retrieve and metadata
  const base = ['/studies/:study', '/studies/:study/series/:series', '/studies/:study/series/:series/instances/:instance'];
  for (const path of base) {
    app.get<{ Params: WadoParams }>(path, (request, reply) => handleRetrieve(context, request, reply));
    app.get<{ Params: WadoParams }>(`${path}/metadata`, (request, reply) => handleMetadata(context, request, reply));
    app.get<{ Params: WadoParams; Querystring: Query }>(`${path}/thumbnail`, (request, reply) => handleThumbnail(context, request, reply));
  }
  const instancePath = '/studies/:study/series/:series/instances/:instance';
  app.get<{ Params: WadoParams & { frames: string } }>(`${instancePath}/frames/:frames`, (request, reply) => handleFrames(context, request, reply));
  app.get<{ Params: WadoParams & { '*': string } }>(`${instancePath}/bulkdata/*`, (request, reply) => handleBulkData(context, request, reply));
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/rendered`, (request, reply) => handleRendered(context, request, reply));
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/frames/:frames/rendered`, (request, reply) =>
    handleRendered(context, request, reply),
  );
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/frames/:frames/thumbnail`, (request, reply) =>
    handleThumbnail(context, request, reply),
  );
}
