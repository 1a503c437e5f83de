/**
 * Builds the Vertebra HTTP app from its dependencies (DESIGN.md: no globals, everything
 * from `deps`): GET /health, the DICOMweb service under /dicomweb (PS3.18) and one error
 * handler that maps the error catalogue to HTTP, and the viewer at `/` when built. The caller listens and closes.
 */
import Fastify, { type FastifyInstance, type FastifyLoggerOptions } from 'fastify';
import type { ArchiveService } from '@vertebra/archive';
import { registerErrorHandling } from './http/registerErrorHandling.js';
import { dicomwebPrefix } from './dicomweb/dicomwebBaseUrl.js';
import { registerDicomwebRoutes } from './dicomweb/registerDicomwebRoutes.js';
import { registerWebApp } from './web/registerWebApp.js';
import { registerRestRoutes } from './rest/registerRestRoutes.js';

export interface AppLimits {
  /** Largest request body accepted (STOW-RS), bytes. Default 2 GiB. */
  readonly maxRequestBytes?: number;
  /** Largest single multipart part (one instance), bytes. Default: maxRequestBytes. */
  readonly maxPartBytes?: number;
  /** Most parts (instances) in one STOW-RS request. Default 10 000. */
  readonly maxInstancesPerRequest?: number;
}

export interface BuildAppDeps {
  readonly archive: ArchiveService;
  readonly limits?: AppLimits;
  readonly logger?: boolean | FastifyLoggerOptions;
  /** Folder of the built viewer (packages/web/dist), served at `/`; no viewer when absent. */
  readonly webDistDir?: string;
}

export const defaultMaxRequestBytes = 2 * 1024 * 1024 * 1024;
export const defaultMaxInstancesPerRequest = 10_000;

export async function buildApp(deps: BuildAppDeps): Promise<FastifyInstance> {
  const maxRequestBytes = deps.limits?.maxRequestBytes ?? defaultMaxRequestBytes;
  const limits = {
    maxRequestBytes,
    maxPartBytes: Math.min(deps.limits?.maxPartBytes ?? maxRequestBytes, maxRequestBytes),
    maxInstancesPerRequest: deps.limits?.maxInstancesPerRequest ?? defaultMaxInstancesPerRequest,
  };
  const app = Fastify({
    logger: deps.logger ?? false,
    // JSON bodies (none on these routes yet) stay small; STOW-RS enforces its own limits.
    bodyLimit: 1024 * 1024,
    // UIDs are up to 64 characters; a frame list can be long.
    routerOptions: { maxParamLength: 4096 },
  });
  registerErrorHandling(app);
  app.get('/health', async () => ({ status: 'ok' }));
  await app.register(async (scope) => registerDicomwebRoutes(scope, { archive: deps.archive, limits }), { prefix: dicomwebPrefix });
  await app.register(async (scope) => registerRestRoutes(scope, { archive: deps.archive }), { prefix: '/api' });
  if (deps.webDistDir !== undefined) await registerWebApp(app, { distDir: deps.webDistDir });
  return app;
}
