/**
 * Issue 3 §8 and DESIGN §2: the admin's settings as a user meets them —
 * remember devices on/off across a new intranet login, enforce on (no skip)
 * and off (skip until the next login, within a grace period that ends by
 * the clock), and trusted IPs (no code, no set-up prompt).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputValue, pathOf } from '../helpers/client.js';
import { browserFor, enrol, totp, verify } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { landing, relogin } from './support.js';

const DAY = 86_400_000;
let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

describe('remember devices', () => {
  it('should not ask again after a new intranet login when the device was remembered', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    const page = await b.get('/_gatehouse/challenge?rd=%2Freports');
    expect(page.body).toContain('Remember this device for 30 days');
    const v = await verify(stack, b, key, { remember: true });
    expect(v.path).toBe('/reports');

    await relogin(b, 'alice');
    expect(await landing(b)).toBe('through');
    // …for 30 days.
    stack.clock.advance(30 * DAY + 1000);
    await relogin(b, 'alice');
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });

  it('should ask again at the next intranet login when remember was not ticked', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    await verify(stack, b, key, { remember: false });
    expect(await landing(b)).toBe('through');
    await relogin(b, 'alice');
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });

  it('should ask at every intranet login when rememberDevices is off, even if the form says remember', async () => {
    stack = await startStack({ config: { twoFactor: { rememberDevices: { enabled: false } } } });
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    const page = await b.get('/_gatehouse/challenge?rd=%2Freports');
    expect(page.body).not.toContain('Remember this device');
    const csrf = inputValue(page.body, 'csrf')!;
    const res = await b.post('/_gatehouse/challenge', { csrf, rd: '/reports', code: totp(stack, key), remember: '1' });
    expect(res.status).toBe(303);
    expect(res.setCookies.some((c) => c.startsWith('gh_d='))).toBe(false);
    stack.clock.advance(30_000);
    expect(await landing(b)).toBe('through');
    await relogin(b, 'alice');
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });
});

describe('enforce on', () => {
  it('should require set-up with no way to skip', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    expect(page.body).toContain('Set-up is required to continue.');
    expect(page.body).not.toContain('/_gatehouse/skip');
    // Posting the skip form anyway is refused: back to set-up, nothing recorded.
    const csrf = inputValue(page.body, 'csrf')!;
    const skip = await b.post('/_gatehouse/skip', { csrf, rd: '/reports' });
    expect(skip.status).toBe(303);
    expect(pathOf(skip.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(skip.setCookies.some((c) => c.startsWith('gh_k='))).toBe(false);
    expect((await stack.store.getUser('alice'))?.skippedAt).toBeNull();
    expect(await landing(b)).toBe('/_gatehouse/enrol');
  });
});

describe('enforce off with a grace period', () => {
  const config = { twoFactor: { enforce: false, skip: { gracePeriod: '14d' } } };

  it('should offer "Skip for now" with its deadline, and let the user in until the next intranet login', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    // First prompt at 2026-12-04 12:00 UTC + 14 days.
    expect(page.body).toContain('You can skip set-up until December 18, 2026.');
    const csrf = inputValue(page.body, 'csrf')!;
    const skip = await b.post('/_gatehouse/skip', { csrf, rd: '/reports' });
    expect(skip.status).toBe(303);
    expect(pathOf(skip.location)).toBe('/reports');
    expect(await landing(b)).toBe('through');
    expect(await landing(b, '/finance')).toBe('through');
    const audit = await stack.store.listAudit({ user: 'alice', type: 'skipped', limit: 10 });
    expect(audit).toHaveLength(1);

    // The skip lasts until the next intranet login.
    await relogin(b, 'alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    // The deadline counts from the first prompt, not from this one.
    stack.clock.advance(DAY);
    expect((await b.get('/_gatehouse/enrol?rd=%2F')).body).toContain('You can skip set-up until December 18, 2026.');
  });

  it('should stop offering the skip once the grace period is over, and refuse a skip posted anyway', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    const first = await b.get('/_gatehouse/enrol?rd=%2Freports');
    const csrf = inputValue(first.body, 'csrf')!;
    await b.post('/_gatehouse/skip', { csrf, rd: '/reports' });
    expect(await landing(b)).toBe('through');

    stack.clock.advance(14 * DAY + 1000);
    // Even the skip cookie of this very login stops counting.
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    expect(page.body).not.toContain('/_gatehouse/skip');
    expect(page.body).toContain('The time to set up two-factor ended on December 18, 2026');
    const refused = await b.post('/_gatehouse/skip', { csrf: inputValue(page.body, 'csrf')!, rd: '/reports' });
    expect(pathOf(refused.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(refused.setCookies.some((c) => c.startsWith('gh_k='))).toBe(false);
    expect(await landing(b)).toBe('/_gatehouse/enrol');
  });

  it('should offer the skip for ever when no grace period is set', async () => {
    stack = await startStack({ config: { twoFactor: { enforce: false, skip: { gracePeriod: null } } } });
    const b = browserFor(stack);
    await b.login('alice');
    stack.clock.advance(400 * DAY);
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    expect(page.body).toContain('/_gatehouse/skip');
    await b.post('/_gatehouse/skip', { csrf: inputValue(page.body, 'csrf')!, rd: '/reports' });
    expect(await landing(b)).toBe('through');
  });
});

describe('trusted IPs', () => {
  it('should neither challenge an enrolled user nor prompt a new one from a trusted IP', async () => {
    stack = await startStack({ config: { twoFactor: { trustedIps: ['127.0.0.1/32'] } } });
    const alice = browserFor(stack);
    await alice.login('alice');
    expect(await landing(alice)).toBe('through');
    // Voluntary enrolment stays reachable, and once enrolled she is still not asked from here.
    await enrol(stack, alice);
    await relogin(alice, 'alice');
    expect(await landing(alice)).toBe('through');

    const admin = browserFor(stack);
    await admin.login('admin');
    expect(await landing(admin)).toBe('through');
    const res = await admin.send('POST', '/upload', { body: 'x', headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
  });

  it('should ask as usual when the client is not on a trusted network', async () => {
    stack = await startStack({ config: { twoFactor: { trustedIps: ['10.0.0.0/8', '::1/128'] } } });
    const b = browserFor(stack);
    await b.login('alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
  });
});

describe('enrolment only from trusted IPs', () => {
  const config = { twoFactor: { trustedIps: ['10.0.0.0/8'], enrolment: { allowFrom: 'trustedIps' } } };

  it('should refuse set-up from elsewhere (403, nothing forwarded) but still challenge an enrolled user there', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    const before = stack.intranet.stats.requests - stack.intranet.stats.meRequests;
    const nav = await b.get('/reports');
    expect(nav.status).toBe(403);
    expect(nav.headers['content-type']).toMatch(/^text\/html/);
    const api = await b.send('GET', '/reports', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body).error).toBe('GH_ERR_FORBIDDEN');
    expect((await b.get('/_gatehouse/enrol?rd=%2F')).status).toBe(403);
    expect(stack.intranet.stats.requests - stack.intranet.stats.meRequests).toBe(before);

    // Enrolled (e.g. at the office, here straight in the store): challenged, not refused.
    await stack.store.enrol('alice', { sealedSecret: stack.gh.services.sealer.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'), at: stack.clock.t, timeStep: 0, recoveryHashes: [] });
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });
});
