/**
 * Two Gatehouse replicas sharing one Redis, as behind a load balancer: one
 * user's requests may land on either, and whatever one replica did (enrol,
 * verify, reset, count a wrong code, accept a code) holds on the other at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { codeAt } from '../../src/totp/index.js';
import { Browser, inputValue, pathOf } from '../helpers/client.js';
import { enrol, totp, verify } from '../helpers/flows.js';
import { clockStack, startReplicas, via, type Replica, type Replicas } from './support.js';

let r: Replicas | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const RD = '/reports';

const pair = (x: Replicas) => x.replicas as [Replica, Replica];

/** A code for none of the steps the server accepts now (window ±1). */
function wrongCode(key: string, now: number): string {
  const valid = new Set([-1, 0, 1].map((d) => codeAt(key, { now: now + d * 30_000 })));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

async function challengeForm(b: Browser): Promise<string> {
  const page = await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(RD)}`);
  expect(page.status).toBe(200);
  return inputValue(page.body, 'csrf')!;
}

/** Alice enrolled through `a`, then logged out and in again (a new intranet login, so a code is due). */
async function enrolledAlice(replicas: Replicas, a: Browser): Promise<string> {
  await a.login('alice');
  expect(pathOf((await a.get(RD)).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  const { key } = await enrol(clockStack(replicas.clock), a, RD);
  expect((await a.get(RD)).body).toContain('Logged in as alice');
  await a.get('/logout');
  await a.login('alice');
  return key;
}

describe('two replicas sharing redis', () => {
  it('should let a user enrol through A and verify through B', async () => {
    r = await startReplicas();
    const [A, B] = pair(r);
    const a = new Browser(A.url);
    const key = await enrolledAlice(r, a);
    const b = via(a, B.url);

    const first = await b.get(RD);
    expect(first.status).toBe(302);
    expect(pathOf(first.location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const v = await verify(clockStack(r.clock), b, key);
    expect(v.path).toBe(RD);
    expect((await b.get(RD)).body).toContain('Logged in as alice');
    // The session B issued is honoured by A: the next request may land anywhere.
    expect((await a.get(RD)).body).toContain('Logged in as alice');
  });

  it('should make B ask again at once when A resets the user, remembered device or not', async () => {
    r = await startReplicas();
    const [A, B] = pair(r);
    const a = new Browser(A.url);
    const key = await enrolledAlice(r, a);
    const b = via(a, B.url);
    expect((await verify(clockStack(r.clock), b, key, { remember: true })).path).toBe(RD);
    expect((await b.get(RD)).status).toBe(200);

    // "Reset" as the console and `gatehouse users reset` do it, on A's connection.
    await A.store.resetUser('alice');

    const after = await b.get(RD);
    expect(after.status).toBe(302);
    expect(pathOf(after.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    // The remembered device died with the reset too: a new login is not waved through.
    await b.get('/logout');
    await b.login('alice');
    expect(pathOf((await b.get(RD)).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(pathOf((await a.get(RD)).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });

  it('should add up wrong codes sent to A and to B towards one lockout', async () => {
    r = await startReplicas();
    const [A, B] = pair(r);
    const a = new Browser(A.url);
    const key = await enrolledAlice(r, a);
    const b = via(a, B.url);
    const max = A.config.twoFactor.lockout.maxFailures;
    expect(max).toBe(5);

    // One login, one CSRF token: replicas share the cookie keys, so it is good on both.
    const csrf = await challengeForm(a);
    const wrongOn = (x: Browser) => x.post('/_gatehouse/challenge', { csrf, rd: RD, code: wrongCode(key, r!.clock.t) });
    // A, B, A, B: four misses spread over both replicas, none locks yet…
    for (const x of [a, b, a, b]) expect((await wrongOn(x)).status).toBe(401);
    // …and the fifth, on either, is the one that locks.
    expect((await wrongOn(a)).status).toBe(429);

    // Locked on both: B refuses even the right code, and sends pages to the lock page.
    expect((await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(RD)}`)).status).toBe(429);
    expect((await b.post('/_gatehouse/challenge', { csrf, rd: RD, code: totp(clockStack(r.clock), key) })).status).toBe(429);
    expect(pathOf((await b.get(RD)).location)).toBe('/_gatehouse/locked?rd=%2Freports');
    expect((await A.store.getUser('alice'))?.lockedUntil).toBeGreaterThan(r.clock.t);
  });

  it('should accept one code sent to A and B at the same moment exactly once', async () => {
    r = await startReplicas();
    const [A, B] = pair(r);
    const a = new Browser(A.url);
    const key = await enrolledAlice(r, a);
    const b = via(a, B.url);
    // A few rounds, each a new login and a new time-step (fewer than the lockout: each loser counts a failure).
    for (let round = 0; round < 3; round++) {
      const csrf = await challengeForm(a);
      const code = totp(clockStack(r.clock), key);
      const results = await Promise.all([a, b].map((x) => x.post('/_gatehouse/challenge', { csrf, rd: RD, code })));
      expect(results.map((x) => x.status).sort()).toEqual([303, 401]);
      expect((await a.get(RD)).status).toBe(200);
      r.clock.advance(30_000);
      await a.get('/logout');
      await a.login('alice');
    }
  });
});
