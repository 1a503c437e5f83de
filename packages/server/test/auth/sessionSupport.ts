/** Test-only: signing in over real HTTP and keeping the session cookie, as a browser would. */
import { expect } from 'vitest';

export interface TestSession {
  /** `vertebra_session=…`, for the Cookie header. */
  readonly cookie: string;
  /** The cookie value alone (a secret: it must never reach a log or the audit trail). */
  readonly cookieValue: string;
  readonly csrfToken: string;
  /** The Set-Cookie header as sent. */
  readonly setCookie: string;
}

export function sessionCookieOf(response: Response): { cookie: string; cookieValue: string; setCookie: string } {
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('vertebra_session=')) ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  return { cookie, cookieValue: cookie.slice('vertebra_session='.length), setCookie };
}

export async function login(origin: string, username: string, password: string): Promise<TestSession> {
  const response = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(response.status, `login of ${username}`).toBe(200);
  const body = (await response.json()) as { csrfToken: string };
  return { ...sessionCookieOf(response), csrfToken: body.csrfToken };
}

export async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}
