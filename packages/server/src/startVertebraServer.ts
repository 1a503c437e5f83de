/**
 * Starts a whole Vertebra server on one data directory: opens the archive, creates the
 * first 'admin' user when there is none (issue 3: no default password; the generated one
 * is returned once), creates the one audit writer both transports record to, builds the
 * HTTP app (DICOMweb PS3.18, REST, /health; HTTPS with `tls`), listens, starts the DIMSE
 * SCP (PS3.7/PS3.8; DICOM TLS with `tls`, PS3.15 B.1/B.9; only `allowedPeers`), and
 * closes all of them, in reverse order, on `close()` (the audit writer last but the
 * archive, so that the last records are written). Signal handling belongs to the caller
 * (the `vertebra serve` command); this function installs no process handlers.
 */
import { analysisStoreOf, ensureAdminUser, openArchive, securityStoreOf, type ArchiveLogger, type ArchiveService } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { buildApp } from './buildApp.js';
import { createAuditWriter } from './audit/createAuditWriter.js';
import { startDimseServer } from './dimse/startDimseServer.js';
import { loadTlsCredentials } from './dimse/loadTlsCredentials.js';
import type { TlsOptions } from './dimse/TlsOptions.js';
import { startAnalysisJobs, type AnalysisJobs, type AnalysisJobsOptions } from './jobs/startAnalysisJobs.js';

type DimseOptions = Parameters<typeof startDimseServer>[0];
type AppOptions = Parameters<typeof buildApp>[0];

export interface StartVertebraServerOptions {
  readonly dataDir: string;
  /** Interface both listeners bind to; loopback unless configured. */
  readonly host?: string;
  /** HTTP port; 0 picks a free port. Default 8042. */
  readonly httpPort?: number;
  /** DIMSE port; 0 picks a free port; null disables the SCP. Default 11112. */
  readonly dimsePort?: number | null;
  readonly aeTitle?: string;
  readonly remoteAes?: DimseOptions['remoteAes'];
  /** PostgreSQL URL for the metadata index; SQLite in dataDir when absent. */
  readonly databaseUrl?: string;
  /** Folder of the built viewer, served at `/` (see buildApp). */
  readonly webDistDir?: string;
  readonly limits?: AppOptions['limits'];
  /** Logger of the HTTP app (Fastify logger options). */
  readonly logger?: AppOptions['logger'];
  /** Logger of the archive (ingest replacements, storage failures, the orphan-blob sweep at open). */
  readonly archiveLogger?: ArchiveLogger;
  /** Logger of the DIMSE SCP. */
  readonly dimseLogger?: DimseOptions['logger'];
  /** Password of the 'admin' user created on first start (no users yet); generated when absent. */
  readonly adminPassword?: string;
  /** DIMSE peers allowed to associate; none (deny all) when absent or empty. */
  readonly allowedPeers?: DimseOptions['allowedPeers'];
  /** HTTPS for the HTTP app and DICOM TLS for the SCP (PS3.15 B.1 / B.9). */
  readonly tls?: TlsOptions;
  /** Automatic CT spine analysis of stored CT series (issue 6; startAnalysisJobs); enabled by default. */
  readonly analysis?: AnalysisServerOptions;
}

/** `enabled: false` (`vertebra serve --no-analysis`) runs no jobs; stored analyses are still served. */
export type AnalysisServerOptions = { readonly enabled?: boolean } & Pick<
  AnalysisJobsOptions,
  'quietMs' | 'concurrency' | 'minSlices' | 'workerMemoryLimitMb' | 'jobTimeoutMs' | 'backfill'
>;

export interface VertebraServer {
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:8042 (DICOMweb under /dicomweb). */
  readonly httpUrl: string;
  /** Port the DIMSE SCP listens on; null when disabled. */
  readonly dimsePort: number | null;
  /** The archive the server serves, for in-process callers (the demo loader, tests). */
  readonly archive: ArchiveService;
  /** The 'admin' password generated on this first start (no users and no `adminPassword`), to show once. */
  readonly generatedAdminPassword?: string;
  close(): Promise<void>;
}

export const defaultHttpPort = 8042;
export const defaultDimsePort = 11112;

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VertebraError('CONFIG_INVALID', `${port} is not a TCP port (0-65535)`, { subject: name });
  }
}

export async function startVertebraServer(options: StartVertebraServerOptions): Promise<VertebraServer> {
  const host = options.host ?? '127.0.0.1';
  const httpPort = options.httpPort ?? defaultHttpPort;
  const dimsePort = options.dimsePort === undefined ? defaultDimsePort : options.dimsePort;
  checkPort('httpPort', httpPort);
  if (dimsePort !== null) checkPort('dimsePort', dimsePort);

  // Read before anything is opened: a missing certificate is a configuration error, not a half-started server.
  const tlsSettings = options.tls === undefined ? undefined : await loadTlsCredentials(options.tls);

  const archive = await openArchive({
    dataDir: options.dataDir,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.archiveLogger === undefined ? {} : { logger: options.archiveLogger }),
  });
  const cleanups: Array<() => Promise<void>> = [() => archive.close()];
  const closeAll = async (): Promise<void> => {
    let first: unknown;
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  };

  try {
    const store = securityStoreOf(archive);
    if (store === undefined) throw new VertebraError('INTERNAL', 'the archive has no security store', { subject: options.dataDir });
    const admin = await ensureAdminUser(store, options.adminPassword === undefined ? {} : { password: options.adminPassword });

    // One writer for both transports; until the HTTP app's logger exists, failures go to the DIMSE logger.
    let appLog: { error(object: object, message: string): void } | undefined;
    const audit = createAuditWriter({
      store,
      logger: {
        error: (object, message) => {
          if (appLog) appLog.error(object, message);
          else options.dimseLogger?.error(`${message} ${JSON.stringify(object)}`);
        },
      },
    });
    cleanups.push(() => audit.close());

    // Issue 6: CT analysis jobs. Cleanups run in reverse: the transports stop first, then the jobs
    // (waiting series queued durably, running jobs abandoned), then the archive.
    let analysisJobs: AnalysisJobs | undefined;
    if (options.analysis?.enabled !== false) {
      const analysisStore = analysisStoreOf(archive);
      if (analysisStore === undefined) throw new VertebraError('INTERNAL', 'the archive has no analysis store', { subject: options.dataDir });
      const { enabled: _enabled, ...analysisOptions } = options.analysis ?? {};
      analysisJobs = await startAnalysisJobs({ archive, store: analysisStore, ...analysisOptions, ...(options.archiveLogger === undefined ? {} : { logger: options.archiveLogger }) });
      const jobs = analysisJobs;
      cleanups.push(() => jobs.close());
    }

    const app = await buildApp({
      archive,
      audit,
      ...(analysisJobs === undefined ? {} : { analysisJobs }),
      ...(tlsSettings === undefined ? {} : { https: tlsSettings }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.webDistDir === undefined ? {} : { webDistDir: options.webDistDir }),
    });
    appLog = app.log;
    cleanups.push(() => app.close());
    try {
      await app.listen({ host, port: httpPort });
    } catch (error) {
      throw new VertebraError('CONFIG_INVALID', `cannot listen on ${host}:${httpPort}: ${(error as Error).message}`, {
        subject: 'httpPort',
        cause: error,
      });
    }
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : httpPort;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

    let boundDimsePort: number | null = null;
    if (dimsePort !== null) {
      let dimse: Awaited<ReturnType<typeof startDimseServer>>;
      try {
        dimse = await startDimseServer({
          archive,
          port: dimsePort,
          host,
          ...(options.aeTitle === undefined ? {} : { aeTitle: options.aeTitle }),
          ...(options.remoteAes === undefined ? {} : { remoteAes: options.remoteAes }),
          ...(options.dimseLogger === undefined ? {} : { logger: options.dimseLogger }),
          ...(options.allowedPeers === undefined ? {} : { allowedPeers: options.allowedPeers }),
          ...(options.tls === undefined ? {} : { tls: options.tls }),
          audit,
        });
      } catch (error) {
        if (error instanceof VertebraError) throw error;
        throw new VertebraError('CONFIG_INVALID', `cannot start the DIMSE SCP on ${host}:${dimsePort}: ${(error as Error).message}`, {
          subject: 'dimsePort',
          cause: error,
        });
      }
      cleanups.push(() => dimse.close());
      boundDimsePort = dimse.port;
    }

    return {
      httpUrl: `${tlsSettings === undefined ? 'http' : 'https'}://${urlHost}:${boundPort}`,
      dimsePort: boundDimsePort,
      archive,
      ...(admin.generatedPassword === undefined ? {} : { generatedAdminPassword: admin.generatedPassword }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
