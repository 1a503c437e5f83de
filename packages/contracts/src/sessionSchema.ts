/**
 * Shapes of the session API (issue 3): `GET /api/session` tells the viewer who is signed in
 * and the synchronizer token it must echo in `X-CSRF-Token` on unsafe methods
 * (OWASP CSRF Prevention: synchronizer token pattern). `csrfToken` is null when the request
 * was authenticated by a bearer token or HTTP Basic rather than the session cookie.
 */
export interface SessionInfo {
  readonly username: string;
  /** admin, radiologist, surgeon, technologist or researcher. */
  readonly role: string;
  readonly csrfToken: string | null;
}

/** Header the viewer sends so that a 401 never triggers the browser's Basic-auth dialog. */
export const xhrMarkerHeader = { 'x-requested-with': 'XMLHttpRequest' } as const;
export const csrfHeaderName = 'x-csrf-token';
