/**
 * The DICOMweb routes (PS3.18 10.4 WADO-RS, 10.5 STOW-RS, 10.6 QIDO-RS) under /dicomweb.
 * Each route converts the HTTP request and calls the archive; see docs/conformance.md.
 * Every route declares its permission (issue 3: QIDO/WADO 'dicom:read', STOW 'dicom:write')
 * and its audit action; STOW-RS notes the studies it stored so that the audit names them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ArchiveService } from '@vertebra/archive';
import '../auth/routeAccess.js';
import { handleQidoRs } from './qidoRs.js';
import { handleRendered, handleThumbnail } from './renderedRs.js';
import { handleStowRs, type StowLimits } from './stowRs.js';
import { VerbatimFrameCache } from './VerbatimFrameCache.js';
import { handleBulkData, handleFrames, handleMetadata, handleRetrieve, type WadoParams } from './wadoRs.js';

export interface DicomwebRoutesOptions {
  readonly archive: ArchiveService;
  readonly limits: StowLimits;
}

type Query = Record<string, string | string[] | undefined>;

/** The archive as STOW-RS sees it: every stored instance's study is noted for the request's audit event. */
function noteStoredStudies(archive: ArchiveService, request: FastifyRequest): ArchiveService {
  return {
    ingest: async (ingestRequest) => {
      const result = await archive.ingest(ingestRequest);
      if (result.outcome !== 'rejected' && result.studyInstanceUid !== '') {
        const studies = (request.auditFacts.studies ??= []);
        if (!studies.some((s) => s.studyInstanceUid === result.studyInstanceUid)) studies.push({ studyInstanceUid: result.studyInstanceUid, patientId: null });
      }
      return result;
    },
    onStored: (listener) => archive.onStored(listener),
    query: (queryRequest) => archive.query(queryRequest),
    listInstances: (selector) => archive.listInstances(selector),
    readInstance: (record) => archive.readInstance(record),
    readInstanceMetadata: (record) => archive.readInstanceMetadata(record),
    listIngestWarnings: (studyInstanceUid) => archive.listIngestWarnings(studyInstanceUid),
    close: () => archive.close(),
  };
}

export async function registerDicomwebRoutes(app: FastifyInstance, options: DicomwebRoutesOptions): Promise<void> {
  const { archive, limits } = options;
  const context = { archive, limits, frameCache: new VerbatimFrameCache() };

  // STOW-RS: the body stays a stream; readMultipartRelated consumes it part by part.
  app.addContentTypeParser('multipart/related', (_request, payload, done) => {
    done(null, payload);
  });

  const stow = { config: { permission: 'dicom:write', audit: 'stow' } } as const;
  const stowContext = (request: FastifyRequest) => ({ archive: noteStoredStudies(archive, request), limits });
  app.post<{ Params: { study?: string } }>('/studies', stow, (request, reply) => handleStowRs(stowContext(request), request, reply));
  app.post<{ Params: { study?: string } }>('/studies/:study', stow, (request, reply) => handleStowRs(stowContext(request), request, reply));

  // QIDO-RS
  type QidoRequest = { Params: { study?: string; series?: string }; Querystring: Query };
  const qido = { config: { permission: 'dicom:read', audit: 'qido' } } as const;
  const wado = { config: { permission: 'dicom:read', audit: 'wado' } } as const;
  app.get<QidoRequest>('/studies', qido, (request, reply) => handleQidoRs(context, 'STUDY', request, reply));
  app.get<QidoRequest>('/series', qido, (request, reply) => handleQidoRs(context, 'SERIES', request, reply));
  app.get<QidoRequest>('/instances', qido, (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));
  app.get<QidoRequest>('/studies/:study/series', qido, (request, reply) => handleQidoRs(context, 'SERIES', request, reply));
  app.get<QidoRequest>('/studies/:study/instances', qido, (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));
  app.get<QidoRequest>('/studies/:study/series/:series/instances', qido, (request, reply) => handleQidoRs(context, 'IMAGE', request, reply));

  // WADO-RS retrieve and metadata
  const base = ['/studies/:study', '/studies/:study/series/:series', '/studies/:study/series/:series/instances/:instance'];
  for (const path of base) {
    app.get<{ Params: WadoParams }>(path, wado, (request, reply) => handleRetrieve(context, request, reply));
    app.get<{ Params: WadoParams }>(`${path}/metadata`, wado, (request, reply) => handleMetadata(context, request, reply));
    app.get<{ Params: WadoParams; Querystring: Query }>(`${path}/thumbnail`, wado, (request, reply) => handleThumbnail(context, request, reply));
  }
  const instancePath = '/studies/:study/series/:series/instances/:instance';
  app.get<{ Params: WadoParams & { frames: string } }>(`${instancePath}/frames/:frames`, wado, (request, reply) => handleFrames(context, request, reply));
  app.get<{ Params: WadoParams & { '*': string } }>(`${instancePath}/bulkdata/*`, wado, (request, reply) => handleBulkData(context, request, reply));
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/rendered`, wado, (request, reply) => handleRendered(context, request, reply));
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/frames/:frames/rendered`, wado, (request, reply) =>
    handleRendered(context, request, reply),
  );
  app.get<{ Params: WadoParams & { frames?: string }; Querystring: Query }>(`${instancePath}/frames/:frames/thumbnail`, wado, (request, reply) =>
    handleThumbnail(context, request, reply),
  );
}
