/**
 * Issue 3 §2, §5, §8: a code is accepted within ±1 time-step and never
 * twice; wrong codes lock the user (whatever the client IP) and the client
 * IP (whatever the user) after lockout.maxFailures, with the time to retry on
 * the page, until lockout.duration has passed; recovery codes work once and
 * are audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputValue, pathOf } from '../helpers/client.js';
import { browserFor, enrol, totp } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { browserFrom, landing, postCode, relogin, wrongCode } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

async function enrolledAlice(s: Stack) {
  const b = browserFor(s);
  await b.login('alice');
  const { key, codes } = await enrol(s, b);
  await relogin(b, 'alice');
  return { b, key, codes };
}

describe('time steps', () => {
  it('should accept a code one step early or late, and refuse one two steps away', async () => {
    stack = await startStack();
    const { b, key } = await enrolledAlice(stack);
    // Two steps past the enrolment code, so "one step late" is not a replay of it.
    stack.clock.advance(60_000);
    for (const off of [-2, 2]) {
      const res = await postCode(b, totp(stack, key, off));
      expect(res.status).toBe(401);
      expect(res.body).toContain('That code didn’t work');
    }
    const late = await postCode(b, totp(stack, key, -1));
    expect(late.status).toBe(303);
    expect(pathOf(late.location)).toBe('/reports');

    await relogin(b, 'alice');
    stack.clock.advance(60_000);
    const early = await postCode(b, totp(stack, key, 1));
    expect(early.status).toBe(303);
  });

  it('should refuse the same code twice (replay), even on another login', async () => {
    stack = await startStack();
    const { b, key } = await enrolledAlice(stack);
    const code = totp(stack, key);
    expect((await postCode(b, code)).status).toBe(303);
    await relogin(b, 'alice');
    const replay = await postCode(b, code);
    expect(replay.status).toBe(401);
    expect(await landing(b)).toBe('/_gatehouse/challenge');
    const failed = await stack.store.listAudit({ user: 'alice', type: 'failed', limit: 10 });
    expect(failed).toHaveLength(1);
  });

  it('should refuse the enrolment code when replayed on the challenge page', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
    const csrf = inputValue(page.body, 'csrf')!;
    const code = totp(stack, key);
    expect((await b.post('/_gatehouse/enrol', { csrf, rd: '/reports', code })).status).toBe(200);
    await relogin(b, 'alice');
    expect((await postCode(b, code)).status).toBe(401);
  });

  it('should refuse an earlier code once a later one was used', async () => {
    stack = await startStack();
    const { b, key } = await enrolledAlice(stack);
    const earlier = totp(stack, key, -1);
    expect((await postCode(b, totp(stack, key))).status).toBe(303);
    await relogin(b, 'alice');
    expect((await postCode(b, earlier)).status).toBe(401);
  });
});

describe('lockout', () => {
  const config = {
    network: { trustedProxies: ['127.0.0.1'] },
    twoFactor: { enabledFor: { users: ['alice', 'admin', 'dave'] }, lockout: { maxFailures: 3, window: '5m', duration: '15m' } },
  };

  it('should lock the user after maxFailures wrong codes, from any client IP, and show when to retry', async () => {
    stack = await startStack({ config });
    const setup = browserFrom(stack, '198.51.100.1');
    await setup.login('alice');
    const { key } = await enrol(stack, setup);

    const a = browserFrom(stack, '198.51.100.1');
    await a.login('alice');
    expect((await postCode(a, wrongCode(stack, key))).status).toBe(401);
    expect((await postCode(a, wrongCode(stack, key))).status).toBe(401);
    const third = await postCode(a, wrongCode(stack, key));
    expect(third.status).toBe(429);
    expect(third.body).toContain('Too many attempts');
    expect(third.body).toMatch(/Try again[^]*?12:15/);

    // The right code, from another IP and another login, is refused while locked.
    const other = browserFrom(stack, '203.0.113.50');
    await other.login('alice');
    const nav = await other.get('/reports');
    expect(pathOf(nav.location)).toBe('/_gatehouse/locked?rd=%2Freports');
    const locked = await other.get(pathOf(nav.location));
    expect(locked.status).toBe(429);
    expect(locked.body).toMatch(/Try again[^]*?12:15/);
    const good = await postCode(other, totp(stack, key));
    expect(good.status).toBe(429);
    const api = await other.send('GET', '/reports', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ error: 'GH_ERR_LOCKED' });
    expect(await stack.store.listAudit({ user: 'alice', type: 'locked', limit: 5 })).toHaveLength(1);

    // After lockout.duration the lock is gone by itself.
    stack.clock.advance(15 * 60_000 + 1000);
    const after = await postCode(other, totp(stack, key));
    expect(after.status).toBe(303);
    expect(await landing(other)).toBe('through');
  });

  it('should lock a client IP that tries codes for several users, without locking those users elsewhere', async () => {
    stack = await startStack({ config });
    const keys: Record<string, string> = {};
    for (const u of ['alice', 'admin', 'dave']) {
      const b = browserFrom(stack, '192.0.2.200');
      await b.login(u);
      keys[u] = (await enrol(stack, b)).key;
    }
    const attackerIp = '198.51.100.66';
    const alice = browserFrom(stack, attackerIp);
    await alice.login('alice');
    const admin = browserFrom(stack, attackerIp);
    await admin.login('admin');
    expect((await postCode(alice, wrongCode(stack, keys.alice!))).status).toBe(401);
    expect((await postCode(alice, wrongCode(stack, keys.alice!))).status).toBe(401);
    // Third failure from this IP: the IP is locked (each user has fewer than 3).
    expect((await postCode(admin, wrongCode(stack, keys.admin!))).status).toBe(429);

    // dave, who never failed, is locked out of code entry from that IP…
    const dave = browserFrom(stack, attackerIp);
    await dave.login('dave');
    const page = await dave.get('/_gatehouse/challenge?rd=%2Freports');
    expect(page.status).toBe(429);
    expect(page.body).toMatch(/Try again[^]*?12:/);
    expect((await postCode(dave, totp(stack, keys.dave!))).status).toBe(429);

    // …but not from elsewhere, and neither is alice.
    const daveHome = browserFrom(stack, '192.0.2.10');
    await daveHome.login('dave');
    expect((await postCode(daveHome, totp(stack, keys.dave!))).status).toBe(303);
    stack.clock.advance(30_000);
    const aliceHome = browserFrom(stack, '192.0.2.11');
    await aliceHome.login('alice');
    expect((await postCode(aliceHome, totp(stack, keys.alice!))).status).toBe(303);
  });

  it('should forget failures outside the window', async () => {
    stack = await startStack({ config });
    const a = browserFrom(stack, '198.51.100.1');
    await a.login('alice');
    const { key } = await enrol(stack, a);
    await relogin(a, 'alice');
    expect((await postCode(a, wrongCode(stack, key))).status).toBe(401);
    expect((await postCode(a, wrongCode(stack, key))).status).toBe(401);
    stack.clock.advance(6 * 60_000);
    expect((await postCode(a, wrongCode(stack, key))).status).toBe(401);
    expect((await postCode(a, totp(stack, key))).status).toBe(303);
  });
});

describe('recovery codes', () => {
  it('should let a recovery code in once, refuse it the second time, and audit its use', async () => {
    stack = await startStack();
    const { b, codes } = await enrolledAlice(stack);
    const code = codes[0]!;
    const page = await b.get('/_gatehouse/recovery?rd=%2Ffinance');
    expect(page.status).toBe(200);
    const csrf = inputValue(page.body, 'csrf')!;
    const ok = await b.post('/_gatehouse/recovery', { csrf, rd: '/finance', code });
    expect(ok.status).toBe(303);
    expect(pathOf(ok.location)).toBe('/finance');
    expect(await landing(b, '/finance')).toBe('through');
    expect((await stack.store.getUser('alice'))?.recoveryCodesLeft).toBe(9);
    const used = await stack.store.listAudit({ user: 'alice', type: 'recovery_used', limit: 5 });
    expect(used).toHaveLength(1);
    expect(used[0]!.detail).toMatchObject({ left: 9 });

    await relogin(b, 'alice');
    const page2 = await b.get('/_gatehouse/recovery?rd=%2Ffinance');
    const again = await b.post('/_gatehouse/recovery', { csrf: inputValue(page2.body, 'csrf')!, rd: '/finance', code });
    expect(again.status).toBe(401);
    expect(again.body).toContain('not valid or was already used');
    expect(await landing(b, '/finance')).toBe('/_gatehouse/challenge');
    expect(await stack.store.listAudit({ user: 'alice', type: 'recovery_used', limit: 5 })).toHaveLength(1);
  });

  it('should offer the recovery codes shown after set-up as a text download', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const page = await b.get('/_gatehouse/enrol?rd=%2F');
    const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
    const shown = await b.post('/_gatehouse/enrol', { csrf: inputValue(page.body, 'csrf')!, rd: '/', code: totp(stack, key) });
    const codes = [...shown.body.matchAll(/<input type="hidden" name="codes" value="([^"]+)">/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    const file = await b.post('/_gatehouse/recovery-codes.txt', { csrf: inputValue(shown.body, 'csrf')!, codes });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/plain/);
    expect(file.headers['content-disposition']).toMatch(/attachment; filename="recovery-codes\.txt"/);
    expect(String(file.headers['cache-control'])).toContain('no-store');
    for (const c of codes) expect(file.body).toContain(c);
  });

  it('should accept a recovery code typed with spaces or in upper case', async () => {
    stack = await startStack();
    const { b, codes } = await enrolledAlice(stack);
    const messy = ` ${codes[1]!.toUpperCase()} `;
    const page = await b.get('/_gatehouse/recovery?rd=%2F');
    const res = await b.post('/_gatehouse/recovery', { csrf: inputValue(page.body, 'csrf')!, rd: '/', code: messy });
    expect(res.status).toBe(303);
  });
});
