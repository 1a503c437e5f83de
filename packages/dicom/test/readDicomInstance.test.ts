/**
 * readDicomInstance (one parse for header and DICOM JSON) must give exactly what the two
 * separate functions give, and fail with the code the two-step path (header, then JSON) gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { dicomToJson, readDicomHeader, readDicomInstance } from '@vertebra/dicom';
import { codeOf, crDir, dcmtk, jp2kFiles, makeTempDir, readBytes } from './testData.js';

const bulkDataUriFor = (tag: string, context: { path: readonly string[] }): string => `/bulk/${[...context.path, tag].join('/')}`;

/** What the archive did before: header first (validation), then the JSON. */
function twoStepCode(bytes: Uint8Array): string {
  const header = codeOf(() => readDicomHeader(bytes, { subject: 'x.dcm' }));
  if (header !== 'NO_ERROR') return header;
  return codeOf(() => dicomToJson(bytes, { subject: 'x.dcm', bulkDataUriFor }));
}

const cr1 = readBytes(join(crDir, 'CR1.dcm'));
let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('vertebra-dicom-instance-');
});
afterAll(() => temp.cleanup());

describe('readDicomInstance', () => {
  it('gives the same header and DICOM JSON as readDicomHeader and dicomToJson', () => {
    const implicit = dcmtk('dcmconv', ['+ti'], cr1, temp.dir, 'implicit');
    for (const bytes of [cr1, implicit, readBytes(jp2kFiles()[0] ?? '')]) {
      const instance = readDicomInstance(bytes, { subject: 'a.dcm' });
      expect(instance.header).toEqual(readDicomHeader(bytes, { subject: 'a.dcm' }));
      expect(instance.toJson({ bulkDataUriFor })).toEqual(dicomToJson(bytes, { bulkDataUriFor }));
      expect(instance.toJson()).toEqual(dicomToJson(bytes));
    }
  });

  it('fails with the code of the two-step path at every cut position', () => {
    const slice = readBytes(jp2kFiles()[0] ?? '');
    let compared = 0;
    for (const bytes of [cr1, slice]) {
      const step = Math.max(1, Math.floor(bytes.length / 150));
      for (let cut = 1; cut < bytes.length; cut += step) {
        const part = bytes.subarray(0, cut);
        const expected = twoStepCode(part);
        const actual = codeOf(() => readDicomInstance(part, { subject: 'x.dcm' }).toJson({ bulkDataUriFor }));
        expect(actual, `cut at ${cut}`).toBe(expected);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(250);
    expect(() => readDicomInstance(cr1.subarray(0, cr1.length - 10), { subject: 'cut.dcm' })).toThrow(/^cut\.dcm: /);
  });
});
