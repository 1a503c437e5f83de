/**
 * WADO-RS (PS3.18 10.4): retrieve studies, series and instances as multipart/related
 * application/dicom, their metadata as application/dicom+json, and frames. Instances come
 * from `archive.listInstances` / `readInstance`; the stored bytes go out byte-identical
 * unless the client asked for Explicit VR Little Endian, in which case @vertebra/dicom
 * transcodes them. Bulk data in metadata points at this server's frame / bulkdata URLs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ArchiveService, DicomJsonDataset, InstanceRecord, InstanceSelector } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { dicomToJson } from '@vertebra/dicom';
import { dicomwebBaseUrl } from './dicomwebBaseUrl.js';
import { multipartRelatedStream, newBoundary, type OutgoingPart } from './multipartRelatedStream.js';
import { negotiateDicomJson } from './negotiateDicomJson.js';
import { ifRangeMatches, parseByteRange } from './parseByteRange.js';
import { planStableMultipartBody, type StableMultipartBody } from './StableMultipartBody.js';
import { mediaRangeMatches, parseAcceptHeader } from '../http/parseAcceptHeader.js';
import { negotiateFrameMediaType, negotiateInstanceTransferSyntax } from './negotiateTransferSyntax.js';
import { readFrameCodestream, readFramePixelBytes, transcodeInstance } from './pixelAccess.js';
import type { VerbatimFrameCache } from './VerbatimFrameCache.js';

export interface WadoParams {
  study: string;
  series?: string;
  instance?: string;
}

export interface WadoRsContext {
  readonly archive: ArchiveService;
  /** Where uncompressed frames can be sent straight from the stored bytes (learnt per blob). */
  readonly frameCache?: VerbatimFrameCache;
}

function describe(selector: InstanceSelector): string {
  if (selector.sopInstanceUid !== undefined) return `instance ${selector.sopInstanceUid} in series ${selector.seriesInstanceUid ?? ''} of study ${selector.studyInstanceUid}`;
  if (selector.seriesInstanceUid !== undefined) return `series ${selector.seriesInstanceUid} in study ${selector.studyInstanceUid}`;
  return `study ${selector.studyInstanceUid}`;
}

export function selectorOf(params: WadoParams): InstanceSelector {
  return {
    studyInstanceUid: params.study,
    ...(params.series !== undefined ? { seriesInstanceUid: params.series } : {}),
    ...(params.instance !== undefined ? { sopInstanceUid: params.instance } : {}),
  };
}

/** The instances a WADO-RS URL names; 404 (ARCHIVE_NOT_FOUND) when there are none. */
export async function findInstances(archive: ArchiveService, params: WadoParams): Promise<readonly InstanceRecord[]> {
  const selector = selectorOf(params);
  const records = await archive.listInstances(selector);
  if (records.length === 0) {
    throw new VertebraError('ARCHIVE_NOT_FOUND', `no ${describe(selector)} in the archive`, { subject: 'WADO-RS' });
  }
  return records;
}

export function instanceUrl(baseUrl: string, record: InstanceRecord): string {
  return `${baseUrl}/studies/${record.studyInstanceUid}/series/${record.seriesInstanceUid}/instances/${record.sopInstanceUid}`;
}

/**
 * GET …/studies/{s}[/series/{se}[/instances/{i}]] — PS3.18 10.4.1.1.1. When every instance goes
 * out as stored, the body is laid out in advance (StableMultipartBody): the response carries
 * Content-Length, a strong ETag and Accept-Ranges, and a single byte range (RFC 9110 14.2,
 * If-Range 13.1.5) is answered 206 with only the instances it touches read; a range past the end
 * is 416. A response with transcoded instances streams as before, without ranges.
 */
export async function handleRetrieve(context: WadoRsContext, request: FastifyRequest<{ Params: WadoParams }>, reply: FastifyReply): Promise<void> {
  const records = await findInstances(context.archive, request.params);
  const plan = negotiateInstanceTransferSyntax(
    request.headers.accept,
    records.map((r) => r.transferSyntaxUid),
  );
  const baseUrl = dicomwebBaseUrl(request);
  const archive = context.archive;
  const chosen = records.map((record) => plan(record.transferSyntaxUid));
  const contentTypeOf = (k: number): string => `application/dicom; transfer-syntax=${chosen[k]?.transferSyntaxUid ?? ''}`;
  if (chosen.every((c) => !c.transcode)) {
    await sendStable(request, reply, planStableMultipartBody(records.map((record, k) => ({
      contentType: contentTypeOf(k),
      contentLocation: instanceUrl(baseUrl, record),
      sizeBytes: record.sizeBytes,
      contentId: record.sha256,
      source: record,
    }))), (record) => archive.readInstance(record));
    return;
  }
  async function* parts(): AsyncGenerator<OutgoingPart> {
    for (const [k, record] of records.entries()) {
      const stored = await archive.readInstance(record);
      const bytes = chosen[k]?.transcode ? await transcodeInstance(stored, `instance ${record.sopInstanceUid}`) : stored;
      yield {
        contentType: contentTypeOf(k),
        contentLocation: instanceUrl(baseUrl, record),
        bytes,
      };
    }
  }
  const boundary = newBoundary();
  reply.status(200).header('content-type', `multipart/related; type="application/dicom"; boundary=${boundary}`);
  await reply.send(multipartRelatedStream(boundary, parts()));
}

/** Sends a laid-out body whole (200) or the one byte range asked for (206 / 416). */
async function sendStable(
  request: FastifyRequest,
  reply: FastifyReply,
  body: StableMultipartBody<InstanceRecord>,
  read: (record: InstanceRecord) => Promise<Uint8Array>,
): Promise<void> {
  const length = body.lengthBytes;
  reply
    .header('content-type', `multipart/related; type="application/dicom"; boundary=${body.boundary}`)
    .header('accept-ranges', 'bytes')
    .header('etag', body.etag);
  const ifRange = request.headers['if-range'];
  const range = ifRangeMatches(typeof ifRange === 'string' ? ifRange : undefined, body.etag)
    ? parseByteRange(request.headers.range, length)
    : ({ kind: 'whole' } as const);
  if (range.kind === 'unsatisfiable') {
    await reply.status(416).header('content-range', `bytes */${length}`).type('text/plain').send(`range not satisfiable: the body is ${length} bytes`);
    return;
  }
  if (range.kind === 'range') {
    reply.status(206).header('content-range', `bytes ${range.first}-${range.last}/${length}`).header('content-length', String(range.last - range.first + 1));
    await reply.send(body.stream(read, range.first, range.last));
    return;
  }
  reply.status(200).header('content-length', String(length));
  await reply.send(body.stream(read));
}

const pixelDataTags = new Set(['7FE00010', '7FE00008', '7FE00009']);

/**
 * Points every BulkDataURI of an instance's metadata at a URL this server answers
 * (PS3.18 F.2.6): Pixel Data → the frames resource listing every frame; other bulk data →
 * the instance's bulkdata resource for that top-level tag.
 */
export function rewriteBulkDataUris(dataset: DicomJsonDataset, url: string, numberOfFrames: number, path: string[] = []): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, attribute] of Object.entries(dataset)) {
    if (attribute.BulkDataURI !== undefined) {
      const frames = Array.from({ length: Math.max(1, numberOfFrames) }, (_, i) => i + 1).join(',');
      const uri = path.length === 0 && pixelDataTags.has(tag) ? `${url}/frames/${frames}` : `${url}/bulkdata/${[...path, tag].join('/')}`;
      out[tag] = { vr: attribute.vr, BulkDataURI: uri };
    } else if (attribute.vr === 'SQ' && Array.isArray(attribute.Value)) {
      out[tag] = {
        vr: 'SQ',
        Value: attribute.Value.map((item, index) => rewriteBulkDataUris(item as DicomJsonDataset, url, numberOfFrames, [...path, tag, String(index + 1)])),
      };
    } else {
      out[tag] = attribute;
    }
  }
  return out;
}

/** GET …/metadata at study, series or instance level — PS3.18 10.4.1.1.2. */
export async function handleMetadata(context: WadoRsContext, request: FastifyRequest<{ Params: WadoParams }>, reply: FastifyReply): Promise<void> {
  negotiateDicomJson(request.headers.accept);
  const records = await findInstances(context.archive, request.params);
  const baseUrl = dicomwebBaseUrl(request);
  const datasets: DicomJsonDataset[] = [];
  for (const record of records) {
    const metadata = await context.archive.readInstanceMetadata(record);
    datasets.push(rewriteBulkDataUris(metadata, instanceUrl(baseUrl, record), record.numberOfFrames));
  }
  await reply.status(200).type('application/dicom+json').send(JSON.stringify(datasets));
}

/** Parses a frame list "1,3,5" (PS3.18 8.3.3.1): 1-based, within the instance. */
export function parseFrameList(text: string, numberOfFrames: number): number[] {
  const frames = text.split(',').map((part) => part.trim());
  const numbers: number[] = [];
  for (const frame of frames) {
    if (!/^[1-9]\d{0,8}$/.test(frame)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `"${frame}" is not a frame number (1-based integers, comma separated)`, { subject: 'frame list' });
    }
    const n = Number(frame);
    if (n > numberOfFrames) {
      throw new VertebraError('DICOM_FRAME_OUT_OF_RANGE', `frame ${n} requested but the instance has ${numberOfFrames} frame(s)`, { subject: 'frame list' });
    }
    numbers.push(n);
  }
  return numbers;
}

/** GET …/instances/{i}/frames/{list} — PS3.18 10.4.1.1.3. */
export async function handleFrames(
  context: WadoRsContext,
  request: FastifyRequest<{ Params: WadoParams & { frames: string } }>,
  reply: FastifyReply,
): Promise<void> {
  const [record] = await findInstances(context.archive, request.params);
  if (record === undefined) return;
  const frames = parseFrameList(request.params.frames, record.numberOfFrames);
  const plan = negotiateFrameMediaType(request.headers.accept, record.transferSyntaxUid);
  const bytes = await context.archive.readInstance(record);
  const url = instanceUrl(dicomwebBaseUrl(request), record);
  const subject = `instance ${record.sopInstanceUid}`;
  const cache = context.frameCache;
  const parts: OutgoingPart[] = [];
  for (const frame of frames) {
    let frameBytes: Uint8Array;
    if (plan.kind === 'original') {
      frameBytes = readFrameCodestream(bytes, frame - 1, subject);
    } else {
      const verbatim = cache?.slice(record.sha256, bytes, frame - 1);
      if (verbatim !== undefined) {
        frameBytes = verbatim;
      } else {
        frameBytes = await readFramePixelBytes(bytes, frame - 1, subject);
        cache?.learn(record.sha256, bytes, record.numberOfFrames, frame - 1, frameBytes);
      }
    }
    parts.push({ contentType: plan.contentType, contentLocation: `${url}/frames/${frame}`, bytes: frameBytes });
  }
  const boundary = newBoundary();
  const type = plan.contentType.split(';')[0] ?? 'application/octet-stream';
  reply.status(200).header('content-type', `multipart/related; type="${type}"; boundary=${boundary}`);
  await reply.send(multipartRelatedStream(boundary, (async function* () { yield* parts; })()));
}

/**
 * GET …/instances/{i}/bulkdata/{tag}[/{item}/{tag}…] — the bulk data values that metadata
 * BulkDataURIs name (PS3.18 10.4.1.1.5), as multipart/related application/octet-stream
 * (or a single application/octet-stream body when only that is accepted). Items are
 * numbered from 1. Values go out as stored.
 */
export async function handleBulkData(
  context: WadoRsContext,
  request: FastifyRequest<{ Params: WadoParams & { '*': string } }>,
  reply: FastifyReply,
): Promise<void> {
  const segments = request.params['*'].split('/').filter((s) => s !== '');
  const valid = segments.length % 2 === 1 && segments.every((s, i) => (i % 2 === 0 ? /^[0-9A-Fa-f]{8}$/.test(s) : /^[1-9]\d{0,6}$/.test(s)));
  if (!valid) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `"${request.params['*']}" is not a bulk data path (TAG or TAG/ITEM/TAG…, items from 1)`, { subject: 'bulkdata path' });
  }
  const wantedPath: string[] = [];
  for (let i = 0; i + 1 < segments.length; i += 2) wantedPath.push(`${(segments[i] as string).toUpperCase()}[${Number(segments[i + 1]) - 1}]`);
  const wantedTag = (segments[segments.length - 1] as string).toUpperCase();
  const [record] = await findInstances(context.archive, request.params);
  if (record === undefined) return;
  const bytes = await context.archive.readInstance(record);
  let found: Uint8Array | undefined;
  dicomToJson(bytes, {
    subject: `instance ${record.sopInstanceUid}`,
    bulkDataUriFor: (tag, where) => {
      if (tag === wantedTag && where.path.length === wantedPath.length && where.path.every((p, i) => p === wantedPath[i]) && where.length !== 0xffffffff) {
        found = bytes.subarray(where.offset, where.offset + where.length);
      }
      return undefined;
    },
  });
  if (found === undefined) {
    throw new VertebraError('ARCHIVE_NOT_FOUND', `instance ${record.sopInstanceUid} has no bulk data at ${request.params['*']}`, { subject: 'WADO-RS' });
  }
  const ranges = parseAcceptHeader(request.headers.accept);
  const multipart = ranges.some((r) => r.mediaType === 'multipart/related' || r.mediaType === '*/*' || r.mediaType === 'multipart/*');
  if (!multipart) {
    if (!ranges.some((r) => mediaRangeMatches(r.mediaType, 'application/octet-stream'))) {
      throw new VertebraError('REQUEST_NOT_ACCEPTABLE', 'bulk data is available as application/octet-stream', { subject: 'Accept header' });
    }
    await reply.status(200).type('application/octet-stream').send(Buffer.from(found.buffer, found.byteOffset, found.byteLength));
    return;
  }
  const boundary = newBoundary();
  const part: OutgoingPart = { contentType: 'application/octet-stream', bytes: found };
  reply.status(200).header('content-type', `multipart/related; type="application/octet-stream"; boundary=${boundary}`);
  await reply.send(multipartRelatedStream(boundary, (async function* () { yield part; })()));
}
