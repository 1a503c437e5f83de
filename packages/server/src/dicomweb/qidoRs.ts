/**
 * QIDO-RS (PS3.18 10.6): search for studies, series and instances. This module turns the
 * URL (path UIDs and query parameters, PS3.18 8.3.4) into one `archive.query` call — the
 * query path shared with C-FIND — and the rows into an application/dicom+json array.
 * `limit`/`offset` page the result; when rows were left out the response carries a
 * Warning header (PS3.18 8.3.4.4). No match → 200 with an empty array.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ArchiveService, QueryLevel } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { negotiateDicomJson } from './negotiateDicomJson.js';

export interface QidoRoute {
  readonly level: QueryLevel;
}

type QueryValue = string | string[] | undefined;

function invalid(parameter: string, message: string): VertebraError {
  return new VertebraError('REQUEST_INVALID_PARAMETER', message, { subject: `query parameter "${parameter}"` });
}

function single(name: string, value: QueryValue): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalid(name, 'must be given once');
    return value[0] as string;
  }
  return value ?? '';
}

function nonNegativeInteger(name: string, value: QueryValue): number {
  const text = single(name, value);
  if (!/^\d{1,9}$/.test(text)) throw invalid(name, `must be a non-negative integer, got "${text}"`);
  return Number(text);
}

/** PS3.18 8.3.4: query parameters → QueryRequest fields (without path UIDs). */
export function parseQidoQuery(query: Readonly<Record<string, QueryValue>>): {
  match: Record<string, string>;
  includeFields: string[];
  fuzzyMatching: boolean;
  limit: number | undefined;
  offset: number | undefined;
} {
  const match: Record<string, string> = {};
  const includeFields: string[] = [];
  let fuzzyMatching = false;
  let limit: number | undefined;
  let offset: number | undefined;
  for (const [rawName, value] of Object.entries(query)) {
    const name = rawName.toLowerCase();
    if (name === 'includefield') {
      // Keywords, tags or 'all', repeatable and comma separated; the archive resolves them.
      const values = Array.isArray(value) ? value : [value ?? ''];
      includeFields.push(...values.flatMap((v) => v.split(',')).map((f) => f.trim()).filter((f) => f !== ''));
    } else if (name === 'limit') {
      limit = nonNegativeInteger(rawName, value);
    } else if (name === 'offset') {
      offset = nonNegativeInteger(rawName, value);
    } else if (name === 'fuzzymatching') {
      const text = single(rawName, value);
      if (text !== 'true' && text !== 'false') throw invalid(rawName, `must be "true" or "false", got "${text}"`);
      fuzzyMatching = text === 'true';
    } else {
      // Keyword or tag; the archive resolves it and rejects keys it cannot match (400 naming the key).
      const values = Array.isArray(value) ? value : [value ?? ''];
      // A repeated key means any of its values (PS3.4 C.2.2.2.8 multiple value matching).
      match[rawName] = values.join('\\');
    }
  }
  return { match, includeFields, fuzzyMatching, limit, offset };
}

export interface QidoRsContext {
  readonly archive: ArchiveService;
}

export async function handleQidoRs(
  context: QidoRsContext,
  level: QueryLevel,
  request: FastifyRequest<{ Params: { study?: string; series?: string }; Querystring: Record<string, QueryValue> }>,
  reply: FastifyReply,
): Promise<void> {
  negotiateDicomJson(request.headers.accept);
  const parsed = parseQidoQuery(request.query);
  const match = { ...parsed.match };
  if (request.params.study !== undefined) match.StudyInstanceUID = request.params.study;
  if (request.params.series !== undefined) match.SeriesInstanceUID = request.params.series;
  const result = await context.archive.query({
    level,
    match,
    ...(parsed.includeFields.length > 0 ? { includeFields: parsed.includeFields } : {}),
    fuzzyMatching: parsed.fuzzyMatching,
    ...(parsed.limit !== undefined ? { limit: parsed.limit } : {}),
    ...(parsed.offset !== undefined ? { offset: parsed.offset } : {}),
  });
  if (result.truncated) {
    reply.header('warning', `299 ${request.host}: "There are additional results that can be requested"`);
  }
  await reply.status(200).type('application/dicom+json').send(JSON.stringify(result.rows));
}
