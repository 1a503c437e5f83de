/**
 * The Range request header of a GET (RFC 9110 14.2) for one representation of `lengthBytes`
 * bytes, reduced to what this server honours: a single byte range (RFC 9110 14.1.2: `first-last`,
 * `first-` or the suffix `-n`). Several ranges, another unit or a header that does not parse are
 * ignored (the whole representation goes out with 200, as RFC 9110 14.2 allows); a single range
 * that starts past the end is unsatisfiable (416, RFC 9110 15.5.17).
 */

export type ByteRangeRequest =
  | { readonly kind: 'whole' }
  | { readonly kind: 'unsatisfiable' }
  /** Inclusive byte positions, as in Content-Range. */
  | { readonly kind: 'range'; readonly first: number; readonly last: number };

const singleRange = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

export function parseByteRange(header: string | undefined, lengthBytes: number): ByteRangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = singleRange.exec(header);
  if (match === null) return { kind: 'whole' };
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return { kind: 'whole' };
  if (firstText === '') {
    // Suffix range: the last n bytes (RFC 9110 14.1.3); -0 is unsatisfiable.
    const suffix = Number(lastText);
    if (suffix === 0 || lengthBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', first: Math.max(0, lengthBytes - suffix), last: lengthBytes - 1 };
  }
  const first = Number(firstText);
  const last = lastText === '' ? Number.MAX_SAFE_INTEGER : Number(lastText);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return { kind: 'whole' }; // invalid: ignored
  if (first >= lengthBytes) return { kind: 'unsatisfiable' };
  return { kind: 'range', first, last: Math.min(last, lengthBytes - 1) };
}

/**
 * Whether an If-Range precondition (RFC 9110 13.1.5) lets the range through: absent, or the
 * strong entity tag of the current representation (strong comparison). A date or a weak or
 * other tag sends the whole representation.
 */
export function ifRangeMatches(header: string | undefined, strongEtag: string): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  return !value.startsWith('W/') && value === strongEtag;
}
