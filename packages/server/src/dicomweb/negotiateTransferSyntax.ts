/**
 * Accept negotiation for WADO-RS instance and frame retrieval (PS3.18 8.7.3, 8.7.3.5):
 * picks, for the stored transfer syntax, the first acceptable media range in quality
 * order and says whether the stored bytes go out as they are or must be decoded.
 * `transfer-syntax=*` accepts the stored syntax; an absent parameter means the default,
 * Explicit VR Little Endian (Table 8.7.3-2).
 */
import { VertebraError } from '@vertebra/errors';
import { parseAcceptHeader, type AcceptedMediaRange } from '../http/parseAcceptHeader.js';
import { isDecodableTransferSyntax } from '@vertebra/dicom';
import {
  explicitVrLittleEndian,
  frameMediaTypeAliases,
  frameMediaTypeByTransferSyntax,
  uncompressedTransferSyntaxes,
} from './transferSyntaxes.js';

/** Which type= inside multipart/related an Accept range asks for ('' when none). */
function relatedType(range: AcceptedMediaRange): string {
  return (range.parameters.type ?? '').toLowerCase();
}

function notAcceptable(what: string): VertebraError {
  return new VertebraError('REQUEST_NOT_ACCEPTABLE', what, { subject: 'Accept header' });
}

export interface InstancePlan {
  /** Transfer syntax of the bytes sent. */
  readonly transferSyntaxUid: string;
  /** True when the stored object must be transcoded to Explicit VR Little Endian. */
  readonly transcode: boolean;
}

/** Plans the transfer syntax of each stored instance for an application/dicom retrieval. */
export function negotiateInstanceTransferSyntax(accept: string | string[] | undefined, storedSyntaxes: readonly string[]): (stored: string) => InstancePlan {
  const ranges = parseAcceptHeader(accept);
  const candidates: string[] = []; // requested syntaxes in preference order; '*' = as stored
  for (const range of ranges) {
    const type = relatedType(range);
    const isWildcard = range.mediaType === '*/*' || range.mediaType === 'multipart/*';
    const isRelatedDicom = range.mediaType === 'multipart/related' && (type === '' || type === 'application/dicom' || type === 'application/*' || type === '*/*');
    if (!isWildcard && !isRelatedDicom) continue;
    candidates.push(range.parameters['transfer-syntax'] ?? explicitVrLittleEndian);
  }
  if (candidates.length === 0) {
    throw notAcceptable('instances are available as multipart/related; type="application/dicom" only');
  }
  const plan = (stored: string): InstancePlan | null => {
    for (const wanted of candidates) {
      if (wanted === '*' || wanted === stored) return { transferSyntaxUid: stored, transcode: false };
      if (wanted === explicitVrLittleEndian && isDecodableTransferSyntax(stored)) {
        return { transferSyntaxUid: explicitVrLittleEndian, transcode: true };
      }
    }
    return null;
  };
  for (const stored of new Set(storedSyntaxes)) {
    if (plan(stored) === null) {
      throw notAcceptable(`an instance is stored as ${stored} and none of the accepted transfer syntaxes (${candidates.join(', ')}) can be produced from it`);
    }
  }
  return (stored) => plan(stored) as InstancePlan;
}

export interface FramePlan {
  /** 'raw': uncompressed little-endian pixel values; 'original': the stored codestream. */
  readonly kind: 'raw' | 'original';
  /** Content-Type of each part. */
  readonly contentType: string;
}

/** Plans frame retrieval (PS3.18 8.7.3.3.2): uncompressed octet-stream by default, or the stored codestream. */
export function negotiateFrameMediaType(accept: string | string[] | undefined, stored: string): FramePlan {
  const storedMediaType = frameMediaTypeByTransferSyntax[stored];
  const canDecode = isDecodableTransferSyntax(stored);
  const raw: FramePlan = { kind: 'raw', contentType: `application/octet-stream; transfer-syntax=${explicitVrLittleEndian}` };
  for (const range of parseAcceptHeader(accept)) {
    const isWildcard = range.mediaType === '*/*' || range.mediaType === 'multipart/*';
    if (range.mediaType !== 'multipart/related' && !isWildcard) continue;
    const rawType = relatedType(range);
    const type = frameMediaTypeAliases[rawType] ?? rawType;
    const syntax = range.parameters['transfer-syntax'];
    if (isWildcard || type === '' || type === 'application/octet-stream' || type === '*/*') {
      // Uncompressed frames; transfer-syntax absent, '*' or Explicit VR Little Endian.
      if (syntax === undefined || syntax === '*' || syntax === explicitVrLittleEndian || (syntax === stored && uncompressedTransferSyntaxes.has(stored))) {
        if (canDecode) return raw;
      }
      if (syntax !== undefined && syntax === stored && storedMediaType !== undefined && type === '*/*') {
        return { kind: 'original', contentType: `${storedMediaType}; transfer-syntax=${stored}` };
      }
      continue;
    }
    if (storedMediaType === undefined) continue;
    const typeMatches = type === storedMediaType || type === 'image/*';
    if (typeMatches && (syntax === undefined || syntax === '*' || syntax === stored)) {
      return { kind: 'original', contentType: `${storedMediaType}; transfer-syntax=${stored}` };
    }
  }
  throw notAcceptable(
    storedMediaType
      ? `frames of this instance are available as application/octet-stream (Explicit VR Little Endian) or ${storedMediaType} (transfer-syntax=${stored})`
      : 'frames of this instance are available as multipart/related; type="application/octet-stream" only',
  );
}
