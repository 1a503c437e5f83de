/**
 * Sign-in for the web UI (issue 3), at the app root:
 *
 *   GET    /login                  public: the sign-in page (renderLoginPage)
 *   POST   /api/session            public: JSON {username, password} → {username, role, csrfToken}
 *                                  + Set-Cookie; or the page's form → 303 to `next`
 *   GET    /api/session            {username, role, csrfToken | null}
 *   DELETE /api/session            sign out: the session is removed, the cookie cleared (204)
 *   PUT    /api/session/password   {currentPassword, newPassword}: the caller's own password;
 *                                  every session of the user ends, the caller gets a new one
 *
 * Failed sign-ins count in the LoginThrottle per address and per user name: 429
 * AUTH_RATE_LIMITED with Retry-After once exceeded. A form post whose Origin is another
 * site is refused (login CSRF). The password is never logged nor written to the audit.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HashPasswordOptions, hashPassword, type SecurityStore } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { clearedSessionCookie, sessionCookie } from '../auth/cookies.js';
import type { Authenticator } from '../auth/createAuthenticator.js';
import { loginPageCsp, renderLoginPage, safeNextPath } from '../auth/renderLoginPage.js';
import '../auth/routeAccess.js';

export interface SessionRoutesOptions {
  readonly store: SecurityStore;
  readonly authenticator: Authenticator;
  readonly passwordCost?: HashPasswordOptions['cost'];
  readonly now?: () => Date;
}

const formType = 'application/x-www-form-urlencoded';

function stringField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null | undefined)?.[name];
  if (typeof value !== 'string' || value === '') throw new VertebraError('REQUEST_INVALID_PARAMETER', `${name} is missing`, { subject: name });
  return value;
}

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(formType);
}

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * A form post from another site is a login CSRF attempt; an absent Origin is accepted (not a
 * browser, or same origin). The login page's referrer policy is same-origin, not no-referrer:
 * under no-referrer browsers send `Origin: null` with the form post (Fetch, "serializing a
 * request origin"), which this check must refuse.
 */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined || origin === '') return;
  if (origin !== `${request.protocol}://${request.host}`) {
    throw new VertebraError('AUTH_CSRF_FAILED', 'the sign-in came from another site', { subject: 'origin' });
  }
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .status(status)
    .header('content-security-policy', loginPageCsp)
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

export async function registerSessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): Promise<void> {
  const { store, authenticator } = options;
  const now = (): Date => options.now?.() ?? new Date();

  app.addContentTypeParser(formType, { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get<{ Querystring: { next?: string } }>('/login', { config: { permission: 'public' } }, async (request, reply) =>
    sendPage(reply, 200, renderLoginPage({ next: safeNextPath(request.query.next) })),
  );

  app.post('/api/session', { config: { permission: 'public', audit: 'login' } }, async (request, reply) => {
    const form = isForm(request);
    checkOrigin(request);
    const body = request.body;
    const username = stringField(body, 'username').slice(0, 256);
    const password = stringField(body, 'password');
    const next = safeNextPath((body as Record<string, unknown>).next);
    request.auditFacts.note = `user ${JSON.stringify(username.slice(0, 64))}`;
    const checked = await authenticator.checkPassword(username, password, request.ip);
    if (!checked.ok) {
      request.auditFacts.action = 'login';
      request.auditFacts.outcome = 'failure';
      if (checked.throttled) {
        request.auditFacts.note += '; throttled';
        const retryAfter = checked.retryAfterSeconds ?? 60;
        reply.header('retry-after', String(retryAfter));
        if (form) return sendPage(reply, 429, renderLoginPage({ next, username, error: `Too many failed sign-ins. Try again in ${Math.ceil(retryAfter / 60)} minute(s).` }));
        throw new VertebraError('AUTH_RATE_LIMITED', `too many failed sign-ins; try again in ${retryAfter} s`, { subject: 'username' });
      }
      if (form) return sendPage(reply, 401, renderLoginPage({ next, username, error: 'Wrong user name or password.' }));
      throw new VertebraError('AUTH_INVALID_CREDENTIALS', 'wrong user name or password', { subject: 'username' });
    }
    const { user } = checked;
    const { cookieValue, session } = await authenticator.createSession(user.username, request.ip);
    request.auditFacts.actor = user.username;
    request.auditFacts.actorRole = user.role;
    reply.header('set-cookie', sessionCookie(cookieValue, { secure: isSecure(request) })).header('cache-control', 'no-store');
    if (form) return reply.redirect(next, 303);
    return { username: user.username, role: user.role, csrfToken: session.csrfToken };
  });

  app.get('/api/session', { config: { permission: 'self' } }, async (request, reply) => {
    const principal = request.principal!;
    reply.header('cache-control', 'no-store');
    return { username: principal.username, role: principal.role, csrfToken: principal.session?.csrfToken ?? null };
  });

  app.delete('/api/session', { config: { permission: 'self', audit: 'logout' } }, async (request, reply) => {
    const principal = request.principal!;
    if (principal.sessionIdSha256 !== undefined) await authenticator.endSession(principal.sessionIdSha256);
    return reply.status(204).header('set-cookie', clearedSessionCookie({ secure: isSecure(request) })).send();
  });

  app.put('/api/session/password', { config: { permission: 'self', audit: 'user-passwd' } }, async (request, reply) => {
    const principal = request.principal!;
    const currentPassword = stringField(request.body, 'currentPassword');
    const newPassword = stringField(request.body, 'newPassword');
    request.auditFacts.note = `user ${JSON.stringify(principal.username)}`;
    const checked = await authenticator.checkPassword(principal.username, currentPassword, request.ip);
    if (!checked.ok) {
      request.auditFacts.action = 'user-passwd';
      request.auditFacts.outcome = 'failure';
      if (checked.throttled) {
        reply.header('retry-after', String(checked.retryAfterSeconds ?? 60));
        throw new VertebraError('AUTH_RATE_LIMITED', `too many failed attempts; try again in ${checked.retryAfterSeconds ?? 60} s`, { subject: 'currentPassword' });
      }
      throw new VertebraError('AUTH_INVALID_CREDENTIALS', 'the current password is wrong', { subject: 'currentPassword' });
    }
    const passwordHash = await hashPassword(newPassword, { cost: options.passwordCost ?? 'default' });
    // The store ends every session of the user with the change.
    await store.updateUser(principal.username, { passwordHash, updatedAt: now().toISOString() });
    reply.header('cache-control', 'no-store');
    if (principal.via !== 'session') return { username: principal.username, role: principal.role, csrfToken: null };
    const { cookieValue, session } = await authenticator.createSession(principal.username, request.ip);
    reply.header('set-cookie', sessionCookie(cookieValue, { secure: isSecure(request) }));
    return { username: principal.username, role: principal.role, csrfToken: session.csrfToken };
  });
}
