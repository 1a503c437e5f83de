/**
 * C-STORE sub-operations of a C-MOVE or C-GET (PS3.4 C.4.2.3, C.4.3.3): one CStoreRequest
 * per archived instance, loaded lazily (one instance in memory at a time) and sent in the
 * stored transfer syntax when the peer accepted it, else transcoded to Explicit VR Little
 * Endian (or handed to dcmjs-dimse to re-encode as Implicit VR Little Endian). Counts
 * completed / failed / warning sub-operations for the pending and final responses.
 *
 * dcmjs-dimse sends queued requests one after the other and emits 'done' on each when
 * its response arrived; its event emitter waits for listeners that take a `next`
 * callback, so a 'done' listener registered before the library's own loads the next
 * instance before the library sends it.
 */
import dimse from 'dcmjs-dimse';
import type { ArchiveService, InstanceRecord } from '@vertebra/archive';
import { loadPixelCodecs, needsPixelCodecs, transcodeToExplicitLittle } from '@vertebra/dicom';
import { RawDataset } from './RawDataset.js';
import { splitPart10 } from './part10Framing.js';

const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
const IMPLICIT_LITTLE = '1.2.840.10008.1.2';
const PC_ACCEPT = 0;

export interface SubOperationCounts {
  remaining: number;
  /** Sub-operations not performed because of a C-CANCEL (reported as Remaining in the FE00 response). */
  cancelled: number;
  completed: number;
  failed: number;
  warning: number;
  readonly failedSopInstanceUids: string[];
}

type Association = InstanceType<typeof dimse.association.Association>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;

interface Operation {
  readonly record: InstanceRecord;
  readonly request: CStoreRequest;
  state: 'queued' | 'loaded' | 'answered' | 'failed' | 'cancelled';
}

export interface StoreSubOperationsOptions {
  readonly archive: ArchiveService;
  readonly records: readonly InstanceRecord[];
  /** For C-MOVE: Move Originator AE title and message ID (PS3.7 9.3.1.1). */
  readonly moveOriginator?: { readonly aeTitle: string; readonly messageId: number };
  readonly onProgress?: (counts: SubOperationCounts) => void;
  readonly onError?: (message: string) => void;
  /** Removes a request from the sending queue (dcmjs-dimse's Network.requests) so it is never sent. */
  readonly dequeue?: (request: CStoreRequest) => void;
}

/** Accepted transfer syntaxes per abstract syntax in a negotiated association. */
function acceptedSyntaxes(association: Association, sopClassUid: string): Set<string> {
  const accepted = new Set<string>();
  for (const { id } of association.getPresentationContexts()) {
    const context = association.getPresentationContext(id);
    if (context.getAbstractSyntaxUid() !== sopClassUid || context.getResult() !== PC_ACCEPT) continue;
    const ts = context.getAcceptedTransferSyntaxUid();
    if (ts) accepted.add(ts);
  }
  return accepted;
}

export class StoreSubOperations {
  readonly counts: SubOperationCounts;
  readonly requests: readonly CStoreRequest[];
  private readonly operations: Operation[];
  private readonly options: StoreSubOperationsOptions;
  private association: Association | undefined;
  private settle: (() => void) | undefined;
  readonly finished: Promise<SubOperationCounts>;

  constructor(options: StoreSubOperationsOptions) {
    this.options = options;
    this.counts = { remaining: options.records.length, cancelled: 0, completed: 0, failed: 0, warning: 0, failedSopInstanceUids: [] };
    this.finished = new Promise((resolve) => {
      this.settle = () => resolve(this.counts);
    });
    this.operations = options.records.map((record, index) => {
      const placeholder = new RawDataset(new Uint8Array(0), record.transferSyntaxUid, {
        SOPClassUID: record.sopClassUid,
        SOPInstanceUID: record.sopInstanceUid,
      });
      const request = new dimse.requests.CStoreRequest(placeholder);
      if (options.moveOriginator) {
        request.getCommandDataset().setElement('MoveOriginatorApplicationEntityTitle', options.moveOriginator.aeTitle);
        request.getCommandDataset().setElement('MoveOriginatorMessageID', options.moveOriginator.messageId as unknown as string);
      }
      const operation: Operation = { record, request, state: 'queued' };
      request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
        this.answered(operation, response.getStatus());
      });
      // Registered before dcmjs-dimse's own 'done' listener: the library sends the next
      // request only after `next` is called, by which time its data set is loaded.
      request.on('done', (_data: unknown, next: () => void) => {
        void this.loadFrom(index + 1).finally(next);
      });
      return operation;
    });
    this.requests = this.operations.map((o) => o.request);
    if (this.operations.length === 0) this.settle?.();
  }

  /** Loads the first sendable instance; call once the association is negotiated. */
  async start(association: Association): Promise<void> {
    this.association = association;
    await this.loadFrom(0);
  }

  /** Marks every sub-operation without a response as failed (association closed or aborted). */
  failRemaining(): void {
    for (const operation of this.operations) {
      if (operation.state === 'queued' || operation.state === 'loaded') this.fail(operation);
    }
  }

  /** Requests still to send (not failed or cancelled before sending). */
  unsentRequests(): CStoreRequest[] {
    return this.operations.filter((o) => o.state === 'queued' || o.state === 'loaded').map((o) => o.request);
  }

  /** C-CANCEL (PS3.4 C.4.2.3.2): sub-operations not started yet are dropped. */
  cancel(): void {
    for (const operation of this.operations) {
      if (operation.state !== 'queued') continue;
      operation.state = 'cancelled';
      this.options.dequeue?.(operation.request);
      this.counts.remaining -= 1;
      this.counts.cancelled += 1;
    }
    this.progress();
  }

  private answered(operation: Operation, status: number): void {
    if (operation.state !== 'queued' && operation.state !== 'loaded') return;
    operation.state = 'answered';
    this.counts.remaining -= 1;
    if (status === 0x0000) this.counts.completed += 1;
    else if (status === 0x0001 || (status & 0xf000) === 0xb000) this.counts.warning += 1;
    else {
      this.counts.failed += 1;
      this.counts.failedSopInstanceUids.push(operation.record.sopInstanceUid);
    }
    this.progress();
  }

  private fail(operation: Operation): void {
    if (operation.state === 'answered' || operation.state === 'failed') return;
    if (operation.state === 'queued') this.options.dequeue?.(operation.request);
    operation.state = 'failed';
    this.counts.remaining -= 1;
    this.counts.failed += 1;
    this.counts.failedSopInstanceUids.push(operation.record.sopInstanceUid);
    this.progress();
  }

  private progress(): void {
    this.options.onProgress?.(this.counts);
    if (this.counts.remaining <= 0) this.settle?.();
  }

  private async loadFrom(start: number): Promise<void> {
    for (let index = start; index < this.operations.length; index++) {
      const operation = this.operations[index];
      if (!operation || operation.state !== 'queued') continue;
      try {
        if (await this.load(operation)) return;
      } catch (error) {
        this.options.onError?.(`sub-operation for ${operation.record.sopInstanceUid}: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.fail(operation);
    }
  }

  private async load(operation: Operation): Promise<boolean> {
    const association = this.association;
    if (!association) return false;
    const { record, request } = operation;
    const accepted = acceptedSyntaxes(association, record.sopClassUid);
    if (accepted.size === 0) {
      this.options.onError?.(`the peer accepted no presentation context for SOP class ${record.sopClassUid} (instance ${record.sopInstanceUid})`);
      return false;
    }
    const elements = { SOPClassUID: record.sopClassUid, SOPInstanceUID: record.sopInstanceUid };
    const bytes = await this.options.archive.readInstance(record);
    const stored = splitPart10(bytes, `instance ${record.sopInstanceUid}`);
    if (accepted.has(stored.transferSyntaxUid)) {
      request.setDataset(new RawDataset(stored.dataset, stored.transferSyntaxUid, elements));
    } else if (accepted.has(EXPLICIT_LITTLE) || accepted.has(IMPLICIT_LITTLE)) {
      if (needsPixelCodecs(stored.transferSyntaxUid)) await loadPixelCodecs();
      const explicit = splitPart10(transcodeToExplicitLittle(bytes, { subject: `instance ${record.sopInstanceUid}` }));
      if (accepted.has(EXPLICIT_LITTLE)) {
        request.setDataset(new RawDataset(explicit.dataset, EXPLICIT_LITTLE, elements));
      } else {
        // Only Implicit VR Little Endian accepted: dcmjs-dimse re-encodes the parsed data set.
        request.setDataset(new dimse.Dataset(Buffer.from(explicit.dataset), EXPLICIT_LITTLE));
      }
    } else {
      this.options.onError?.(
        `the peer accepted SOP class ${record.sopClassUid} only in ${[...accepted].join(', ')}; instance ${record.sopInstanceUid} is stored as ${stored.transferSyntaxUid}`,
      );
      return false;
    }
    operation.state = 'loaded';
    return true;
  }
}
