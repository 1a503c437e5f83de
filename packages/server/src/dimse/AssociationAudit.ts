/**
 * Audit records of one DIMSE association (issue 3; IHE ATNA / DICOM PS3.15 A.5 in spirit:
 * who = 'ae:<calling AE title>', from where = the peer's address, what = patient and
 * study, the outcome from the DIMSE status). C-STORE is summarized: one event per study
 * per association with the number of instances stored (and failed), written when the
 * association ends however it ends (release, abort, a killed connection), so a transfer
 * cut half-way still leaves a record of what it stored. C-FIND records the level and the
 * matching keys; C-MOVE / C-GET the study, the destination and the sub-operation counts.
 * Nothing here blocks a DIMSE response: events go to the AuditSink, whose writer batches
 * them; the patient ID of a study is looked up in the archive when a request did not
 * carry it, and `pending` lets the server wait for those look-ups before it closes.
 */
import type { ArchiveService, AuditEventInput, AuditOutcome } from '@vertebra/archive';
import type { AuditSink } from '../audit/AuditSink.js';
import { jsonString } from './queryIdentifier.js';

export interface AssociationAuditOptions {
  readonly sink: AuditSink | undefined;
  readonly archive: ArchiveService;
  /** The peer's network address. */
  readonly source: string;
  /** Look-ups in flight, shared by the server so that close() can wait for them. */
  readonly pending: Set<Promise<unknown>>;
  readonly now?: () => Date;
}

interface StudyTally {
  stored: number;
  failed: number;
}

/** Longest detail text written; query values are the peer's, and could be long. */
const maxDetailChars = 500;

function clip(text: string): string {
  return text.length <= maxDetailChars ? text : `${text.slice(0, maxDetailChars - 3)}...`;
}

/** A matching value that names exactly one value (no wildcard, range or list). */
function singleValue(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || /[*?\\,]/.test(value)) return undefined;
  if (value.includes('-') && !/^[0-9.]+$/.test(value)) return undefined;
  return value;
}

export class AssociationAudit {
  readonly #options: AssociationAuditOptions;
  #callingAeTitle = '';
  /** C-STORE tallies by Study Instance UID ('' when the instance was refused before its study was known). */
  readonly #stores = new Map<string, StudyTally>();
  #storesWritten = false;

  constructor(options: AssociationAuditOptions) {
    this.#options = options;
  }

  set callingAeTitle(aeTitle: string) {
    this.#callingAeTitle = aeTitle;
  }

  #record(event: Omit<AuditEventInput, 'at' | 'actor' | 'actorRole' | 'source'>): void {
    const sink = this.#options.sink;
    if (!sink) return;
    sink.record({
      at: (this.#options.now?.() ?? new Date()).toISOString(),
      actor: `ae:${this.#callingAeTitle}`,
      actorRole: null,
      source: this.#options.source,
      ...event,
      ...(event.detail ? { detail: clip(event.detail) } : {}),
    });
  }

  /** Records once the patient ID of the study is known (looked up in the archive when not given). */
  #recordForStudy(studyInstanceUid: string | undefined, patientId: string | undefined, event: Omit<AuditEventInput, 'at' | 'actor' | 'actorRole' | 'source' | 'patientId' | 'studyInstanceUid'>): void {
    if (!this.#options.sink) return;
    if (!studyInstanceUid || patientId !== undefined) {
      this.#record({ ...event, studyInstanceUid: studyInstanceUid || null, patientId: patientId ?? null });
      return;
    }
    const lookup = this.#options.archive
      .query({ level: 'STUDY', match: { StudyInstanceUID: studyInstanceUid }, includeFields: ['PatientID'] })
      .then((result) => (result.rows[0] ? jsonString(result.rows[0], '00100020') : undefined))
      .catch(() => undefined)
      .then((found) => this.#record({ ...event, studyInstanceUid, patientId: found ?? null }));
    this.#options.pending.add(lookup);
    void lookup.finally(() => this.#options.pending.delete(lookup));
  }

  /** An association refused by the allow-list (PS3.8 A-ASSOCIATE-RJ). */
  associationRejected(reason: string): void {
    this.#record({ action: 'association-rejected', outcome: 'denied', detail: reason });
  }

  /** One C-STORE's outcome; written per study when the association ends (storesFinished). */
  stored(studyInstanceUid: string | undefined, succeeded: boolean): void {
    const key = studyInstanceUid ?? '';
    const tally = this.#stores.get(key) ?? { stored: 0, failed: 0 };
    if (succeeded) tally.stored += 1;
    else tally.failed += 1;
    this.#stores.set(key, tally);
  }

  /** Writes the C-STORE summary; call when the association ends (only the first call writes). */
  storesFinished(): void {
    if (this.#storesWritten) return;
    this.#storesWritten = true;
    for (const [studyInstanceUid, tally] of this.#stores) {
      const outcome: AuditOutcome = tally.failed === 0 ? 'success' : 'failure';
      this.#recordForStudy(studyInstanceUid, undefined, {
        action: 'c-store',
        outcome,
        detail: `instances stored: ${tally.stored}${tally.failed > 0 ? `, failed: ${tally.failed}` : ''}`,
      });
    }
    this.#stores.clear();
  }

  find(options: { readonly level: string; readonly match: Readonly<Record<string, string>>; readonly outcome: AuditOutcome; readonly matches?: number; readonly reason?: string }): void {
    const keys = Object.entries(options.match)
      .filter(([, value]) => value !== '')
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    const detail = [`level ${options.level}`, keys === '' ? 'no matching keys' : `keys ${keys}`, options.matches === undefined ? '' : `matches: ${options.matches}`, options.reason ?? '']
      .filter((part) => part !== '')
      .join('; ');
    const studyInstanceUid = singleValue(options.match.StudyInstanceUID);
    const patientId = singleValue(options.match.PatientID);
    this.#record({ action: 'c-find', outcome: options.outcome, detail, studyInstanceUid: studyInstanceUid ?? null, patientId: patientId ?? null });
  }

  /**
   * A C-MOVE or C-GET: one event per study retrieved (its instance count) with the
   * sub-operation counts of the whole request, or one event when nothing was selected.
   */
  retrieve(options: {
    readonly action: 'c-move' | 'c-get';
    readonly destination: string;
    readonly outcome: AuditOutcome;
    /** Instances selected, by study. */
    readonly studies: ReadonlyMap<string, number>;
    readonly counts?: { readonly completed: number; readonly failed: number; readonly warning: number; readonly cancelled: number };
    readonly identifier?: Readonly<Record<string, string>>;
    readonly reason?: string;
  }): void {
    const counts = options.counts ? `completed: ${options.counts.completed}, failed: ${options.counts.failed}, warning: ${options.counts.warning}${options.counts.cancelled > 0 ? `, cancelled: ${options.counts.cancelled}` : ''}` : '';
    const base = [`destination ${options.destination}`, counts, options.reason ?? ''].filter((part) => part !== '').join('; ');
    if (options.studies.size === 0) {
      this.#recordForStudy(singleValue(options.identifier?.StudyInstanceUID), singleValue(options.identifier?.PatientID), {
        action: options.action,
        outcome: options.outcome,
        detail: `${base}; no instances selected`,
      });
      return;
    }
    for (const [studyInstanceUid, instances] of options.studies) {
      this.#recordForStudy(studyInstanceUid, undefined, { action: options.action, outcome: options.outcome, detail: `${base}; study instances: ${instances}` });
    }
  }
}
