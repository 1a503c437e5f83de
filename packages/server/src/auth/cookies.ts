/**
 * The session cookie (RFC 6265): reads one cookie from the Cookie header and writes the
 * Set-Cookie value with HttpOnly, SameSite=Strict, Path=/ and Secure when the request
 * came over TLS. Parsed here rather than with a plugin: only one cookie matters.
 */

export const sessionCookieName = 'vertebra_session';

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

export function sessionCookie(value: string, options: { readonly secure: boolean }): string {
  return `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(options: { readonly secure: boolean }): string {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${options.secure ? '; Secure' : ''}`;
}
