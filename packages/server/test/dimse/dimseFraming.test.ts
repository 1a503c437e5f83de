/**
 * The DIMSE receive/answer fast paths: PDU framing over arbitrary TCP chunking
 * (PduFramedSocket), C-STORE-RSP command sets byte-identical to dcmjs-dimse's encoding
 * (encodeCommandSet), and Part 10 wrapping of a data set received in pieces.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { encodeCommandSet } from '../../src/dimse/encodeCommandSet.js';
import { PduFramedSocket } from '../../src/dimse/PduFramedSocket.js';
import { wrapDatasetAsPart10 } from '../../src/dimse/part10Framing.js';

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header[0] = type;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function framedOver(chunks: readonly Buffer[], maxPduBytes = 1 << 20): { pdus: Buffer[]; errors: Error[] } {
  const socket = new EventEmitter() as unknown as Socket;
  const framed = new PduFramedSocket(socket, { maxPduBytes });
  const pdus: Buffer[] = [];
  const errors: Error[] = [];
  framed.on('data', (p: Buffer) => pdus.push(Buffer.from(p)));
  framed.on('error', (e: Error) => errors.push(e));
  for (const chunk of chunks) (socket as unknown as EventEmitter).emit('data', chunk);
  return { pdus, errors };
}

describe('PduFramedSocket', () => {
  const stream = [pdu(4, Buffer.alloc(70_000, 1)), pdu(4, Buffer.from([1, 2, 3])), pdu(5, Buffer.alloc(4)), pdu(4, Buffer.alloc(16_000, 7))];
  const whole = Buffer.concat(stream);

  it('delivers exactly the PDUs sent, whatever the chunking', () => {
    const cuts: number[][] = [[], [1], [3, 5, 6, 7], [65_536], [70_005, 70_006, 70_015], Array.from({ length: 40 }, (_, i) => (i * 2311) % whole.length).sort((a, b) => a - b)];
    for (const points of cuts) {
      const chunks: Buffer[] = [];
      let from = 0;
      for (const point of [...new Set(points)].filter((p) => p > 0 && p < whole.length)) {
        chunks.push(whole.subarray(from, point));
        from = point;
      }
      chunks.push(whole.subarray(from));
      const { pdus, errors } = framedOver(chunks);
      expect(errors).toEqual([]);
      expect(pdus.map((p) => p.toString('hex'))).toEqual(stream.map((p) => p.toString('hex')));
    }
  });

  it('holds back an incomplete PDU and reports one longer than the limit', () => {
    expect(framedOver([whole.subarray(0, 70_000)]).pdus).toEqual([]);
    const { pdus, errors } = framedOver([pdu(4, Buffer.alloc(5000))], 4096);
    expect(pdus).toEqual([]);
    expect(errors[0]?.message).toMatch(/longer than the 4096 bytes/);
  });
});

describe('encodeCommandSet', () => {
  it('encodes C-STORE responses byte for byte as dcmjs-dimse does', () => {
    // The library's typings require a data set; the response only needs the request's message id.
    const request = new (dimse.requests.CStoreRequest as unknown as new () => InstanceType<typeof dimse.requests.CStoreRequest>)();
    const cases: Array<[number, string | undefined]> = [[0x0000, undefined], [0xb000, 'DERIVED_STUDY_UID'], [0xa700, 'odd'], [0xc000, '']];
    for (const [status, comment] of cases) {
      const response = dimse.responses.CStoreResponse.fromRequest(request);
      response.setStatus(status);
      if (comment !== undefined) response.setErrorComment(comment);
      const dataset = response.getCommandDataset() as unknown as { getElements(): Record<string, unknown>; getDenaturalizedCommandDataset(): Buffer };
      Object.assign(dataset.getElements(), { AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', AffectedSOPInstanceUID: '1.2.3.45', MessageIDBeingRespondedTo: 9 });
      expect(encodeCommandSet(dataset.getElements())?.toString('hex')).toBe(dataset.getDenaturalizedCommandDataset().toString('hex'));
    }
  });

  it('leaves unknown elements to the library', () => {
    expect(encodeCommandSet({ CommandField: 0x8001, NumberOfRemainingSuboperations: 3 })).toBeUndefined();
    expect(encodeCommandSet({ Status: 'not a number' })).toBeUndefined();
  });
});

describe('wrapDatasetAsPart10 from pieces', () => {
  it('gives the same file as from the joined data set', () => {
    const pieces = [Buffer.from([8, 0, 0x16, 0]), Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.from([4, 5, 6, 7, 8])];
    const options = { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2', sourceAeTitle: 'SCU' };
    const fromPieces = wrapDatasetAsPart10({ ...options, dataset: pieces });
    const fromWhole = wrapDatasetAsPart10({ ...options, dataset: Buffer.concat(pieces) });
    expect(Buffer.from(fromPieces).equals(Buffer.from(fromWhole))).toBe(true);
  });
});
