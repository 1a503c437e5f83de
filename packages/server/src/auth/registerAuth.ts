/**
 * Authentication and authorization of every HTTP route (issue 3):
 *
 * - An onRoute hook refuses, when the app is built, any route whose options lack
 *   `config.permission` (a Permission or 'public'): no route can be added unguarded.
 * - One onRequest hook authenticates (createAuthenticator: session cookie → Bearer →
 *   Basic), checks the role's permission (403 AUTH_FORBIDDEN) and, for requests that
 *   authenticated by the session cookie, the CSRF synchronizer token of unsafe methods
 *   (header X-CSRF-Token, 403 AUTH_CSRF_FAILED; OWASP CSRF cheat sheet).
 * - Unauthenticated browser navigations (GET/HEAD accepting text/html) are sent to
 *   /login?next=…; everything else gets 401 AUTH_REQUIRED (no credentials) or
 *   AUTH_INVALID_CREDENTIALS. `WWW-Authenticate: Basic` (RFC 7617) is sent only when the
 *   request has neither a session cookie nor X-Requested-With, so the viewer's own
 *   fetches never raise the browser's Basic dialog.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VertebraError } from '@vertebra/errors';
import { readCookie, sessionCookieName } from './cookies.js';
import type { Authenticator } from './createAuthenticator.js';
import { isRoutePermission, roleHasPermission, type RoutePermission } from './permissions.js';
import type { AuditFacts } from './routeAccess.js';

export interface AuthHookOptions {
  readonly authenticator: Authenticator;
}

/** One registered route and what it requires, as the onRoute hook saw it. */
export interface RouteAccessEntry {
  readonly method: string;
  readonly url: string;
  readonly permission: RoutePermission;
  readonly audit: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after registerAuth, with its permission (routeAccessOf). */
    readonly routeAccessList: RouteAccessEntry[];
  }
}

/** The routes of an app built by buildApp and what each requires (for tests and documentation). */
export function routeAccessOf(app: FastifyInstance): readonly RouteAccessEntry[] {
  return app.routeAccessList;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A top-level browser navigation: GET/HEAD that accepts HTML and was not sent by script. */
export function isHtmlNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (request.headers['x-requested-with'] !== undefined) return false;
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function registerAuth(app: FastifyInstance, options: AuthHookOptions): void {
  const { authenticator } = options;
  app.decorateRequest('principal', null);
  app.decorateRequest('auditFacts', null as unknown as AuditFacts);

  const routes: RouteAccessEntry[] = [];
  app.decorate('routeAccessList', routes);
  app.addHook('onRoute', (route) => {
    const config = route.config as { permission?: unknown; audit?: string } | undefined;
    const permission = config?.permission;
    if (!isRoutePermission(permission)) {
      throw new VertebraError('CONFIG_INVALID', `route ${String(route.method)} ${route.url} declares no permission (config.permission)`, { subject: route.url });
    }
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, permission, audit: config?.audit });
  });

  app.addHook('onRequest', async (request, reply) => {
    request.principal = null;
    request.auditFacts = {};
    if (request.is404) return;
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    if (permission === undefined) throw new VertebraError('AUTH_FORBIDDEN', 'this route declares no permission', { subject: request.url.split('?')[0] ?? '' });

    const outcome = await authenticator.authenticate({
      cookieHeader: request.headers.cookie,
      authorizationHeader: request.headers.authorization,
      sourceAddress: request.ip,
    });
    if (!outcome.ok) {
      if (outcome.triedUsername !== undefined) {
        // A wrong Basic password is a failed login: written as such, the name tried in detail.
        request.auditFacts.action = 'login';
        request.auditFacts.outcome = 'failure';
        request.auditFacts.note = `HTTP Basic${outcome.reason === 'throttled' ? ' (throttled)' : ''}; user ${JSON.stringify(outcome.triedUsername.slice(0, 64))}`;
      }
      if (outcome.reason === 'throttled') {
        reply.header('retry-after', String(outcome.retryAfterSeconds ?? 60));
        throw new VertebraError('AUTH_RATE_LIMITED', `too many failed sign-ins; try again in ${outcome.retryAfterSeconds ?? 60} s`, { subject: 'authorization' });
      }
      if (isHtmlNavigation(request)) {
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      }
      const hasSessionCookie = readCookie(request.headers.cookie, sessionCookieName) !== undefined;
      if (!hasSessionCookie && request.headers['x-requested-with'] === undefined) {
        reply.header('www-authenticate', 'Basic realm="Vertebra", charset="UTF-8"');
      }
      if (outcome.reason === 'invalid') throw new VertebraError('AUTH_INVALID_CREDENTIALS', 'the user name, password or token is not valid', { subject: 'authorization' });
      if (outcome.reason === 'expired-session') throw new VertebraError('AUTH_REQUIRED', 'the session has ended; sign in again', { subject: 'authorization' });
      throw new VertebraError('AUTH_REQUIRED', 'sign in, or send HTTP Basic credentials or a bearer token', { subject: 'authorization' });
    }

    const principal = outcome.principal;
    request.principal = principal;
    if (!roleHasPermission(principal.role, permission)) {
      throw new VertebraError('AUTH_FORBIDDEN', `the role ${principal.role} may not do this (needs ${permission})`, { subject: principal.username });
    }
    if (principal.via === 'session' && !safeMethods.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      const expected = principal.session?.csrfToken ?? '';
      if (typeof sent !== 'string' || expected === '' || !sameSecret(sent, expected)) {
        throw new VertebraError('AUTH_CSRF_FAILED', 'a request signed in by the session cookie must send the session\'s X-CSRF-Token header', { subject: 'x-csrf-token' });
      }
    }
  });
}
