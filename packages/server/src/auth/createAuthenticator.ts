/**
 * Who sent a request (issue 3): the session cookie, then `Authorization: Bearer vtb_…`
 * (an API token), then `Authorization: Basic` (RFC 7617). Every path re-reads the user,
 * so removing a user or changing a password takes effect on the next request.
 *
 * - Sessions: the cookie value's SHA-256 names the stored session; it ends at its stored
 *   `expiresAt` (absolute lifetime) or after `sessionIdleMs` without a request (idle time is
 *   tracked in this process's memory; a restart starts the idle clock again).
 * - Tokens: refused once expired or revoked; last use is written at most once a minute.
 * - Basic: scrypt per request would be far too slow for DICOMweb clients, so a verified
 *   header is remembered for `basicCacheMs` under SHA-256(header, stored password hash):
 *   a new password or a removed user never matches an old entry. Failures count in the
 *   login throttle like failed logins; a refused header is remembered the same way, so the
 *   same wrong header sent again (retries, parallel connections) is one guess, counted once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { apiTokenPattern, hashPassword, sha256Hex, verifyPassword, type HashPasswordOptions, type SecurityStore, type StoredSession, type StoredUser } from '@vertebra/archive';
import { readCookie, sessionCookieName } from './cookies.js';
import type { LoginThrottle } from './LoginThrottle.js';
import type { Principal } from './routeAccess.js';

export interface AuthenticatorOptions {
  readonly store: SecurityStore;
  readonly throttle: LoginThrottle;
  /** Session ends after this long without a request. Default 8 h. */
  readonly sessionIdleMs?: number;
  /** Session ends this long after login whatever happens. Default 12 h. */
  readonly sessionAbsoluteMs?: number;
  /** How long a verified Basic header is remembered. Default 5 minutes. */
  readonly basicCacheMs?: number;
  /** scrypt cost of hashes this process makes (the dummy hash of unknown users). */
  readonly passwordCost?: HashPasswordOptions['cost'];
  readonly now?: () => Date;
}

export interface RequestCredentials {
  readonly cookieHeader: string | undefined;
  readonly authorizationHeader: string | undefined;
  readonly sourceAddress: string;
}

export type AuthOutcome =
  | { readonly ok: true; readonly principal: Principal }
  /** missing: no credentials; invalid: wrong or expired ones; throttled: too many failures. */
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired-session' | 'throttled'; readonly retryAfterSeconds?: number; readonly triedUsername?: string; readonly scheme?: 'session' | 'token' | 'basic' };

export interface Authenticator {
  authenticate(credentials: RequestCredentials): Promise<AuthOutcome>;
  /** Checks a user's password for login and password change, with the throttle. */
  checkPassword(username: string, password: string, sourceAddress: string): Promise<{ ok: true; user: StoredUser } | { ok: false; throttled: boolean; retryAfterSeconds?: number }>;
  /** Creates a stored session; returns the cookie value (shown only to the client). */
  createSession(username: string, sourceAddress: string): Promise<{ cookieValue: string; session: StoredSession; idSha256: string }>;
  endSession(idSha256: string): Promise<void>;
}

const maxBasicCacheEntries = 1000;
const tokenTouchIntervalMs = 60_000;

function parseBasic(value: string): { username: string; password: string } | undefined {
  let decoded: string;
  try {
    decoded = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { store, throttle } = options;
  const idleMs = options.sessionIdleMs ?? 8 * 3600_000;
  const absoluteMs = options.sessionAbsoluteMs ?? 12 * 3600_000;
  const basicCacheMs = options.basicCacheMs ?? 5 * 60_000;
  const now = options.now ?? (() => new Date());
  /** SHA-256(header, password hash) → time (ms) until which it counts as verified. */
  const basicCache = new Map<string, number>();
  /**
   * Verifications in flight by the same cache key: a client that opens several connections
   * at once sends the same header on each; they share one scrypt run (64 MiB, ~0.1–0.2 s of
   * CPU) instead of paying it once per connection.
   */
  const basicInFlight = new Map<string, Promise<boolean>>();
  /**
   * SHA-256(header, password hash) → time (ms) until which it counts as refused: the same wrong
   * header again (a client retrying, or connections opened just after the first check ended) is
   * the same guess, so it is refused without another scrypt run and not counted as a new failure.
   * Exact for as long as the password hash is unchanged (it is part of the key).
   */
  const basicRefused = new Map<string, number>();
  /** Session id SHA-256 → last request (ms). */
  const sessionSeen = new Map<string, number>();
  /** Token id → last time lastUsedAt was written (ms). */
  const tokenTouched = new Map<string, number>();
  let dummyHash: Promise<string> | undefined;

  const pruneOldest = (map: Map<string, number>, max: number): void => {
    while (map.size > max) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  };

  /** Runs scrypt even for unknown users, so the answer time does not reveal which names exist. */
  const verifyAgainst = async (user: StoredUser | undefined, password: string): Promise<boolean> => {
    if (user === undefined) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'), { cost: options.passwordCost ?? 'default' });
      await verifyPassword(password, await dummyHash).catch(() => false);
      return false;
    }
    return verifyPassword(password, user.passwordHash).catch(() => false);
  };

  const checkPassword: Authenticator['checkPassword'] = async (username, password, sourceAddress) => {
    const verdict = throttle.check(sourceAddress, username);
    if (!verdict.allowed) return { ok: false, throttled: true, retryAfterSeconds: verdict.retryAfterSeconds };
    const user = await store.getUser(username);
    if (await verifyAgainst(user, password)) {
      throttle.recordSuccess(username);
      return { ok: true, user: user as StoredUser };
    }
    throttle.recordFailure(sourceAddress, username);
    return { ok: false, throttled: false };
  };

  const fromSession = async (cookieValue: string): Promise<Principal | undefined> => {
    const idSha256 = sha256Hex(cookieValue);
    const session = await store.findSession(idSha256);
    const nowMs = now().getTime();
    if (session === undefined) {
      sessionSeen.delete(idSha256);
      return undefined;
    }
    const lastSeen = sessionSeen.get(idSha256) ?? nowMs;
    if (Date.parse(session.expiresAt) <= nowMs || nowMs - lastSeen >= idleMs) {
      sessionSeen.delete(idSha256);
      await store.removeSession(idSha256).catch(() => undefined);
      return undefined;
    }
    const user = await store.getUser(session.username);
    if (user === undefined) return undefined;
    sessionSeen.delete(idSha256);
    sessionSeen.set(idSha256, nowMs);
    pruneOldest(sessionSeen, 100_000);
    return { username: user.username, role: user.role, via: 'session', session, sessionIdSha256: idSha256 };
  };

  const fromToken = async (token: string): Promise<Principal | undefined> => {
    if (!apiTokenPattern.test(token)) return undefined;
    const record = await store.findTokenBySha256(sha256Hex(token));
    if (record === undefined) return undefined;
    const current = now();
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= current.getTime()) return undefined;
    const user = await store.getUser(record.username);
    if (user === undefined) return undefined;
    const touched = tokenTouched.get(record.id);
    if (touched === undefined || current.getTime() - touched >= tokenTouchIntervalMs) {
      tokenTouched.set(record.id, current.getTime());
      pruneOldest(tokenTouched, 10_000);
      await store.touchToken(record.id, current.toISOString()).catch(() => undefined);
    }
    return { username: user.username, role: user.role, via: 'token' };
  };

  const fromBasic = async (encoded: string, header: string, sourceAddress: string): Promise<AuthOutcome> => {
    const credentials = parseBasic(encoded);
    if (credentials === undefined) return { ok: false, reason: 'invalid', scheme: 'basic' };
    const user = await store.getUser(credentials.username);
    const nowMs = now().getTime();
    if (user !== undefined) {
      const cacheKey = createHash('sha256').update(header, 'utf8').update('\u0000').update(user.passwordHash, 'utf8').digest('hex');
      const until = basicCache.get(cacheKey);
      if (until !== undefined && until > nowMs) return { ok: true, principal: { username: user.username, role: user.role, via: 'basic' } };
      basicCache.delete(cacheKey);
      const verdict = throttle.check(sourceAddress, credentials.username);
      if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds, triedUsername: credentials.username, scheme: 'basic' };
      const refusedUntil = basicRefused.get(cacheKey);
      if (refusedUntil !== undefined && refusedUntil > nowMs) return { ok: false, reason: 'invalid', triedUsername: credentials.username, scheme: 'basic' };
      basicRefused.delete(cacheKey);
      let verification = basicInFlight.get(cacheKey);
      const shared = verification !== undefined;
      if (verification === undefined) {
        verification = verifyAgainst(user, credentials.password);
        basicInFlight.set(cacheKey, verification);
        void verification.finally(() => basicInFlight.delete(cacheKey));
      }
      const verified = await verification;
      // A shared failure was counted once, by the request that ran it.
      if (!verified && shared) return { ok: false, reason: 'invalid', triedUsername: credentials.username, scheme: 'basic' };
      if (verified) {
        throttle.recordSuccess(credentials.username);
        basicCache.set(cacheKey, nowMs + basicCacheMs);
        pruneOldest(basicCache, maxBasicCacheEntries);
        return { ok: true, principal: { username: user.username, role: user.role, via: 'basic' } };
      }
      throttle.recordFailure(sourceAddress, credentials.username);
      basicRefused.set(cacheKey, nowMs + basicCacheMs);
      pruneOldest(basicRefused, maxBasicCacheEntries);
      return { ok: false, reason: 'invalid', triedUsername: credentials.username, scheme: 'basic' };
    }
    const verdict = throttle.check(sourceAddress, credentials.username);
    if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds, triedUsername: credentials.username, scheme: 'basic' };
    await verifyAgainst(undefined, credentials.password);
    throttle.recordFailure(sourceAddress, credentials.username);
    return { ok: false, reason: 'invalid', triedUsername: credentials.username, scheme: 'basic' };
  };

  return {
    checkPassword,

    async authenticate({ cookieHeader, authorizationHeader, sourceAddress }) {
      const cookieValue = readCookie(cookieHeader, sessionCookieName);
      if (cookieValue !== undefined && cookieValue !== '') {
        const principal = await fromSession(cookieValue);
        if (principal !== undefined) return { ok: true, principal };
        if (authorizationHeader === undefined) return { ok: false, reason: 'expired-session', scheme: 'session' };
      }
      if (authorizationHeader === undefined || authorizationHeader.trim() === '') return { ok: false, reason: 'missing' };
      const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorizationHeader);
      const scheme = match?.[1]?.toLowerCase();
      const value = match?.[2] ?? '';
      if (scheme === 'bearer') {
        const principal = await fromToken(value);
        return principal === undefined ? { ok: false, reason: 'invalid', scheme: 'token' } : { ok: true, principal };
      }
      if (scheme === 'basic') return fromBasic(value, authorizationHeader.trim(), sourceAddress);
      return { ok: false, reason: 'invalid' };
    },

    async createSession(username, sourceAddress) {
      const cookieValue = randomBytes(32).toString('base64url');
      const idSha256 = sha256Hex(cookieValue);
      const created = now();
      const session: StoredSession = {
        idSha256,
        username,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + absoluteMs).toISOString(),
        sourceAddress,
      };
      await store.insertSession(session);
      sessionSeen.set(idSha256, created.getTime());
      // Expired sessions of everyone are swept now and then, at login.
      await store.removeExpiredSessions(created.toISOString()).catch(() => undefined);
      return { cookieValue, session, idSha256 };
    },

    async endSession(idSha256) {
      sessionSeen.delete(idSha256);
      await store.removeSession(idSha256);
    },
  };
}
