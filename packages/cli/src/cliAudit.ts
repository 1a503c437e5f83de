/**
 * Audit records of the command line (issue 3, in the spirit of IHE ATNA / DICOM PS3.15
 * A.5): every CLI action on users, tokens or patient data appends an event with actor
 * 'cli:<OS user name>' and source 'cli'. `runAudited` records the outcome of an action,
 * success or failure (the failure's error code and message: catalogue messages never
 * hold secrets), and rethrows the failure. Also finds the security store of an archive
 * and the Patient ID of a study, for the events' "what".
 */
import { userInfo } from 'node:os';
import { securityStoreOf, type ArchiveService, type AuditEventInput, type SecurityStore } from '@vertebra/archive';
import { VertebraError, isVertebraError } from '@vertebra/errors';

/** 'cli:' + the OS user running the command ('cli:unknown' when the system cannot say). */
export function cliActor(): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.LOGNAME;
  }
  return `cli:${name === undefined || name === '' ? 'unknown' : name}`;
}

/** The archive's security store; CONFIG_INVALID when the archive has none. */
export function requireSecurityStore(archive: ArchiveService): SecurityStore {
  const store = securityStoreOf(archive);
  if (store === undefined) throw new VertebraError('CONFIG_INVALID', 'this archive has no security store (users, tokens, audit)', { subject: 'archive' });
  return store;
}

export type CliAuditEvent = Pick<AuditEventInput, 'action'> & Partial<Pick<AuditEventInput, 'outcome' | 'patientId' | 'studyInstanceUid' | 'detail'>>;

/** Appends CLI events (actor cli:USER, source cli, now). */
export async function appendCliAudit(store: SecurityStore, events: readonly CliAuditEvent[]): Promise<void> {
  const at = new Date().toISOString();
  const actor = cliActor();
  await store.appendAudit(
    events.map((event) => ({
      at,
      actor,
      actorRole: null,
      source: 'cli',
      action: event.action,
      outcome: event.outcome ?? 'success',
      patientId: event.patientId ?? null,
      studyInstanceUid: event.studyInstanceUid ?? null,
      detail: event.detail ?? null,
    })),
  );
}

/**
 * Runs `work`, then appends one event: success with the detail `work` returns, or failure
 * with the error. The error is rethrown unchanged.
 */
export async function runAudited<T>(store: SecurityStore, event: CliAuditEvent, work: () => Promise<{ readonly value: T; readonly detail?: string }>): Promise<T> {
  let result: { readonly value: T; readonly detail?: string };
  try {
    result = await work();
  } catch (error) {
    const reason = isVertebraError(error) ? `${error.code}: ${error.message}` : 'unexpected error';
    await appendCliAudit(store, [{ ...event, outcome: 'failure', detail: `${event.detail === undefined ? '' : `${event.detail}; `}failed: ${reason}` }]).catch(() => undefined);
    throw error;
  }
  await appendCliAudit(store, [{ ...event, outcome: 'success', ...(result.detail === undefined ? {} : { detail: result.detail }) }]);
  return result.value;
}

/** Patient ID (0010,0020) of a study in the archive, or null. */
export async function patientIdOfStudy(archive: ArchiveService, studyInstanceUid: string): Promise<string | null> {
  const result = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: studyInstanceUid }, includeFields: ['PatientID'], limit: 1 });
  const value = result.rows[0]?.['00100020']?.Value?.[0];
  return typeof value === 'string' ? value : null;
}
