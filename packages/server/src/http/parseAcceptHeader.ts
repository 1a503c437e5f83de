/**
 * Parses an HTTP Accept header (RFC 9110 12.5.1) into media ranges with their parameters,
 * ordered by quality (q) and then by position. DICOMweb adds the `type` and
 * `transfer-syntax` parameters to multipart/related ranges (PS3.18 8.7.3).
 */

export interface AcceptedMediaRange {
  /** Lower-case type/subtype, e.g. 'multipart/related', 'image/*', '*\/*'. */
  readonly mediaType: string;
  /** Lower-case parameter names; values unquoted (case kept). q is removed. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly quality: number;
}

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

/** Parses one media type with parameters, e.g. `multipart/related; type="application/dicom"`. */
export function parseMediaType(text: string): { mediaType: string; parameters: Record<string, string> } {
  const [head = '', ...params] = splitOutsideQuotes(text, ';');
  const parameters: Record<string, string> = {};
  for (const raw of params) {
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const name = raw.slice(0, eq).trim().toLowerCase();
    let value = raw.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name) parameters[name] = value;
  }
  return { mediaType: head.trim().toLowerCase(), parameters };
}

/** An absent or empty header means '*\/*' (RFC 9110 12.5.1). */
export function parseAcceptHeader(header: string | string[] | undefined): AcceptedMediaRange[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (text.trim() === '') return [{ mediaType: '*/*', parameters: {}, quality: 1 }];
  const ranges = splitOutsideQuotes(text, ',')
    .map((entry, index) => {
      const { mediaType, parameters } = parseMediaType(entry);
      const q = parameters.q === undefined ? 1 : Number(parameters.q);
      delete parameters.q;
      return { mediaType, parameters, quality: Number.isFinite(q) ? q : 0, index };
    })
    .filter((range) => range.mediaType !== '' && range.quality > 0);
  ranges.sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranges.map(({ mediaType, parameters, quality }) => ({ mediaType, parameters, quality }));
}

/** True when `range` (possibly with wildcards) covers the concrete media type. */
export function mediaRangeMatches(range: string, mediaType: string): boolean {
  if (range === '*/*' || range === mediaType) return true;
  if (range.endsWith('/*')) return mediaType.startsWith(range.slice(0, -1));
  return false;
}
