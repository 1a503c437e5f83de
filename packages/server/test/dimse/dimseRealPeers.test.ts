/**
 * The DIMSE SCP against real peers (dcmtk echoscu/storescu/findscu/movescu/getscu/storescp
 * and Orthanc 1.10 as a second PACS), over loopback, with a real archive (SQLite + files):
 * the calling-AE allow-list (deny by default, PS3.8 9.3.4) and the audit records of
 * C-STORE, C-FIND, C-MOVE and C-GET, read back from the archive's audit trail.
 */
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { openArchive, securityStoreOf, type ArchiveService, type AuditEvent, type AuditQuery, type SecurityStore } from '@vertebra/archive';
import { createAuditWriter, type AuditWriter } from '../../src/audit/createAuditWriter.js';
import { startDimseServer, type DimseServer } from '../../src/dimse/startDimseServer.js';
import { RawDataset } from '../../src/dimse/RawDataset.js';
import { splitPart10 } from '../../src/dimse/part10Framing.js';
import { datasetBytes, freePort, makeCtInstance, runTool } from './dimseTestSupport.js';
import { startOrthanc, type RunningOrthanc } from '../../../../scripts/lib/startOrthanc.mjs';

const SAMPLE_DIR = join(import.meta.dirname, '../../../../../shared/data/ct-abdomen-dicom-jp2k');
const ROOT = '1.2.826.0.1.3680043.8.498.77';
const STUDY_A = `${ROOT}.1`;
const STUDY_B = `${ROOT}.2`;
const SERIES_A1 = `${ROOT}.1.1`;
const SERIES_A2 = `${ROOT}.1.2`;
const SERIES_B1 = `${ROOT}.2.1`;

interface Generated {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sopInstanceUid: string;
}

let work: string;
let archive: ArchiveService;
let server: DimseServer;
let storescpPort: number;
let storescp: ChildProcess | undefined;
let storescpDir: string;
let plainScpPort: number;
let plainScp: ChildProcess | undefined;
let plainScpDir: string;
let cancelScpPort: number;
let cancelScp: ChildProcess | undefined;
let cancelScpDir: string;
let orthanc: RunningOrthanc | undefined;
let orthancHttp: number;
let orthancDicom: number;
const generated: Generated[] = [];
const logs: string[] = [];
let store: SecurityStore;
let audit: AuditWriter;

/**
 * Audit events matching `query` and `accept`, once there are `count` of them: C-STORE
 * summaries are written when the server sees the association end, which may come just
 * after the peer's tool has exited.
 */
async function auditEvents(query: AuditQuery, accept: (event: AuditEvent) => boolean = () => true, count = 1): Promise<AuditEvent[]> {
  // Orthanc holds an association open a few seconds after its last C-STORE (DicomAssociationCloseDelay).
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    await audit.flush();
    const events = (await store.queryAudit({ ...query, limit: 1000 })).filter(accept);
    if (events.length >= count || Date.now() > giveUpAt) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function generate(): Promise<void> {
  const specs = [
    // 256×256 slices span several P-DATA PDUs (16 KiB each): byte identity across fragments.
    { patientName: 'DOE^JANE', patientId: 'P1', study: STUDY_A, series: SERIES_A1, date: '20240115', n: 3, seriesNumber: 1, modality: 'CT', size: 256 },
    { patientName: 'DOE^JANE', patientId: 'P1', study: STUDY_A, series: SERIES_A2, date: '20240115', n: 2, seriesNumber: 2, modality: 'CT', size: undefined },
    { patientName: 'SMITH^JOHN', patientId: 'P2', study: STUDY_B, series: SERIES_B1, date: '20230610', n: 2, seriesNumber: 1, modality: 'CT', size: undefined },
  ];
  const dir = join(work, 'generated');
  await mkdir(dir, { recursive: true });
  for (const spec of specs) {
    for (let i = 1; i <= spec.n; i++) {
      const sopInstanceUid = `${spec.series}.${i}`;
      const bytes = makeCtInstance({
        patientName: spec.patientName,
        patientId: spec.patientId,
        studyInstanceUid: spec.study,
        seriesInstanceUid: spec.series,
        sopInstanceUid,
        studyDate: spec.date,
        instanceNumber: i,
        seriesNumber: spec.seriesNumber,
        modality: spec.modality,
        rows: spec.size ?? 16,
        columns: spec.size ?? 16,
      });
      const path = join(dir, `${sopInstanceUid}.dcm`);
      await writeFile(path, bytes);
      generated.push({ path, bytes, sopInstanceUid });
    }
  }
}

function scu(): string[] {
  return ['-aet', 'TESTSCU', '-aec', 'VERTEBRA', '127.0.0.1', String(server.port)];
}

function findValues(output: string, keyword: string): string[] {
  const values: string[] = [];
  const pattern = new RegExp(`\\[([^\\]]*)\\]\\s+#.*${keyword}\\s*$`);
  for (const line of output.split('\n')) {
    const m = pattern.exec(line);
    if (m) values.push((m[1] ?? '').trim());
  }
  return values;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vertebra-dimse-'));
  archive = await openArchive({ dataDir: join(work, 'archive') });
  store = securityStoreOf(archive)!;
  audit = createAuditWriter({ store });
  await generate();
  storescpPort = await freePort();
  orthancHttp = await freePort();
  orthancDicom = await freePort();
  storescpDir = join(work, 'storescp');
  await mkdir(storescpDir, { recursive: true });
  plainScpPort = await freePort();
  plainScpDir = join(work, 'plainscp');
  await mkdir(plainScpDir, { recursive: true });
  cancelScpPort = await freePort();
  cancelScpDir = join(work, 'cancelscp');
  await mkdir(cancelScpDir, { recursive: true });
  server = await startDimseServer({
    archive,
    port: 0,
    remoteAes: {
      STORESCP: { host: '127.0.0.1', port: storescpPort },
      PLAINSCP: { host: '127.0.0.1', port: plainScpPort },
      CANCELSCP: { host: '127.0.0.1', port: cancelScpPort },
      ORTHANC: { host: '127.0.0.1', port: orthancDicom },
    },
    allowedPeers: [{ aeTitle: 'TESTSCU' }, { aeTitle: 'ORTHANC', host: '127.0.0.1' }],
    audit,
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  });
  storescp = spawn('storescp', ['-aet', 'STORESCP', '-od', storescpDir, '+xa', String(storescpPort)], { stdio: 'ignore' });
  // Accepts only uncompressed transfer syntaxes (storescp's default).
  plainScp = spawn('storescp', ['-aet', 'PLAINSCP', '-od', plainScpDir, String(plainScpPort)], { stdio: 'ignore' });
  cancelScp = spawn('storescp', ['-aet', 'CANCELSCP', '-od', cancelScpDir, String(cancelScpPort)], { stdio: 'ignore' });
  orthanc = await startOrthanc({
    workDir: join(work, 'orthanc'),
    httpPort: orthancHttp,
    dicomPort: orthancDicom,
    aeTitle: 'ORTHANC',
    modalities: { vertebra: { aeTitle: 'VERTEBRA', host: '127.0.0.1', port: server.port } },
  });
});

afterAll(async () => {
  storescp?.kill('SIGTERM');
  plainScp?.kill('SIGTERM');
  cancelScp?.kill('SIGTERM');
  await orthanc?.stop();
  await server?.close();
  await audit?.close();
  await archive?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('DIMSE SCP with dcmtk and Orthanc', () => {
  it('binds to 127.0.0.1 by default and answers echoscu', async () => {
    expect(server.host).toBe('127.0.0.1');
    const echo = await runTool('echoscu', scu());
    expect(echo.code, echo.stderr).toBe(0);
  });

  it('rejects a wrong called AE title and an unknown calling AE cleanly, and stays up', async () => {
    const wrongCalled = await runTool('echoscu', ['-aet', 'TESTSCU', '-aec', 'NOTVERTEBRA', '127.0.0.1', String(server.port)]);
    expect(wrongCalled.code).not.toBe(0);
    expect(wrongCalled.stderr + wrongCalled.stdout).toMatch(/Called AE Title Not Recognized|rejected/i);
    const restricted = await startDimseServer({ archive, port: 0, allowedPeers: [{ aeTitle: 'KNOWN' }] });
    try {
      const unknown = await runTool('echoscu', ['-aet', 'STRANGER', '-aec', 'VERTEBRA', '127.0.0.1', String(restricted.port)]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr + unknown.stdout).toMatch(/Calling AE Title Not Recognized|rejected/i);
      const known = await runTool('echoscu', ['-aet', 'KNOWN', '-aec', 'VERTEBRA', '127.0.0.1', String(restricted.port)]);
      expect(known.code, known.stderr).toBe(0);
    } finally {
      await restricted.close();
    }
    expect((await runTool('echoscu', scu())).code).toBe(0);
  });

  it('rejects every association when no peer is allowed (deny by default), says how to allow one, and audits it', async () => {
    const lines: string[] = [];
    const closed = await startDimseServer({ archive, port: 0, audit, logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) } });
    try {
      const echo = await runTool('echoscu', ['-v', '-aet', 'NOBODYKNOWS', '-aec', 'VERTEBRA', '127.0.0.1', String(closed.port)]);
      expect(echo.code).not.toBe(0);
      // PS3.8 9.3.4: rejected-permanent, DICOM UL service-user, reason 3.
      expect(echo.stderr + echo.stdout).toMatch(/Rejected Permanent[\s\S]*Service User[\s\S]*Calling AE Title Not Recognized/i);
      expect(lines.join('\n')).toMatch(/no peer is allowed.*--dimse-allow AE\[@host\]/);
      expect(lines.join('\n')).toMatch(/NOBODYKNOWS@127\.0\.0\.1 rejected: no DIMSE peer is allowed \(deny by default\)/);
    } finally {
      await closed.close();
    }
    const [event] = await auditEvents({ action: 'association-rejected', actor: 'ae:NOBODYKNOWS' });
    expect(event).toMatchObject({ outcome: 'denied', source: '127.0.0.1', patientId: null, studyInstanceUid: null });
    expect(event?.detail).toMatch(/deny by default/);
  });

  it('rejects an allowed AE title coming from another address, and admits it from its own', async () => {
    const lines: string[] = [];
    const elsewhere = await startDimseServer({ archive, port: 0, audit, allowedPeers: [{ aeTitle: 'ROAMING', host: '192.0.2.7' }], logger: { info: () => undefined, warn: (m) => lines.push(m), error: (m) => lines.push(m) } });
    const here = await startDimseServer({ archive, port: 0, allowedPeers: [{ aeTitle: 'ROAMING', host: 'localhost' }] });
    try {
      const echo = await runTool('echoscu', ['-v', '-aet', 'ROAMING', '-aec', 'VERTEBRA', '127.0.0.1', String(elsewhere.port)]);
      expect(echo.code).not.toBe(0);
      expect(echo.stderr + echo.stdout).toMatch(/Calling AE Title Not Recognized/i);
      expect(lines.join('\n')).toMatch(/"ROAMING" is allowed only from 192\.0\.2\.7, not from 127\.0\.0\.1/);
      const allowed = await runTool('echoscu', ['-aet', 'ROAMING', '-aec', 'VERTEBRA', '127.0.0.1', String(here.port)]);
      expect(allowed.code, allowed.stderr).toBe(0);
    } finally {
      await elsewhere.close();
      await here.close();
    }
    const [event] = await auditEvents({ action: 'association-rejected', actor: 'ae:ROAMING' });
    expect(event).toMatchObject({ outcome: 'denied', source: '127.0.0.1' });
    expect(event?.detail).toMatch(/192\.0\.2\.7/);
  });

  it('stores generated instances with storescu (one association) byte-identically, duplicates succeed', async () => {
    const store = await runTool('storescu', [...scu(), ...generated.map((g) => g.path)]);
    expect(store.code, store.stderr).toBe(0);
    for (const g of generated) {
      const [record] = await archive.listInstances({
        studyInstanceUid: g.sopInstanceUid.startsWith(`${STUDY_A}.`) ? STUDY_A : STUDY_B,
        sopInstanceUid: g.sopInstanceUid,
      });
      expect(record, g.sopInstanceUid).toBeDefined();
      const stored = await archive.readInstance(record!);
      expect(Buffer.from(datasetBytes(stored)).equals(Buffer.from(datasetBytes(g.bytes)))).toBe(true);
      // The SCP hashes while receiving: the blob's name must be the digest of what was stored.
      expect(createHash('sha256').update(stored).digest('hex')).toBe(record!.sha256);
    }
    const again = await runTool('storescu', ['-v', ...scu(), generated[0]!.path]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr + again.stdout).toMatch(/Received Store Response \(Success\)/);
    // One audit record per study per association, with the count, the patient and the peer.
    const storedA = await auditEvents({ action: 'c-store', actor: 'ae:TESTSCU', studyInstanceUid: STUDY_A }, () => true, 2);
    expect(storedA.map((e) => e.detail).sort()).toEqual(['instances stored: 1', 'instances stored: 5']);
    expect(storedA.every((e) => e.outcome === 'success' && e.patientId === 'P1' && e.source === '127.0.0.1')).toBe(true);
    const [storedB] = await auditEvents({ action: 'c-store', actor: 'ae:TESTSCU', studyInstanceUid: STUDY_B });
    expect(storedB).toMatchObject({ outcome: 'success', patientId: 'P2', detail: 'instances stored: 2' });
  });

  it('audits what an association stored even when its connection is killed half-way', async () => {
    const study = `${ROOT}.5`;
  const requests: Array<InstanceType<typeof dimse.requests.CStoreRequest>> = [];
    for (const i of [1, 2, 3]) {
      const bytes = makeCtInstance({ patientName: 'CUT^OFF', patientId: 'P5', studyInstanceUid: study, seriesInstanceUid: `${study}.1`, sopInstanceUid: `${study}.1.${i}`, studyDate: '20220301', instanceNumber: i });
      const path = join(work, `cut-off-${i}.dcm`);
      await writeFile(path, bytes);
      requests.push(new dimse.requests.CStoreRequest(path));
    }
  const client = new dimse.Client();
    await new Promise<void>((resolve) => {
      requests[0]!.on('response', () => {
        // The first instance is acknowledged: the peer dies without release or abort.
        (client as unknown as { network?: { socket?: net.Socket } }).network?.socket?.destroy();
        resolve();
      });
      client.on('networkError', () => resolve());
      client.on('closed', () => resolve());
      for (const request of requests) client.addRequest(request);
      client.send('127.0.0.1', server.port, 'TESTSCU', 'VERTEBRA');
    });
    const [event] = await auditEvents({ action: 'c-store', studyInstanceUid: study });
    const stored = await archive.listInstances({ studyInstanceUid: study });
    // Killed after the first acknowledgement: some, not all, of the three were stored.
    expect(stored.length).toBeGreaterThanOrEqual(1);
    expect(stored.length).toBeLessThan(3);
    expect(event).toMatchObject({ actor: 'ae:TESTSCU', outcome: 'success', patientId: 'P5', detail: `instances stored: ${stored.length}` });
  });

  it('stores the JPEG 2000 sample series (SOP UIDs only in the file meta) into one series', async () => {
    // dcmtk's storescu takes the SOP Class/Instance UIDs from the data set, where these
    // files leave them empty: copies get them from the file meta (dcmodify keeps the
    // JPEG 2000 pixel data as it is); Study/Series UIDs stay empty for the archive to derive.
    const names = await readdir(SAMPLE_DIR);
    expect(names).toHaveLength(20);
    const dir = join(work, 'jp2k');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const name of names) {
      const bytes = await readFile(join(SAMPLE_DIR, name));
      const meta = splitPart10(bytes);
      expect(meta.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
      const path = join(dir, name);
      await writeFile(path, bytes);
      const modify = await runTool('dcmodify', ['-nb', '-i', `(0008,0016)=${meta.sopClassUid}`, '-i', `(0008,0018)=${meta.sopInstanceUid}`, path]);
      expect(modify.code, modify.stderr).toBe(0);
      files.push(path);
    }
    const store = await runTool('storescu', ['-xv', '-R', ...scu(), ...files]);
    expect(store.code, store.stderr + store.stdout).toBe(0);
    const series = await archive.query({ level: 'SERIES', match: { Modality: 'CT' }, includeFields: ['NumberOfSeriesRelatedInstances'] });
    const counts = series.rows.map((row) => Number(row['00201209']?.Value?.[0]));
    expect(counts).toContain(20);
  });

  it('gives a clean failure for a non-DICOM file and for a C-STORE whose data set is garbage', async () => {
    const junk = join(work, 'not-dicom.dcm');
    await writeFile(junk, 'this is not a DICOM file at all\n'.repeat(20));
    const store = await runTool('storescu', [...scu(), junk]);
    expect(store.code).not.toBe(0);
    // A peer that sends a garbage data set gets a failure status, and nothing is stored.
    const status = await new Promise<number>((resolve, reject) => {
      const client = new dimse.Client();
      const request = new dimse.requests.CStoreRequest(
        new RawDataset(new Uint8Array(Buffer.from('garbage!'.repeat(64))), '1.2.840.10008.1.2.1', {
          SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
          SOPInstanceUID: `${ROOT}.666`,
        }),
      );
      request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => resolve(response.getStatus()));
      client.on('networkError', reject);
      client.addRequest(request);
      client.send('127.0.0.1', server.port, 'TESTSCU', 'VERTEBRA');
    });
    expect(status & 0xf000).not.toBe(0);
    expect(status).not.toBe(0xb000);
    expect((await runTool('echoscu', scu())).code).toBe(0);
  });

  it('survives a peer that sends garbage and a peer that aborts the association', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.end(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    const aborted = await new Promise<boolean>((resolve) => {
      const client = new dimse.Client();
      client.addRequest(new dimse.requests.CEchoRequest());
      client.on('associationAccepted', () => {
        client.abort();
        resolve(true);
      });
      client.on('associationRejected', () => resolve(false));
      client.on('networkError', () => undefined);
      client.send('127.0.0.1', server.port, 'TESTSCU', 'VERTEBRA');
    });
    expect(aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(logs.some((line) => /aborted by the peer/.test(line))).toBe(true);
    expect((await runTool('echoscu', scu())).code).toBe(0);
  });

  it('closes a connection that never requests an association', async () => {
    const strict = await startDimseServer({ archive, port: 0, associationTimeoutMs: 500 });
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = net.connect(strict.port, '127.0.0.1');
        const timer = setTimeout(() => resolve(false), 20_000);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      expect(closed).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('answers findscu at PATIENT, STUDY, SERIES and IMAGE level', async () => {
    const patient = await runTool('findscu', ['-P', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientName=DOE*', '-k', 'PatientID', ...scu()]);
    expect(patient.code, patient.stderr).toBe(0);
    expect(findValues(patient.stderr + patient.stdout, 'PatientID')).toEqual(['P1']);

    const studies = await runTool('findscu', ['-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyDate=20240101-20241231', '-k', 'StudyInstanceUID', '-k', 'PatientName', '-k', 'NumberOfStudyRelatedInstances', ...scu()]);
    expect(studies.code, studies.stderr).toBe(0);
    const out = studies.stderr + studies.stdout;
    expect(findValues(out, 'StudyInstanceUID')).toEqual([STUDY_A]);
    expect(findValues(out, 'PatientName')).toEqual(['DOE^JANE']);
    expect(findValues(out, 'NumberOfStudyRelatedInstances')).toEqual(['5']);

    const series = await runTool('findscu', ['-S', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${STUDY_A}`, '-k', 'SeriesInstanceUID', '-k', 'SeriesNumber', ...scu()]);
    expect(series.code, series.stderr).toBe(0);
    expect(findValues(series.stderr + series.stdout, 'SeriesInstanceUID').sort()).toEqual([SERIES_A1, SERIES_A2]);

    const images = await runTool('findscu', ['-P', '-k', 'QueryRetrieveLevel=IMAGE', '-k', 'PatientID=P1', '-k', `StudyInstanceUID=${STUDY_A}`, '-k', `SeriesInstanceUID=${SERIES_A1}`, '-k', 'SOPInstanceUID', '-k', 'InstanceNumber', ...scu()]);
    expect(images.code, images.stderr).toBe(0);
    expect(findValues(images.stderr + images.stdout, 'SOPInstanceUID').sort()).toEqual([`${SERIES_A1}.1`, `${SERIES_A1}.2`, `${SERIES_A1}.3`]);

    const none = await runTool('findscu', ['-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'PatientName=nobody*', '-k', 'StudyInstanceUID', ...scu()]);
    expect(none.code).toBe(0);
    expect(findValues(none.stderr + none.stdout, 'StudyInstanceUID')).toEqual([]);

    // Audit: level and matching keys (not the return keys), the number of matches, patient and study when unique.
    const [byDate] = await auditEvents({ action: 'c-find', actor: 'ae:TESTSCU' }, (e) => e.detail?.includes('StudyDate=20240101-20241231') === true);
    expect(byDate).toMatchObject({ outcome: 'success', source: '127.0.0.1', patientId: null, studyInstanceUid: null, detail: 'level STUDY; keys StudyDate=20240101-20241231; matches: 1' });
    const [image] = await auditEvents({ action: 'c-find', actor: 'ae:TESTSCU', studyInstanceUid: STUDY_A }, (e) => e.detail?.startsWith('level IMAGE') === true);
    expect(image).toMatchObject({ outcome: 'success', patientId: 'P1' });
    expect(image?.detail).toMatch(/matches: 3$/);
  });

  it('moves a study to a dcmtk storescp, and refuses an unknown destination with A801', async () => {
    const move = await runTool('movescu', ['-v', '-S', '-aem', 'STORESCP', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY_A}`, ...scu()]);
    expect(move.code, move.stderr).toBe(0);
    const received = await readdir(storescpDir);
    expect(received).toHaveLength(5);
    for (const name of received) {
      const bytes = await readFile(join(storescpDir, name));
      const original = generated.find((g) => Buffer.from(datasetBytes(g.bytes)).equals(Buffer.from(datasetBytes(bytes))));
      expect(original, name).toBeDefined();
    }
    const unknown = await runTool('movescu', ['-v', '-S', '-aem', 'NOWHERE', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY_A}`, ...scu()]);
    expect(unknown.stderr + unknown.stdout).toMatch(/MoveDestinationUnknown/);
    expect((await runTool('echoscu', scu())).code).toBe(0);

    const [moved] = await auditEvents({ action: 'c-move', studyInstanceUid: STUDY_A, outcome: 'success' });
    expect(moved).toMatchObject({ actor: 'ae:TESTSCU', source: '127.0.0.1', patientId: 'P1' });
    expect(moved?.detail).toBe('destination STORESCP; completed: 5, failed: 0, warning: 0; study instances: 5');
    const [refused] = await auditEvents({ action: 'c-move', studyInstanceUid: STUDY_A, outcome: 'failure' }, (e) => e.detail?.includes('NOWHERE') === true);
    expect(refused?.patientId).toBe('P1');
    expect(refused?.detail).toMatch(/^destination NOWHERE; move destination "NOWHERE" is not configured/);
  });

  it('transcodes JPEG 2000 to Explicit VR Little Endian for a destination that accepts only uncompressed data', async () => {
    const series = await archive.query({ level: 'SERIES', match: { SeriesInstanceUID: '*' }, includeFields: ['StudyInstanceUID', 'NumberOfSeriesRelatedInstances'] });
    const jp2k = series.rows.find((row) => Number(row['00201209']?.Value?.[0]) === 20);
    const studyUid = jp2k?.['0020000D']?.Value?.[0] as string;
    const seriesUid = jp2k?.['0020000E']?.Value?.[0] as string;
    expect(seriesUid).toBeTruthy();
    const move = await runTool('movescu', ['-S', '-aem', 'PLAINSCP', '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${studyUid}`, '-k', `SeriesInstanceUID=${seriesUid}`, ...scu()]);
    expect(move.code, `${move.stderr}\n${logs.slice(-5).join('\n')}`).toBe(0);
    const received = await readdir(plainScpDir);
    expect(received).toHaveLength(20);
    for (const name of received) {
      const meta = splitPart10(await readFile(join(plainScpDir, name)));
      expect(meta.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    }
  });

  it('stops a C-MOVE on C-CANCEL and answers Cancel with the sub-operations not performed', async () => {
    const series = await archive.query({ level: 'SERIES', match: { SeriesInstanceUID: '*' }, includeFields: ['StudyInstanceUID', 'NumberOfSeriesRelatedInstances'] });
    const jp2k = series.rows.find((row) => Number(row['00201209']?.Value?.[0]) === 20);
    const studyUid = jp2k?.['0020000D']?.Value?.[0] as string;
    const move = await runTool('movescu', ['-v', '-S', '--cancel', '2', '-aem', 'CANCELSCP', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, ...scu()]);
    expect(move.stderr + move.stdout).toMatch(/Final Move Response \(Cancel/);
    const received = await readdir(cancelScpDir);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(20);
    expect((await runTool('echoscu', scu())).code).toBe(0);
    const [cancelled] = await auditEvents({ action: 'c-move', studyInstanceUid: studyUid }, (e) => e.detail?.includes('CANCELSCP') === true);
    expect(cancelled?.outcome).toBe('failure');
    expect(cancelled?.detail).toMatch(/cancelled/);
  });

  it('returns byte-equivalent data sets to getscu', async () => {
    const outDir = join(work, 'getscu');
    await mkdir(outDir, { recursive: true });
    const get = await runTool('getscu', ['-S', '-od', outDir, '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${STUDY_A}`, '-k', `SeriesInstanceUID=${SERIES_A1}`, ...scu()]);
    expect(get.code, get.stderr).toBe(0);
    const files = await readdir(outDir);
    expect(files).toHaveLength(3);
    for (const name of files) {
      const bytes = await readFile(join(outDir, name));
      const original = generated.find((g) => Buffer.from(datasetBytes(g.bytes)).equals(Buffer.from(datasetBytes(bytes))));
      expect(original, name).toBeDefined();
    }
    const [got] = await auditEvents({ action: 'c-get', studyInstanceUid: STUDY_A });
    expect(got).toMatchObject({ actor: 'ae:TESTSCU', outcome: 'success', patientId: 'P1', detail: 'destination TESTSCU; completed: 3, failed: 0, warning: 0; study instances: 3' });
  });

  it('C-MOVEs a study to Orthanc, and Orthanc C-STOREs an instance back', async () => {
    const move = await runTool('movescu', ['-S', '-aem', 'ORTHANC', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY_B}`, ...scu()]);
    expect(move.code, move.stderr).toBe(0);
    const base = `http://127.0.0.1:${orthancHttp}`;
    const instances = (await (await fetch(`${base}/instances?expand`)).json()) as Array<{ MainDicomTags: { SOPInstanceUID: string } }>;
    expect(instances.map((i) => i.MainDicomTags.SOPInstanceUID).sort()).toEqual([`${SERIES_B1}.1`, `${SERIES_B1}.2`]);

    const fresh = makeCtInstance({
      patientName: 'ORTHANC^SENT',
      patientId: 'P9',
      studyInstanceUid: `${ROOT}.9`,
      seriesInstanceUid: `${ROOT}.9.1`,
      sopInstanceUid: `${ROOT}.9.1.1`,
      studyDate: '20250101',
      instanceNumber: 1,
    });
    const upload = (await (await fetch(`${base}/instances`, { method: 'POST', body: fresh })).json()) as { ID: string };
    const store = await fetch(`${base}/modalities/vertebra/store`, { method: 'POST', body: JSON.stringify({ Resources: [upload.ID], Synchronous: true }) });
    expect(store.status, await store.clone().text()).toBe(200);
    const [record] = await archive.listInstances({ studyInstanceUid: `${ROOT}.9` });
    expect(record?.sopInstanceUid).toBe(`${ROOT}.9.1.1`);
    // ORTHANC is allowed only from 127.0.0.1, where it came from.
    const [fromOrthanc] = await auditEvents({ action: 'c-store', actor: 'ae:ORTHANC' });
    expect(fromOrthanc).toMatchObject({ studyInstanceUid: `${ROOT}.9`, patientId: 'P9', detail: 'instances stored: 1', outcome: 'success' });
  });
});
