import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { VertebraError } from '@vertebra/errors';
import { dicomToJson, type DicomJsonDataset } from '@vertebra/dicom';
import { crDir, dcmtk, jp2kFiles, makeTempDir, readBytes } from './testData.js';

const BINARY = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);

/** dcmjs's dictionary, normalised to PS3.18 F rules (no empty Value, trimmed strings), as an independent oracle. */
function normaliseDcmjs(dict: Record<string, { vr: string; Value?: unknown[] }>): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, attribute] of Object.entries(dict)) {
    if (tag.startsWith('0002') || tag.endsWith('0000') || tag === '00080005') continue;
    if (parseInt(tag.slice(0, 4), 16) % 2 === 1) continue;
    if (BINARY.has(attribute.vr)) continue;
    const result: { vr: string; Value?: unknown[] } = { vr: attribute.vr };
    if (attribute.vr === 'SQ') {
      const items = (attribute.Value ?? []) as Array<Record<string, { vr: string; Value?: unknown[] }>>;
      if (items.length > 0) result.Value = items.map((item) => normaliseDcmjs(item));
    } else {
      const values = (attribute.Value ?? []).map((value) => {
        if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
        if (value && typeof value === 'object') return Object.keys(value).length === 0 ? null : value;
        return value;
      });
      if (values.some((value) => value !== null && value !== undefined)) result.Value = values;
    }
    out[tag] = result;
  }
  return out;
}

function withoutBinaryAndPrivate(json: DicomJsonDataset): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, attribute] of Object.entries(json)) {
    if (tag === '00080005' || BINARY.has(attribute.vr) || parseInt(tag.slice(0, 4), 16) % 2 === 1) continue;
    if (attribute.vr === 'SQ' && attribute.Value) {
      out[tag] = { vr: 'SQ', Value: (attribute.Value as DicomJsonDataset[]).map(withoutBinaryAndPrivate) };
    } else {
      out[tag] = attribute;
    }
  }
  return out;
}

function dcmjsJson(bytes: Uint8Array): DicomJsonDataset {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const message = dcmjs.data.DicomMessage.readFile(buffer);
  return normaliseDcmjs(JSON.parse(JSON.stringify(message.dict, (key, value) => (key === '_rawValue' ? undefined : value))));
}

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('vertebra-dicom-json-');
});
afterAll(() => temp.cleanup());

describe('dicomToJson', () => {
  const jp2k = readBytes(jp2kFiles()[0] ?? '');
  const cr1 = readBytes(join(crDir, 'CR1.dcm'));

  it('follows PS3.18 Annex F on the real CT slice: keys, PN, numbers, sequences, empty values, bulk data', () => {
    const json = dicomToJson(jp2k, { bulkDataUriFor: (tag) => `https://example.test/bulk/${tag}` });
    expect(Object.keys(json).every((key) => /^[0-9A-F]{8}$/.test(key))).toBe(true);
    expect(Object.keys(json).some((key) => key.startsWith('0002'))).toBe(false);
    expect(json['00080060']).toEqual({ vr: 'CS', Value: ['CT'] });
    expect(json['00080018']).toEqual({ vr: 'UI' });
    expect(json['00180050']).toEqual({ vr: 'DS', Value: [3] });
    expect(json['00280010']).toEqual({ vr: 'US', Value: [512] });
    expect(json['00081032']?.vr).toBe('SQ');
    expect((json['00081032']?.Value?.[0] as DicomJsonDataset)['00080104']).toEqual({ vr: 'LO', Value: ['PET/CT Onko/Infekt'] });
    expect(json['7FE00010']).toEqual({ vr: 'OB', BulkDataURI: 'https://example.test/bulk/7FE00010' });
    const withoutUri = dicomToJson(jp2k);
    expect(withoutUri['7FE00010']).toEqual({ vr: 'OB' });
    expect(JSON.stringify(withoutUri).length).toBeLessThan(20_000);
  });

  it('agrees with dcmjs (independent parser) on every non-binary standard attribute', () => {
    for (const bytes of [jp2k, cr1]) {
      expect(withoutBinaryAndPrivate(dicomToJson(bytes))).toEqual(dcmjsJson(bytes));
    }
  });

  it('gives the same JSON for implicit VR, big endian and raw data sets', () => {
    const reference = dicomToJson(cr1);
    const implicit = dcmtk('dcmconv', ['+ti'], cr1, temp.dir, 'implicit');
    const big = dcmtk('dcmconv', ['+tb'], cr1, temp.dir, 'big');
    expect(withoutBinaryAndPrivate(dicomToJson(implicit))).toEqual(withoutBinaryAndPrivate(reference));
    expect(withoutBinaryAndPrivate(dicomToJson(big))).toEqual(withoutBinaryAndPrivate(reference));
    const deflated = dcmtk('dcmconv', ['+td'], cr1, temp.dir, 'deflated');
    expect(withoutBinaryAndPrivate(dicomToJson(deflated))).toEqual(withoutBinaryAndPrivate(reference));
    const raw = cr1.subarray(132 + 12 + new DataView(cr1.buffer, cr1.byteOffset).getUint32(140, true));
    expect(dicomToJson(raw)).toEqual(reference);
    expect(dicomToJson(big)['00280010']).toEqual(reference['00280010']);
    expect(dicomToJson(implicit)['7FE00010']?.vr).toBe('OW');
  });

  it('writes PN as objects with Alphabetic/Ideographic/Phonetic groups', () => {
    const json = dicomToJson(cr1);
    const name = json['00100010'];
    expect(name?.vr).toBe('PN');
    expect(name?.Value?.[0]).toHaveProperty('Alphabetic');
  });

  it('throws catalogue errors on bad input', () => {
    expect(() => dicomToJson(new Uint8Array(0))).toThrow(VertebraError);
    expect(() => dicomToJson(new TextEncoder().encode('not dicom at all'.repeat(20)), { subject: 'x.txt' })).toThrow(/x\.txt: not DICOM/);
  });
});

describe('character sets', () => {
  it('decodes UTF-8 (ISO_IR 192) and Latin-1 (ISO_IR 100) person names', async () => {
    const { writePart10, readDicomHeader } = await import('@vertebra/dicom');
    const { syntheticDataset } = await import('./testData.js');
    const utf8 = writePart10({ ...syntheticDataset({ bitsAllocated: 8 }), SpecificCharacterSet: 'ISO_IR 192', PatientName: 'Müller^Jürgen=山田^太郎' });
    expect(readDicomHeader(utf8).patientName).toBe('Müller^Jürgen=山田^太郎');
    expect(dicomToJson(utf8)['00100010']?.Value).toEqual([{ Alphabetic: 'Müller^Jürgen', Ideographic: '山田^太郎' }]);
    // Latin-1 bytes written by hand: replace the ASCII placeholder with 0xFC (ü)
    const latin = writePart10({ ...syntheticDataset({ bitsAllocated: 8 }), SpecificCharacterSet: 'ISO_IR 100', PatientName: 'Mxller^J' }).slice();
    const at = Buffer.from(latin).indexOf('Mxller');
    latin[at + 1] = 0xfc;
    expect(readDicomHeader(latin).patientName).toBe('Müller^J');
    expect(dicomToJson(latin)['00100010']?.Value).toEqual([{ Alphabetic: 'Müller^J' }]);
  });
});
