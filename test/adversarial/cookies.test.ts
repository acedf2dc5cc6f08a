/**
 * Cookie attacks (issue 6): Gatehouse's 2FA-session (gh_s), remembered-device
 * (gh_d) and pending-enrolment (gh_e) cookies are HMAC-signed and bound to the
 * user, the reset generation and the intranet login they were issued for. A
 * tampered, truncated, foreign-key, expired, borrowed, stale or planted cookie
 * must buy nothing: the protected page stays behind the challenge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCookieJar } from '../../src/session/index.js';
import { Browser, inputValue } from '../helpers/client.js';
import { enrol, verify } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { credentialHash, expectNotForwarded, expectSentTo, forwarded, loggedIn, PREFIX, raw, SECRET, setCookieValue, totp } from './support.js';

const CONFIGURED_KEY = 'test-cookie-key-0123456789abcdef';
const RETIRED_KEY = 'retired-cookie-key-fedcba9876543210';

let stack: Stack;
afterEach(async () => stack?.close());

/** alice enrolled and verified in this login (gh_s), optionally with a remembered device (gh_d). */
async function verifiedAlice(s: Stack, remember = false): Promise<{ b: Browser; key: string }> {
  const b = await loggedIn(s, 'alice');
  const { key } = await enrol(s, b);
  if (remember) {
    const v = await verify(s, b, key, { remember: true });
    expect(v.res.status).toBe(303);
    expect(b.jar.get('gh_d')).toBeTruthy();
  }
  expect(b.jar.get('gh_s')).toBeTruthy();
  return { b, key };
}

/** GET /secret with exactly this Cookie header. */
function secret(s: Stack, cookie: string) {
  return raw(s.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', cookie]] });
}

async function expectRefused(s: Stack, cookie: string, page: 'challenge' | 'enrol' = 'challenge'): Promise<void> {
  const before = forwarded(s);
  const res = await secret(s, cookie);
  expectSentTo(res, page);
  expectNotForwarded(s, before, res);
}

async function expectServed(s: Stack, cookie: string): Promise<void> {
  const res = await secret(s, cookie);
  expect(res.status).toBe(200);
  expect(res.body).toContain(SECRET);
}

function split(v: string): { payload: string; sig: string } {
  const dot = v.lastIndexOf('.');
  return { payload: v.slice(0, dot), sig: v.slice(dot + 1) };
}

describe('forged and damaged cookies', () => {
  it('should refuse a tampered 2FA cookie (payload rebound to a new login, signature kept)', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const old = b.jar.get('gh_s')!;
    const fresh = await loggedIn(stack, 'alice');
    const sid = fresh.jar.get('sid')!;
    const { payload, sig } = split(old);
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    claim.c = credentialHash(sid);
    const forged = Buffer.from(JSON.stringify(claim)).toString('base64url') + '.' + sig;
    await expectRefused(stack, `sid=${sid}; gh_s=${forged}`);
  });

  it('should refuse a 2FA cookie with an altered signature', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const sid = b.jar.get('sid')!;
    const good = b.jar.get('gh_s')!;
    await expectServed(stack, `sid=${sid}; gh_s=${good}`);
    const { payload, sig } = split(good);
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    await expectRefused(stack, `sid=${sid}; gh_s=${payload}.${flipped}`);
    await expectRefused(stack, `sid=${sid}; gh_s=${payload}.${sig.toUpperCase()}`);
  });

  it('should refuse a truncated 2FA cookie', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const sid = b.jar.get('sid')!;
    const good = b.jar.get('gh_s')!;
    const { payload } = split(good);
    for (const cut of [good.slice(0, -1), good.slice(0, -10), `${payload}.`, payload, good.slice(0, good.length / 2), '.', '']) {
      await expectRefused(stack, `sid=${sid}; gh_s=${cut}`);
    }
  });

  it('should refuse a 2FA cookie signed with a key that is no longer configured', async () => {
    stack = await startStack();
    const b = await loggedIn(stack, 'alice');
    await enrol(stack, b);
    const sid = (await loggedIn(stack, 'alice')).jar.get('sid')!;
    const state = (await stack.store.getUser('alice'))!;
    const claim = { user: 'alice', generation: state.generation, credential: credentialHash(sid), verifiedAt: stack.clock.t, activeAt: stack.clock.t };
    // Control: the same claim under the configured key is a valid session…
    const ours = createCookieJar({ keys: [CONFIGURED_KEY], secure: false });
    await expectServed(stack, `sid=${sid}; gh_s=${ours.signSession(claim)}`);
    // …under a retired key it is nothing, and so is a remembered device.
    const retired = createCookieJar({ keys: [RETIRED_KEY], secure: false });
    const sid2 = (await loggedIn(stack, 'alice')).jar.get('sid')!;
    const device = retired.signDevice({ user: 'alice', generation: state.generation, expiresAt: stack.clock.t + 86_400_000 });
    await expectRefused(stack, `sid=${sid2}; gh_s=${retired.signSession({ ...claim, credential: credentialHash(sid2) })}; gh_d=${device}`);
  });

  it('should refuse a remembered-device or enrolment cookie presented as the 2FA session cookie', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack, true);
    const device = b.jar.get('gh_d')!;
    const sid = (await loggedIn(stack, 'alice')).jar.get('sid')!;
    // Genuinely signed, but of another kind: a payload valid as one kind is never read as another.
    const jar = createCookieJar({ keys: [CONFIGURED_KEY], secure: false });
    const enrolCookie = jar.signEnrol({ user: 'alice', credential: credentialHash(sid), sealedSecret: 'x', createdAt: stack.clock.t });
    const skipCookie = jar.signSkip({ user: 'alice', credential: credentialHash(sid), at: stack.clock.t });
    for (const value of [device, enrolCookie, skipCookie]) await expectRefused(stack, `sid=${sid}; gh_s=${value}`);
    await expectRefused(stack, `sid=${sid}; gh_d=${enrolCookie}`);
  });
});

describe('expired cookies (the clock moved, nobody slept)', () => {
  it('should refuse a 2FA cookie past session.maxAge even with steady activity', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    // Active every 1h50m (inside the 2h idle timeout): the session is refreshed, but never beyond 12h.
    let served = 0;
    for (let h = 0; h < 6; h++) {
      stack.clock.advance(110 * 60_000);
      const r = await b.get('/reports');
      if (r.status === 200) served++;
    }
    expect(served).toBe(6); // 11 h in: still fine
    stack.clock.advance(110 * 60_000); // 12 h 50 min after the code
    await expectRefused(stack, b.cookieHeader()!);
  });

  it('should refuse a 2FA cookie idle past session.idleTimeout', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    await expectServed(stack, b.cookieHeader()!);
    stack.clock.advance(2 * 3600_000 + 1000);
    await expectRefused(stack, b.cookieHeader()!);
  });

  it('should refuse a remembered device after rememberDevices.days', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack, true);
    const device = b.jar.get('gh_d')!;
    const next = await loggedIn(stack, 'alice');
    await expectServed(stack, `sid=${next.jar.get('sid')!}; gh_d=${device}`);
    stack.clock.advance(30 * 86_400_000 + 1000);
    const later = await loggedIn(stack, 'alice');
    await expectRefused(stack, `sid=${later.jar.get('sid')!}; gh_d=${device}`);
  });
});

describe('cookies of another user or another login', () => {
  it('should refuse alice’s 2FA cookie with bob’s intranet session', async () => {
    stack = await startStack({ config: { twoFactor: { enabledFor: { users: ['alice', 'bob', 'admin'] } } } });
    const { b: alice } = await verifiedAlice(stack, true);
    await enrol(stack, await loggedIn(stack, 'bob'));
    const bobSid = (await loggedIn(stack, 'bob')).jar.get('sid')!;
    await expectRefused(stack, `sid=${bobSid}; gh_s=${alice.jar.get('gh_s')!}`);
  });

  it('should refuse alice’s remembered-device cookie with bob’s intranet session', async () => {
    stack = await startStack({ config: { twoFactor: { enabledFor: { users: ['alice', 'bob', 'admin'] } } } });
    const { b: alice } = await verifiedAlice(stack, true);
    await enrol(stack, await loggedIn(stack, 'bob'));
    const bobSid = (await loggedIn(stack, 'bob')).jar.get('sid')!;
    await expectRefused(stack, `sid=${bobSid}; gh_d=${alice.jar.get('gh_d')!}`);
    await expectRefused(stack, `sid=${bobSid}; gh_s=${alice.jar.get('gh_s')!}; gh_d=${alice.jar.get('gh_d')!}`);
  });

  it('should refuse a 2FA cookie from a previous intranet login', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const old = b.jar.get('gh_s')!;
    await expectServed(stack, b.cookieHeader()!);
    await b.get('/logout');
    await b.login('alice');
    await expectRefused(stack, `sid=${b.jar.get('sid')!}; gh_s=${old}`);
  });

  it.each<[string, (oldSid: string, newSid: string) => string]>([
    ['a space before "=" (sid =NEW; sid=OLD)', (o, n) => `sid =${n}; sid=${o}`],
    ['a look-alike inside another cookie (x=y sid=OLD; sid=NEW)', (o, n) => `x=y sid=${o}; sid=${n}`],
    ['a quoted look-alike (x="a sid=OLD"; sid=NEW)', (o, n) => `x="a sid=${o}"; sid=${n}`],
  ])('should refuse a previous login’s 2FA cookie smuggled in with %s', async (_label, cookieFor) => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const oldSid = b.jar.get('sid')!;
    const oldSession = b.jar.get('gh_s')!;
    await b.get('/logout');
    const fresh = await loggedIn(stack, 'alice');
    const newSid = fresh.jar.get('sid')!;
    // The intranet reads the first `sid` it can parse (the new login); Gatehouse must bind to that same value.
    await expectRefused(stack, `${cookieFor(oldSid, newSid)}; gh_s=${oldSession}`);
  });

  it('should refuse a previous login’s 2FA cookie replayed with its dead session cookie and a new HTTP Basic login', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack);
    const oldSid = b.jar.get('sid')!;
    const oldSession = b.jar.get('gh_s')!;
    await b.get('/logout'); // the old sid is dead at the intranet
    // The intranet also accepts HTTP Basic; the thief has the password, not the phone.
    const basic = `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`;
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', `sid=${oldSid}; gh_s=${oldSession}`], ['Authorization', basic]] });
    expect(res.body).not.toContain(SECRET);
    expectSentTo(res, 'challenge');
    expectNotForwarded(stack, before, res);
  });

  it('should refuse a remembered device after the user was reset', async () => {
    stack = await startStack();
    const { b } = await verifiedAlice(stack, true);
    const device = b.jar.get('gh_d')!;
    await stack.store.resetUser('alice');
    // Reset: set up again, not let in on the old device…
    const next = await loggedIn(stack, 'alice');
    await expectRefused(stack, `sid=${next.jar.get('sid')!}; gh_d=${device}; gh_s=${b.jar.get('gh_s')!}`, 'enrol');
    // …and after setting up again, the old device still counts for nothing.
    await enrol(stack, next);
    const later = await loggedIn(stack, 'alice');
    await expectRefused(stack, `sid=${later.jar.get('sid')!}; gh_d=${device}`);
  });
});

describe('planted cookies (fixation)', () => {
  it('should replace a planted 2FA cookie after verification', async () => {
    stack = await startStack({ config: { twoFactor: { enabledFor: { users: ['alice', 'bob', 'admin'] } } } });
    // The attacker's own valid session cookie, planted in alice's browser before she logs in.
    const { b: mallory } = await (async () => {
      const m = await loggedIn(stack, 'bob');
      await enrol(stack, m);
      return { b: m };
    })();
    const planted = mallory.jar.get('gh_s')!;
    const a = await loggedIn(stack, 'alice');
    const { key } = await enrol(stack, await loggedIn(stack, 'alice'));
    a.jar.set('gh_s', planted);
    await expectRefused(stack, a.cookieHeader()!);
    const v = await verify(stack, a, key);
    expect(v.res.status).toBe(303);
    const issued = setCookieValue(v.res.setCookies, 'gh_s');
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(planted);
    await expectServed(stack, a.cookieHeader()!);
    // The planted value is still only bob's, and still useless for alice.
    await expectRefused(stack, `sid=${a.jar.get('sid')!}; gh_s=${planted}`);
  });

  it('should refuse a planted pending-enrolment cookie from another login (the attacker’s secret)', async () => {
    stack = await startStack({ config: { twoFactor: { enabledFor: { users: ['alice', 'bob', 'admin'] } } } });
    // Mallory (bob) starts an enrolment and keeps the secret he was shown.
    const m = await loggedIn(stack, 'bob');
    const mpage = await m.get(`${PREFIX}/enrol`);
    const malloryKey = inputValue(mpage.body, 'manual-key')!.replace(/\s+/g, '');
    const plantedPending = m.jar.get('gh_e')!;
    // Alice meets enrolment with Mallory's pending cookie planted in her browser.
    const a = await loggedIn(stack, 'alice');
    a.jar.set('gh_e', plantedPending);
    const page = await a.get(`${PREFIX}/enrol`);
    expect(page.status).toBe(200);
    expect(inputValue(page.body, 'manual-key')!.replace(/\s+/g, '')).not.toBe(malloryKey);
    expect(setCookieValue(page.setCookies, 'gh_e')).not.toBe(plantedPending);
    // Even if she answered with a code from Mallory's secret, it is not his secret that gets stored.
    a.jar.set('gh_e', plantedPending);
    const res = await a.post(`${PREFIX}/enrol`, { csrf: inputValue(page.body, 'csrf')!, rd: '/secret', code: totp(stack, malloryKey) });
    expect(res.status).not.toBe(200);
    expect((await stack.store.getUser('alice'))?.sealedSecret ?? null).toBeNull();
  });
});
