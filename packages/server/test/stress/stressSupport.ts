/**
 * Shared support of the hostile-input and fault tests (issue 3): the ONE place that knows
 * how these tests authenticate (HTTP Basic for the 'admin' user bootstrapped with
 * `adminPassword` / VERTEBRA_ADMIN_PASSWORD; the DIMSE allow-list entry of the calling AE),
 * an in-process server on a temp data directory, STOW-RS and WADO-RS calls (PS3.18 10.5,
 * 10.4), C-STORE of raw data set bytes (rawStoreScu), and archive snapshots (instance list
 * with SHA-256 of the stored bytes).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openArchive, type Archive } from '@vertebra/archive';
import { startVertebraServer, type VertebraServer } from '../../src/startVertebraServer.js';
import { RawStoreScu, type StoreOutcome } from './rawStoreScu.js';
import { freePort } from '../dimse/dimseTestSupport.js';

// ---- credentials: the one switch -------------------------------------------------------
/** Password of the bootstrap 'admin' user of every server these tests start. */
export const stressAdminPassword = `stress-${randomBytes(9).toString('base64url')}`;
/** Calling AE title of the test SCUs; the SCP allows exactly this one. */
export const stressCallingAe = 'STRESS';

/** Headers that authenticate an HTTP request as 'admin'. */
export function authHeaders(): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`admin:${stressAdminPassword}`).toString('base64')}` };
}

/** startVertebraServer options that let the test clients in. */
export function serverAuthOptions(): { adminPassword: string; allowedPeers: Array<{ aeTitle: string }> } {
  return { adminPassword: stressAdminPassword, allowedPeers: [{ aeTitle: stressCallingAe }] };
}

let cliAllowsPeers: boolean | undefined;
/** Extra `vertebra serve` arguments and environment that let the test clients in. */
export function serveAuthArgs(cliMain: string): { args: string[]; env: NodeJS.ProcessEnv } {
  // `--dimse-allow` arrives with issue 3's DIMSE allow-list; older builds reject unknown options.
  cliAllowsPeers ??= execFileSync(process.execPath, [cliMain, 'serve', '--help'], { encoding: 'utf8' }).includes('--dimse-allow');
  return { args: cliAllowsPeers ? ['--dimse-allow', stressCallingAe] : [], env: { ...process.env, VERTEBRA_ADMIN_PASSWORD: stressAdminPassword } };
}
// -----------------------------------------------------------------------------------------

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export { freePort };

export interface StressServer {
  readonly server: VertebraServer;
  readonly dataDir: string;
  readonly httpUrl: string;
  readonly dimsePort: number;
  /** The archive the server writes (for snapshots): the same instance the server uses. */
  readonly archive: Archive;
  close(): Promise<void>;
}

/** A whole server (HTTP + DIMSE) on a fresh temp data directory, with the test credentials. */
export async function startStressServer(): Promise<StressServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertebra-stress-'));
  const server = await startVertebraServer({ dataDir, httpPort: 0, dimsePort: 0, ...serverAuthOptions() });
  return {
    server,
    dataDir,
    httpUrl: server.httpUrl,
    dimsePort: server.dimsePort ?? 0,
    archive: server.archive as Archive,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function stowBody(instances: readonly Uint8Array[]): { body: Buffer; contentType: string } {
  const boundary = `stress-${randomInt(1e9)}`;
  const parts: Buffer[] = [];
  for (const bytes of instances) parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

type DicomJson = Record<string, { Value?: unknown[] } | undefined>;

export interface StowOutcome {
  readonly status: number;
  /** SOP Instance UIDs listed as stored (ReferencedSOPSequence, PS3.18 Table 10.5.3-1). */
  readonly stored: string[];
  /** Failed parts with the reason (FailureReason and Vertebra's note text). */
  readonly failed: Array<{ sopInstanceUid: string; failureReason: number | undefined; text: string }>;
  /** The response body as text (for messages). */
  readonly text: string;
}

export async function stow(httpUrl: string, instances: readonly Uint8Array[], timeoutMs = 60_000): Promise<StowOutcome> {
  const { body, contentType } = stowBody(instances);
  const response = await fetch(`${httpUrl}/dicomweb/studies`, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/dicom+json', ...authHeaders() },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: DicomJson = {};
  try {
    json = JSON.parse(text) as DicomJson;
  } catch {
    // not JSON: reported through `text`
  }
  const items = (tag: string): DicomJson[] => (json[tag]?.Value ?? []) as DicomJson[];
  const uid = (entry: DicomJson): string => String(entry['00081155']?.Value?.[0] ?? '');
  return {
    status: response.status,
    stored: items('00081199').map(uid),
    failed: items('00081198').map((entry) => ({
      sopInstanceUid: uid(entry),
      failureReason: entry['00081197']?.Value?.[0] as number | undefined,
      text: JSON.stringify(entry),
    })),
    text,
  };
}

/** The single part of a multipart/related WADO-RS instance response. */
function singlePart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return body;
  const first = body.indexOf(Buffer.from(`--${boundary}`));
  const headersEnd = body.indexOf('\r\n\r\n', first);
  const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd);
  return body.subarray(headersEnd + 4, next);
}

/** WADO-RS retrieve of one instance in its stored transfer syntax; undefined when not 200. */
export async function retrieveInstance(httpUrl: string, ids: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }): Promise<Buffer | undefined> {
  const response = await fetch(`${httpUrl}/dicomweb/studies/${ids.studyInstanceUid}/series/${ids.seriesInstanceUid}/instances/${ids.sopInstanceUid}`, {
    headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*', ...authHeaders() },
  });
  if (response.status !== 200) return undefined;
  return singlePart(Buffer.from(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
}

export async function healthOk(httpUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Every instance the index lists, with the SHA-256 of the bytes actually stored. */
export async function archiveSnapshot(archive: Archive): Promise<Map<string, { sha256: string; recorded: string; study: string; series: string }>> {
  const out = new Map<string, { sha256: string; recorded: string; study: string; series: string }>();
  const studies = await archive.query({ level: 'STUDY', match: {}, limit: 1_000_000 });
  for (const row of studies.rows) {
    const studyInstanceUid = String(row['0020000D']?.Value?.[0] ?? '');
    for (const record of await archive.listInstances({ studyInstanceUid })) {
      out.set(record.sopInstanceUid, { sha256: sha256Hex(await archive.readInstance(record)), recorded: record.sha256, study: record.studyInstanceUid, series: record.seriesInstanceUid });
    }
  }
  return out;
}

const UID = /^[0-9.]{1,64}$/;

export interface Part10Split {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly dataset: Uint8Array;
}

/** Tolerant split (the fuzz corpus has broken metas) of a (possibly broken) Part 10 file into its meta UIDs and data set bytes. */
export function splitForCStore(bytes: Uint8Array, fallback: { sopClassUid: string; sopInstanceUid: string }): Part10Split {
  const text = (at: number, length: number): string => Buffer.from(bytes.subarray(at, at + length)).toString('latin1').replace(/[\0 ]+$/, '');
  let sopClassUid = '';
  let sopInstanceUid = '';
  let transferSyntaxUid = '';
  let offset = 0;
  if (bytes.length >= 132 && text(128, 4) === 'DICM') {
    offset = 132;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (offset + 8 <= bytes.length && view.getUint16(offset, true) === 0x0002) {
      const element = view.getUint16(offset + 2, true);
      const vr = text(offset + 4, 2);
      const long = ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT'].includes(vr);
      if (long && offset + 12 > bytes.length) break;
      const length = long ? view.getUint32(offset + 8, true) : view.getUint16(offset + 6, true);
      const valueAt = offset + (long ? 12 : 8);
      if (valueAt + length > bytes.length) break;
      if (element === 0x0002) sopClassUid = text(valueAt, length);
      if (element === 0x0003) sopInstanceUid = text(valueAt, length);
      if (element === 0x0010) transferSyntaxUid = text(valueAt, length);
      offset = valueAt + length;
    }
  }
  return {
    sopClassUid: UID.test(sopClassUid) ? sopClassUid : fallback.sopClassUid,
    sopInstanceUid: UID.test(sopInstanceUid) ? sopInstanceUid : fallback.sopInstanceUid,
    transferSyntaxUid,
    dataset: bytes.subarray(offset),
  };
}

/** An association for many C-STOREs of one SOP class and transfer syntax (the test's calling AE). */
export async function openStoreAssociation(options: { port: number; sopClassUid: string; transferSyntaxUid: string; timeoutMs?: number }): Promise<{ scu: RawStoreScu; contextId: number }> {
  const association = await RawStoreScu.associate({
    host: '127.0.0.1',
    port: options.port,
    callingAeTitle: stressCallingAe,
    contexts: [{ abstractSyntax: options.sopClassUid, transferSyntaxes: [options.transferSyntaxUid] }],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (association.kind === 'rejected') throw new Error(`association rejected: ${association.reason}`);
  const [contextId] = [...association.scu.accepted.keys()];
  if (contextId === undefined) {
    association.scu.destroy();
    throw new Error('no presentation context accepted');
  }
  return { scu: association.scu, contextId };
}

/** One C-STORE of raw data set bytes on a fresh association (rejections are outcomes). */
export async function cStoreRaw(options: {
  port: number;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxes: readonly string[];
  dataset: Uint8Array;
  timeoutMs?: number;
}): Promise<StoreOutcome | { kind: 'association-rejected'; reason: string }> {
  const association = await RawStoreScu.associate({
    host: '127.0.0.1',
    port: options.port,
    callingAeTitle: stressCallingAe,
    contexts: [{ abstractSyntax: options.sopClassUid, transferSyntaxes: options.transferSyntaxes }],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (association.kind === 'rejected') return { kind: 'association-rejected', reason: association.reason };
  const scu = association.scu;
  try {
    const [contextId] = [...scu.accepted.keys()];
    if (contextId === undefined) return { kind: 'association-rejected', reason: 'no presentation context accepted' };
    return await scu.store({ contextId, sopClassUid: options.sopClassUid, sopInstanceUid: options.sopInstanceUid, dataset: options.dataset });
  } finally {
    await scu.release();
  }
}

/** Opens an archive on a stopped server's data directory (the orphan sweep runs with the given age). */
export function openStoppedArchive(dataDir: string, orphanBlobMinAgeMs: number): Promise<Archive> {
  return openArchive({ dataDir, orphanBlobMinAgeMs });
}
