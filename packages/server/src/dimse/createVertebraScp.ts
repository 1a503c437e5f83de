/**
 * The SCP behaviour of Vertebra's DIMSE server (PS3.4 Annexes A, B, C; PS3.7; PS3.8),
 * as a dcmjs-dimse Scp subclass bound to its dependencies: association negotiation
 * (called AE check, calling-AE allow-list denying by default, Verification, every Storage SOP
 * class in the common transfer syntaxes, Patient/Study Root FIND, MOVE, GET), C-ECHO,
 * C-STORE into `archive.ingest` (data set bytes kept as received, wrapped as Part 10),
 * C-FIND through `archive.query`, C-MOVE to configured AEs and C-GET on the same
 * association, with A-ABORT and C-CANCEL handling. The archive owns every rule.
 * Rejected associations, C-STORE, C-FIND, C-MOVE and C-GET are audited (AssociationAudit).
 */
import type { Socket } from 'node:net';
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { ArchiveService, InstanceRecord, QueryLevel } from '@vertebra/archive';
import { toVertebraError, errorCatalogue, DimseStatus } from '@vertebra/errors';
import { RawDataset } from './RawDataset.js';
import { joinPart10, part10Prefix, wrapDatasetAsPart10 } from './part10Framing.js';
import { encodeCommandSet } from './encodeCommandSet.js';
import { encodeIdentifier, jsonString, parseIdentifier } from './queryIdentifier.js';
import { StoreSubOperations, type SubOperationCounts } from './StoreSubOperations.js';
import type { AuditSink } from '../audit/AuditSink.js';
import { AssociationAudit } from './AssociationAudit.js';
import { matchAllowedPeer, normalizeAddress, type ResolvedPeer } from './matchAllowedPeer.js';

export interface DimseLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RemoteAe {
  readonly host: string;
  readonly port: number;
  /**
   * Open C-MOVE associations to this AE over DICOM TLS (PS3.15 B.1): our certificate as the
   * client certificate, the destination's certificate checked against our CA.
   */
  readonly tls?: boolean;
}

/** Our certificate, key and trusted CA (PEM), for outgoing DICOM TLS associations. */
export interface OutgoingTls {
  readonly key: unknown;
  readonly cert: unknown;
  readonly ca: unknown;
}

export interface VertebraScpContext {
  readonly archive: ArchiveService;
  readonly aeTitle: string;
  readonly remoteAes: Readonly<Record<string, RemoteAe>>;
  /** Credentials for move destinations with `tls: true` (startDimseServer refuses those without them). */
  readonly outgoingTls?: OutgoingTls;
  /** Peers that may associate (matchAllowedPeer); empty: nobody (deny by default). */
  readonly allowedPeers: readonly ResolvedPeer[];
  /** Where DIMSE activity is audited; none when absent. */
  readonly audit: AuditSink | undefined;
  /** Audit look-ups in flight (AssociationAudit), awaited by the server's close(). */
  readonly pendingAudits: Set<Promise<unknown>>;
  readonly logger: DimseLogger;
  /** Reject associations whose called AE title is not ours. */
  readonly checkCalledAe: boolean;
  /** Sets TCP_NODELAY on outgoing C-MOVE associations too. */
  readonly noDelay: boolean;
  /**
   * Maximum PDU length we announce for receiving (PS3.8 D.1, A-ASSOCIATE-AC user information),
   * whatever the peer announced for itself (see startDimseServer for the default).
   */
  readonly maxReceivePduBytes: number;
}

const { Status, PresentationContextResult, RejectResult, RejectSource, RejectReason } = dimse.constants;
const VERIFICATION = '1.2.840.10008.1.1';
const STORAGE_PREFIX = '1.2.840.10008.5.1.4.1.1.';
const QR = {
  patientFind: '1.2.840.10008.5.1.4.1.2.1.1',
  patientMove: '1.2.840.10008.5.1.4.1.2.1.2',
  patientGet: '1.2.840.10008.5.1.4.1.2.1.3',
  studyFind: '1.2.840.10008.5.1.4.1.2.2.1',
  studyMove: '1.2.840.10008.5.1.4.1.2.2.2',
  studyGet: '1.2.840.10008.5.1.4.1.2.2.3',
} as const;
const QR_SYNTAXES = new Set<string>(Object.values(QR));
const PATIENT_ROOT = new Set<string>([QR.patientFind, QR.patientMove, QR.patientGet]);
const UNCOMPRESSED = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'];
/** Transfer syntaxes accepted for storage (PS3.5 Annex A / PS3.6 Table A-1). */
export const STORAGE_TRANSFER_SYNTAXES: readonly string[] = [
  '1.2.840.10008.1.2', // Implicit VR Little Endian
  '1.2.840.10008.1.2.1', // Explicit VR Little Endian
  '1.2.840.10008.1.2.1.99', // Deflated Explicit VR Little Endian
  '1.2.840.10008.1.2.2', // Explicit VR Big Endian (retired)
  '1.2.840.10008.1.2.5', // RLE Lossless
  '1.2.840.10008.1.2.4.50', // JPEG Baseline (Process 1)
  '1.2.840.10008.1.2.4.51', // JPEG Extended (Process 2 & 4)
  '1.2.840.10008.1.2.4.57', // JPEG Lossless (Process 14)
  '1.2.840.10008.1.2.4.70', // JPEG Lossless SV1
  '1.2.840.10008.1.2.4.80', // JPEG-LS Lossless
  '1.2.840.10008.1.2.4.81', // JPEG-LS Near-Lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 Lossless Only
  '1.2.840.10008.1.2.4.91', // JPEG 2000
  '1.2.840.10008.1.2.4.201', // HTJ2K Lossless
  '1.2.840.10008.1.2.4.202', // HTJ2K RPCL Lossless
  '1.2.840.10008.1.2.4.203', // HTJ2K
];
const STORAGE_TS_SET = new Set(STORAGE_TRANSFER_SYNTAXES);
/** PS3.7 C.4.2.1.5 / C.4.3.1.5: all sub-operations failed. */
const STATUS_SUBOPS_ALL_FAILED = 0xa702;
const STATUS_SUBOPS_SOME_FAILED = 0xb000;
const STATUS_IDENTIFIER_MISMATCH = 0xa900;
const STATUS_CANCEL = 0xfe00;

type Association = InstanceType<typeof dimse.association.Association>;
type DimseRequest = InstanceType<typeof dimse.requests.Request>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type CFindRequest = InstanceType<typeof dimse.requests.CFindRequest>;
type CMoveRequest = InstanceType<typeof dimse.requests.CMoveRequest>;
type CGetRequest = InstanceType<typeof dimse.requests.CGetRequest>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;
type Response = InstanceType<typeof dimse.responses.Response>;

/** ErrorComment (0000,0902) is LO: at most 64 characters. */
function errorComment(message: string): string {
  const flat = message.replace(/[\\\r\n]+/g, ' ');
  return flat.length <= 64 ? flat : `${flat.slice(0, 61)}...`;
}

function chooseSyntax(context: PresentationContext, allowed: (ts: string) => boolean): string | undefined {
  return context.getTransferSyntaxUids().find(allowed);
}

/**
 * A collecting Writable for C-STORE data sets: keeps the received PDV bytes untouched and
 * feeds them, behind the Part 10 prefix the instance will be stored with, to a SHA-256 as
 * they arrive. The digest (the blob's name) is then ready with the last PDV: hashing 512 KB
 * happens while the network delivers them instead of after, on the C-STORE's critical path.
 */
class ChunkCollector extends Writable {
  readonly chunks: Buffer[] = [];
  readonly prefix: Uint8Array | undefined;
  readonly #hash: Hash | undefined;
  constructor(prefix?: Uint8Array) {
    super({ highWaterMark: 1 << 30 });
    this.prefix = prefix;
    this.#hash = prefix ? createHash('sha256').update(prefix) : undefined;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.#hash?.update(chunk);
    callback();
  }
  /** SHA-256 (hex) of prefix + chunks; once. */
  digest(): string | undefined {
    return this.#hash?.digest('hex');
  }
}

/** The Part 10 file of a received data set, assembled while it arrived (ChunkCollector). */
interface ReceivedPart10 {
  readonly prefix: Uint8Array;
  readonly sha256: string;
  /** The UIDs the prefix was made with. */
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
}

function affectedUids(request: CStoreRequest): { sopClassUid: string; sopInstanceUid: string } {
  return {
    sopClassUid: request.getAffectedSopClassUid().replace(/\0/g, '').trim(),
    sopInstanceUid: (request as unknown as { getAffectedSopInstanceUid(): string }).getAffectedSopInstanceUid().replace(/\0/g, '').trim(),
  };
}

function setCounts(response: Response, counts: SubOperationCounts, final: boolean): void {
  const r = response as unknown as {
    setRemaining(n: number): void;
    setCompleted(n: number): void;
    setFailures(n: number): void;
    setWarnings(n: number): void;
  };
  if (!final) r.setRemaining(counts.remaining);
  else if (counts.cancelled > 0) r.setRemaining(counts.cancelled);
  r.setCompleted(counts.completed);
  r.setFailures(counts.failed);
  r.setWarnings(counts.warning);
}

function removeFromQueue(queue: unknown[] | undefined, request: unknown): void {
  if (!queue) return;
  const index = queue.indexOf(request);
  if (index >= 0) queue.splice(index, 1);
}

/** Instances selected for a retrieve, by study. */
function countByStudy(records: readonly InstanceRecord[]): Map<string, number> {
  const studies = new Map<string, number>();
  for (const record of records) studies.set(record.studyInstanceUid, (studies.get(record.studyInstanceUid) ?? 0) + 1);
  return studies;
}

/** The matching keys of a C-MOVE / C-GET identifier, for the audit record; {} when unreadable. */
function identifierMatch(request: DimseRequest): Record<string, string> {
  try {
    const dataset = (request as unknown as { getDataset(): { getElements(): Record<string, unknown> } | undefined }).getDataset();
    return parseIdentifier(dataset?.getElements() ?? {}).match;
  } catch {
    return {};
  }
}

function finalStatus(counts: SubOperationCounts): number {
  if (counts.failed === 0 && counts.warning === 0) return Status.Success;
  if (counts.completed === 0 && counts.warning === 0) return STATUS_SUBOPS_ALL_FAILED;
  return STATUS_SUBOPS_SOME_FAILED;
}

export function createVertebraScp(context: VertebraScpContext): typeof dimse.Scp {
  const { archive, logger } = context;

  return class VertebraScp extends dimse.Scp {
    private readonly remoteAddress: string | undefined;
    private readonly audit: AssociationAudit;
    /** C-STOREs being ingested, for the audit summary at the end of the association. */
    private readonly storesInFlight = new Set<Promise<unknown>>();
    private callingAeTitle = '';
    private readonly cancelled = new Set<number>();
    private aborted = false;
    private readonly activeSubOperations = new Set<StoreSubOperations>();
    /** C-MOVE / C-GET in progress by message ID, for C-CANCEL. */
    private readonly cancellations = new Map<number, StoreSubOperations>();
    /** The UIDs each C-STORE data set's Part 10 prefix was made with. */
    private readonly collectorUids = new WeakMap<ChunkCollector, { sopClassUid: string; sopInstanceUid: string }>();
    /** Received data sets whose Part 10 prefix and digest were made while they arrived. */
    private readonly receivedPart10 = new WeakMap<RawDataset, ReceivedPart10>();

    constructor(socket: Socket, opts?: ConstructorParameters<typeof dimse.Scp>[1]) {
      super(socket, opts);
      this.remoteAddress = socket.remoteAddress;
      this.audit = new AssociationAudit({ sink: context.audit, archive, source: normalizeAddress(socket.remoteAddress) || 'unknown', pending: context.pendingAudits });
      this.on('networkError', (error: Error) => {
        logger.warn(`DIMSE connection ${this.describePeer()}: ${error.message}`);
        this.stopSubOperations();
        // Unreadable PDUs, timeouts and socket errors end the connection (PS3.8 9.1.5).
        socket.destroy();
      });
      this.on('close', () => {
        this.stopSubOperations();
        // However the association ended (release, abort, a dropped connection): what it
        // stored, once the C-STOREs still being ingested have finished.
        const written = Promise.allSettled([...this.storesInFlight]).then(() => this.audit.storesFinished());
        context.pendingAudits.add(written);
        void written.finally(() => context.pendingAudits.delete(written));
      });
    }

    private describePeer(): string {
      return `${this.callingAeTitle || '?'}@${this.remoteAddress ?? '?'}`;
    }

    /**
     * Sends a pending C-MOVE / C-GET response now. The response callback dcmjs-dimse hands
     * to the handler may be called only once (its event emitter's `next`), so pending
     * responses go straight to the association on the request's presentation context.
     */
    private sendPending(request: DimseRequest, response: Response): void {
      const self = this as unknown as {
        association: Association;
        _sendDimse(dimse: { context: PresentationContext; command: Response }): void;
      };
      const pc = self.association.getAcceptedPresentationContextFromRequest(request);
      if (pc) self._sendDimse({ context: pc, command: response });
    }

    private stopSubOperations(): void {
      this.aborted = true;
      for (const subOperations of this.activeSubOperations) subOperations.failRemaining();
    }

    override associationRequested(association: Association): void {
      this.callingAeTitle = association.getCallingAeTitle().trim();
      this.audit.callingAeTitle = this.callingAeTitle;
      const calledAeTitle = association.getCalledAeTitle().trim();
      if (context.checkCalledAe && calledAeTitle !== context.aeTitle) {
        logger.warn(`association from ${this.describePeer()} rejected: called AE title "${calledAeTitle}" is not "${context.aeTitle}"`);
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      // PS3.8 9.3.4: A-ASSOCIATE-RJ, permanent, service-user, reason 3 "calling-AE-title-not-recognized".
      const check = this.callingAeTitle === '' ? ({ allowed: false, message: 'the calling AE title is empty' } as const) : matchAllowedPeer(context.allowedPeers, this.callingAeTitle, this.remoteAddress);
      if (!check.allowed) {
        logger.warn(`association from ${this.describePeer()} rejected: ${check.message}`);
        this.audit.associationRejected(check.message);
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const pc = association.getPresentationContext(id);
        const abstractSyntax = pc.getAbstractSyntaxUid();
        let allowed: ((ts: string) => boolean) | undefined;
        if (abstractSyntax === VERIFICATION || QR_SYNTAXES.has(abstractSyntax)) allowed = (ts) => UNCOMPRESSED.includes(ts);
        else if (abstractSyntax.startsWith(STORAGE_PREFIX)) allowed = (ts) => STORAGE_TS_SET.has(ts);
        if (!allowed) {
          pc.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          continue;
        }
        const syntax = chooseSyntax(pc, allowed);
        if (syntax) pc.setResult(PresentationContextResult.Accept, syntax);
        else pc.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }

    /**
     * A-ASSOCIATE-AC with our own maximum receive PDU length. dcmjs-dimse would announce the
     * smaller of the peer's maximum and its implementation default, which ties what the peer
     * may send us to what the peer can receive (storescu: 16 KiB). After the AC, the peer's
     * maximum is restored on the association: it limits the PDUs we send.
     */
    override sendAssociationAccept(): void {
      const association = (this as unknown as { association: Association }).association;
      const peerMaxPdu = association.getMaxPduLength();
      const implementation = dimse.Implementation as unknown as { getMaxPduLength(): number; setMaxPduLength(bytes: number): void };
      const implementationMaxPdu = implementation.getMaxPduLength();
      association.setMaxPduLength(context.maxReceivePduBytes);
      implementation.setMaxPduLength(context.maxReceivePduBytes);
      try {
        super.sendAssociationAccept();
      } finally {
        implementation.setMaxPduLength(implementationMaxPdu);
        association.setMaxPduLength(peerMaxPdu);
      }
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override abort(source: number, reason: number): void {
      logger.warn(`association ${this.describePeer()} aborted by the peer (source ${source}, reason ${reason})`);
      this.stopSubOperations();
      (this as unknown as { socket: Socket }).socket.destroy();
    }

    override cCancelRequest(request: DimseRequest): void {
      const id = (request as unknown as { getMessageIdBeingRespondedTo(): number }).getMessageIdBeingRespondedTo();
      this.cancelled.add(id);
      this.cancellations.get(id)?.cancel();
    }

    override cEchoRequest(request: InstanceType<typeof dimse.requests.CEchoRequest>, callback: (r: InstanceType<typeof dimse.responses.CEchoResponse>) => void): void {
      const response = dimse.responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
      try {
        const uids = affectedUids(request);
        const prefix = part10Prefix({
          ...uids,
          transferSyntaxUid: pc.getAcceptedTransferSyntaxUid() ?? '1.2.840.10008.1.2',
          sourceAeTitle: this.callingAeTitle,
        });
        const collector = new ChunkCollector(prefix);
        this.collectorUids.set(collector, uids);
        return collector;
      } catch {
        return new ChunkCollector(); // handleStore wraps and the archive hashes, as without a prefix
      }
    }

    override createDatasetFromStoreWritableStream(writable: Writable, pc: PresentationContext, callback: (dataset: InstanceType<typeof dimse.Dataset>) => void): void {
      // The fragments stay as received (views on the PDUs); handleStore copies them once.
      const collector = writable as ChunkCollector;
      const dataset = new RawDataset(collector.chunks, pc.getAcceptedTransferSyntaxUid() ?? '1.2.840.10008.1.2');
      const uids = this.collectorUids.get(collector);
      const sha256 = collector.digest();
      if (collector.prefix && uids && sha256) this.receivedPart10.set(dataset, { prefix: collector.prefix, sha256, ...uids });
      callback(dataset);
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof dimse.responses.CStoreResponse>) => void): void {
      const handled = this.handleStore(request);
      this.storesInFlight.add(handled);
      void handled.finally(() => this.storesInFlight.delete(handled));
      void handled.then((response) => {
        // The response's command set is encoded directly (encodeCommandSet), not through dcmjs.
        const commandDataset = response.getCommandDataset() as unknown as { getElements(): Record<string, unknown>; getDenaturalizedCommandDataset(): Buffer };
        const libraryEncoding = commandDataset.getDenaturalizedCommandDataset.bind(commandDataset);
        commandDataset.getDenaturalizedCommandDataset = () => encodeCommandSet(commandDataset.getElements()) ?? libraryEncoding();
        callback(response);
      });
    }

    private async handleStore(request: CStoreRequest): Promise<InstanceType<typeof dimse.responses.CStoreResponse>> {
      const response = dimse.responses.CStoreResponse.fromRequest(request);
      const label = `C-STORE from ${this.callingAeTitle}`;
      try {
        const dataset = request.getDataset();
        if (!(dataset instanceof RawDataset)) throw new Error('no data set in the C-STORE request');
        const { sopClassUid, sopInstanceUid } = affectedUids(request);
        const received = this.receivedPart10.get(dataset);
        // Assembled while receiving (prefix hashed with the PDVs) when the UIDs agree; else wrapped now.
        const assembled = received && received.sopClassUid === sopClassUid && received.sopInstanceUid === sopInstanceUid ? received : undefined;
        const bytes = assembled
          ? joinPart10(assembled.prefix, dataset.parts)
          : wrapDatasetAsPart10({
              dataset: dataset.parts,
              sopClassUid,
              sopInstanceUid,
              transferSyntaxUid: dataset.getTransferSyntaxUid(),
              sourceAeTitle: this.callingAeTitle,
            });
        const result = await archive.ingest({
          bytes,
          ...(assembled ? { sha256: assembled.sha256 } : {}),
          expectedUids: { sopClassUid, sopInstanceUid },
          source: {
            kind: 'c-store',
            label,
            callingAeTitle: this.callingAeTitle,
            ...(this.remoteAddress === undefined ? {} : { remoteAddress: this.remoteAddress }),
          },
        });
        this.audit.stored(result.studyInstanceUid || undefined, result.outcome !== 'rejected');
        if (result.outcome === 'rejected') {
          const code = result.error?.code ?? 'INTERNAL';
          response.setStatus(errorCatalogue[code].dimseStatus);
          response.setErrorComment(errorComment(result.error?.message ?? code));
          logger.warn(`${label}: instance ${sopInstanceUid} rejected: ${result.error?.message ?? code}`);
        } else if (result.outcome !== 'duplicate' && result.warnings.length > 0) {
          // PS3.4 B.2.3: Warning B000 "Coercion of Data Elements" (e.g. derived Study/Series UIDs).
          response.setStatus(DimseStatus.warningCoercion);
          response.setErrorComment(errorComment(result.warnings.map((w) => w.code).join(' ')));
        } else {
          // A duplicate of an identical instance is a success (PS3.4 B.2.3; idempotent ingest).
          response.setStatus(Status.Success);
        }
      } catch (thrown) {
        this.audit.stored(undefined, false);
        const error = toVertebraError(thrown, 'INTERNAL', label);
        logger.error(`${label}: ${error.message}`);
        response.setStatus(error.dimseStatus);
        response.setErrorComment(errorComment(error.message));
      }
      return response;
    }

    override cFindRequest(request: CFindRequest, callback: (responses: Array<InstanceType<typeof dimse.responses.CFindResponse>>) => void): void {
      void this.handleFind(request).then(callback);
    }

    private async handleFind(request: CFindRequest): Promise<Array<InstanceType<typeof dimse.responses.CFindResponse>>> {
      let identifier: ReturnType<typeof parseIdentifier> | undefined;
      const failure = (status: number, message: string): Array<InstanceType<typeof dimse.responses.CFindResponse>> => {
        const response = dimse.responses.CFindResponse.fromRequest(request);
        response.setStatus(status);
        response.setErrorComment(errorComment(message));
        logger.warn(`C-FIND from ${this.describePeer()}: ${message}`);
        this.audit.find({ level: identifier?.level ?? 'unknown', match: identifier?.match ?? {}, outcome: 'failure', reason: message });
        return [response];
      };
      try {
        const dataset = request.getDataset();
        if (!dataset) return failure(STATUS_IDENTIFIER_MISMATCH, 'the C-FIND request has no identifier');
        identifier = parseIdentifier(dataset.getElements());
        if (!identifier.level) return failure(STATUS_IDENTIFIER_MISMATCH, 'QueryRetrieveLevel must be PATIENT, STUDY, SERIES or IMAGE');
        const model = request.getAffectedSopClassUid().trim();
        if (identifier.level === 'PATIENT' && !PATIENT_ROOT.has(model)) {
          return failure(STATUS_IDENTIFIER_MISMATCH, 'the Study Root model has no PATIENT level');
        }
        const result = await archive.query({ level: identifier.level, match: identifier.match, includeFields: identifier.returnKeys });
        const transferSyntaxUid = dataset.getTransferSyntaxUid();
        const messageId = request.getMessageId();
        const responses: Array<InstanceType<typeof dimse.responses.CFindResponse>> = [];
        for (const row of result.rows) {
          if (this.cancelled.has(messageId)) break;
          const pending = dimse.responses.CFindResponse.fromRequest(request);
          pending.setStatus(identifier.ignoredKeys.length > 0 ? 0xff01 : Status.Pending);
          pending.setDataset(new RawDataset(encodeIdentifier({ row, level: identifier.level, returnKeys: identifier.returnKeys, transferSyntaxUid }), transferSyntaxUid));
          responses.push(pending);
        }
        const final = dimse.responses.CFindResponse.fromRequest(request);
        const wasCancelled = this.cancelled.delete(messageId);
        final.setStatus(wasCancelled ? STATUS_CANCEL : Status.Success);
        responses.push(final);
        this.audit.find({
          level: identifier.level,
          match: identifier.match,
          outcome: wasCancelled ? 'failure' : 'success',
          matches: responses.length - 1,
          ...(wasCancelled ? { reason: 'cancelled' } : {}),
        });
        return responses;
      } catch (thrown) {
        const error = toVertebraError(thrown, 'INTERNAL', 'C-FIND');
        return failure(error.dimseStatus, error.message);
      }
    }

    /** Instances selected by a C-MOVE / C-GET identifier (PS3.4 C.4.2.2.1: unique keys per level). */
    private async selectInstances(elements: Readonly<Record<string, unknown>>, model: string): Promise<InstanceRecord[]> {
      const identifier = parseIdentifier(elements);
      const level = identifier.level;
      if (!level) throw new RangeError('QueryRetrieveLevel must be PATIENT, STUDY, SERIES or IMAGE');
      if (level === 'PATIENT' && !PATIENT_ROOT.has(model)) throw new RangeError('the Study Root model has no PATIENT level');
      const uniqueKeys: Record<QueryLevel, readonly string[]> = {
        PATIENT: ['PatientID'],
        STUDY: ['PatientID', 'StudyInstanceUID'],
        SERIES: ['StudyInstanceUID', 'SeriesInstanceUID'],
        IMAGE: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'],
      };
      const match: Record<string, string> = {};
      for (const key of uniqueKeys[level]) {
        const value = identifier.match[key];
        if (value !== undefined) match[key] = value;
      }
      const ownKey = { PATIENT: 'PatientID', STUDY: 'StudyInstanceUID', SERIES: 'SeriesInstanceUID', IMAGE: 'SOPInstanceUID' }[level];
      if (match[ownKey] === undefined) throw new RangeError(`the identifier has no ${ownKey} for a ${level} level retrieve`);
      const queryLevel: QueryLevel = level === 'PATIENT' ? 'STUDY' : level;
      const result = await archive.query({ level: queryLevel, match, includeFields: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'] });
      const seen = new Set<string>();
      const records: InstanceRecord[] = [];
      for (const row of result.rows) {
        const studyInstanceUid = jsonString(row, '0020000D');
        if (!studyInstanceUid) continue;
        const seriesInstanceUid = level === 'SERIES' || level === 'IMAGE' ? jsonString(row, '0020000E') : undefined;
        const sopInstanceUid = level === 'IMAGE' ? jsonString(row, '00080018') : undefined;
        const instances = await archive.listInstances({
          studyInstanceUid,
          ...(seriesInstanceUid === undefined ? {} : { seriesInstanceUid }),
          ...(sopInstanceUid === undefined ? {} : { sopInstanceUid }),
        });
        for (const instance of instances) {
          if (seen.has(instance.sopInstanceUid)) continue;
          seen.add(instance.sopInstanceUid);
          records.push(instance);
        }
      }
      return records;
    }

    override cMoveRequest(request: CMoveRequest, callback: (responses: Array<InstanceType<typeof dimse.responses.CMoveResponse>>) => void): void {
      void this.handleMove(request, callback);
    }

    private async handleMove(request: CMoveRequest, callback: (responses: Array<InstanceType<typeof dimse.responses.CMoveResponse>>) => void): Promise<void> {
      const respond = (status: number, counts?: SubOperationCounts, comment?: string): void => {
        const response = dimse.responses.CMoveResponse.fromRequest(request);
        response.setStatus(status);
        if (counts) setCounts(response, counts, status !== Status.Pending);
        if (comment) response.setErrorComment(errorComment(comment));
        if (status === Status.Pending) this.sendPending(request, response);
        else callback([response]);
      };
      const destinationAe = String(request.getCommandDataset().getElement('MoveDestination') ?? '').trim();
      const destination = context.remoteAes[destinationAe];
      if (!destination) {
        const message = `move destination "${destinationAe}" is not configured`;
        logger.warn(`C-MOVE from ${this.describePeer()}: unknown destination "${destinationAe}"`);
        this.audit.retrieve({ action: 'c-move', destination: destinationAe, outcome: 'failure', studies: new Map(), identifier: identifierMatch(request), reason: message });
        respond(errorCatalogue.DIMSE_UNKNOWN_DESTINATION.dimseStatus, undefined, message);
        return;
      }
      let records: InstanceRecord[];
      try {
        const dataset = request.getDataset();
        records = await this.selectInstances(dataset?.getElements() ?? {}, request.getAffectedSopClassUid().trim());
      } catch (thrown) {
        const message = thrown instanceof Error ? thrown.message : String(thrown);
        this.audit.retrieve({ action: 'c-move', destination: destinationAe, outcome: 'failure', studies: new Map(), identifier: identifierMatch(request), reason: message });
        respond(thrown instanceof RangeError ? STATUS_IDENTIFIER_MISMATCH : DimseStatus.unableToProcess, undefined, message);
        return;
      }
      const messageId = request.getMessageId();
      const client = new dimse.Client() as InstanceType<typeof dimse.Client> & { network?: { requests: unknown[] } };
      const subOperations = new StoreSubOperations({
        archive,
        records,
        moveOriginator: { aeTitle: this.callingAeTitle, messageId },
        onProgress: (counts) => {
          if (counts.remaining > 0) respond(Status.Pending, counts);
        },
        onError: (message) => logger.warn(`C-MOVE to ${destinationAe}: ${message}`),
        dequeue: (queued) => removeFromQueue(client.network?.requests, queued),
      });
      this.cancellations.set(messageId, subOperations);
      if (records.length > 0) {
        this.activeSubOperations.add(subOperations);
        this.sendToRemote(client, subOperations, destinationAe, destination);
      }
      const counts = await subOperations.finished;
      this.activeSubOperations.delete(subOperations);
      this.cancellations.delete(messageId);
      const status = this.cancelled.delete(messageId) || counts.cancelled > 0 ? STATUS_CANCEL : finalStatus(counts);
      this.auditRetrieve('c-move', destinationAe, request, records, status, counts);
      if (this.aborted) return;
      respond(status, counts);
    }

    private auditRetrieve(action: 'c-move' | 'c-get', destination: string, request: DimseRequest, records: readonly InstanceRecord[], status: number, counts: SubOperationCounts): void {
      const reason = this.aborted ? 'association aborted' : status === STATUS_CANCEL ? 'cancelled' : undefined;
      this.audit.retrieve({
        action,
        destination,
        outcome: status === Status.Success && !this.aborted ? 'success' : 'failure',
        studies: countByStudy(records),
        counts,
        identifier: identifierMatch(request),
        ...(reason === undefined ? {} : { reason }),
      });
    }

    /** Opens an association to the move destination and runs the sub-operations on it. */
    private sendToRemote(client: InstanceType<typeof dimse.Client>, subOperations: StoreSubOperations, destinationAe: string, destination: RemoteAe): void {
      // A C-ECHO first: its 'done' gives an asynchronous hook, after negotiation, to load
      // the first instance in a transfer syntax the destination accepted.
      const echo = new dimse.requests.CEchoRequest();
      echo.on('done', (_data: unknown, next: () => void) => {
        const network = (client as unknown as { network?: { association: Association } }).network;
        if (!network) {
          next();
          return;
        }
        void subOperations.start(network.association).finally(next);
      });
      client.addRequest(echo);
      for (const request of subOperations.requests) client.addRequest(request);
      client.on('associationRejected', () => {
        logger.warn(`C-MOVE: ${destinationAe} at ${destination.host}:${destination.port} rejected the association`);
        subOperations.failRemaining();
      });
      client.on('networkError', (error: Error) => {
        logger.warn(`C-MOVE to ${destinationAe}: ${error.message}`);
        subOperations.failRemaining();
      });
      client.on('closed', () => subOperations.failRemaining());
      const outgoingTls = destination.tls === true ? context.outgoingTls : undefined;
      if (destination.tls === true && outgoingTls === undefined) {
        logger.warn(`C-MOVE to ${destinationAe}: DICOM TLS is configured for it but the server has no TLS credentials`);
        subOperations.failRemaining();
        return;
      }
      type SendOptions = NonNullable<Parameters<typeof client.send>[4]>;
      client.send(
        destination.host,
        destination.port,
        context.aeTitle,
        destinationAe,
        outgoingTls === undefined
          ? undefined
          : ({ securityOptions: { key: outgoingTls.key, cert: outgoingTls.cert, ca: outgoingTls.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' } } as SendOptions),
      );
      if (context.noDelay) {
        (client as unknown as { network?: { socket?: Socket } }).network?.socket?.setNoDelay(true);
      }
    }

    override cGetRequest(request: CGetRequest, callback: (responses: Array<InstanceType<typeof dimse.responses.CGetResponse>>) => void): void {
      void this.handleGet(request, callback);
    }

    private async handleGet(request: CGetRequest, callback: (responses: Array<InstanceType<typeof dimse.responses.CGetResponse>>) => void): Promise<void> {
      const respond = (status: number, counts?: SubOperationCounts, comment?: string): void => {
        const response = dimse.responses.CGetResponse.fromRequest(request);
        response.setStatus(status);
        if (counts) setCounts(response, counts, status !== Status.Pending);
        if (comment) response.setErrorComment(errorComment(comment));
        if (status === Status.Pending) this.sendPending(request, response);
        else callback([response]);
      };
      let records: InstanceRecord[];
      try {
        records = await this.selectInstances(request.getDataset()?.getElements() ?? {}, request.getAffectedSopClassUid().trim());
      } catch (thrown) {
        const message = thrown instanceof Error ? thrown.message : String(thrown);
        this.audit.retrieve({ action: 'c-get', destination: this.callingAeTitle, outcome: 'failure', studies: new Map(), identifier: identifierMatch(request), reason: message });
        respond(thrown instanceof RangeError ? STATUS_IDENTIFIER_MISMATCH : DimseStatus.unableToProcess, undefined, message);
        return;
      }
      const messageId = request.getMessageId();
      const subOperations = new StoreSubOperations({
        archive,
        records,
        onProgress: (counts) => {
          if (counts.remaining > 0) respond(Status.Pending, counts);
        },
        onError: (message) => logger.warn(`C-GET from ${this.describePeer()}: ${message}`),
        dequeue: (queued) => removeFromQueue((this as unknown as { requests: unknown[] }).requests, queued),
      });
      this.cancellations.set(messageId, subOperations);
      if (records.length > 0) {
        this.activeSubOperations.add(subOperations);
        const association = (this as unknown as { association: Association }).association;
        await subOperations.start(association);
        // The sub-operations go out on this association; the final C-GET response is sent
        // only after every C-STORE sub-operation was answered (PS3.4 C.4.3.3).
        const unsent = subOperations.unsentRequests();
        if (unsent.length > 0) this.sendRequests(unsent);
      }
      const counts = await subOperations.finished;
      this.activeSubOperations.delete(subOperations);
      this.cancellations.delete(messageId);
      const status = this.cancelled.delete(messageId) || counts.cancelled > 0 ? STATUS_CANCEL : finalStatus(counts);
      this.auditRetrieve('c-get', this.callingAeTitle, request, records, status, counts);
      if (this.aborted) return;
      respond(status, counts);
    }
  };
}
