/**
 * TLS settings shared by the HTTP listener (HTTPS) and the DIMSE SCP (DICOM TLS,
 * PS3.15 Annex B.1 "The Basic TLS Secure Transport Connection Profile" and B.9 "BCP 195
 * TLS Profile"): PEM files for our certificate and key, and optionally the CA that
 * client certificates must chain to.
 */
export interface TlsOptions {
  /** PEM certificate (chain) of this server. */
  readonly certFile: string;
  /** PEM private key of `certFile`. */
  readonly keyFile: string;
  /** PEM CA certificate(s) client certificates must chain to (needed with `requireClientCert`). */
  readonly caFile?: string;
  /** Ask every peer for a certificate and refuse the connection unless it chains to `caFile`. */
  readonly requireClientCert?: boolean;
}

/** A DIMSE peer allowed to associate: its calling AE title and, optionally, its address. */
export interface AllowedPeer {
  readonly aeTitle: string;
  /** IP address (or 'localhost') the association must come from; any address when absent. */
  readonly host?: string;
}
