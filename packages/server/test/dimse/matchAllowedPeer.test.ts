/**
 * The DIMSE allow-list decision (PS3.8 9.3.4): deny by default, AE title match, address
 * match with IPv4-mapped IPv6 addresses, 'localhost', and host names resolved at start.
 */
import { describe, expect, it } from 'vitest';
import { matchAllowedPeer, normalizeAddress, resolveAllowedPeers } from '../../src/dimse/matchAllowedPeer.js';

describe('matchAllowedPeer', () => {
  it('denies everybody when the list is empty, saying how to allow a peer', async () => {
    const check = matchAllowedPeer(await resolveAllowedPeers([]), 'MODALITY', '10.0.0.5');
    expect(check).toMatchObject({ allowed: false, reason: 'no-peers' });
    expect(check.allowed ? '' : check.message).toMatch(/--dimse-allow AE\[@host\]/);
  });

  it('admits a listed AE title from any address when no host is given, and no other title', async () => {
    const peers = await resolveAllowedPeers([{ aeTitle: ' CT1 ' }]);
    expect(matchAllowedPeer(peers, 'CT1', '10.0.0.5')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'CT2', '10.0.0.5')).toMatchObject({ allowed: false, reason: 'unknown-ae' });
    // AE titles are compared exactly (case matters, PS3.5 6.2).
    expect(matchAllowedPeer(peers, 'ct1', '10.0.0.5')).toMatchObject({ allowed: false, reason: 'unknown-ae' });
  });

  it('checks the address when a host is given, treating IPv4-mapped IPv6 as IPv4', async () => {
    const peers = await resolveAllowedPeers([{ aeTitle: 'CT1', host: '10.0.0.5' }, { aeTitle: 'MR1', host: '::ffff:10.0.0.9' }, { aeTitle: 'V6', host: '[2001:db8::1]' }]);
    expect(matchAllowedPeer(peers, 'CT1', '10.0.0.5')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'CT1', '::ffff:10.0.0.5')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'MR1', '10.0.0.9')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'V6', '2001:DB8::1')).toEqual({ allowed: true });
    const mismatch = matchAllowedPeer(peers, 'CT1', '::ffff:10.0.0.6');
    expect(mismatch).toMatchObject({ allowed: false, reason: 'address-mismatch' });
    expect(mismatch.allowed ? '' : mismatch.message).toBe('calling AE title "CT1" is allowed only from 10.0.0.5, not from 10.0.0.6');
    expect(matchAllowedPeer(peers, 'CT1', undefined)).toMatchObject({ allowed: false, reason: 'address-mismatch' });
  });

  it('admits an AE title listed twice from either of its hosts', async () => {
    const peers = await resolveAllowedPeers([{ aeTitle: 'CT1', host: '10.0.0.5' }, { aeTitle: 'CT1', host: '10.0.0.6' }]);
    expect(matchAllowedPeer(peers, 'CT1', '10.0.0.6')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'CT1', '10.0.0.7')).toMatchObject({ allowed: false });
  });

  it("resolves 'localhost' to both loopback addresses", async () => {
    const peers = await resolveAllowedPeers([{ aeTitle: 'LOCAL', host: 'localhost' }]);
    expect(matchAllowedPeer(peers, 'LOCAL', '127.0.0.1')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'LOCAL', '::1')).toEqual({ allowed: true });
    expect(matchAllowedPeer(peers, 'LOCAL', '::ffff:127.0.0.1')).toEqual({ allowed: true });
  });

  it('normalizes addresses', () => {
    expect(normalizeAddress('::FFFF:192.168.1.2')).toBe('192.168.1.2');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('');
  });
});
