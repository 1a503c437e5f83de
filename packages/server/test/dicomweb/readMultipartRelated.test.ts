/**
 * The streaming multipart/related reader (RFC 2046 5.1) on bodies cut into awkward
 * chunks: boundaries split across chunks, preambles, epilogues, part data that contains
 * CRLF and dashes, and the limits.
 */
import { describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import { readMultipartRelated } from '../../src/dicomweb/readMultipartRelated.js';

const boundary = 'XyZ-123';

function body(parts: string[], preamble = '', epilogue = ''): Uint8Array {
  let text = preamble;
  for (const part of parts) text += `--${boundary}\r\nContent-Type: application/dicom\r\n\r\n${part}\r\n`;
  text += `--${boundary}--${epilogue}`;
  return new TextEncoder().encode(text);
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

async function read(bytes: Uint8Array, size: number, limits: Partial<{ maxRequestBytes: number; maxPartBytes: number; maxParts: number }> = {}) {
  const out: { index: number; mediaType: string; text: string }[] = [];
  for await (const part of readMultipartRelated({
    body: chunked(bytes, size),
    boundary,
    maxRequestBytes: limits.maxRequestBytes ?? 1e9,
    maxPartBytes: limits.maxPartBytes ?? 1e9,
    maxParts: limits.maxParts ?? 1000,
  })) {
    out.push({ index: part.index, mediaType: part.mediaType, text: new TextDecoder().decode(part.bytes) });
  }
  return out;
}

describe('readMultipartRelated', () => {
  const parts = ['first', '', 'has\r\n--XyZ-12 almost a boundary\r\n-- and dashes', 'x'.repeat(5000)];

  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    it(`reads every part with ${size}-byte chunks, a CRLF preamble and an epilogue`, async () => {
      const result = await read(body(parts, '\r\n', '\r\nepilogue text'), size);
      expect(result.map((p) => p.text)).toEqual(parts);
      expect(result.map((p) => p.index)).toEqual([1, 2, 3, 4]);
      expect(result.every((p) => p.mediaType === 'application/dicom')).toBe(true);
    });
  }

  it('accepts a body without preamble and a longer text preamble', async () => {
    expect((await read(body(['a']), 5)).map((p) => p.text)).toEqual(['a']);
    expect((await read(body(['a'], 'preamble line one\r\nline two\r\n'), 5)).map((p) => p.text)).toEqual(['a']);
  });

  it('rejects bodies without a boundary or without the closing delimiter', async () => {
    await expect(read(new TextEncoder().encode('no boundary here'), 4)).rejects.toMatchObject({ code: 'REQUEST_MALFORMED_MULTIPART' });
    const open = new TextEncoder().encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\nabc`);
    await expect(read(open, 4)).rejects.toMatchObject({ code: 'REQUEST_MALFORMED_MULTIPART' });
  });

  it('enforces the body, part and part-count limits with REQUEST_BODY_TOO_LARGE naming the limit', async () => {
    const bytes = body(parts);
    const tooBig = read(bytes, 64, { maxRequestBytes: 1000 });
    await expect(tooBig).rejects.toBeInstanceOf(VertebraError);
    await expect(read(bytes, 64, { maxRequestBytes: 1000 })).rejects.toThrow(/maxRequestBytes/);
    await expect(read(bytes, 64, { maxPartBytes: 100 })).rejects.toThrow(/part 4 .*maxPartBytes/);
    await expect(read(bytes, 64, { maxParts: 3 })).rejects.toThrow(/maxInstancesPerRequest/);
    expect((await read(bytes, 64, { maxParts: 4 })).length).toBe(4);
  });
});
