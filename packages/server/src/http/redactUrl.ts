/**
 * A request URL as it may be written to logs and the audit trail (issue 3: no secrets in
 * logs): query parameters whose names look secret (password, token, key, session, csrf,
 * auth, cookie, secret) are dropped. Vertebra never takes credentials in the URL, but a
 * client might put them there.
 */

const secretParameter = /pass|token|secret|key|auth|session|csrf|cookie/i;

export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const path = url.slice(0, question);
  const kept = [...new URLSearchParams(url.slice(question + 1))].filter(([name]) => !secretParameter.test(name));
  const query = new URLSearchParams(kept).toString();
  return query === '' ? path : `${path}?${query}`;
}
