/**
 * Where transports report audit events (issue 3; IHE ATNA / DICOM PS3.15 A.5 in spirit):
 * HTTP hooks and the DIMSE SCP call `record` and never wait on storage; the writer behind
 * it (createAuditWriter) appends them to the SecurityStore's append-only table in small
 * batches, and `flush` resolves when everything recorded so far is stored.
 */
import type { AuditEventInput } from '@vertebra/archive';

export interface AuditSink {
  record(event: AuditEventInput): void;
  flush(): Promise<void>;
}
