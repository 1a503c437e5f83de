/**
 * WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.4 / 10.4.1.1.5, query
 * parameters 8.3.5.1): one frame, decoded by @vertebra/dicom, rescaled, windowed and
 * encoded as image/jpeg (default) or image/png. Multi-frame instances render their first
 * frame at instance level. Thumbnails pick the middle instance of the (first) series.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ArchiveService, InstanceRecord } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { mediaRangeMatches, parseAcceptHeader } from '../http/parseAcceptHeader.js';
import { firstString, numbers } from './dicomJsonAttributes.js';
import { readFramePixels } from './pixelAccess.js';
import { renderFrame, type VoiFunction, type Window } from './renderFrame.js';
import { findInstances, parseFrameList, type WadoParams } from './wadoRs.js';

type QueryValue = string | string[] | undefined;

export interface RenderedRsContext {
  readonly archive: ArchiveService;
}

interface RenderParameters {
  window: Window | null;
  viewport: { width: number; height: number } | null;
  region: { left: number; top: number; width: number; height: number } | null;
  quality: number;
}

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

/** PS3.18 8.3.5.1: quality, viewport, window; annotation, iccprofile and charset are refused. */
export function parseRenderParameters(query: Readonly<Record<string, QueryValue>>, allowed: ReadonlySet<string>): RenderParameters {
  const result: RenderParameters = { window: null, viewport: null, region: null, quality: 90 };
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.has(name)) {
      throw invalid(name, `is not supported on this resource (supported: ${[...allowed].join(', ')})`);
    }
    const text = single(name, value);
    if (name === 'quality') {
      if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) throw invalid(name, `must be an integer 1–100, got "${text}"`);
      result.quality = Number(text);
    } else if (name === 'viewport') {
      const parts = text.split(',');
      if (parts.length !== 2 && parts.length !== 6) throw invalid(name, `must be "vw,vh" or "vw,vh,sx,sy,sw,sh", got "${text}"`);
      const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
      const [vw = NaN, vh = NaN, sx = 0, sy = 0, sw = 0, sh = 0] = values;
      const positive = (v: number): boolean => Number.isInteger(v) && v > 0 && v <= 16384;
      if (!positive(vw) || !positive(vh)) throw invalid(name, `viewport width and height must be integers 1–16384, got "${text}"`);
      result.viewport = { width: vw, height: vh };
      if (parts.length === 6) {
        if (![sx, sy].every((v) => Number.isInteger(v) && v >= 0) || !positive(sw) || !positive(sh)) {
          throw invalid(name, 'the source region sx,sy,sw,sh must be non-negative integers with sw, sh > 0 (flipping is not supported)');
        }
        result.region = { left: sx, top: sy, width: sw, height: sh };
      }
    } else if (name === 'window') {
      const parts = text.split(',');
      if (parts.length !== 2 && parts.length !== 3) throw invalid(name, `must be "center,width,function", got "${text}"`);
      const center = Number(parts[0]);
      const width = Number(parts[1]);
      const fnText = (parts[2] ?? 'linear').trim().toLowerCase();
      if (!Number.isFinite(center) || !Number.isFinite(width) || parts[0]?.trim() === '' || parts[1]?.trim() === '') {
        throw invalid(name, `center and width must be numbers, got "${text}"`);
      }
      if (fnText !== 'linear' && fnText !== 'linear-exact' && fnText !== 'sigmoid') {
        throw invalid(name, `function must be linear, linear-exact or sigmoid, got "${fnText}"`);
      }
      const fn = fnText as VoiFunction;
      if (fn === 'linear' ? width < 1 : width <= 0) throw invalid(name, `width must be ${fn === 'linear' ? '≥ 1' : '> 0'}, got ${width}`);
      result.window = { center, width, fn };
    }
  }
  return result;
}

/** image/jpeg (the PS3.18 default for single frames) or image/png from the Accept header. */
export function negotiateRenderedMediaType(accept: string | string[] | undefined): 'image/png' | 'image/jpeg' {
  for (const range of parseAcceptHeader(accept)) {
    if (mediaRangeMatches(range.mediaType, 'image/jpeg')) return 'image/jpeg';
    if (mediaRangeMatches(range.mediaType, 'image/png')) return 'image/png';
  }
  throw new VertebraError('REQUEST_NOT_ACCEPTABLE', 'rendered images are available as image/jpeg or image/png', { subject: 'Accept header' });
}

const renderedParameters: ReadonlySet<string> = new Set(['window', 'viewport', 'quality']);
const thumbnailParameters: ReadonlySet<string> = new Set(['viewport', 'quality']);

async function renderRecord(
  archive: ArchiveService,
  record: InstanceRecord,
  frame: number,
  options: RenderParameters & { mediaType: 'image/png' | 'image/jpeg' },
): Promise<Buffer> {
  const [metadata, bytes] = await Promise.all([archive.readInstanceMetadata(record), archive.readInstance(record)]);
  const pixels = await readFramePixels(bytes, frame - 1, `instance ${record.sopInstanceUid}`);
  const storedCenter = numbers(metadata, '00281050')[0];
  const storedWidth = numbers(metadata, '00281051')[0];
  const storedFn = firstString(metadata, '00281056').toLowerCase().replace('_', '-');
  const storedWindow: Window | null =
    storedCenter !== undefined && storedWidth !== undefined && storedWidth >= 1
      ? { center: storedCenter, width: storedWidth, fn: storedFn === 'sigmoid' || storedFn === 'linear-exact' ? storedFn : 'linear' }
      : null;
  return renderFrame({
    pixels,
    rescaleSlope: pixels.rescaleSlope,
    rescaleIntercept: pixels.rescaleIntercept,
    photometricInterpretation: pixels.photometricInterpretation,
    window: options.window ?? storedWindow,
    mediaType: options.mediaType,
    viewport: options.viewport,
    region: options.region,
    quality: options.quality,
  });
}

/** GET …/instances/{i}/rendered and …/frames/{f}/rendered. */
export async function handleRendered(
  context: RenderedRsContext,
  request: FastifyRequest<{ Params: WadoParams & { frames?: string }; Querystring: Record<string, QueryValue> }>,
  reply: FastifyReply,
): Promise<void> {
  const mediaType = negotiateRenderedMediaType(request.headers.accept);
  const parameters = parseRenderParameters(request.query, renderedParameters);
  const [record] = await findInstances(context.archive, request.params);
  if (record === undefined) return;
  let frame = 1;
  if (request.params.frames !== undefined) {
    const frames = parseFrameList(request.params.frames, record.numberOfFrames);
    if (frames.length !== 1) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', 'rendered frames are served one at a time; give a single frame number', { subject: 'frame list' });
    }
    frame = frames[0] as number;
  }
  const image = await renderRecord(context.archive, record, frame, { ...parameters, mediaType });
  await reply.status(200).type(mediaType).send(image);
}

/** GET …/studies/{s}[/series/{se}[/instances/{i}]]/thumbnail: a small rendering of a representative frame. */
export async function handleThumbnail(
  context: RenderedRsContext,
  request: FastifyRequest<{ Params: WadoParams; Querystring: Record<string, QueryValue> }>,
  reply: FastifyReply,
): Promise<void> {
  const mediaType = negotiateRenderedMediaType(request.headers.accept);
  const parameters = parseRenderParameters(request.query, thumbnailParameters);
  const records = await findInstances(context.archive, request.params);
  const firstSeries = records[0]?.seriesInstanceUid;
  const ofSeries = records.filter((r) => r.seriesInstanceUid === firstSeries);
  const record = ofSeries[Math.floor(ofSeries.length / 2)] ?? records[0];
  if (record === undefined) return;
  const frame = Math.max(1, Math.ceil(record.numberOfFrames / 2));
  const image = await renderRecord(context.archive, record, frame, {
    ...parameters,
    viewport: parameters.viewport ?? { width: 128, height: 128 },
    mediaType,
  });
  await reply.status(200).type(mediaType).send(image);
}
