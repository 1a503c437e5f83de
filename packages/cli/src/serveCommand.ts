/**
 * `vertebra serve --data DIR`: runs the HTTP app (DICOMweb, /health) and the DIMSE SCP on
 * one archive until SIGINT/SIGTERM, then closes everything (in-flight ingests finish or
 * roll back: the archive never shows a partial instance). `--demo` loads demo data (phantom
 * patients, plus the ../shared/data samples when present) into an empty archive first.
 * On the first start the 'admin' user gets `adminPassword` (VERTEBRA_ADMIN_PASSWORD, read
 * by runCli) or a generated password, printed here once to stdout, never to a log.
 * DIMSE admits only `allowedPeers` (deny by default); `tls` serves HTTPS and DICOM TLS.
 */
import { startVertebraServer, type AllowedPeer, type TlsOptions } from '@vertebra/server';
import type { CliIo } from './CliIo.js';
import type { DemoSource } from './findDemoSources.js';
import { loadDemoData } from './loadDemoData.js';

export interface ServeCommandOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly httpPort?: number;
  /** null disables the DIMSE SCP. */
  readonly dimsePort?: number | null;
  readonly aeTitle?: string;
  readonly databaseUrl?: string;
  /** Folder of the built viewer, served at `/` when it holds index.html. */
  readonly webDistDir?: string;
  /** Demo sources to load into an empty archive; undefined = no demo. */
  readonly demoSources?: readonly DemoSource[];
  /** DIMSE peers allowed to associate (--dimse-allow); none: every association is rejected. */
  readonly allowedPeers?: readonly AllowedPeer[];
  /** C-MOVE destinations by AE title (--move-destination AE=host:port[:tls]). */
  readonly remoteAes?: Readonly<Record<string, { readonly host: string; readonly port: number; readonly tls?: boolean }>>;
  /** HTTPS and DICOM TLS (--tls-cert, --tls-key, --tls-ca, --tls-require-client-cert). */
  readonly tls?: TlsOptions;
  /** Password of the first 'admin' user (VERTEBRA_ADMIN_PASSWORD); generated and shown once when absent. */
  readonly adminPassword?: string;
  /** false (--no-analysis): received CT series are not analysed. Default true. */
  readonly analysis?: boolean;
}

/** The generated admin password in a box, so that it is seen; written once, to stdout only. */
function passwordBox(password: string): string {
  const lines = [
    'No users yet: created the user "admin".',
    `admin password (shown once): ${password}`,
    'Store it now; change it with `vertebra user passwd admin`.',
    'Set VERTEBRA_ADMIN_PASSWORD on the first start to choose it.',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  return [rule, ...lines.map((line) => `| ${line.padEnd(width)} |`), rule, ''].join('\n');
}

function describeAllowedPeers(peers: readonly AllowedPeer[] | undefined): string {
  if (!peers || peers.length === 0) return 'no peer allowed: every association is rejected (allow with --dimse-allow AE[@host])';
  return `allowed peers ${peers.map((peer) => (peer.host ? `${peer.aeTitle}@${peer.host}` : peer.aeTitle)).join(', ')}`;
}

function describeMoveDestinations(destinations: ServeCommandOptions['remoteAes']): string {
  const entries = Object.entries(destinations ?? {});
  if (entries.length === 0) return 'no C-MOVE destination (add with --move-destination AE=host:port)';
  return `C-MOVE destinations ${entries.map(([ae, d]) => `${ae}=${d.host}:${d.port}${d.tls ? ' (TLS)' : ''}`).join(', ')}`;
}

export async function serveCommand(options: ServeCommandOptions, io: CliIo): Promise<number> {
  const server = await startVertebraServer({
    dataDir: options.dataDir,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
    ...(options.dimsePort === undefined ? {} : { dimsePort: options.dimsePort }),
    ...(options.aeTitle === undefined ? {} : { aeTitle: options.aeTitle }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.webDistDir === undefined ? {} : { webDistDir: options.webDistDir }),
    ...(options.allowedPeers === undefined ? {} : { allowedPeers: options.allowedPeers }),
    ...(options.remoteAes === undefined ? {} : { remoteAes: options.remoteAes }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.adminPassword === undefined ? {} : { adminPassword: options.adminPassword }),
    ...(options.analysis === false ? { analysis: { enabled: false } } : {}),
    archiveLogger: {
      info: (message) => void io.stderr.write(`${message}\n`),
      warn: (message) => void io.stderr.write(`warning: ${message}\n`),
      error: (message) => void io.stderr.write(`error: ${message}\n`),
    },
  });
  try {
    if (server.generatedAdminPassword !== undefined) io.stdout.write(passwordBox(server.generatedAdminPassword));
    if (options.demoSources !== undefined) {
      if (options.demoSources.length === 0) {
        io.stderr.write('demo: no demo sources; serving the archive as it is\n');
      } else {
        const started = performance.now();
        const demo = await loadDemoData({ archive: server.archive, sources: options.demoSources, onProgress: (line) => void io.stderr.write(`${line}\n`) });
        if (!demo.loaded) io.stderr.write('demo: the archive already holds studies; demo data not loaded again\n');
        else if (demo.summary) {
          const s = demo.summary;
          io.stderr.write(
            `demo: loaded ${s.accepted} instances in ${s.studies.length} studies from ${options.demoSources.length} sources in ${((performance.now() - started) / 1000).toFixed(1)} s` +
              `${s.rejected.length > 0 ? `, ${s.rejected.length} rejected` : ''}${s.warnings.length > 0 ? `, ${s.warnings.length} ingest warnings` : ''}\n`,
          );
        }
      }
    }
    io.stdout.write(`Vertebra archive at ${options.dataDir}\n`);
    io.stdout.write(`HTTP     ${server.httpUrl}  (DICOMweb ${server.httpUrl}/dicomweb, health ${server.httpUrl}/health)\n`);
    io.stdout.write(options.webDistDir === undefined ? 'Viewer   not built (npm run build -w packages/web)\n' : `Viewer   ${server.httpUrl}/\n`);
    io.stdout.write(
      server.dimsePort === null
        ? 'DIMSE    disabled\n'
        : `DIMSE    ${options.host ?? '127.0.0.1'}:${server.dimsePort}  AE title ${options.aeTitle ?? 'VERTEBRA'}${options.tls ? '  (DICOM TLS)' : ''}\n` +
            `         ${describeAllowedPeers(options.allowedPeers)}\n` +
            `         ${describeMoveDestinations(options.remoteAes)}\n`,
    );
    io.stdout.write(options.analysis === false ? 'Analysis off (--no-analysis)\n' : 'Analysis CT series are analysed in a worker thread after ingest (GET /api/studies/{study}/analyses)\n');
    io.stdout.write('Ready. Ctrl-C stops the server.\n');
    const signal = await (io.waitForShutdown?.() ?? new Promise<string>(() => undefined));
    io.stderr.write(`${signal}: closing\n`);
  } finally {
    await server.close();
  }
  return 0;
}
