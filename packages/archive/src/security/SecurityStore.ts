/**
 * Storage contract of Vertebra's security records (issue 3): local users and their roles,
 * API tokens, web sessions, the append-only audit trail and archive-wide secrets (the
 * de-identification key). They live on the metadata index's connection (SQLite or
 * PostgreSQL, one Kysely code base, the same test suite on both), like the annotation
 * store. Secrets are stored only as hashes: passwords as scrypt hashes (passwordHash.ts),
 * tokens and session ids as SHA-256 of their random value. Policy (which role may do
 * what, how a request authenticates) belongs to the server; this is storage only.
 */

/** Roles of PS-style least privilege; researchers see only de-identified data. */
export const roles = ['admin', 'radiologist', 'surgeon', 'technologist', 'researcher'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export interface StoredUser {
  /** 1-64 characters of [A-Za-z0-9._-], unique, case-sensitive. */
  readonly username: string;
  readonly role: Role;
  /** Encoded scrypt hash (passwordHash.ts); never returned by any API. */
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StoredApiToken {
  /** Public id of the token (shown in lists, used to revoke), not the secret. */
  readonly id: string;
  readonly username: string;
  /** What the token is for, e.g. 'nightly-stow'. */
  readonly name: string;
  /** SHA-256 (hex) of the secret token value; the value itself is shown once and never stored. */
  readonly tokenSha256: string;
  readonly createdAt: string;
  /** ISO time after which the token is refused; null: does not expire. */
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface StoredSession {
  /** SHA-256 (hex) of the session cookie's value. */
  readonly idSha256: string;
  readonly username: string;
  /** Synchronizer token the browser must echo in X-CSRF-Token on unsafe methods. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly sourceAddress: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * One audit record, in the spirit of IHE ATNA / DICOM PS3.15 A.5: who (actor), when (at),
 * from where (source), what (action, patient, study) and the outcome. Never holds
 * passwords, tokens or pixel data.
 */
export interface AuditEventInput {
  /** ISO 8601 UTC time of the event. */
  readonly at: string;
  /** Username, 'ae:CALLING_AE' for DIMSE peers, 'cli:OS_USER' for the command line, or '' when unknown (failed login: the name tried goes in detail). */
  readonly actor: string;
  /** Role of the actor when known. */
  readonly actorRole: Role | null;
  /** Network address ('127.0.0.1') or 'cli'. */
  readonly source: string;
  /** What was done: 'login', 'logout', 'qido', 'wado', 'stow', 'c-store', 'c-find', 'c-move', 'c-get', 'viewer-open', 'report-view', 'export', 'export-deidentified', 'research-list', 'research-retrieve', 'annotation-write', 'user-add', 'user-remove', 'user-passwd', 'token-create', 'token-revoke', 'access-denied', … */
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** Patient ID (0010,0020) concerned, when one. */
  readonly patientId?: string | null;
  /** Study Instance UID concerned, when one. */
  readonly studyInstanceUid?: string | null;
  /** Short free text: route, query, counts, reason of a failure. No secrets, no pixel data. */
  readonly detail?: string | null;
}

export interface AuditEvent extends AuditEventInput {
  /** Monotonic sequence number assigned by the store. */
  readonly id: number;
  readonly patientId: string | null;
  readonly studyInstanceUid: string | null;
  readonly detail: string | null;
}

export interface AuditQuery {
  /** Inclusive lower bound on `at` (ISO). */
  readonly since?: string;
  /** Exclusive upper bound on `at` (ISO). */
  readonly until?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  readonly patientId?: string;
  readonly studyInstanceUid?: string;
  /** Newest first; default 100, at most 10 000. */
  readonly limit?: number;
}

export interface SecurityStore {
  countUsers(): Promise<number>;
  getUser(username: string): Promise<StoredUser | undefined>;
  listUsers(): Promise<StoredUser[]>;
  /** Throws USER_EXISTS when the name is taken. */
  insertUser(user: StoredUser): Promise<void>;
  /** Throws USER_NOT_FOUND. Changing the password removes the user's sessions. */
  updateUser(username: string, change: { readonly role?: Role; readonly passwordHash?: string; readonly updatedAt: string }): Promise<StoredUser>;
  /** Removes the user with their tokens and sessions; throws USER_NOT_FOUND. */
  removeUser(username: string): Promise<void>;

  insertToken(token: StoredApiToken): Promise<void>;
  findTokenBySha256(tokenSha256: string): Promise<StoredApiToken | undefined>;
  listTokens(username?: string): Promise<StoredApiToken[]>;
  /** False when no such token. */
  removeToken(id: string): Promise<boolean>;
  touchToken(id: string, lastUsedAt: string): Promise<void>;

  insertSession(session: StoredSession): Promise<void>;
  findSession(idSha256: string): Promise<StoredSession | undefined>;
  removeSession(idSha256: string): Promise<void>;
  /** Deletes sessions whose expiresAt ≤ now; returns how many. */
  removeExpiredSessions(nowIso: string): Promise<number>;

  /** Appends in one transaction; the table refuses UPDATE and DELETE (triggers on both databases). */
  appendAudit(events: readonly AuditEventInput[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEvent[]>;

  /** Archive-wide secret by name (e.g. 'deidentification-key'), created from `create()` on first use, atomically, so every process sees the same value. */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;
}
