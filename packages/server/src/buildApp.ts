/**
 * Builds the Vertebra HTTP app from its dependencies (DESIGN.md: no globals, everything
 * from `deps`): GET /health, the DICOMweb service under /dicomweb (PS3.18) and one error
 * handler that maps the error catalogue to HTTP, and the viewer at `/` when built. The caller listens and closes.
 *
 * Security (issue 3): every route declares its permission (registerAuth refuses one that
 * does not); every request but GET /health, GET /login and POST /api/session authenticates
 * (session cookie, API token or HTTP Basic); audited routes write one audit event per
 * request to `deps.audit` (by default a writer on the archive's SecurityStore, closed with
 * the app).
 */
import Fastify, { type FastifyInstance, type FastifyLoggerOptions } from 'fastify';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { securityStoreOf, type ArchiveService, type HashPasswordOptions } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import type { AuditSink } from './audit/AuditSink.js';
import { createAuditWriter } from './audit/createAuditWriter.js';
import { registerAuditHook } from './audit/registerAuditHook.js';
import { createAuthenticator } from './auth/createAuthenticator.js';
import { LoginThrottle } from './auth/LoginThrottle.js';
import { registerAuth } from './auth/registerAuth.js';
import { registerAuditRoutes } from './rest/registerAuditRoutes.js';
import { registerResearchRoutes } from './rest/registerResearchRoutes.js';
import { registerSessionRoutes } from './rest/registerSessionRoutes.js';
import { registerTokenRoutes } from './rest/registerTokenRoutes.js';
import { registerUserRoutes } from './rest/registerUserRoutes.js';
import { registerErrorHandling } from './http/registerErrorHandling.js';
import { redactUrl } from './http/redactUrl.js';
import { dicomwebPrefix } from './dicomweb/dicomwebBaseUrl.js';
import { registerDicomwebRoutes } from './dicomweb/registerDicomwebRoutes.js';
import { registerWebApp } from './web/registerWebApp.js';
import { registerRestRoutes } from './rest/registerRestRoutes.js';
import { registerAnalysisRoutes } from './rest/registerAnalysisRoutes.js';
import type { AnalysisJobs } from './jobs/startAnalysisJobs.js';

export interface AppLimits {
  /** Largest request body accepted (STOW-RS), bytes. Default 2 GiB. */
  readonly maxRequestBytes?: number;
  /** Largest single multipart part (one instance), bytes. Default: maxRequestBytes. */
  readonly maxPartBytes?: number;
  /** Most parts (instances) in one STOW-RS request. Default 10 000. */
  readonly maxInstancesPerRequest?: number;
  /** A connection that sends or receives nothing for this long is closed (slow-client defence). Default 120 s. */
  readonly idleSocketTimeoutMs?: number;
  /** A request whose body has not fully arrived after this long is answered 408 and closed. Default 30 min (a 2 GiB STOW at ~10 Mbit/s). */
  readonly requestTimeoutMs?: number;
  /** The request line and headers must arrive within this long. Default 30 s. */
  readonly headersTimeoutMs?: number;
}

export interface AuthSettings {
  /** A web session ends after this long without a request. Default 8 h. */
  readonly sessionIdleMs?: number;
  /** A web session ends this long after sign-in. Default 12 h. */
  readonly sessionAbsoluteMs?: number;
  /** Failed sign-ins allowed per user name within the window. Default 5. */
  readonly maxFailuresPerUser?: number;
  /** Failed sign-ins allowed per source address within the window. Default 20. */
  readonly maxFailuresPerAddress?: number;
  /** Throttle window, milliseconds. Default 15 minutes. */
  readonly failureWindowMs?: number;
  /** How long a verified HTTP Basic header is remembered. Default 5 minutes. */
  readonly basicCacheMs?: number;
  /** scrypt cost of the passwords this app hashes; 'test' only in tests. */
  readonly passwordCost?: HashPasswordOptions['cost'];
  /** Clock (tests). */
  readonly now?: () => Date;
}

export interface BuildAppDeps {
  readonly archive: ArchiveService;
  readonly limits?: AppLimits;
  readonly logger?: boolean | FastifyLoggerOptions;
  /** Folder of the built viewer (packages/web/dist), served at `/`; no viewer when absent. */
  readonly webDistDir?: string;
  /** Serve HTTPS with these TLS settings (certificate, key, CA; see loadTlsCredentials); plain HTTP when absent. */
  readonly https?: HttpsServerOptions;
  /** Where audit events go; default: a writer on the archive's SecurityStore, closed with the app. */
  readonly audit?: AuditSink;
  readonly auth?: AuthSettings;
  /** Successful WADO-RS reads of one study by one user are coalesced into one audit event per this window (StudyReadCoalescer); default 60 s; 0 writes one event per request. */
  readonly auditReadWindowMs?: number;
  /** The analysis job scheduler (startAnalysisJobs) behind POST …/analysis; without it re-runs are refused (409) and the stored analyses are still served. */
  readonly analysisJobs?: AnalysisJobs;
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
  const requestTimeoutMs = deps.limits?.requestTimeoutMs ?? 30 * 60_000;
  const headersTimeoutMs = Math.min(deps.limits?.headersTimeoutMs ?? 30_000, requestTimeoutMs);
  // Node checks the headers and request timeouts on this interval (default 30 s): make it a fraction of the limit.
  const httpServerOptions = { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeoutMs / 4))) };
  const app = Fastify({
    logger: withRedactedRequests(deps.logger ?? false),
    // Node's http timeouts (net.Socket idle, server.requestTimeout / headersTimeout): a client
    // that trickles bytes or stops half-way cannot hold a connection forever.
    connectionTimeout: deps.limits?.idleSocketTimeoutMs ?? 120_000,
    requestTimeout: requestTimeoutMs,
    // JSON bodies (none on these routes yet) stay small; STOW-RS enforces its own limits.
    bodyLimit: 1024 * 1024,
    // UIDs are up to 64 characters; a frame list can be long.
    routerOptions: { maxParamLength: 4096 },
    // node:http server options (https.createServer takes them beside the TLS settings).
    // Fastify types an HTTPS instance apart; the routes are the same, so it is typed as one.
    ...(deps.https === undefined ? { http: httpServerOptions } : ({ https: { ...deps.https, ...httpServerOptions } } as object)),
  });
  registerErrorHandling(app);

  const store = securityStoreOf(deps.archive);
  if (store === undefined) throw new VertebraError('CONFIG_INVALID', 'the archive has no security store (open it with openArchive)', { subject: 'archive' });
  const auth = deps.auth ?? {};
  const now = auth.now ?? (() => new Date());
  const throttle = new LoginThrottle({
    windowMs: auth.failureWindowMs ?? 15 * 60_000,
    now: () => now().getTime(),
    ...(auth.maxFailuresPerUser === undefined ? {} : { maxFailuresPerUser: auth.maxFailuresPerUser }),
    ...(auth.maxFailuresPerAddress === undefined ? {} : { maxFailuresPerAddress: auth.maxFailuresPerAddress }),
  });
  const authenticator = createAuthenticator({
    store,
    throttle,
    now,
    ...(auth.sessionIdleMs === undefined ? {} : { sessionIdleMs: auth.sessionIdleMs }),
    ...(auth.sessionAbsoluteMs === undefined ? {} : { sessionAbsoluteMs: auth.sessionAbsoluteMs }),
    ...(auth.basicCacheMs === undefined ? {} : { basicCacheMs: auth.basicCacheMs }),
    ...(auth.passwordCost === undefined ? {} : { passwordCost: auth.passwordCost }),
  });
  const ownWriter = deps.audit === undefined ? createAuditWriter({ store, logger: app.log }) : undefined;
  const audit = deps.audit ?? ownWriter!;
  registerAuth(app, { authenticator });
  const auditHook = registerAuditHook(app, { audit, archive: deps.archive, now, ...(deps.auditReadWindowMs === undefined ? {} : { studyReadWindowMs: deps.auditReadWindowMs }) });
  app.addHook('onClose', async () => {
    // Coalesced read counts first, then the writer (ours only; a caller's writer is the caller's to close).
    auditHook.flushCoalesced();
    await ownWriter?.close().catch(() => undefined);
  });

  app.get('/health', { config: { permission: 'public' } }, async () => ({ status: 'ok' }));
  const passwordCost = auth.passwordCost === undefined ? {} : { passwordCost: auth.passwordCost };
  await app.register(async (scope) => registerSessionRoutes(scope, { store, authenticator, now, ...passwordCost }));
  await app.register(async (scope) => registerDicomwebRoutes(scope, { archive: deps.archive, limits }), { prefix: dicomwebPrefix });
  await app.register(
    async (scope) => {
      await registerRestRoutes(scope, { archive: deps.archive, now });
      await registerUserRoutes(scope, { store, now, ...passwordCost });
      await registerTokenRoutes(scope, { store, now });
      await registerAuditRoutes(scope, { store });
      await registerResearchRoutes(scope, { archive: deps.archive, store });
      await registerAnalysisRoutes(scope, { archive: deps.archive, ...(deps.analysisJobs === undefined ? {} : { jobs: deps.analysisJobs }) });
    },
    { prefix: '/api' },
  );
  if (deps.webDistDir !== undefined) await registerWebApp(app, { distDir: deps.webDistDir });
  return app;
}

/** Request log lines show the URL without secret-looking query parameters (redactUrl); never headers. */
function withRedactedRequests(logger: boolean | FastifyLoggerOptions): boolean | FastifyLoggerOptions {
  if (logger === false) return false;
  const options: FastifyLoggerOptions = logger === true ? {} : logger;
  return {
    ...options,
    serializers: {
      req: (request: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: request.method,
        url: redactUrl(request.url ?? ''),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
      ...options.serializers,
    },
  };
}
