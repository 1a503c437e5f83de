/**
 * Starts Vertebra's DIMSE SCP (PS3.7 / PS3.8 over TCP, or over TLS: PS3.15 Annex B.1 /
 * B.9 with `tls`): our own net.Server (tls.Server) bound to
 * 127.0.0.1 unless configured (dcmjs-dimse's Server.listen binds every interface and
 * has no host option), TCP_NODELAY on every accepted socket so that one association is
 * not stalled by delayed ACKs, each socket handed — framed into whole PDUs
 * (PduFramedSocket) — to the dcmjs-dimse Scp subclass that adapts DIMSE to the archive
 * (createVertebraScp), which announces a large maximum PDU length (`maxReceivePduBytes`).
 * Only the peers of `allowedPeers` may associate (deny by default, matchAllowedPeer);
 * associations and DIMSE services are audited to `audit`.
 */
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import dimse from 'dcmjs-dimse';
import type { ArchiveService } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { createVertebraScp, type DimseLogger, type RemoteAe } from './createVertebraScp.js';
import { PduFramedSocket } from './PduFramedSocket.js';
import type { AuditSink } from '../audit/AuditSink.js';
import type { AllowedPeer, TlsOptions } from './TlsOptions.js';
import { resolveAllowedPeers } from './matchAllowedPeer.js';
import { loadTlsCredentials } from './loadTlsCredentials.js';

export type { DimseLogger, RemoteAe } from './createVertebraScp.js';
export type { AllowedPeer, TlsOptions } from './TlsOptions.js';

export interface DimseServerOptions {
  readonly archive: ArchiveService;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind; default '127.0.0.1'. */
  readonly host?: string;
  /** Our AE title (the called AE title peers must use); default 'VERTEBRA'. */
  readonly aeTitle?: string;
  /** C-MOVE destinations by AE title. */
  readonly remoteAes?: Readonly<Record<string, RemoteAe>>;
  /** Reject associations whose called AE title is not `aeTitle` (PS3.8 A-ASSOCIATE-RJ reason 7); default true. */
  readonly checkCalledAe?: boolean;
  /**
   * Peers allowed to associate (calling AE title, optionally its address). Deny by default:
   * without a list, or with an empty one, every association is rejected (PS3.8 9.3.4,
   * A-ASSOCIATE-RJ reason 3 "calling AE title not recognized").
   */
  readonly allowedPeers?: readonly AllowedPeer[];
  /** Where associations, C-STORE, C-FIND, C-MOVE and C-GET are audited (PS3.15 A.5 in spirit). */
  readonly audit?: AuditSink;
  /** DICOM TLS (PS3.15 B.1 / B.9): a tls.Server instead of plain TCP. */
  readonly tls?: TlsOptions;
  /** Set TCP_NODELAY on accepted and outgoing sockets; default true. */
  readonly noDelay?: boolean;
  /** Idle limits in milliseconds (dcmjs-dimse): association request, between PDUs. */
  readonly associationTimeoutMs?: number;
  readonly pduTimeoutMs?: number;
  /** Maximum PDU length announced for receiving (PS3.8 D.1); default 16 KiB (see below). 0 (no limit) is not accepted. */
  readonly maxReceivePduBytes?: number;
  readonly logger?: DimseLogger;
}

export interface DimseServer {
  readonly port: number;
  readonly host: string;
  readonly aeTitle: string;
  /** True when the SCP speaks DICOM TLS. */
  readonly tls: boolean;
  /** Closes the listener and every connection, then waits for their audit records. */
  close(): Promise<void>;
}

const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;
/**
 * 16 KiB, what storescu announces and dcmjs-dimse used to answer. Measured with storescu and
 * 512 KB CT slices: 256 KiB PDUs cost more CPU per instance (GC of the joined PDUs) than 32
 * PDUs of 16 KiB, which arrive as views on the socket's chunks without a copy.
 */
const defaultMaxReceivePduBytes = 16 * 1024;
/** PDUs other than P-DATA-TF (an A-ASSOCIATE-RQ with many presentation contexts) may exceed a small maximum. */
const minimumFramingLimitBytes = 1024 * 1024;
const silentLogger: DimseLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function startDimseServer(options: DimseServerOptions): Promise<DimseServer> {
  const host = options.host ?? '127.0.0.1';
  const aeTitle = (options.aeTitle ?? 'VERTEBRA').trim();
  const logger = options.logger ?? silentLogger;
  const noDelay = options.noDelay ?? true;
  const maxReceivePduBytes = options.maxReceivePduBytes ?? defaultMaxReceivePduBytes;
  if (!Number.isInteger(maxReceivePduBytes) || maxReceivePduBytes < 4096) {
    throw new VertebraError('CONFIG_INVALID', `the maximum receive PDU length must be an integer of at least 4096 bytes, got ${maxReceivePduBytes}`, { subject: 'maxReceivePduBytes' });
  }
  if (!AE_TITLE.test(aeTitle)) {
    throw new VertebraError('CONFIG_INVALID', `AE title "${aeTitle}" must be 1-16 characters without backslash (PS3.5 6.2)`, { subject: 'aeTitle' });
  }
  for (const [name, remote] of Object.entries(options.remoteAes ?? {})) {
    if (!AE_TITLE.test(name) || typeof remote.host !== 'string' || !Number.isInteger(remote.port) || remote.port <= 0 || remote.port > 65535) {
      throw new VertebraError('CONFIG_INVALID', `remote AE "${name}" needs a valid AE title, host and port`, { subject: 'remoteAes' });
    }
  }
  for (const peer of options.allowedPeers ?? []) {
    if (!AE_TITLE.test(peer.aeTitle.trim())) {
      throw new VertebraError('CONFIG_INVALID', `allowed peer AE title "${peer.aeTitle}" must be 1-16 characters without backslash (PS3.5 6.2)`, { subject: 'allowedPeers' });
    }
  }
  let allowedPeers: Awaited<ReturnType<typeof resolveAllowedPeers>>;
  try {
    allowedPeers = await resolveAllowedPeers(options.allowedPeers ?? []);
  } catch (error) {
    throw new VertebraError('CONFIG_INVALID', `cannot resolve an allowed peer's host: ${(error as Error).message}`, { subject: 'allowedPeers', cause: error });
  }
  const tlsSettings = options.tls ? await loadTlsCredentials(options.tls) : undefined;
  const tlsDestinations = Object.entries(options.remoteAes ?? {}).filter(([, remote]) => remote.tls === true);
  if (tlsDestinations.length > 0 && tlsSettings === undefined) {
    throw new VertebraError('CONFIG_INVALID', `move destination ${tlsDestinations.map(([name]) => name).join(', ')} asks for DICOM TLS, but this server has no TLS certificate (--tls-cert, --tls-key)`, { subject: 'remoteAes' });
  }
  if (tlsDestinations.length > 0 && tlsSettings?.ca === undefined) {
    throw new VertebraError('CONFIG_INVALID', 'a DICOM TLS move destination needs the CA its certificate must chain to (--tls-ca)', { subject: 'tls.caFile' });
  }
  const pendingAudits = new Set<Promise<unknown>>();
  // dcmjs-dimse logs every PDU at info level through loglevel by default; our logger reports instead.
  dimse.log.setLevel('silent');

  const Scp = createVertebraScp({
    archive: options.archive,
    aeTitle,
    remoteAes: options.remoteAes ?? {},
    ...(tlsSettings === undefined ? {} : { outgoingTls: { key: tlsSettings.key, cert: tlsSettings.cert, ca: tlsSettings.ca } }),
    allowedPeers,
    audit: options.audit,
    pendingAudits,
    logger,
    noDelay,
    checkCalledAe: options.checkCalledAe ?? true,
    maxReceivePduBytes,
  });
  const scpOptions = {
    associationTimeout: options.associationTimeoutMs ?? 60_000,
    pduTimeout: options.pduTimeoutMs ?? 5 * 60_000,
  };
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    if (noDelay) socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const accept = (socket: Socket): void => {
    try {
      const framed = new PduFramedSocket(socket, { maxPduBytes: Math.max(maxReceivePduBytes + 6, minimumFramingLimitBytes) });
      const scp = new Scp(framed as unknown as Socket, scpOptions) as unknown as { connected: boolean; connectedTime: number | undefined };
      // An accepted socket never emits 'connect': without these the library's association
      // timeout (a connection that sends no A-ASSOCIATE-RQ) would never fire.
      scp.connected = true;
      scp.connectedTime = Date.now();
    } catch (error) {
      logger.error(`DIMSE: cannot set up the connection from ${socket.remoteAddress ?? '?'}: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
    }
  };
  let server: net.Server;
  if (tlsSettings) {
    // PS3.15 B.1: the TLS handshake (and, with requireClientCert, the peer's certificate
    // check) comes before any PDU; a peer that fails it never reaches the SCP.
    const tlsServer = tls.createServer(tlsSettings, (socket) => accept(socket));
    tlsServer.on('connection', (socket: Socket) => track(socket));
    tlsServer.on('tlsClientError', (error, socket) => {
      logger.warn(`DIMSE TLS: connection from ${socket.remoteAddress ?? '?'} refused: ${error.message}`);
      socket.destroy();
    });
    server = tlsServer;
  } else {
    server = net.createServer((socket) => {
      track(socket);
      accept(socket);
    });
  }
  server.on('error', (error) => logger.error(`DIMSE server: ${error.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(new VertebraError('CONFIG_INVALID', `cannot listen on ${host}:${options.port}: ${error.message}`, { subject: 'dimse port', cause: error }));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  logger.info(`DIMSE SCP ${aeTitle} listening on ${host}:${port}${tlsSettings ? ' (DICOM TLS)' : ''}`);
  if (allowedPeers.length === 0) {
    logger.warn('DIMSE: no peer is allowed, every association will be rejected (deny by default); allow peers with --dimse-allow AE[@host] (option allowedPeers)');
  } else {
    logger.info(`DIMSE: allowed peers ${allowedPeers.map((peer) => (peer.host ? `${peer.aeTitle}@${peer.host}` : peer.aeTitle)).join(', ')}`);
  }

  return {
    port,
    host,
    aeTitle,
    tls: tlsSettings !== undefined,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      // Closing the sockets ended their associations: their C-STORE summaries are being written.
      await new Promise((resolve) => setImmediate(resolve));
      while (pendingAudits.size > 0) await Promise.allSettled([...pendingAudits]);
    },
  };
}
