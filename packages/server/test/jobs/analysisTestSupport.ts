/**
 * Test-only support of the analysis job tests (issue 6): CT series made by the phantom (a
 * lumbar spine on a small grid; a head-like skull shell with no spine; RLE-compressed
 * series whose pixel data is then broken), a whole server (startVertebraServer with the
 * 'admin' password set) on a temp data directory, STOW-RS, and polling the analyses REST
 * API while recording every state seen.
 */
import { randomBytes } from 'node:crypto';
import type { SeriesAnalysis, StudyAnalyses } from '@vertebra/contracts';
import { readDicomHeader } from '@vertebra/dicom';
import type { Mat3, Volume } from '@vertebra/geometry';
import { encodeCtSeries, generatePhantomCase, phantomSuite, studyIdentity } from '@vertebra/phantom';
import { startVertebraServer, type StartVertebraServerOptions, type VertebraServer } from '../../src/startVertebraServer.js';
import { basicAuthHeaders } from '../support/startTestServer.js';
import { multipartBody } from '../support/makeTestInstance.js';

export interface TestSeries {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly instances: readonly Uint8Array[];
}

function seriesOf(instances: readonly Uint8Array[]): TestSeries {
  const header = readDicomHeader(instances[0]!, { subject: 'test series' });
  return { studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, instances };
}

/** The phantom's normal lumbar CT (T12–S1 in view) on a small grid: 160² at 2.4 mm, 3 mm slices. */
export function lumbarSpineCt(): TestSeries {
  const options = phantomSuite().find((c) => c.caseId === 'normal-hfs-1mm')!;
  const phantom = generatePhantomCase({
    ...options,
    modalities: ['ct'],
    ct: { ...options.ct, columns: 160, rows: 160, pixelSpacingMm: 2.4, sliceThicknessMm: 3 },
  });
  return seriesOf(phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes));
}

const identity: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** A head-like CT with no spine (skull shell around brain), `slices` axial slices at 4 mm; RLE when asked. */
export function headCt(options: { slices?: number; compression?: 'none' | 'rle' } = {}): TestSeries {
  const nx = 48;
  const nz = options.slices ?? 40;
  const spacing = 4;
  const data = new Int16Array(nx * nx * nz);
  let n = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < nx; j++) {
      for (let i = 0; i < nx; i++, n++) {
        const r = Math.hypot((i - nx / 2) * spacing, (j - nx / 2) * spacing * 1.15, (k - nz / 2) * spacing);
        data[n] = r > 76 ? -1000 : r > 70 ? 1200 : r > 67 ? -60 : 35;
      }
    }
  }
  const volume: Volume<Int16Array> = { dimensions: [nx, nx, nz], spacingMm: [spacing, spacing, spacing], originLps: [-96, -96, -80], direction: identity, data, valueUnit: 'HU' };
  const key = `head-${randomBytes(6).toString('hex')}`;
  const study = studyIdentity({ patient: { patientId: key, patientName: 'Head^Test', sex: 'O', birthDate: '19700101' }, studyKey: key, studyDate: '20260301', studyDescription: 'HEAD' });
  const encoded = encodeCtSeries(volume, {
    study,
    seriesNumber: 2,
    seriesDescription: 'HEAD AXIAL',
    patientPosition: 'HFS',
    sliceThicknessMm: spacing,
    bodyPartExamined: 'HEAD',
    ...(options.compression === undefined ? {} : { compression: options.compression }),
  });
  return seriesOf(encoded.instances.map((i) => i.bytes));
}

/**
 * The same series with the RLE header of one instance's pixel data declaring 7 segments (16-bit
 * grayscale has 2): the archive stores it (ingest reads headers, not pixels), decoding fails.
 */
export function breakRlePixelData(series: TestSeries, index: number): TestSeries {
  const instances = series.instances.map((bytes) => bytes.slice());
  const bytes = instances[index]!;
  // (7FE0,0010) OB, undefined length: E0 7F 10 00 'O' 'B' 00 00 FF FF FF FF; then the Basic Offset Table item and the first fragment item.
  const tag = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff]);
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(tag);
  if (at < 0) throw new Error('no encapsulated Pixel Data in the instance');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tableItem = at + tag.length;
  const fragmentItem = tableItem + 8 + view.getUint32(tableItem + 4, true);
  if (view.getUint16(fragmentItem, true) !== 0xfffe || view.getUint16(fragmentItem + 2, true) !== 0xe000) throw new Error('no fragment item after the offset table');
  const rleHeader = fragmentItem + 8;
  if (view.getUint32(rleHeader, true) !== 2) throw new Error('expected an RLE header with 2 segments');
  view.setUint32(rleHeader, 7, true);
  return { ...series, instances };
}

export interface AnalysisTestServer {
  readonly server: VertebraServer;
  readonly headers: Record<string, string>;
  readonly api: string;
}

export const testAdminPassword = 'analysis-test-password';

export async function startAnalysisServer(dataDir: string, analysis: StartVertebraServerOptions['analysis'], extra: Partial<StartVertebraServerOptions> = {}): Promise<AnalysisTestServer> {
  const server = await startVertebraServer({ dataDir, httpPort: 0, dimsePort: null, adminPassword: testAdminPassword, ...(analysis === undefined ? {} : { analysis }), ...extra });
  return { server, headers: basicAuthHeaders('admin', testAdminPassword), api: `${server.httpUrl}/api` };
}

export async function stow(httpUrl: string, headers: Record<string, string>, instances: readonly Uint8Array[]): Promise<Response> {
  const { body, contentType } = multipartBody(instances);
  return fetch(`${httpUrl}/dicomweb/studies`, { method: 'POST', headers: { ...headers, 'content-type': contentType, accept: 'application/dicom+json' }, body });
}

export async function listAnalyses(api: string, headers: Record<string, string>, study: string): Promise<readonly SeriesAnalysis[]> {
  const response = await fetch(`${api}/studies/${study}/analyses`, { headers });
  if (response.status !== 200) throw new Error(`GET analyses answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as StudyAnalyses).analyses;
}

/**
 * Polls GET …/analyses of the studies every 50 ms until `done` holds for the latest answer
 * (or 45 s pass); returns the latest analyses per series and every state seen per series.
 */
export async function pollAnalyses(
  target: Pick<AnalysisTestServer, 'api' | 'headers'>,
  studies: readonly string[],
  done: (latest: ReadonlyMap<string, SeriesAnalysis>) => boolean,
): Promise<{ latest: Map<string, SeriesAnalysis>; seen: Map<string, string[]> }> {
  const latest = new Map<string, SeriesAnalysis>();
  const seen = new Map<string, string[]>();
  const deadline = Date.now() + 45_000;
  for (;;) {
    for (const study of studies) {
      for (const analysis of await listAnalyses(target.api, target.headers, study)) {
        latest.set(analysis.seriesInstanceUid, analysis);
        const states = seen.get(analysis.seriesInstanceUid) ?? [];
        if (states[states.length - 1] !== analysis.state) states.push(analysis.state);
        seen.set(analysis.seriesInstanceUid, states);
      }
    }
    if (done(latest)) return { latest, seen };
    if (Date.now() > deadline) throw new Error(`analyses did not settle: ${JSON.stringify([...seen])}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const finished = (analysis: SeriesAnalysis | undefined): boolean => analysis !== undefined && (analysis.state === 'done' || analysis.state === 'failed');
