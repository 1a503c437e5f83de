/**
 * Starts a whole Vertebra server on one data directory: opens the archive, builds the
 * HTTP app (DICOMweb PS3.18, REST, /health), listens, starts the DIMSE SCP (PS3.7/PS3.8),
 * and closes all of them, in reverse order, on `close()`. Signal handling belongs to the
 * caller (the `vertebra serve` command); this function installs no process handlers.
 */
import { openArchive, type ArchiveService } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { buildApp } from './buildApp.js';
import { startDimseServer } from './dimse/startDimseServer.js';

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
  /** Logger of the DIMSE SCP. */
  readonly dimseLogger?: DimseOptions['logger'];
}

export interface VertebraServer {
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:8042 (DICOMweb under /dicomweb). */
  readonly httpUrl: string;
  /** Port the DIMSE SCP listens on; null when disabled. */
  readonly dimsePort: number | null;
  /** The archive the server serves, for in-process callers (the demo loader, tests). */
  readonly archive: ArchiveService;
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

  const archive = await openArchive({
    dataDir: options.dataDir,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
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
    const app = await buildApp({
      archive,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.webDistDir === undefined ? {} : { webDistDir: options.webDistDir }),
    });
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
      httpUrl: `http://${urlHost}:${boundPort}`,
      dimsePort: boundDimsePort,
      archive,
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
