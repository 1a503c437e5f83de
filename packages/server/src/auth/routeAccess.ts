/**
 * What every route declares in its options (`config: { permission, audit }`), and what the
 * auth hook puts on each request: the authenticated principal and the audit facts a
 * handler adds (patient, study, detail). The Fastify type augmentation lives here so that
 * every module registering routes sees the same shape.
 */
import type { Role, StoredSession } from '@vertebra/archive';
import type { RoutePermission } from './permissions.js';

/** Audit action names of the HTTP routes (AuditEventInput.action). */
export type HttpAuditAction =
  | 'qido'
  | 'wado'
  | 'stow'
  | 'research-list'
  | 'research-retrieve'
  | 'annotation-read'
  | 'annotation-write'
  | 'analysis-read'
  | 'analysis-run'
  | 'viewer-open'
  | 'login'
  | 'logout'
  | 'user-list'
  | 'user-add'
  | 'user-update'
  | 'user-remove'
  | 'user-passwd'
  | 'token-create'
  | 'token-revoke'
  | 'audit-read';

export interface RouteAccess {
  readonly permission: RoutePermission;
  /** Set on routes whose requests are written to the audit trail, one event per request. */
  readonly audit?: HttpAuditAction;
}

export interface Principal {
  readonly username: string;
  readonly role: Role;
  /** How the request authenticated. */
  readonly via: 'session' | 'token' | 'basic';
  /** The session, when via is 'session' (carries the CSRF token). */
  readonly session?: StoredSession;
  /** The cookie value's SHA-256, when via is 'session'. */
  readonly sessionIdSha256?: string;
}

/** Facts a handler adds for the audit record of its request. */
export interface AuditFacts {
  patientId?: string | null;
  studyInstanceUid?: string | null;
  /** Several studies (STOW-RS of more than one): one event each. */
  studies?: { readonly studyInstanceUid: string; readonly patientId: string | null }[];
  /** Replaces the action of the route (e.g. a failed login is written as 'login'/failure). */
  action?: string;
  /** Actor when the request did not authenticate (login: the user that just logged in). */
  actor?: string;
  actorRole?: Role | null;
  /** Short extra detail; appended to the route. No secrets. */
  note?: string;
  /** Outcome decided by the handler instead of the status code. */
  outcome?: 'success' | 'failure' | 'denied';
  /** False: write nothing for this request. */
  record?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RoutePermission;
    audit?: HttpAuditAction;
  }
  interface FastifyRequest {
    /** Set by the auth hook; null on public routes called without credentials. */
    principal: Principal | null;
    /** Set by the auth hook on every request (null only before it ran). */
    auditFacts: AuditFacts;
  }
}
