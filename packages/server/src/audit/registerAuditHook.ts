/**
 * Writes one audit event per audited HTTP request (issue 3; IHE ATNA / DICOM PS3.15 A.5 in
 * spirit): who (the principal, or the user a login named), when, from where (the socket
 * address), what (the route's `config.audit` action, the patient and study concerned) and
 * the outcome from the status code. A 401/403 on an audited route is written as
 * 'access-denied'; a wrong HTTP Basic password on any route as a failed 'login'. The
 * detail is the method, the route path and the query string with any secret-looking
 * parameter removed; headers, cookies and bodies are never written. The patient ID of a
 * study comes from the archive (cached briefly), so WADO and STOW events name the patient.
 * Successful WADO-RS reads of one study by one user are coalesced per minute
 * (StudyReadCoalescer): the first is written at once, the rest as one counted summary.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ArchiveService, AuditEventInput, AuditOutcome } from '@vertebra/archive';
import type { AuditSink } from './AuditSink.js';
import { StudyReadCoalescer } from './StudyReadCoalescer.js';
import { redactUrl } from '../http/redactUrl.js';
import '../auth/routeAccess.js';

export interface AuditHookOptions {
  readonly audit: AuditSink;
  readonly archive: ArchiveService;
  readonly now?: () => Date;
  /** Window of WADO-RS read coalescing, ms; default 60 s; 0 records every request. */
  readonly studyReadWindowMs?: number;
}

/** Actions whose successful repeats on one study are coalesced. */
const coalescedActions = new Set(['wado']);

const patientCacheMs = 60_000;
const maxPatientCacheEntries = 2000;

/** Method, path and query string without secret-looking parameters. */
export function auditDetailOf(method: string, url: string): string {
  return `${method} ${redactUrl(url)}`;
}

function outcomeOf(statusCode: number): AuditOutcome {
  if (statusCode === 401 || statusCode === 403) return 'denied';
  return statusCode < 400 ? 'success' : 'failure';
}

export interface AuditHook {
  /** Records the summaries of every open coalescing window (the app calls it when it closes). */
  flushCoalesced(): void;
}

export function registerAuditHook(app: FastifyInstance, options: AuditHookOptions): AuditHook {
  const { audit, archive } = options;
  const now = options.now ?? (() => new Date());
  /** Study Instance UID → { patient ID, time looked up }. */
  const patients = new Map<string, { patientId: string | null; at: number }>();

  const patientOf = async (studyInstanceUid: string): Promise<string | null> => {
    const cached = patients.get(studyInstanceUid);
    const nowMs = Date.now();
    if (cached !== undefined && nowMs - cached.at < patientCacheMs) return cached.patientId;
    let patientId: string | null = null;
    try {
      const result = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: studyInstanceUid }, includeFields: ['PatientID'], limit: 1 });
      const value = result.rows[0]?.['00100020']?.Value?.[0];
      patientId = typeof value === 'string' ? value : null;
    } catch {
      patientId = null;
    }
    patients.delete(studyInstanceUid);
    patients.set(studyInstanceUid, { patientId, at: nowMs });
    while (patients.size > maxPatientCacheEntries) {
      const oldest = patients.keys().next().value;
      if (oldest === undefined) break;
      patients.delete(oldest);
    }
    return patientId;
  };

  const eventsOf = async (request: FastifyRequest, statusCode: number): Promise<AuditEventInput[]> => {
    const facts = request.auditFacts ?? {};
    const config: { audit?: string; permission?: string } = request.is404 ? {} : request.routeOptions.config;
    const routeAction = config.audit;
    if (facts.record === false) return [];
    if (routeAction === undefined && facts.action === undefined) return [];
    const principal = request.principal;
    const unauthenticated = principal === null && config.permission !== 'public';
    let action: string;
    let outcome: AuditOutcome;
    if (facts.action !== undefined) {
      action = facts.action;
      outcome = facts.outcome ?? outcomeOf(statusCode);
    } else if (unauthenticated || statusCode === 401 || statusCode === 403) {
      action = 'access-denied';
      outcome = 'denied';
    } else {
      action = routeAction ?? 'unknown';
      outcome = facts.outcome ?? outcomeOf(statusCode);
    }
    const detailParts = [auditDetailOf(request.method, request.url), `status ${statusCode}`];
    if (action === 'access-denied' && routeAction !== undefined) detailParts.push(`wanted ${routeAction}`);
    if (facts.note !== undefined) detailParts.push(facts.note);
    const base = {
      at: now().toISOString(),
      actor: principal?.username ?? facts.actor ?? '',
      actorRole: principal?.role ?? facts.actorRole ?? null,
      source: request.ip,
      action,
      outcome,
      detail: detailParts.join('; ').slice(0, 2000),
    };
    const params = (request.params ?? {}) as Record<string, unknown>;
    const studies = facts.studies ?? [];
    if (studies.length > 0) {
      return Promise.all(
        studies.slice(0, 1000).map(async (study) => ({
          ...base,
          studyInstanceUid: study.studyInstanceUid,
          patientId: study.patientId ?? (await patientOf(study.studyInstanceUid)),
        })),
      );
    }
    const studyInstanceUid = facts.studyInstanceUid ?? (typeof params.study === 'string' && params.study !== '' ? params.study.slice(0, 64) : null);
    const patientId = facts.patientId !== undefined ? facts.patientId : studyInstanceUid === null ? null : await patientOf(studyInstanceUid);
    return [{ ...base, studyInstanceUid, patientId }];
  };

  const windowMs = options.studyReadWindowMs ?? 60_000;
  const coalescer =
    windowMs > 0
      ? new StudyReadCoalescer({ windowMs, record: (event) => audit.record(event), nowMs: () => now().getTime(), nowIso: () => now().toISOString() })
      : undefined;
  const timer = coalescer === undefined ? undefined : setInterval(() => coalescer.sweep(), Math.max(1000, Math.floor(windowMs / 2)));
  timer?.unref();

  app.addHook('onResponse', async (request, reply) => {
    try {
      for (const event of await eventsOf(request, reply.statusCode)) {
        if (coalescer !== undefined && coalescedActions.has(event.action)) coalescer.observe(event);
        else audit.record(event);
      }
    } catch (error) {
      request.log.error({ error: error instanceof Error ? error.name : 'unknown' }, 'building the audit event failed');
    }
  });
  return {
    flushCoalesced() {
      if (timer !== undefined) clearInterval(timer);
      coalescer?.sweep(true);
    },
  };
}
