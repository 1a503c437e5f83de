/**
 * Test-time PKI made with the real `openssl` command in a temporary folder: a CA, a server
 * certificate for 127.0.0.1 / localhost, a client certificate from the same CA, and a
 * client certificate from an unrelated CA (which must be refused). RSA 2048 / SHA-256,
 * what the BCP 195 profiles (PS3.15 B.9) accept. Nothing is committed; keys live only as
 * long as the test.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Signed by another CA: a peer presenting it must be refused. */
  readonly strangerCertFile: string;
  readonly strangerKeyFile: string;
}

async function makeCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', `/CN=Vertebra test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', key, '-out', cert,
  ]);
  return { cert, key };
}

async function makeLeaf(options: { dir: string; name: string; commonName: string; ca: { cert: string; key: string }; extensions: string }): Promise<{ cert: string; key: string }> {
  const { dir, name } = options;
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, options.extensions);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${options.commonName}`, '-keyout', key, '-out', csr]);
  await run('openssl', ['x509', '-req', '-sha256', '-days', '2', '-in', csr, '-CA', options.ca.cert, '-CAkey', options.ca.key, '-CAcreateserial', '-extfile', ext, '-out', cert]);
  return { cert, key };
}

export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const ca = await makeCa(dir, 'ca');
  const otherCa = await makeCa(dir, 'other-ca');
  const leafBase = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  const server = await makeLeaf({
    dir,
    name: 'server',
    commonName: 'localhost',
    ca,
    // A DICOM TLS node is server and client (it opens C-MOVE associations with the same certificate).
    extensions: `${leafBase}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  });
  const client = await makeLeaf({ dir, name: 'client', commonName: 'TESTSCU', ca, extensions: `${leafBase}extendedKeyUsage=clientAuth\n` });
  const stranger = await makeLeaf({ dir, name: 'stranger', commonName: 'STRANGER', ca: otherCa, extensions: `${leafBase}extendedKeyUsage=clientAuth\n` });
  return {
    caFile: ca.cert,
    serverCertFile: server.cert,
    serverKeyFile: server.key,
    clientCertFile: client.cert,
    clientKeyFile: client.key,
    strangerCertFile: stranger.cert,
    strangerKeyFile: stranger.key,
  };
}
