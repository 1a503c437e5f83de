/**
 * The sign-in page served at GET /login: one self-contained HTML document (inline CSS,
 * no script, no external resource) whose form posts username, password and the escaped
 * `next` path to POST /api/session. Every value written into the page is HTML-escaped.
 */

export interface LoginPageOptions {
  /** Where to go after signing in; written only when it is a same-origin absolute path. */
  readonly next?: string;
  readonly username?: string;
  /** Message shown above the form (failed sign-in, too many attempts). */
  readonly error?: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A same-origin absolute path ('/…', not '//…' nor '/\…', no control characters), else '/'. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}

/** Content-Security-Policy of the page: nothing but its own inline style and a form posting to this origin. */
export const loginPageCsp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function renderLoginPage(options: LoginPageOptions = {}): string {
  const next = safeNextPath(options.next);
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Sign in · Vertebra</title>
<style>
  :root { color-scheme: dark; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: #111418; color: #e6e8eb; font: 15px/1.4 system-ui, sans-serif; }
  form { width: 20rem; padding: 2rem; background: #1b1f24; border: 1px solid #2c323a; border-radius: 8px; }
  h1 { margin: 0 0 1.25rem; font-size: 1.3rem; font-weight: 600; }
  label { display: block; margin: 0.75rem 0 0.25rem; color: #aab2bd; }
  input { box-sizing: border-box; width: 100%; padding: 0.5rem; background: #0d1014; color: inherit; border: 1px solid #3a414b; border-radius: 4px; font: inherit; }
  input:focus { outline: 2px solid #4f8cc9; border-color: transparent; }
  button { margin-top: 1.25rem; width: 100%; padding: 0.6rem; background: #2f6fae; color: #fff; border: 0; border-radius: 4px; font: inherit; cursor: pointer; }
  button:hover { background: #3a7fc2; }
  .error { margin: 0 0 0.5rem; padding: 0.5rem; background: #4a1d1d; border-radius: 4px; color: #ffd6d6; }
</style>
</head>
<body>
<form method="post" action="/api/session">
<h1>Vertebra</h1>
${error}
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
