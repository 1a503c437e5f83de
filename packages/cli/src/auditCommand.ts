/**
 * `vertebra audit` (issue 3): queries the archive's append-only audit trail (who, when,
 * from where, what, outcome; IHE ATNA / DICOM PS3.15 A.5 in spirit) by time range, actor,
 * action, outcome, patient and study, newest first, as a table or JSON. Times are ISO 8601
 * or a duration back from now ('90m', '24h', '7d', '2w'). Reading the trail is itself
 * recorded (action 'audit-read', like ATNA's "Audit Log Used" event).
 */
import type { AuditEvent, AuditOutcome, AuditQuery } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { appendCliAudit, requireSecurityStore } from './cliAudit.js';
import { openCliArchive } from './openCliArchive.js';

export interface AuditCommandOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly since?: string;
  readonly until?: string;
  readonly user?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly patientId?: string;
  readonly studyInstanceUid?: string;
  readonly limit?: number;
  readonly json?: boolean;
  /** Reference time for durations (tests); default now. */
  readonly now?: () => Date;
}

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** ISO 8601 time, or a duration ('24h', '7d') counted back from `now`; returns ISO. */
export function parseAuditTime(value: string, now: Date, subject: string): string {
  const duration = /^(\d{1,6})([smhdw])$/.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * (unitMs[duration[2] ?? 's'] ?? 1000)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(value.slice(0, 40))} is neither an ISO 8601 time (2026-03-01T10:00:00Z) nor a duration back from now (90m, 24h, 7d, 2w)`, { subject });
}

function table(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'No audit events match.\n';
  const rows = [
    ['TIME', 'ACTOR', 'ROLE', 'SOURCE', 'ACTION', 'OUTCOME', 'PATIENT', 'STUDY', 'DETAIL'],
    ...events.map((e) => [
      e.at.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'),
      e.actor === '' ? '-' : e.actor,
      e.actorRole ?? '-',
      e.source,
      e.action,
      e.outcome,
      e.patientId ?? '-',
      e.studyInstanceUid ?? '-',
      (e.detail ?? '').replace(/[\r\n\t]+/g, ' ').slice(0, 120),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return `${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd()).join('\n')}\n`;
}

export async function auditCommand(options: AuditCommandOptions, io: CliIo): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  if (options.outcome !== undefined && !['success', 'failure', 'denied'].includes(options.outcome)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the outcome is success, failure or denied', { subject: 'outcome' });
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 10_000)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', '--limit must be a whole number 1-10000', { subject: 'limit' });
  }
  const query: AuditQuery = {
    ...(options.since === undefined ? {} : { since: parseAuditTime(options.since, now, 'since') }),
    ...(options.until === undefined ? {} : { until: parseAuditTime(options.until, now, 'until') }),
    ...(options.user === undefined ? {} : { actor: options.user }),
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(options.outcome === undefined ? {} : { outcome: options.outcome as AuditOutcome }),
    ...(options.patientId === undefined ? {} : { patientId: options.patientId }),
    ...(options.studyInstanceUid === undefined ? {} : { studyInstanceUid: options.studyInstanceUid }),
    limit: options.limit ?? 100,
  };
  const archive = await openCliArchive({ dataDir: options.dataDir, mustExist: true, ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }) });
  try {
    const store = requireSecurityStore(archive);
    const events = await store.queryAudit(query);
    io.stdout.write(options.json ? `${JSON.stringify(events, null, 2)}\n` : table(events));
    const filters = Object.entries(query).map(([key, value]) => `${key}=${String(value)}`).join(' ');
    await appendCliAudit(store, [{ action: 'audit-read', detail: `${events.length} events; ${filters}`, ...(options.patientId === undefined ? {} : { patientId: options.patientId }), ...(options.studyInstanceUid === undefined ? {} : { studyInstanceUid: options.studyInstanceUid }) }]);
    return 0;
  } finally {
    await archive.close();
  }
}
