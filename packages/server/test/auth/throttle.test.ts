/**
 * Rate limits on sign-in (issue 3): the LoginThrottle on an injected clock, and the app
 * answering 429 AUTH_RATE_LIMITED with Retry-After once a user name or an address has
 * failed too often — for the JSON login, the form and HTTP Basic alike — while other users
 * still get in, and again after the window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/auth/LoginThrottle.js';
import { basicAuthHeaders, startTestServer, type TestServer, type TestUser } from '../support/startTestServer.js';
import { jsonOf } from './sessionSupport.js';

describe('LoginThrottle', () => {
  it('refuses a user name after 5 failures in 15 minutes until the oldest ages out; success forgets them', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ now: () => now });
    for (let i = 0; i < 5; i += 1) {
      expect(throttle.check('10.0.0.1', 'alice').allowed).toBe(true);
      throttle.recordFailure('10.0.0.1', 'alice');
      now += 60_000;
    }
    const refused = throttle.check('10.0.0.9', 'ALICE');
    expect(refused.allowed).toBe(false);
    // The first failure was 5 minutes ago: it counts for 10 more minutes.
    expect(refused.retryAfterSeconds).toBe(10 * 60);
    expect(throttle.check('10.0.0.1', 'bob').allowed).toBe(true);
    now += 10 * 60_000;
    expect(throttle.check('10.0.0.1', 'alice').allowed).toBe(true);
    throttle.recordFailure('10.0.0.1', 'alice');
    expect(throttle.check('10.0.0.1', 'alice').allowed).toBe(false);
    throttle.recordSuccess('alice');
    expect(throttle.check('10.0.0.1', 'alice').allowed).toBe(true);
  });

  it('refuses an address after its own, looser limit, whatever the user names', () => {
    const now = 5_000;
    const throttle = new LoginThrottle({ now: () => now, maxFailuresPerAddress: 3, maxFailuresPerUser: 10 });
    for (const name of ['a', 'b', 'c']) throttle.recordFailure('192.0.2.7', name);
    expect(throttle.check('192.0.2.7', 'd').allowed).toBe(false);
    expect(throttle.check('192.0.2.8', 'd').allowed).toBe(true);
    throttle.recordSuccess('a');
    expect(throttle.check('192.0.2.7', 'd').allowed).toBe(false);
  });

  it('keeps at most maxKeys keys', () => {
    const throttle = new LoginThrottle({ maxKeys: 10, maxFailuresPerUser: 1 });
    for (let i = 0; i < 100; i += 1) throttle.recordFailure(`10.0.${i}.1`, `user${i}`);
    expect(throttle.check('10.0.99.1', 'user99').allowed).toBe(false);
    expect(throttle.check('10.0.0.1', 'user0').allowed).toBe(true);
  });
});

describe('sign-in throttling in the app', () => {
  let server: TestServer;
  let clock = Date.parse('2030-02-01T08:00:00Z');
  let victim: TestUser;
  let bystander: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ auth: { now: () => new Date(clock), maxFailuresPerAddress: 12 } });
    victim = await server.createUser('radiologist', 'victim');
    bystander = await server.createUser('surgeon', 'bystander');
  });
  afterAll(async () => {
    await server?.close();
  });

  const jsonLogin = (username: string, password: string) =>
    fetch(`${server.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('runs one password check for the same Basic header sent on many connections at once: one failure, not one per connection', async () => {
    const parallel = await server.createUser('technologist', 'parallel');
    const wrong = basicAuthHeaders('parallel', 'the-same-wrong-password');
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => {
      const response = await fetch(`${server.dicomweb}/studies`, { headers: wrong });
      await response.arrayBuffer();
      return response.status;
    }));
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 401));
    // Ten failures would have locked the name (limit 5); one shared check counted once.
    const right = await fetch(`${server.dicomweb}/studies`, { headers: parallel.authHeaders });
    expect(right.status).toBe(200);
    await right.arrayBuffer();
  });

  it('answers 429 with Retry-After after 5 failures for one user name, even to the right password, on every way in', async () => {
    for (let i = 0; i < 5; i += 1) expect((await jsonLogin('victim', `guess-number-${i}`)).status).toBe(401);
    const refused = await jsonLogin('victim', victim.password);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await jsonOf(refused)).code).toBe('AUTH_RATE_LIMITED');
    const basic = await fetch(`${server.origin}/api/session`, { headers: victim.authHeaders });
    expect(basic.status).toBe(429);
    expect(Number(basic.headers.get('retry-after'))).toBeGreaterThan(0);
    const form = await fetch(`${server.origin}/api/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'victim', password: victim.password }).toString(),
    });
    expect(form.status).toBe(429);
    expect(await form.text()).toContain('Too many failed sign-ins');
    // Others from the same address still get in.
    expect((await jsonLogin('bystander', bystander.password)).status).toBe(200);
    clock += 15 * 60_000 + 1000;
    expect((await jsonLogin('victim', victim.password)).status).toBe(200);
  });

  it('counts the same wrong Basic header sent again and again as one failed guess, without locking the user out', async () => {
    const retrying = await server.createUser('technologist', 'retrying');
    const wrong = basicAuthHeaders('retrying', 'an-old-password');
    for (let i = 0; i < 8; i += 1) {
      const response = await fetch(`${server.dicomweb}/studies`, { headers: wrong });
      expect(response.status).toBe(401);
      await response.arrayBuffer();
    }
    const right = await fetch(`${server.dicomweb}/studies`, { headers: retrying.authHeaders });
    expect(right.status).toBe(200);
    await right.arrayBuffer();
  });

  it('counts wrong HTTP Basic passwords like failed sign-ins', async () => {
    const target = await server.createUser('technologist', 'basic-target');
    for (let i = 0; i < 5; i += 1) {
      expect((await fetch(`${server.dicomweb}/studies`, { headers: basicAuthHeaders('basic-target', `wrong-${i}`) })).status).toBe(401);
    }
    expect((await fetch(`${server.dicomweb}/studies`, { headers: target.authHeaders })).status).toBe(429);
    clock += 15 * 60_000 + 1000;
    expect((await fetch(`${server.dicomweb}/studies`, { headers: target.authHeaders })).status).toBe(200);
  });

  it('answers 429 once one address has failed too often across user names', async () => {
    for (let i = 0; i < 12; i += 1) expect((await jsonLogin(`nobody-${i}`, 'some-password')).status).toBe(401);
    expect((await jsonLogin('bystander', bystander.password)).status).toBe(429);
    clock += 15 * 60_000 + 1000;
    expect((await jsonLogin('bystander', bystander.password)).status).toBe(200);
  });
});
