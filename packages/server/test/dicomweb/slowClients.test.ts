/**
 * Slow and stalled clients (issue 3, limits): a connection that stops sending is closed after
 * the idle timeout, headers that trickle in past the headers timeout get 408, and a STOW-RS
 * body that never finishes is cut off by the request timeout — while the server keeps
 * answering other clients. Short limits here; the defaults are minutes (buildApp AppLimits).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

function openSocket(origin: string): Promise<Socket> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection, and how long that took. */
function untilClosed(socket: Socket): Promise<{ received: string; afterMs: number }> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve({ received, afterMs: Date.now() - started })));
}

describe('slow clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { idleSocketTimeoutMs: 400, headersTimeoutMs: 600, requestTimeoutMs: 1500 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes a connection that sends nothing', async () => {
    const socket = await openSocket(server.origin);
    const closed = await untilClosed(socket);
    expect(closed.afterMs).toBeGreaterThanOrEqual(300);
  });

  it('answers 408 to headers that never finish, and stays up for others', async () => {
    const socket = await openSocket(server.origin);
    const closed = untilClosed(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // Keep the socket busy below the idle timeout, but never end the headers.
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 150);
    const { received } = await closed;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    const health = await fetch(`${server.origin}/health`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
  });

  it('cuts off a STOW-RS body that trickles in past the request timeout, and stores nothing from it', async () => {
    const socket = await openSocket(server.origin);
    const closed = untilClosed(socket);
    const auth = server.authHeaders.authorization ?? '';
    socket.write(
      'POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: ${auth}\r\n` +
        'Content-Type: multipart/related; type="application/dicom"; boundary=b\r\n' +
        'Content-Length: 100000000\r\n\r\n--b\r\nContent-Type: application/dicom\r\n\r\n',
    );
    const drip = setInterval(() => socket.write(Buffer.alloc(16)), 150);
    const { received } = await closed;
    clearInterval(drip);
    expect(received === '' || /^HTTP\/1\.1 (408|400)/.test(received)).toBe(true);
    const studies = await fetch(`${server.dicomweb}/studies`, { headers: { ...server.authHeaders, accept: 'application/dicom+json' } });
    expect(studies.status).toBe(200);
    expect(await studies.json()).toEqual([]);
  });
});
