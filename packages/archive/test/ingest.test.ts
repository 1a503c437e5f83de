/**
 * The one ingest path, against SQLite and PostgreSQL: byte-identical storage, idempotency,
 * conflicts and replacement, every kind of bad input, the real jp2k sample with empty
 * Study/Series UIDs, concurrent ingest, restart and temp-file recovery.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Archive, IngestResult } from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';
import { concat, ctImageStorage, encodeElement, makeTestInstance, writeTestPart10 } from './makeTestDicom.js';

const jp2kDir = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'ct-abdomen-dicom-jp2k');

function source(label: string) {
  return { kind: 'import' as const, label };
}

function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(d, f)));
}

function tempFiles(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'tmp'));
}

async function snapshot(archive: Archive, dataDir: string) {
  return { counts: await archive.index.counts(), blobs: blobFiles(dataDir).sort(), temps: tempFiles(dataDir) };
}

describe.each(archiveBackends)('archive ingest on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('uses a digest computed by the transport and refuses one that is not a SHA-256', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const x = makeTestInstance({ instanceNumber: 3 });
      const sha256 = createHash('sha256').update(x.bytes).digest('hex');
      const bad = await archive.ingest({ bytes: x.bytes, source: source('bad.dcm'), sha256: '../etc' });
      expect(bad).toMatchObject({ outcome: 'rejected', error: { code: 'INTERNAL' } });
      expect(await archive.ingest({ bytes: x.bytes, source: source('x.dcm'), sha256 })).toMatchObject({ outcome: 'stored' });
      const [record] = await archive.listInstances({ studyInstanceUid: x.studyInstanceUid });
      expect(record?.sha256).toBe(sha256);
      expect(blobFiles(dataDir)).toEqual([`${sha256.slice(0, 2)}/${sha256}`]);
      // The same bytes again, with or without the digest: a duplicate.
      expect(await archive.ingest({ bytes: x.bytes, source: source('x.dcm') })).toMatchObject({ outcome: 'duplicate' });
    } finally {
      await archive.close();
    }
  });

  it('rejects an object whose SOP Class or Instance UID is not the one the transport announced, storing nothing', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const x = makeTestInstance({ instanceNumber: 4 });
      const otherUid = `${x.sopInstanceUid}.9`;
      for (const expectedUids of [
        { sopClassUid: ctImageStorage, sopInstanceUid: otherUid },
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.4', sopInstanceUid: x.sopInstanceUid },
      ]) {
        const result = await archive.ingest({ bytes: x.bytes, source: source('announced.dcm'), expectedUids });
        expect(result).toMatchObject({ outcome: 'rejected', error: { code: 'DICOM_UID_MISMATCH' } });
        expect(result.error?.message).toMatch(/differs from the announced .*nothing was stored/);
      }
      expect(await archive.listInstances({ studyInstanceUid: x.studyInstanceUid })).toEqual([]);
      expect(blobFiles(dataDir)).toEqual([]);
      const matching = await archive.ingest({ bytes: x.bytes, source: source('announced.dcm'), expectedUids: { sopClassUid: ctImageStorage, sopInstanceUid: x.sopInstanceUid } });
      expect(matching.outcome).toBe('stored');
    } finally {
      await archive.close();
    }
  });

  it('stores an instance and returns it byte-identical, with listing and DICOM JSON metadata', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const x = makeTestInstance({ instanceNumber: 7 });
      const result = await archive.ingest({ bytes: x.bytes, source: source('a.dcm') });
      expect(result).toMatchObject({ outcome: 'stored', label: 'a.dcm', sopInstanceUid: x.sopInstanceUid, studyInstanceUid: x.studyInstanceUid, seriesInstanceUid: x.seriesInstanceUid, sopClassUid: ctImageStorage });
      expect(result.warnings).toEqual([]);
      const records = await archive.listInstances({ studyInstanceUid: x.studyInstanceUid });
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect(record).toMatchObject({ sopInstanceUid: x.sopInstanceUid, instanceNumber: 7, numberOfFrames: 1, sizeBytes: x.bytes.length, transferSyntaxUid: '1.2.840.10008.1.2.1' });
      expect(Buffer.from(await archive.readInstance(record)).equals(Buffer.from(x.bytes))).toBe(true);
      const metadata = await archive.readInstanceMetadata(record);
      expect(metadata['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] });
      expect(metadata['0020000D']).toEqual({ vr: 'UI', Value: [x.studyInstanceUid] });
      expect(metadata['7FE00010']?.BulkDataURI).toBe(`/dicomweb/studies/${x.studyInstanceUid}/series/${x.seriesInstanceUid}/instances/${x.sopInstanceUid}/bulkdata/7FE00010`);
      expect(metadata['7FE00010']?.InlineBinary).toBeUndefined();
      // Blob file names are digests, never UIDs.
      expect(blobFiles(dataDir)).toEqual([expect.stringMatching(/^[0-9a-f]{2}\/[0-9a-f]{64}$/)]);
      expect(blobFiles(dataDir).join()).not.toContain(x.sopInstanceUid);
      expect(await archive.listInstances({ studyInstanceUid: '1.2.3.999' })).toEqual([]);
    } finally {
      await archive.close();
    }
  });

  it('ingesting the same bytes again is a no-op reported as duplicate', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const x = makeTestInstance();
      expect((await archive.ingest({ bytes: x.bytes, source: source('first') })).outcome).toBe('stored');
      const before = await snapshot(archive, dataDir);
      const again = await archive.ingest({ bytes: x.bytes, source: source('second') });
      expect(again).toMatchObject({ outcome: 'duplicate', label: 'second', sopInstanceUid: x.sopInstanceUid, studyInstanceUid: x.studyInstanceUid });
      expect(await snapshot(archive, dataDir)).toEqual(before);
      // Also when the copy arrives with replace: nothing differs, nothing changes.
      expect((await archive.ingest({ bytes: x.bytes, source: source('third'), replace: true })).outcome).toBe('duplicate');
      expect(await snapshot(archive, dataDir)).toEqual(before);
    } finally {
      await archive.close();
    }
  });

  it('rejects different bytes under a stored SOP Instance UID with ARCHIVE_INSTANCE_CONFLICT, and replaces them only when asked', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const original = makeTestInstance({ instanceNumber: 1 });
      await archive.ingest({ bytes: original.bytes, source: source('original.dcm') });
      const before = await snapshot(archive, dataDir);

      const other = makeTestInstance({ sopInstanceUid: original.sopInstanceUid, studyInstanceUid: original.studyInstanceUid, seriesInstanceUid: original.seriesInstanceUid, instanceNumber: 2 });
      const conflict = await archive.ingest({ bytes: other.bytes, source: source('other.dcm') });
      expect(conflict.outcome).toBe('rejected');
      expect(conflict.error?.code).toBe('ARCHIVE_INSTANCE_CONFLICT');
      expect(conflict.error?.message).toContain('other.dcm');
      expect(conflict.error?.message).toContain(original.sopInstanceUid);
      expect(conflict.error?.message).toContain('replace');
      expect(await snapshot(archive, dataDir)).toEqual(before);
      const [record] = await archive.listInstances({ studyInstanceUid: original.studyInstanceUid });
      expect(Buffer.from(await archive.readInstance(record!)).equals(Buffer.from(original.bytes))).toBe(true);

      const replaced = await archive.ingest({ bytes: other.bytes, source: source('other.dcm'), replace: true });
      expect(replaced).toMatchObject({ outcome: 'replaced', sopInstanceUid: original.sopInstanceUid });
      const [after] = await archive.listInstances({ studyInstanceUid: original.studyInstanceUid });
      expect(after!.instanceNumber).toBe(2);
      expect(Buffer.from(await archive.readInstance(after!)).equals(Buffer.from(other.bytes))).toBe(true);
      expect((await archive.readInstanceMetadata(after!))['00200013']).toEqual({ vr: 'IS', Value: [2] });
      // The replaced blob is gone; only the new one remains.
      await new Promise((r) => setTimeout(r, 50));
      expect(blobFiles(dataDir)).toEqual([expect.stringContaining(after!.sha256)]);
      expect(await archive.index.counts()).toEqual(before.counts);
    } finally {
      await archive.close();
    }
  });

  it('a replacement that moves an instance to another study leaves no empty study, series or patient behind', async () => {
    const { archive } = await backend.open();
    try {
      const first = makeTestInstance({ patientId: 'MOVE-A' });
      await archive.ingest({ bytes: first.bytes, source: source('first') });
      const moved = makeTestInstance({ sopInstanceUid: first.sopInstanceUid, patientId: 'MOVE-B' });
      expect((await archive.ingest({ bytes: moved.bytes, source: source('moved'), replace: true })).outcome).toBe('replaced');
      expect(await archive.index.counts()).toEqual({ patients: 1, studies: 1, series: 1, instances: 1 });
      expect(await archive.listInstances({ studyInstanceUid: first.studyInstanceUid })).toEqual([]);
      expect(await archive.listInstances({ studyInstanceUid: moved.studyInstanceUid })).toHaveLength(1);
      const patients = await archive.query({ level: 'PATIENT', match: {} });
      expect(patients.rows.map((r) => r['00100020']?.Value)).toEqual([['MOVE-B']]);
    } finally {
      await archive.close();
    }
  });

  it('rejects every kind of bad input with its catalogue code and a message naming the source, and changes nothing', async () => {
    const { archive, dataDir } = await backend.open({ maxInstanceBytes: 4096 });
    try {
      const kept = makeTestInstance();
      await archive.ingest({ bytes: kept.bytes, source: source('kept.dcm') });
      const before = await snapshot(archive, dataDir);
      const meta = (uid: string) => [
        { tag: '00080016', vr: 'UI', value: ctImageStorage },
        { tag: '00080018', vr: 'UI', value: uid },
      ];
      const good = makeTestInstance().bytes;
      const cases: Array<[label: string, bytes: Uint8Array, codes: string[]]> = [
        ['zero-bytes.dcm', new Uint8Array(0), ['DICOM_EMPTY_FILE']],
        ['notes.txt', new TextEncoder().encode('This is a text file and not DICOM at all; it has no preamble or data set.'), ['DICOM_NOT_DICOM']],
        ['truncated.dcm', good.slice(0, good.length - 10), ['DICOM_TRUNCATED']],
        ['cut-in-header.dcm', good.slice(0, 300), ['DICOM_TRUNCATED']],
        ['length-past-end.dcm', concat([writeTestPart10(meta('1.2.3.4')), encodeElement({ tag: '7FE00010', vr: 'OW', value: new Uint8Array(4) }, 4096)]), ['DICOM_LENGTH_PAST_END', 'DICOM_TRUNCATED']],
        ['absurd-length.dcm', concat([writeTestPart10(meta('1.2.3.5')), encodeElement({ tag: '7FE00010', vr: 'OW', value: new Uint8Array(4) }, 0xfffffff0)]), ['DICOM_LENGTH_PAST_END', 'DICOM_TRUNCATED']],
        ['absurd-private.dcm', concat([writeTestPart10(meta('1.2.3.6')), encodeElement({ tag: '00091010', vr: 'OB', value: new Uint8Array(4) }, 0xfffffff0)]), ['DICOM_LENGTH_PAST_END', 'DICOM_TRUNCATED']],
        ['no-transfer-syntax.dcm', writeTestPart10(meta('1.2.3.7'), { transferSyntaxUid: null }), ['DICOM_MISSING_TRANSFER_SYNTAX']],
        ['path-uid.dcm', writeTestPart10(meta('../../x')), ['DICOM_INVALID_UID']],
        ['path-study-uid.dcm', writeTestPart10([...meta('1.2.3.8'), { tag: '0020000D', vr: 'UI', value: '../../../etc' }]), ['DICOM_INVALID_UID']],
        ['no-sop-uid.dcm', writeTestPart10([{ tag: '00080016', vr: 'UI', value: ctImageStorage }, { tag: '00100010', vr: 'PN', value: 'X' }]), ['DICOM_MISSING_SOP_INSTANCE_UID']],
        ['mpps.dcm', writeTestPart10([{ tag: '00080016', vr: 'UI', value: '1.2.840.10008.3.1.2.3.3' }, { tag: '00080018', vr: 'UI', value: '1.2.3.9' }]), ['DICOM_SOP_CLASS_NOT_SUPPORTED']],
        ['large.dcm', makeTestInstance({ pixelBytes: 8192 }).bytes, ['ARCHIVE_TOO_LARGE']],
      ];
      for (const [label, bytes, codes] of cases) {
        const result: IngestResult = await archive.ingest({ bytes, source: source(label) });
        expect(result.outcome, label).toBe('rejected');
        expect(codes, `${label}: ${result.error?.code} ${result.error?.message}`).toContain(result.error?.code);
        expect(result.error?.message.startsWith(`${label}: `), result.error?.message).toBe(true);
        expect(result.error!.message.length).toBeGreaterThan(label.length + 10);
      }
      expect(await snapshot(archive, dataDir)).toEqual(before);
    } finally {
      await archive.close();
    }
  });

  it('groups the 20 real jp2k slices (empty Study/Series/SOP UIDs) into one study and one series, with the same derived UIDs in any order', async () => {
    const files = readdirSync(jp2kDir)
      .sort()
      .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(jp2kDir, name))) }));
    expect(files).toHaveLength(20);
    const shuffled = [...files].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]!);
    const outcomes: Array<{ study: string; series: string; sops: string[] }> = [];
    for (const order of [files, shuffled]) {
      const { archive } = await backend.open();
      try {
        const results = await Promise.all(order.map((f) => archive.ingest({ bytes: f.bytes, source: source(f.name) })));
        for (const r of results) expect(r.outcome, r.error?.message).toBe('stored');
        expect(new Set(results.map((r) => r.studyInstanceUid)).size).toBe(1);
        expect(new Set(results.map((r) => r.seriesInstanceUid)).size).toBe(1);
        const first = results[0]!;
        expect(first.studyInstanceUid).toMatch(/^2\.25\.\d{1,39}$/);
        expect(first.seriesInstanceUid).toMatch(/^2\.25\.\d{1,39}$/);
        expect(first.sopInstanceUid).toMatch(/^1\.3\.12\.2\.1107\.5\.1\.4\.60064\./);
        expect(first.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['DERIVED_STUDY_UID', 'DERIVED_SERIES_UID', 'SOP_INSTANCE_UID_FROM_FILE_META', 'SOP_CLASS_UID_FROM_FILE_META', 'EMPTY_PATIENT_ID']));
        expect(await archive.index.counts()).toEqual({ patients: 1, studies: 1, series: 1, instances: 20 });

        const studies = await archive.query({ level: 'STUDY', match: {} });
        expect(studies.rows).toHaveLength(1);
        expect(studies.rows[0]!['0020000D']).toEqual({ vr: 'UI', Value: [first.studyInstanceUid] });
        expect(studies.rows[0]!['00201208']).toEqual({ vr: 'IS', Value: [20] });
        expect(studies.rows[0]!['00201206']).toEqual({ vr: 'IS', Value: [1] });
        expect(studies.rows[0]!['00080061']).toEqual({ vr: 'CS', Value: ['CT'] });

        const warnings = await archive.listIngestWarnings(first.studyInstanceUid);
        expect(warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['DERIVED_STUDY_UID', 'DERIVED_SERIES_UID', 'SOP_INSTANCE_UID_FROM_FILE_META', 'EMPTY_PATIENT_ID']));
        expect(warnings.filter((w) => w.code === 'DERIVED_SERIES_UID')).toHaveLength(1);

        const records = await archive.listInstances({ studyInstanceUid: first.studyInstanceUid, seriesInstanceUid: first.seriesInstanceUid });
        expect(records).toHaveLength(20);
        // Ordered by instance number (286 → 267 in the files).
        expect(records.map((r) => r.instanceNumber)).toEqual([...records.map((r) => r.instanceNumber)].sort((a, b) => (a ?? 0) - (b ?? 0)));
        const metadata = await archive.readInstanceMetadata(records[0]!);
        expect(metadata['0020000D']).toEqual({ vr: 'UI', Value: [first.studyInstanceUid] });
        expect(metadata['0020000E']).toEqual({ vr: 'UI', Value: [first.seriesInstanceUid] });
        expect(metadata['00080018']).toEqual({ vr: 'UI', Value: [records[0]!.sopInstanceUid] });
        const byName = new Map(files.map((f) => [f.name, f.bytes]));
        for (const record of records) {
          const original = [...byName.values()].find((b) => Buffer.from(b).includes(Buffer.from(record.sopInstanceUid)));
          expect(Buffer.from(await archive.readInstance(record)).equals(Buffer.from(original!))).toBe(true);
        }
        outcomes.push({ study: first.studyInstanceUid, series: first.seriesInstanceUid, sops: results.map((r) => r.sopInstanceUid).sort() });
      } finally {
        await archive.close();
      }
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it('8 parallel callers ingesting hundreds of instances, with repeats, lose nothing and duplicate nothing', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const studies = Array.from({ length: 4 }, (_, s) => ({ study: `1.2.826.0.1.3680043.10.${s + 1}`, series: [`1.2.826.0.1.3680043.10.${s + 1}.1`, `1.2.826.0.1.3680043.10.${s + 1}.2`] }));
      const instances = Array.from({ length: 400 }, (_, i) => {
        const s = studies[i % 4]!;
        return makeTestInstance({ studyInstanceUid: s.study, seriesInstanceUid: s.series[Math.floor(i / 4) % 2]!, patientId: `P${i % 4}`, instanceNumber: i, pixelBytes: 2048 });
      });
      // Every 5th instance is sent twice, by different callers.
      const work = [...instances.map((x, i) => ({ x, i })), ...instances.filter((_, i) => i % 5 === 0).map((x, i) => ({ x, i: i * 5 }))];
      let next = 0;
      const results: IngestResult[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, caller) => {
          while (next < work.length) {
            const { x, i } = work[next++]!;
            results.push(await archive.ingest({ bytes: x.bytes, source: { kind: 'stow-rs', label: `caller ${caller} item ${i}` } }));
          }
        }),
      );
      const tally = results.reduce<Record<string, number>>((t, r) => ({ ...t, [r.outcome]: (t[r.outcome] ?? 0) + 1 }), {});
      expect(tally).toEqual({ stored: 400, duplicate: 80 });
      expect(await archive.index.counts()).toEqual({ patients: 4, studies: 4, series: 8, instances: 400 });
      expect(blobFiles(dataDir)).toHaveLength(400);
      expect(tempFiles(dataDir)).toEqual([]);
      const bySop = new Map(instances.map((x) => [x.sopInstanceUid, x.bytes]));
      let checked = 0;
      for (const s of studies) {
        const records = await archive.listInstances({ studyInstanceUid: s.study });
        expect(records).toHaveLength(100);
        for (const record of records) {
          expect(Buffer.from(await archive.readInstance(record)).equals(Buffer.from(bySop.get(record.sopInstanceUid)!))).toBe(true);
          checked += 1;
        }
      }
      expect(checked).toBe(400);
      const study = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: studies[0]!.study } });
      expect(study.rows[0]!['00201208']).toEqual({ vr: 'IS', Value: [100] });
      expect(study.rows[0]!['00201206']).toEqual({ vr: 'IS', Value: [2] });
    } finally {
      await archive.close();
    }
  });

  it('concurrent ingests of different objects under one new SOP Instance UID store exactly one and reject the others', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const sop = '1.2.826.0.1.3680043.10.77';
      const variants = Array.from({ length: 6 }, (_, i) => makeTestInstance({ sopInstanceUid: sop, instanceNumber: i }));
      const results = await Promise.all(variants.map((v, i) => archive.ingest({ bytes: v.bytes, source: source(`variant ${i}`) })));
      expect(results.filter((r) => r.outcome === 'stored')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'rejected').map((r) => r.error?.code)).toEqual(Array(5).fill('ARCHIVE_INSTANCE_CONFLICT'));
      await new Promise((r) => setTimeout(r, 50));
      expect(blobFiles(dataDir)).toHaveLength(1);
      const winner = variants[results.findIndex((r) => r.outcome === 'stored')]!;
      const [record] = await archive.listInstances({ studyInstanceUid: winner.studyInstanceUid });
      expect(Buffer.from(await archive.readInstance(record!)).equals(Buffer.from(winner.bytes))).toBe(true);
    } finally {
      await archive.close();
    }
  });

  it('keeps everything across close and reopen, and removes temp files left by an interrupted write', async () => {
    const test = await backend.open();
    const x = makeTestInstance();
    await test.archive.ingest({ bytes: x.bytes, source: source('x') });
    await test.archive.close();
    writeFileSync(join(test.dataDir, 'tmp', 'deadbeefdeadbeef-0123456789abcdef.tmp'), 'half a blob');
    const archive = await test.reopen();
    try {
      expect(tempFiles(test.dataDir)).toEqual([]);
      const [record] = await archive.listInstances({ studyInstanceUid: x.studyInstanceUid });
      expect(Buffer.from(await archive.readInstance(record!)).equals(Buffer.from(x.bytes))).toBe(true);
      expect((await archive.ingest({ bytes: x.bytes, source: source('x again') })).outcome).toBe('duplicate');
    } finally {
      await archive.close();
    }
  });

  it('deleteStudy removes the study, its rows and its blobs', async () => {
    const { archive, dataDir } = await backend.open();
    try {
      const a = makeTestInstance({ patientId: 'DEL' });
      const b = makeTestInstance({ patientId: 'KEEP' });
      await archive.ingest({ bytes: a.bytes, source: source('a') });
      await archive.ingest({ bytes: b.bytes, source: source('b') });
      expect(await archive.deleteStudy(a.studyInstanceUid)).toBe(true);
      expect(await archive.deleteStudy(a.studyInstanceUid)).toBe(false);
      expect(await archive.index.counts()).toEqual({ patients: 1, studies: 1, series: 1, instances: 1 });
      expect(blobFiles(dataDir)).toHaveLength(1);
      expect((await archive.ingest({ bytes: a.bytes, source: source('a again') })).outcome).toBe('stored');
    } finally {
      await archive.close();
    }
  });

  it('after close, ingest answers rejected instead of throwing', async () => {
    const { archive } = await backend.open();
    await archive.close();
    const result = await archive.ingest({ bytes: makeTestInstance().bytes, source: source('late.dcm') });
    expect(result.outcome).toBe('rejected');
    expect(result.error?.message).toContain('late.dcm');
  });
});
