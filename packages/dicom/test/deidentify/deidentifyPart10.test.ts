/**
 * De-identification (PS3.15 E.1 Basic Profile + E.3.6 modified dates) on a synthetic file
 * full of identifying attributes and on the real samples; checked by checkDeidentified,
 * readDicomHeader, dcmdump and dciodvfy (no new errors against the input).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import {
  checkDeidentified,
  dateOffsetDays,
  decodeFrame,
  deidentifyPart10,
  dicomToJson,
  loadPixelCodecs,
  patientPseudonym,
  pseudonymousUid,
  readDicomHeader,
} from '@vertebra/dicom';
import { parseDataSet } from '../../src/parseDataSet.js';
import { crDir, dcmtk, jp2kFiles, makeTempDir, readBytes } from '../testData.js';
import { IDENTIFYING_TEXT, identifyingElements, identifyingFile, part10File } from './identifyingFile.js';

const KEY = 'test-secret-key-0123456789';
const temp = makeTempDir('vertebra-deid-');
afterAll(() => temp.cleanup());

function pixelBytes(bytes: Uint8Array): Uint8Array {
  const { dataSet } = parseDataSet(bytes);
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new Error('no pixel data');
  return dataSet.byteArray.slice(element.dataOffset, element.dataOffset + element.length);
}

function days(da: string): number {
  return Date.UTC(Number(da.slice(0, 4)), Number(da.slice(4, 6)) - 1, Number(da.slice(6, 8))) / 86_400_000;
}

function value(json: ReturnType<typeof dicomToJson>, tag: string): unknown {
  return json[tag]?.Value?.[0];
}

/** Error lines of dciodvfy, without the element-specific positions that differ between files. */
function dciodvfyErrors(bytes: Uint8Array, name: string): string[] {
  const path = join(temp.dir, `${name}.dcm`);
  writeFileSync(path, bytes);
  const result = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  return `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^Error/.test(line.trim())).map((line) => line.trim());
}

function dcmdumpOk(bytes: Uint8Array, name: string): string {
  const path = join(temp.dir, `${name}.dump.dcm`);
  writeFileSync(path, bytes);
  return execFileSync('dcmdump', ['-q', path], { encoding: 'utf8' });
}

describe('deidentifyPart10 on a synthetic file full of identifying attributes', () => {
  const input = identifyingFile();
  const result = deidentifyPart10(input, { key: KEY, subject: 'synthetic.dcm' });
  const originalUids = ['1.2.826.0.1.3680043.10.777.1', '1.2.826.0.1.3680043.10.777.2', '1.2.826.0.1.3680043.10.777.3.1', '1.2.826.0.1.3680043.10.777.3.99', '1.2.826.0.1.3680043.10.777.4'];

  it('the checker fails on the input, naming private tags, sequences, names and institution', () => {
    const check = checkDeidentified(input, { originalUids, originalValues: IDENTIFYING_TEXT });
    expect(check.ok).toBe(false);
    const tags = check.violations.map((violation) => violation.tag);
    for (const tag of ['00091011', '00091012', '00101002', '00080080', '00080081', '00100010', '00100020', '60004000', '50000022', '00204000', '00081070', '00120062', '00280303']) {
      expect(tags, tag).toContain(tag);
    }
    expect(check.violations.every((violation) => violation.problem.length > 0 && violation.keyword.length > 0)).toBe(true);
  });

  it('the checker passes on the output, with the originals UIDs and identifying values given', () => {
    const check = checkDeidentified(result.bytes, { originalUids, originalValues: IDENTIFYING_TEXT });
    expect(check.violations).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('removes private groups, curves, overlays and X attributes, and reports them', () => {
    for (const tag of ['00091010', '00091011', '00091012', '50000022', '60003000', '60004000', '00101002', '00080081', '00204000', '00101010', '00101040', '00400275', '00081030', '0008103E']) {
      expect(result.removedTags, tag).toContain(tag);
    }
    const json = dicomToJson(result.bytes);
    for (const tag of Object.keys(json)) {
      const group = parseInt(tag.slice(0, 4), 16);
      expect(group % 2, `private ${tag}`).toBe(0);
      expect(group >= 0x5000 && group <= 0x60ff, `curve/overlay ${tag}`).toBe(false);
    }
    expect(json['00080090']?.Value).toBeUndefined(); // Z
    expect(json['00080050']?.Value).toBeUndefined(); // Z
    expect(json['00100030']?.Value).toBeUndefined(); // birth date Z
    expect(json['00181000']?.Value).toBeUndefined(); // X/Z/D → Z
    expect(json['00080080']?.Value).toBeUndefined(); // X/Z/D → Z
    expect(json['00081070']?.Value).toBeUndefined(); // X/Z/D → Z
    expect(json['00080080']).toBeDefined();
  });

  it('replaces UIDs with 2.25 HMAC UIDs, also in sequences and the file meta', () => {
    const header = readDicomHeader(result.bytes);
    expect(header.studyInstanceUid).toBe(pseudonymousUid(KEY, '1.2.826.0.1.3680043.10.777.1'));
    expect(header.seriesInstanceUid).toBe(pseudonymousUid(KEY, '1.2.826.0.1.3680043.10.777.2'));
    expect(header.sopInstanceUid).toBe(result.replacedUids['1.2.826.0.1.3680043.10.777.3.1']);
    expect(header.frameOfReferenceUid).toBe(pseudonymousUid(KEY, '1.2.826.0.1.3680043.10.777.4'));
    expect(header.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(header.warnings).toEqual([]); // meta (0002,0003) equals the new (0008,0018)
    const { dataSet } = parseDataSet(result.bytes);
    expect(dataSet.string('x00020003')).toBe(header.sopInstanceUid);
    const referenced = dicomToJson(result.bytes)['00081140']?.Value?.[0] as Record<string, { Value?: unknown[] }>;
    expect(referenced['00081155']?.Value?.[0]).toBe(pseudonymousUid(KEY, '1.2.826.0.1.3680043.10.777.3.99'));
    expect(referenced['00081150']?.Value?.[0]).toBe('1.2.840.10008.5.1.4.1.1.2');
    for (const uid of Object.values(result.replacedUids)) {
      expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
  });

  it('shifts dates by the per-patient offset, keeps times, and records the method', () => {
    const json = dicomToJson(result.bytes);
    const offset = dateOffsetDays(KEY, 'MRN-0042');
    expect(offset).toBeLessThan(0);
    const studyDate = value(json, '00080020') as string;
    expect(days(studyDate) - days('20240105')).toBe(offset);
    expect(value(json, '00080021')).toBe(studyDate);
    expect(value(json, '00080012')).toBe(studyDate);
    expect(String(value(json, '0008002A'))).toBe(`${studyDate}101500.123`);
    expect(value(json, '00080030')).toBe('101500');
    expect(value(json, '00080033')).toBe('101800');
    expect(value(json, '00100020')).toBe(patientPseudonym(KEY, 'MRN-0042'));
    expect(value(json, '00100010')).toEqual({ Alphabetic: `${patientPseudonym(KEY, 'MRN-0042')}^ANON` });
    expect(value(json, '00120062')).toBe('YES');
    expect(value(json, '00280303')).toBe('MODIFIED');
    expect(json['00120063']?.Value?.length).toBe(2);
    const codes = (json['00120064']?.Value ?? []) as Array<Record<string, { Value?: unknown[] }>>;
    expect(codes.map((item) => item['00080100']?.Value?.[0])).toEqual(['113100', '113107']);
    expect(codes.map((item) => item['00080102']?.Value?.[0])).toEqual(['DCM', 'DCM']);
  });

  it('keeps coding-scheme version dates, and gives a nested Patient ID its own pseudonym', () => {
    const region = dicomToJson(result.bytes)['00082218']?.Value?.[0] as Record<string, { Value?: unknown[] }>;
    expect(region['00080106']?.Value?.[0]).toBe('20020904000000');
    const withNested = part10File(
      [...identifyingElements(), { tag: 0x00400260, vr: 'SQ', value: [[{ tag: 0x00100020, vr: 'LO', value: new TextEncoder().encode('NESTED-ID1') }]] }].sort((a, b) => a.tag - b.tag),
      { sopUid: '1.2.826.0.1.3680043.10.777.3.1' },
    );
    const nested = dicomToJson(deidentifyPart10(withNested, { key: KEY }).bytes)['00400260']?.Value?.[0] as Record<string, { Value?: unknown[] }>;
    expect(nested['00100020']?.Value?.[0]).toBe(patientPseudonym(KEY, 'NESTED-ID1'));
  });

  it('removes a sequence sent as UN with a defined length (its items cannot be cleaned), and the checker flags it', () => {
    const inner = Buffer.concat([Buffer.from([0x20, 0x00, 0x0e, 0x00, 0x08, 0, 0, 0]), Buffer.from('1.2.3.4\0', 'latin1')]);
    const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), Buffer.from(new Uint32Array([inner.length]).buffer), inner]);
    const withUn = part10File(
      [...identifyingElements(), { tag: 0x00081115, vr: 'UN', value: new Uint8Array(item) }].sort((a, b) => a.tag - b.tag),
      { sopUid: '1.2.826.0.1.3680043.10.777.3.1' },
    );
    expect(checkDeidentified(withUn).violations.some((violation) => violation.tag === '00081115' && /UN/.test(violation.problem))).toBe(true);
    const out = deidentifyPart10(withUn, { key: KEY });
    expect(out.removedTags).toContain('00081115');
    expect(dicomToJson(out.bytes)['00081115']).toBeUndefined();
  });

  it('keeps the pixel data byte-identical and the transfer syntax', () => {
    expect(Buffer.from(pixelBytes(result.bytes)).equals(Buffer.from(pixelBytes(input)))).toBe(true);
    expect(readDicomHeader(result.bytes).transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
  });

  it('is deterministic: the same key gives the same bytes, another key other UIDs and pseudonyms', () => {
    const again = deidentifyPart10(input, { key: new TextEncoder().encode(KEY) });
    expect(Buffer.from(again.bytes).equals(Buffer.from(result.bytes))).toBe(true);
    const other = deidentifyPart10(input, { key: 'another-key' });
    expect(readDicomHeader(other.bytes).studyInstanceUid).not.toBe(readDicomHeader(result.bytes).studyInstanceUid);
    expect(readDicomHeader(other.bytes).patientId).not.toBe(readDicomHeader(result.bytes).patientId);
  });

  it('handles implicit VR little endian, explicit VR big endian and deflated inputs in their own syntax', () => {
    for (const [flag, ts] of [['+ti', '1.2.840.10008.1.2'], ['+tb', '1.2.840.10008.1.2.2'], ['+td', '1.2.840.10008.1.2.1.99']] as const) {
      const converted = dcmtk('dcmconv', [flag], input, temp.dir, `conv${flag}`);
      const out = deidentifyPart10(converted, { key: KEY });
      expect(readDicomHeader(out.bytes).transferSyntaxUid).toBe(ts);
      const check = checkDeidentified(out.bytes, { originalUids, originalValues: IDENTIFYING_TEXT });
      expect(check.violations, ts).toEqual([]);
      expect(Buffer.from(pixelBytes(out.bytes)).equals(Buffer.from(pixelBytes(converted)))).toBe(true);
      expect(readDicomHeader(out.bytes).studyInstanceUid).toBe(readDicomHeader(result.bytes).studyInstanceUid);
      const decoded = decodeFrame(out.bytes, 0);
      expect(Array.from(decoded.pixels)).toEqual(Array.from(decodeFrame(input, 0).pixels));
      dcmdumpOk(out.bytes, `conv${flag}`);
    }
  });

  it('parses with dcmdump and dciodvfy reports no error the input did not have', () => {
    const dump = dcmdumpOk(result.bytes, 'synthetic');
    expect(dump).toContain('(0012,0062) CS [YES]');
    expect(dump).toContain('(0028,0303) CS [MODIFIED]');
    const before = new Set(dciodvfyErrors(input, 'synthetic-in'));
    const after = dciodvfyErrors(result.bytes, 'synthetic-out');
    expect(after.filter((line) => !before.has(line))).toEqual([]);
  });

  it('rejects what it cannot parse with a catalogue error', () => {
    expect(() => deidentifyPart10(input.subarray(0, 700), { key: KEY, subject: 'cut.dcm' })).toThrow(VertebraError);
    expect(() => deidentifyPart10(new Uint8Array(0), { key: KEY })).toThrow(/empty/);
  });
});

describe('longitudinal consistency across two studies of one patient', () => {
  const first = identifyingFile({ studyUid: '1.2.3.100', seriesUid: '1.2.3.101', sopUid: '1.2.3.102', studyDate: '20240105' });
  const second = identifyingFile({ studyUid: '1.2.3.200', seriesUid: '1.2.3.201', sopUid: '1.2.3.202', studyDate: '20240320' });
  const other = identifyingFile({ patientId: 'MRN-9999', studyUid: '1.2.3.300', seriesUid: '1.2.3.301', sopUid: '1.2.3.302', studyDate: '20240105' });
  const a = deidentifyPart10(first, { key: KEY });
  const b = deidentifyPart10(second, { key: KEY });
  const c = deidentifyPart10(other, { key: KEY });

  it('gives the same pseudonymous patient and keeps the interval between the studies exactly', () => {
    const ha = readDicomHeader(a.bytes);
    const hb = readDicomHeader(b.bytes);
    expect(ha.patientId).toBe(hb.patientId);
    expect(ha.patientName).toBe(hb.patientName);
    expect(ha.patientId).not.toBe(readDicomHeader(c.bytes).patientId);
    expect(days(hb.studyDate) - days(ha.studyDate)).toBe(days('20240320') - days('20240105'));
    expect(ha.studyDate).not.toBe('20240105');
    expect(ha.studyTime).toBe('101500');
  });

  it('maps UIDs consistently: the same original UID gets the same replacement in both studies', () => {
    // both studies share the Frame of Reference and the referenced image
    expect(a.replacedUids['1.2.826.0.1.3680043.10.777.4']).toBe(b.replacedUids['1.2.826.0.1.3680043.10.777.4']);
    expect(a.replacedUids['1.2.826.0.1.3680043.10.777.3.99']).toBe(b.replacedUids['1.2.826.0.1.3680043.10.777.3.99']);
    expect(readDicomHeader(a.bytes).studyInstanceUid).not.toBe(readDicomHeader(b.bytes).studyInstanceUid);
    expect(a.replacedUids['1.2.3.102']).toBe(pseudonymousUid(KEY, '1.2.3.102'));
  });
});

describe('deidentifyPart10 on the real samples', () => {
  it('CR (explicit VR little endian): checker fails before, passes after; pixels identical; no new dciodvfy errors', () => {
    for (const name of ['CR1.dcm', 'CR2.dcm', 'CR3.dcm']) {
      const input = readBytes(join(crDir, name));
      const before = readDicomHeader(input);
      expect(checkDeidentified(input).ok).toBe(false);
      const out = deidentifyPart10(input, { key: KEY, subject: name });
      const originals = [before.studyInstanceUid, before.seriesInstanceUid, before.sopInstanceUid, before.frameOfReferenceUid].filter((uid) => uid !== '');
      const identifying = [before.patientName, before.patientId, before.referringPhysicianName, before.accessionNumber].filter((text) => text.length > 2);
      const check = checkDeidentified(out.bytes, { originalUids: originals, originalValues: identifying });
      expect(check.violations, name).toEqual([]);
      const after = readDicomHeader(out.bytes);
      expect(after.transferSyntaxUid).toBe(before.transferSyntaxUid);
      expect(after.sopInstanceUid).toBe(out.replacedUids[before.sopInstanceUid]);
      expect(Buffer.from(pixelBytes(out.bytes)).equals(Buffer.from(pixelBytes(input)))).toBe(true);
      if (before.studyDate !== '') expect(days(after.studyDate) - days(before.studyDate)).toBe(dateOffsetDays(KEY, before.patientId));
      dcmdumpOk(out.bytes, name);
      const errorsBefore = new Set(dciodvfyErrors(input, `${name}-in`));
      expect(dciodvfyErrors(out.bytes, `${name}-out`).filter((line) => !errorsBefore.has(line)), name).toEqual([]);
    }
  });

  it('CR: the three images of one exam keep one study, one patient pseudonym', () => {
    const outs = ['CR1.dcm', 'CR2.dcm', 'CR3.dcm'].map((name) => readDicomHeader(deidentifyPart10(readBytes(join(crDir, name)), { key: KEY }).bytes));
    const ins = ['CR1.dcm', 'CR2.dcm', 'CR3.dcm'].map((name) => readDicomHeader(readBytes(join(crDir, name))));
    expect(new Set(outs.map((h) => h.studyInstanceUid)).size).toBe(new Set(ins.map((h) => h.studyInstanceUid)).size);
    expect(new Set(outs.map((h) => h.patientId)).size).toBe(new Set(ins.map((h) => h.patientId)).size);
  });

  it('CT JPEG 2000 with empty UIDs: the encapsulated pixel data stays byte-identical and decodes the same', async () => {
    await loadPixelCodecs();
    const files = jp2kFiles().slice(0, 3);
    for (const path of files) {
      const input = readBytes(path);
      const before = readDicomHeader(input);
      const out = deidentifyPart10(input, { key: KEY, subject: path });
      const after = readDicomHeader(out.bytes);
      expect(after.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
      expect(after.sopInstanceUid).toBe(pseudonymousUid(KEY, before.sopInstanceUid));
      expect(after.studyInstanceUid).toBe(''); // empty in the original: stays empty
      expect(Buffer.from(pixelBytes(out.bytes)).equals(Buffer.from(pixelBytes(input)))).toBe(true);
      const check = checkDeidentified(out.bytes, { originalUids: [before.sopInstanceUid] });
      expect(check.violations).toEqual([]);
      expect(checkDeidentified(input).ok).toBe(false);
      dcmdumpOk(out.bytes, 'jp2k');
      const errorsBefore = new Set(dciodvfyErrors(input, 'jp2k-in'));
      expect(dciodvfyErrors(out.bytes, 'jp2k-out').filter((line) => !errorsBefore.has(line))).toEqual([]);
    }
    const input = readBytes(files[0] ?? '');
    const out = deidentifyPart10(input, { key: KEY });
    expect(Array.from(decodeFrame(out.bytes, 0).pixels.subarray(0, 4096))).toEqual(Array.from(decodeFrame(input, 0).pixels.subarray(0, 4096)));
  });
});
