/**
 * DICOM TLS (PS3.15 Annex B.1 / B.9, BCP 195) on the DIMSE SCP and HTTPS on the HTTP app,
 * with real peers: dcmtk 3.6.7 echoscu/storescu built with OpenSSL (their default profile is
 * the Non-downgrading BCP 195 TLS Profile), Node's https client, and certificates made at
 * test time with `openssl` (makeTestCertificates).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import dimse from 'dcmjs-dimse';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive, type ArchiveService } from '@vertebra/archive';
import { startDimseServer, type DimseServer } from '../../src/dimse/startDimseServer.js';
import { startVertebraServer, type VertebraServer } from '../../src/startVertebraServer.js';
import { datasetBytes, freePort, makeCtInstance, runTool } from '../dimse/dimseTestSupport.js';
import { makeTestCertificates, type TestCertificates } from './makeTestCertificates.js';

let work: string;
let certs: TestCertificates;
let archive: ArchiveService;
/** Server authentication only: any peer that trusts our CA may connect. */
let serverAuth: DimseServer;
/** Mutual TLS: the peer's certificate must chain to our CA. */
let mutual: DimseServer;
const logs: string[] = [];
const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };

function tlsClient(options: { readonly cert?: string; readonly key?: string; readonly trust?: string } = {}): string[] {
  const identity = options.cert && options.key ? ['+tls', options.key, options.cert] : ['+tla'];
  return [...identity, '+cf', options.trust ?? certs.caFile];
}

/** Resolves once something accepts TCP connections on the port (the storescp child started). */
async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** A study-level C-MOVE over DICOM TLS from TESTSCU (client certificate), with the final status and counts. */
function moveOverTls(port: number, studyInstanceUid: string, destination: string): Promise<{ status: number; completed: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const client = new dimse.Client();
    const request = dimse.requests.CMoveRequest.createStudyMoveRequest(destination, studyInstanceUid);
    let final: { status: number; completed: number; failed: number } | undefined;
    request.on('response', (response) => {
      if (response.getStatus() === dimse.constants.Status.Pending) return;
      final = { status: response.getStatus(), completed: response.getCompleted() ?? 0, failed: response.getFailures() ?? 0 };
    });
    client.on('networkError', (error) => reject(error));
    client.on('closed', () => (final ? resolve(final) : reject(new Error('the association closed without a final C-MOVE response'))));
    client.addRequest(request);
    client.send('127.0.0.1', port, 'TESTSCU', 'VERTEBRA', {
      securityOptions: { key: readFileSync(certs.clientKeyFile), cert: readFileSync(certs.clientCertFile), ca: readFileSync(certs.caFile), rejectUnauthorized: true },
    });
  });
}

function peer(server: DimseServer, aeTitle = 'TESTSCU'): string[] {
  return ['-aet', aeTitle, '-aec', 'VERTEBRA', '127.0.0.1', String(server.port)];
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vertebra-tls-'));
  certs = await makeTestCertificates(work);
  archive = await openArchive({ dataDir: join(work, 'archive') });
  const tls = { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile };
  serverAuth = await startDimseServer({ archive, port: 0, tls, allowedPeers: [{ aeTitle: 'TESTSCU' }], logger });
  mutual = await startDimseServer({ archive, port: 0, tls: { ...tls, caFile: certs.caFile, requireClientCert: true }, allowedPeers: [{ aeTitle: 'TESTSCU' }], logger });
}, 60_000);

afterAll(async () => {
  await serverAuth?.close();
  await mutual?.close();
  await archive?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('DICOM TLS on the DIMSE SCP', () => {
  it('answers echoscu over TLS and stores an instance from storescu over TLS byte-identically', async () => {
    expect(serverAuth.tls).toBe(true);
    const echo = await runTool('echoscu', [...tlsClient({ cert: certs.clientCertFile, key: certs.clientKeyFile }), ...peer(serverAuth)]);
    expect(echo.code, echo.stderr).toBe(0);
    const study = '1.2.826.0.1.3680043.8.498.91';
    const bytes = makeCtInstance({ patientName: 'TLS^PATIENT', patientId: 'T1', studyInstanceUid: study, seriesInstanceUid: `${study}.1`, sopInstanceUid: `${study}.1.1`, studyDate: '20240202', instanceNumber: 1, rows: 128, columns: 128 });
    const file = join(work, 'tls-instance.dcm');
    await writeFile(file, bytes);
    // Anonymous TLS on the client side: the server does not ask for a certificate here.
    const store = await runTool('storescu', [...tlsClient(), ...peer(serverAuth), file]);
    expect(store.code, store.stderr).toBe(0);
    const [record] = await archive.listInstances({ studyInstanceUid: study });
    expect(record).toBeDefined();
    expect(Buffer.from(datasetBytes(await archive.readInstance(record!))).equals(Buffer.from(datasetBytes(bytes)))).toBe(true);
  });

  it('refuses a plain-TCP peer on the TLS port cleanly and stays up', async () => {
    const plain = await runTool('echoscu', peer(serverAuth));
    expect(plain.code).not.toBe(0);
    // A raw client that writes an A-ASSOCIATE-RQ-looking byte stream gets the connection closed, not an answer.
    const answer = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(serverAuth.port, '127.0.0.1', () => socket.write(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x10, ...new Array<number>(16).fill(0)])));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    // No PDU came back (an A-ASSOCIATE-AC/RJ starts with 0x02/0x03); at most a TLS alert record (0x15).
    expect(answer.length === 0 || answer[0] === 0x15).toBe(true);
    expect(logs.some((line) => /^DIMSE TLS: connection from 127\.0\.0\.1 refused/.test(line))).toBe(true);
    const echo = await runTool('echoscu', [...tlsClient(), ...peer(serverAuth)]);
    expect(echo.code, echo.stderr).toBe(0);
  });

  it('still applies the calling-AE allow-list over TLS', async () => {
    const echo = await runTool('echoscu', ['-v', ...tlsClient(), ...peer(serverAuth, 'STRANGER')]);
    expect(echo.code).not.toBe(0);
    expect(echo.stderr + echo.stdout).toMatch(/Calling AE Title Not Recognized/i);
  });

  it('with requireClientCert admits a peer whose certificate chains to the CA, and refuses one without or with another CA', async () => {
    const trusted = await runTool('echoscu', [...tlsClient({ cert: certs.clientCertFile, key: certs.clientKeyFile }), ...peer(mutual)]);
    expect(trusted.code, trusted.stderr).toBe(0);
    const anonymous = await runTool('echoscu', [...tlsClient(), ...peer(mutual)]);
    expect(anonymous.code).not.toBe(0);
    const stranger = await runTool('echoscu', [...tlsClient({ cert: certs.strangerCertFile, key: certs.strangerKeyFile }), ...peer(mutual)]);
    expect(stranger.code).not.toBe(0);
    expect(logs.filter((line) => /^DIMSE TLS: connection from 127\.0\.0\.1 refused/.test(line)).length).toBeGreaterThanOrEqual(2);
  });

  it('is refused by a peer that does not trust our certificate', async () => {
    const otherCa = join(work, 'other-ca.pem');
    const echo = await runTool('echoscu', [...tlsClient({ trust: otherCa }), ...peer(serverAuth)]);
    expect(echo.code).not.toBe(0);
  });

  it('sends C-MOVE sub-operations over DICOM TLS to a destination marked tls, and refuses a destination whose certificate it does not trust', async () => {
    const study = '1.2.826.0.1.3680043.8.498.95';
    const bytes = makeCtInstance({ patientName: 'MOVE^TLS', patientId: 'T5', studyInstanceUid: study, seriesInstanceUid: `${study}.1`, sopInstanceUid: `${study}.1.1`, studyDate: '20240203', instanceNumber: 1, rows: 64, columns: 64 });
    expect((await archive.ingest({ bytes, source: { kind: 'import', label: 'move-tls.dcm' } })).outcome).toBe('stored');
    const startScp = async (name: string, cert: string, key: string): Promise<{ port: number; dir: string; process: ChildProcess }> => {
      const port = await freePort();
      const dir = join(work, name);
      await mkdir(dir, { recursive: true });
      // storescp over TLS, demanding a client certificate that chains to our CA.
      const process = spawn('storescp', ['+tls', key, cert, '+cf', certs.caFile, '--require-peer-cert', '-aet', name, '-od', dir, String(port)], { stdio: 'ignore' });
      await waitForPort(port);
      return { port, dir, process };
    };
    const trusted = await startScp('TLSSCP', certs.serverCertFile, certs.serverKeyFile);
    const untrusted = await startScp('FAKESCP', certs.strangerCertFile, certs.strangerKeyFile);
    const mover = await startDimseServer({
      archive,
      port: 0,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile },
      allowedPeers: [{ aeTitle: 'TESTSCU' }],
      remoteAes: { TLSSCP: { host: '127.0.0.1', port: trusted.port, tls: true }, FAKESCP: { host: '127.0.0.1', port: untrusted.port, tls: true } },
      logger,
    });
    try {
      // dcmtk's movescu has no TLS: the C-MOVE itself comes from dcmjs-dimse over TLS with the client certificate.
      const move = (destination: string) => moveOverTls(mover.port, study, destination);
      const ok = await move('TLSSCP');
      expect(ok.status).toBe(0);
      expect(ok.completed).toBe(1);
      const received = await readdir(trusted.dir);
      expect(received).toHaveLength(1);
      expect(Buffer.from(datasetBytes(new Uint8Array(await readFile(join(trusted.dir, received[0]!))))).equals(Buffer.from(datasetBytes(bytes)))).toBe(true);
      const refused = await move('FAKESCP');
      expect(refused.status).not.toBe(0);
      expect(refused.failed).toBe(1);
      expect(await readdir(untrusted.dir)).toEqual([]);
    } finally {
      await mover.close();
      trusted.process.kill();
      untrusted.process.kill();
    }
  });

  it('refuses to start with a TLS move destination but no TLS credentials of its own', async () => {
    await expect(startDimseServer({ archive, port: 0, remoteAes: { X: { host: '127.0.0.1', port: 104, tls: true } } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', subject: 'remoteAes' });
  });

  it('refuses to start with requireClientCert and no CA, and with a missing key file', async () => {
    await expect(startDimseServer({ archive, port: 0, tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, requireClientCert: true } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(startDimseServer({ archive, port: 0, tls: { certFile: certs.serverCertFile, keyFile: join(work, 'missing.key') } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', subject: 'tls.keyFile' });
  });
});

function httpsGet(url: string, options: { readonly ca?: Buffer; readonly headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ...(options.ca ? { ca: options.ca } : {}), headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

describe('startVertebraServer with tls', () => {
  let server: VertebraServer | undefined;
  const password = 'tls-test-password-1';

  afterAll(async () => {
    await server?.close();
  });

  it('serves HTTPS (GET /health with our CA) and DICOM TLS on the same certificate', async () => {
    server = await startVertebraServer({
      dataDir: join(work, 'whole'),
      httpPort: 0,
      dimsePort: 0,
      adminPassword: password,
      allowedPeers: [{ aeTitle: 'TESTSCU', host: '127.0.0.1' }],
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile },
    });
    expect(server.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.generatedAdminPassword).toBeUndefined();
    const ca = await readFile(certs.caFile);
    const health = await httpsGet(`${server.httpUrl}/health`, { ca });
    expect(health).toEqual({ status: 200, body: JSON.stringify({ status: 'ok' }) });
    // Without our CA the certificate is not trusted.
    await expect(httpsGet(`${server.httpUrl}/health`, {})).rejects.toThrow(/certificate/i);
    // Plain HTTP on the HTTPS port gets no HTTP answer.
    await expect(fetch(server.httpUrl.replace('https:', 'http:') + '/health')).rejects.toThrow();
    const authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const studies = await httpsGet(`${server.httpUrl}/dicomweb/studies`, { ca, headers: { authorization, accept: 'application/dicom+json' } });
    expect(studies.status).toBeLessThan(300);
    const echo = await runTool('echoscu', ['+tla', '+cf', certs.caFile, '-aet', 'TESTSCU', '-aec', 'VERTEBRA', '127.0.0.1', String(server.dimsePort)]);
    expect(echo.code, echo.stderr).toBe(0);
  });
});
