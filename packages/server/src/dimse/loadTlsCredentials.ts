/**
 * Reads the PEM files of a TlsOptions into the settings both of Vertebra's TLS listeners
 * use (HTTPS and DICOM TLS): TLS 1.2 or later and Node's default cipher list, which keeps
 * to the suites BCP 195 (RFC 9325) recommends (PS3.15 Annex B.9, BCP 195 TLS Profile).
 * With `requireClientCert` a peer must present a certificate that chains to `caFile`
 * (PS3.15 B.1: both ends authenticated), else the handshake fails.
 */
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions, TlsOptions as NodeTlsOptions } from 'node:tls';
import { VertebraError } from '@vertebra/errors';
import type { TlsOptions } from './TlsOptions.js';

export type TlsServerSettings = SecureContextOptions & Pick<NodeTlsOptions, 'requestCert' | 'rejectUnauthorized'>;

async function readPem(file: string, subject: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new VertebraError('CONFIG_INVALID', `cannot read the TLS file ${file}: ${(error as Error).message}`, { subject, cause: error });
  }
}

export async function loadTlsCredentials(options: TlsOptions): Promise<TlsServerSettings> {
  if (options.requireClientCert && options.caFile === undefined) {
    throw new VertebraError('CONFIG_INVALID', 'requiring client certificates needs the CA they must chain to (--tls-ca)', { subject: 'tls.caFile' });
  }
  const cert = await readPem(options.certFile, 'tls.certFile');
  const key = await readPem(options.keyFile, 'tls.keyFile');
  const ca = options.caFile === undefined ? undefined : await readPem(options.caFile, 'tls.caFile');
  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    minVersion: 'TLSv1.2',
    requestCert: options.requireClientCert === true,
    rejectUnauthorized: options.requireClientCert === true,
  };
}
