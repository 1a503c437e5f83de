/**
 * extractSingleFramePart: the frame of a one-part WADO-RS frames response (PS3.18 8.7.3.3.2,
 * RFC 2046 5.1.1) is cut out from the part headers and Content-Length, or from the close
 * delimiter when there is no Content-Length; pixel bytes that look like a delimiter do not
 * confuse it; parts that are not application/octet-stream are left to the regular loader.
 */
import { describe, expect, it } from 'vitest';
import { extractSingleFramePart } from '../src/dicomweb/extractSingleFramePart.js';

const boundary = 'vertebra-0f3a';
const contentType = `multipart/related; type="application/octet-stream"; boundary=${boundary}`;

function body(pixels: Uint8Array, headers: string[], preamble = ''): Uint8Array {
  const head = new TextEncoder().encode(`${preamble}--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`);
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const out = new Uint8Array(head.length + pixels.length + tail.length);
  out.set(head, 0);
  out.set(pixels, head.length);
  out.set(tail, head.length + pixels.length);
  return out;
}

// Pixel bytes that contain the delimiter text itself: only a parser that trusts the scan would cut here.
const tricky = new TextEncoder().encode(`ab\r\n--${boundary}\r\ncd`);
const pixels = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
pixels.set(tricky, 100);

describe('extractSingleFramePart', () => {
  it('takes the part by its Content-Length, with the transfer syntax of the part', () => {
    const part = extractSingleFramePart(body(pixels, ['Content-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', `Content-Length: ${pixels.length}`, 'Content-Location: /x/frames/1']), contentType);
    expect(part?.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect([...(part?.pixelData ?? [])]).toEqual([...pixels]);
  });

  it('without Content-Length, ends the part at the close delimiter (after a preamble too)', () => {
    const part = extractSingleFramePart(body(pixels, ['Content-Type: application/octet-stream'], '\r\n'), contentType);
    expect(part?.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect([...(part?.pixelData ?? [])]).toEqual([...pixels]);
  });

  it('leaves compressed or untyped parts and broken bodies to the regular loader', () => {
    expect(extractSingleFramePart(body(pixels, ['Content-Type: image/jls; transfer-syntax=1.2.840.10008.1.2.4.80']), contentType)).toBeUndefined();
    expect(extractSingleFramePart(body(pixels, [`Content-Length: ${pixels.length}`]), contentType)).toBeUndefined();
    expect(extractSingleFramePart(pixels, contentType)).toBeUndefined();
    expect(extractSingleFramePart(body(pixels, ['Content-Type: application/octet-stream']), 'multipart/related; type="application/octet-stream"')).toBeUndefined();
  });

  it('takes a body that is not multipart as the frame itself', () => {
    const part = extractSingleFramePart(pixels, 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(part?.pixelData).toBe(pixels);
  });
});
