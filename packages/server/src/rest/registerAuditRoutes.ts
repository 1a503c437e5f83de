/**
 * The audit trail over HTTP (issue 3), admin only ('audit:read'), under /api:
 *
 *   GET /audit?since&until&actor&action&outcome&patientId&studyInstanceUid&limit → { events }
 *
 * Newest first (SecurityStore.queryAudit). Reading the trail is itself audited
 * ('audit-read'): it names patients.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditOutcome, AuditQuery, SecurityStore } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import '../auth/routeAccess.js';

export interface AuditRoutesOptions {
  readonly store: SecurityStore;
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${name} is given more than once`, { subject: name });
  return value === '' ? undefined : value;
}

function isoTime(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${name} must be an ISO 8601 time`, { subject: name });
  return new Date(time).toISOString();
}

export async function registerAuditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  const { store } = options;
  app.get<{ Querystring: Query }>('/audit', { config: { permission: 'audit:read', audit: 'audit-read' } }, async (request) => {
    const query = request.query;
    const outcome = single(query, 'outcome');
    if (outcome !== undefined && !['success', 'failure', 'denied'].includes(outcome)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', 'outcome must be success, failure or denied', { subject: 'outcome' });
    }
    const limitText = single(query, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', 'limit must be an integer from 1 to 10000', { subject: 'limit' });
    }
    const auditQuery: AuditQuery = {
      ...(isoTime(query, 'since') === undefined ? {} : { since: isoTime(query, 'since') }),
      ...(isoTime(query, 'until') === undefined ? {} : { until: isoTime(query, 'until') }),
      ...(single(query, 'actor') === undefined ? {} : { actor: single(query, 'actor') }),
      ...(single(query, 'action') === undefined ? {} : { action: single(query, 'action') }),
      ...(outcome === undefined ? {} : { outcome: outcome as AuditOutcome }),
      ...(single(query, 'patientId') === undefined ? {} : { patientId: single(query, 'patientId') }),
      ...(single(query, 'studyInstanceUid') === undefined ? {} : { studyInstanceUid: single(query, 'studyInstanceUid') }),
      ...(limit === undefined ? {} : { limit }),
    };
    return { events: await store.queryAudit(auditQuery) };
  });
}
