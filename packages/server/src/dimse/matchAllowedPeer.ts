/**
 * The DIMSE calling-AE allow-list (issue 3; PS3.8 9.3.4: an association from a calling AE
 * title we do not know is rejected with A-ASSOCIATE-RJ reason 3 "calling-AE-title-not-
 * recognized"). Deny by default: an empty list admits nobody. A peer with a host must also
 * come from that address; IPv4-mapped IPv6 addresses (::ffff:127.0.0.1, what a dual-stack
 * listener reports) compare equal to their IPv4 form. Host names are resolved once, when
 * the server starts (resolveAllowedPeers), so that a check never waits on DNS.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AllowedPeer } from './TlsOptions.js';

/** An allowed peer with its host resolved to the addresses it may come from. */
export interface ResolvedPeer {
  readonly aeTitle: string;
  /** Configured host, for messages. */
  readonly host?: string;
  /** Normalized addresses; undefined: any address. */
  readonly addresses?: ReadonlySet<string>;
}

export type PeerCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'no-peers' | 'unknown-ae' | 'address-mismatch'; readonly message: string };

/** '::ffff:10.0.0.1' → '10.0.0.1'; lower case; undefined stays ''. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? (mapped[1] as string) : lower;
}

export async function resolveAllowedPeers(peers: readonly AllowedPeer[]): Promise<ResolvedPeer[]> {
  const resolved: ResolvedPeer[] = [];
  for (const peer of peers) {
    const aeTitle = peer.aeTitle.trim();
    const host = peer.host?.trim();
    if (host === undefined || host === '') {
      resolved.push({ aeTitle });
      continue;
    }
    let addresses: string[];
    if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) addresses = [host.replace(/^\[|\]$/g, '')];
    else if (host.toLowerCase() === 'localhost') addresses = ['127.0.0.1', '::1'];
    else addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
    resolved.push({ aeTitle, host, addresses: new Set(addresses.map(normalizeAddress)) });
  }
  return resolved;
}

export function matchAllowedPeer(peers: readonly ResolvedPeer[], callingAeTitle: string, remoteAddress: string | undefined): PeerCheck {
  if (peers.length === 0) {
    return {
      allowed: false,
      reason: 'no-peers',
      message: 'no DIMSE peer is allowed (deny by default); allow it with `vertebra serve --dimse-allow AE[@host]` (option allowedPeers)',
    };
  }
  const sameAe = peers.filter((peer) => peer.aeTitle === callingAeTitle);
  if (sameAe.length === 0) {
    return {
      allowed: false,
      reason: 'unknown-ae',
      message: `calling AE title "${callingAeTitle}" is not in the allow-list; add it with --dimse-allow ${callingAeTitle || 'AE'}[@host]`,
    };
  }
  const address = normalizeAddress(remoteAddress);
  if (sameAe.some((peer) => peer.addresses === undefined || peer.addresses.has(address))) return { allowed: true };
  const hosts = sameAe.map((peer) => peer.host ?? '').join(', ');
  return {
    allowed: false,
    reason: 'address-mismatch',
    message: `calling AE title "${callingAeTitle}" is allowed only from ${hosts}, not from ${address || 'an unknown address'}`,
  };
}
