/**
 * STOW-RS (PS3.18 10.5): POST /studies[/{study}] with a multipart/related body of
 * application/dicom parts. Each part goes, as it arrives, to `archive.ingest` — the one
 * ingest path; this module only converts the request and builds the response dataset
 * (PS3.18 10.5.3, Table 10.5.3-1): ReferencedSOPSequence for stored instances (with
 * WarningReason B000 and the Vertebra notes where ingest assumed something),
 * FailedSOPSequence with FailureReason from the error catalogue's DIMSE status.
 * HTTP status: 200 all stored, 202 some failed, 409 none stored. Up to 16 parts (256 MiB)
 * are ingested concurrently while the body streams in; the response keeps part order.
 * Parts are joined into reused buffers (PartBufferPool), each given back when its ingest settled.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ArchiveService, DicomJsonDataset, IngestResult } from '@vertebra/archive';
import { errorCatalogue, isVertebraError, DimseStatus, VertebraError, type ErrorCode } from '@vertebra/errors';
import { readDicomHeader } from '@vertebra/dicom';
import { parseMediaType } from '../http/parseAcceptHeader.js';
import { readMultipartRelated, type MultipartRelatedPart } from './readMultipartRelated.js';
import { sharedPartBufferPool } from './PartBufferPool.js';
import { sqAttr, uiAttr, urAttr, usAttr, vertebraNotes } from './dicomJsonAttributes.js';
import { dicomwebBaseUrl } from './dicomwebBaseUrl.js';

export interface StowLimits {
  readonly maxRequestBytes: number;
  readonly maxPartBytes: number;
  readonly maxInstancesPerRequest: number;
}

interface PartFailure {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly failureReason: number;
  readonly code: string;
  readonly message: string;
}

function failureFrom(code: ErrorCode, message: string, uids: { sopClassUid?: string; sopInstanceUid?: string } = {}): PartFailure {
  return {
    sopClassUid: uids.sopClassUid ?? '',
    sopInstanceUid: uids.sopInstanceUid ?? '',
    failureReason: errorCatalogue[code].dimseStatus,
    code,
    message,
  };
}

/** The header UIDs of a part, or null when it cannot be read (ingest then says why). */
function peekUids(bytes: Uint8Array): { studyInstanceUid: string; sopClassUid: string; sopInstanceUid: string } | null {
  try {
    const header = readDicomHeader(bytes);
    return { studyInstanceUid: header.studyInstanceUid, sopClassUid: header.sopClassUid, sopInstanceUid: header.sopInstanceUid };
  } catch {
    return null;
  }
}

type PartOutcome = { readonly result: IngestResult } | { readonly failure: PartFailure };

/** Parts being ingested at once within one request, and the bytes they may hold together. */
const maxPartsInFlight = 16;
const maxBytesInFlight = 256 * 1024 * 1024;

export interface StowRsContext {
  readonly archive: ArchiveService;
  readonly limits: StowLimits;
}

export async function handleStowRs(
  context: StowRsContext,
  request: FastifyRequest<{ Params: { study?: string } }>,
  reply: FastifyReply,
): Promise<void> {
  const { archive, limits } = context;
  const pathStudyUid = request.params.study;
  const contentType = request.headers['content-type'] ?? '';
  const { mediaType, parameters } = parseMediaType(contentType);
  if (mediaType !== 'multipart/related') {
    throw new VertebraError('REQUEST_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be multipart/related; type="application/dicom", got "${mediaType}"`, {
      subject: 'STOW-RS request',
    });
  }
  const partType = (parameters.type ?? 'application/dicom').toLowerCase();
  if (partType !== 'application/dicom') {
    throw new VertebraError('REQUEST_UNSUPPORTED_MEDIA_TYPE', `only type="application/dicom" is supported, got type="${partType}"`, {
      subject: 'STOW-RS request',
    });
  }
  const boundary = parameters.boundary;
  if (!boundary) {
    throw new VertebraError('REQUEST_MALFORMED_MULTIPART', 'the Content-Type has no boundary parameter', { subject: 'STOW-RS request' });
  }
  const declaredLength = Number(request.headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > limits.maxRequestBytes) {
    throw new VertebraError(
      'REQUEST_BODY_TOO_LARGE',
      `Content-Length ${declaredLength} is larger than the limit of ${limits.maxRequestBytes} bytes (maxRequestBytes); nothing was stored`,
      { subject: 'STOW-RS request', details: { limitBytes: limits.maxRequestBytes } },
    );
  }

  const body = request.body as AsyncIterable<Uint8Array>;
  const remoteAddress = request.ip;

  /** One part → its outcome; never rejects. */
  const processPart = async (part: MultipartRelatedPart): Promise<PartOutcome> => {
    const label = `part ${part.index} of the STOW-RS request`;
    if (part.mediaType !== '' && part.mediaType !== 'application/dicom') {
      return { failure: failureFrom('REQUEST_UNSUPPORTED_MEDIA_TYPE', `${label}: media type "${part.mediaType}" is not application/dicom`) };
    }
    if (pathStudyUid !== undefined) {
      const uids = peekUids(part.bytes);
      if (uids !== null && uids.studyInstanceUid !== pathStudyUid) {
        // PS3.18 10.5.1: an instance outside the target study is not stored.
        return {
          failure: {
            sopClassUid: uids.sopClassUid,
            sopInstanceUid: uids.sopInstanceUid,
            failureReason: DimseStatus.dataSetDoesNotMatchSopClass,
            code: 'REQUEST_INVALID_PARAMETER',
            message: `${label}: Study Instance UID "${uids.studyInstanceUid}" differs from the study in the request URL "${pathStudyUid}"`,
          },
        };
      }
    }
    try {
      const result = await archive.ingest({
        bytes: part.bytes,
        source: { kind: 'stow-rs', label, ...(remoteAddress ? { remoteAddress } : {}) },
      });
      if (result.outcome !== 'rejected') return { result };
      return { failure: failureFrom(result.error?.code ?? 'INTERNAL', result.error?.message ?? `${label}: rejected`, result) };
    } catch (error) {
      if (isVertebraError(error)) return { failure: failureFrom(error.code, error.message) };
      request.log.error({ err: error, part: part.index }, 'STOW-RS ingest failed unexpectedly');
      return { failure: failureFrom('INTERNAL', `${label}: an internal error occurred; the server log has the details`) };
    }
  };

  // Parts are ingested while the next ones arrive, a bounded window at a time, so the
  // archive can commit several together; the response keeps the request's order.
  const outcomes: Promise<PartOutcome>[] = [];
  const window: { done: Promise<PartOutcome>; bytes: number }[] = [];
  let windowBytes = 0;
  try {
    for await (const part of readMultipartRelated({
      body,
      boundary,
      maxRequestBytes: limits.maxRequestBytes,
      maxPartBytes: limits.maxPartBytes,
      maxParts: limits.maxInstancesPerRequest,
      pool: sharedPartBufferPool, // a part's buffer returns once its ingest settled
    })) {
      // processPart never rejects; once it settled nothing reads the part's bytes (IngestRequest.bytes).
      const done = processPart(part).finally(part.release);
      outcomes.push(done);
      window.push({ done, bytes: part.bytes.length });
      windowBytes += part.bytes.length;
      while (window.length >= maxPartsInFlight || windowBytes > maxBytesInFlight) {
        const oldest = window.shift();
        if (oldest === undefined) break;
        await oldest.done;
        windowBytes -= oldest.bytes;
      }
    }
  } finally {
    // Whatever happens to the request, no ingest is left running unobserved.
    await Promise.all(outcomes);
  }
  const stored: { result: IngestResult }[] = [];
  const failed: PartFailure[] = [];
  for (const outcome of await Promise.all(outcomes)) {
    if ('result' in outcome) stored.push({ result: outcome.result });
    else failed.push(outcome.failure);
  }

  if (stored.length === 0 && failed.length === 0) {
    throw new VertebraError('REQUEST_MALFORMED_MULTIPART', 'the body has no parts', { subject: 'STOW-RS request' });
  }
  const baseUrl = dicomwebBaseUrl(request);
  const response: DicomJsonDataset = {};
  const studyUids = new Set(stored.map((s) => s.result.studyInstanceUid));
  const studyForUrl = pathStudyUid ?? (studyUids.size === 1 ? [...studyUids][0] : undefined);
  if (studyForUrl) response['00081190'] = urAttr(`${baseUrl}/studies/${studyForUrl}`);
  if (failed.length > 0) {
    response['00081198'] = sqAttr(
      failed.map((f) => ({
        '00081150': uiAttr(f.sopClassUid),
        '00081155': uiAttr(f.sopInstanceUid),
        '00081197': usAttr(f.failureReason),
        ...vertebraNotes([{ code: f.code, message: f.message }]),
      })),
    );
  }
  if (stored.length > 0) {
    response['00081199'] = sqAttr(
      stored.map(({ result }) => {
        const notes = [
          ...(result.outcome === 'duplicate' ? [{ code: 'DUPLICATE', message: `${result.label}: already stored, identical; nothing changed` }] : []),
          ...result.warnings.map((w) => ({ code: w.code, message: w.message })),
        ];
        return {
          '00081150': uiAttr(result.sopClassUid),
          '00081155': uiAttr(result.sopInstanceUid),
          '00081190': urAttr(`${baseUrl}/studies/${result.studyInstanceUid}/series/${result.seriesInstanceUid}/instances/${result.sopInstanceUid}`),
          ...(result.warnings.length > 0 ? { '00081196': usAttr(DimseStatus.warningCoercion) } : {}),
          ...vertebraNotes(notes),
        };
      }),
    );
  }
  const status = failed.length === 0 ? 200 : stored.length > 0 ? 202 : 409;
  await reply.status(status).type('application/dicom+json').send(JSON.stringify(response));
}
