/**
 * Codes (issue 6): a TOTP code works once (also inside its own 30 s and
 * against a racing request), nothing outside ±1 step works, guessing is
 * stopped by a lockout that holds across client IPs for one user and across
 * users from one IP, a recovery code works once, and odd spellings (spaces,
 * leading zeros, non-ASCII digits, megabytes) are refused without harm.
 * Across replicas the replay guard is test/redis's to prove.
 *
 * Client IPs are varied the way real ones are: the test client is the
 * trusted load balancer and names the client in X-Forwarded-For.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Browser } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { csrfOf, enrolledUser, expectNotForwarded, expectSentTo, forwarded, loggedIn, postCode, PREFIX, raw, SECRET, setCookieValue, totp } from './support.js';

let stack: Stack;
afterEach(async () => stack?.close());

const LB = { network: { trustedProxies: ['127.0.0.1'] } };

/** A code was accepted: 303 with a fresh 2FA session cookie. */
function expectAccepted(res: { status: number; setCookies: string[] }): void {
  expect(res.status).toBe(303);
  expect(setCookieValue(res.setCookies, 'gh_s')).toBeTruthy();
}

/** A code was refused: the page again (401) or the lock (429), no session cookie, and /secret still behind the challenge. */
async function expectRejected(s: Stack, b: Browser, res: { status: number; body: string; setCookies: string[] }, status: number | number[] = 401): Promise<void> {
  expect(Array.isArray(status) ? status : [status]).toContain(res.status);
  expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
  expect(res.body).toMatch(/<h1>/);
  expect(res.body).not.toContain(SECRET);
  const before = forwarded(s);
  const page = await b.get('/secret');
  expectSentTo({ status: page.status, headers: page.headers }, 'challenge');
  expect(forwarded(s)).toBe(before);
}

async function freshLogin(s: Stack, user = 'alice'): Promise<{ b: Browser; csrf: string }> {
  const b = await loggedIn(s, user);
  return { b, csrf: await csrfOf(b) };
}

describe('replay', () => {
  it('should refuse the same code twice within the same 30 s', async () => {
    stack = await startStack();
    const { key } = await enrolledUser(stack, 'alice');
    const code = totp(stack, key);
    const first = await freshLogin(stack);
    expectAccepted(await postCode(first.b, first.csrf, code));
    const second = await freshLogin(stack);
    await expectRejected(stack, second.b, await postCode(second.b, second.csrf, code));
  });

  it('should refuse the same code again in the next time-step (still inside the ±1 window)', async () => {
    stack = await startStack();
    const { key } = await enrolledUser(stack, 'alice');
    const code = totp(stack, key);
    const first = await freshLogin(stack);
    expectAccepted(await postCode(first.b, first.csrf, code));
    stack.clock.advance(30_000);
    const second = await freshLogin(stack);
    await expectRejected(stack, second.b, await postCode(second.b, second.csrf, code));
  });

  it('should refuse an older code once a newer one was accepted', async () => {
    stack = await startStack();
    const { key } = await enrolledUser(stack, 'alice');
    const first = await freshLogin(stack);
    expectAccepted(await postCode(first.b, first.csrf, totp(stack, key, +1)));
    const second = await freshLogin(stack);
    await expectRejected(stack, second.b, await postCode(second.b, second.csrf, totp(stack, key)));
  });

  it('should refuse the second of two racing requests with the same code', async () => {
    stack = await startStack();
    const { key } = await enrolledUser(stack, 'alice');
    const code = totp(stack, key);
    const logins = await Promise.all(Array.from({ length: 8 }, () => freshLogin(stack)));
    const results = await Promise.all(logins.map((l) => postCode(l.b, l.csrf, code)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    // The losers count as wrong codes (a replay is one), so the last may already meet the lock.
    const losers = results.filter((r) => r.status !== 303);
    expect(losers.every((r) => (r.status === 401 || r.status === 429) && setCookieValue(r.setCookies, 'gh_s') === undefined)).toBe(true);
  });
});

describe('the time window', () => {
  it.each<[number]>([[-2], [+2], [-3], [+10]])('should refuse a code from %i steps away', async (offset) => {
    stack = await startStack();
    const { key } = await enrolledUser(stack, 'alice');
    const { b, csrf } = await freshLogin(stack);
    await expectRejected(stack, b, await postCode(b, csrf, totp(stack, key, offset)));
    // Control: the current code still works, so the refusal was about the step.
    expectAccepted(await postCode(b, csrf, totp(stack, key)));
  });
});

describe('brute force', () => {
  it('should refuse a correct code once the user is locked out by wrong codes from many client IPs', async () => {
    stack = await startStack({ config: { ...LB, twoFactor: { lockout: { maxFailures: 5, window: '5m', duration: '15m' } } } });
    const { key } = await enrolledUser(stack, 'alice');
    const { b, csrf } = await freshLogin(stack);
    // A second intranet login, opened before the guessing starts.
    const other = await freshLogin(stack);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const wrong = totp(stack, key) === '000000' ? '111111' : '000000';
      statuses.push((await postCode(b, csrf, wrong, {}, { 'x-forwarded-for': `203.0.113.${10 + i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // The right code, from yet another address and a new intranet login: still locked.
    const res = await postCode(other.b, other.csrf, totp(stack, key), {}, { 'x-forwarded-for': '198.51.100.7' });
    expect(res.status).toBe(429);
    expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
    const before = forwarded(stack);
    const page = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', other.b.cookieHeader()!], ['X-Forwarded-For', '198.51.100.7']] });
    expect([302, 429]).toContain(page.status);
    expectNotForwarded(stack, before, page);
    // The lock ends by itself.
    stack.clock.advance(15 * 60_000 + 1000);
    expectAccepted(await postCode(other.b, other.csrf, totp(stack, key), {}, { 'x-forwarded-for': '198.51.100.7' }));
  });

  it('should refuse a correct code from a client IP locked out by wrong codes for other users', async () => {
    stack = await startStack({ config: { ...LB, twoFactor: { enabledFor: { everyone: true }, lockout: { maxFailures: 3, window: '5m', duration: '15m' } } } });
    const users = ['bob', 'carol', 'dave'];
    const keys: Record<string, string> = {};
    for (const u of [...users, 'alice']) keys[u] = (await enrolledUser(stack, u)).key;
    const ip = '203.0.113.66';
    // One wrong code each: no user reaches the limit, the address does.
    const statuses: number[] = [];
    for (const u of users) {
      const { b, csrf } = await freshLogin(stack, u);
      const wrong = totp(stack, keys[u]!) === '000000' ? '111111' : '000000';
      statuses.push((await postCode(b, csrf, wrong, {}, { 'x-forwarded-for': ip })).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
    const { b, csrf } = await freshLogin(stack, 'alice');
    const res = await postCode(b, csrf, totp(stack, keys.alice!), {}, { 'x-forwarded-for': ip });
    expect(res.status).toBe(429);
    expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
    // Control: the same code from an address that guessed nothing is fine (the lock is the IP's).
    expectAccepted(await postCode(b, csrf, totp(stack, keys.alice!), {}, { 'x-forwarded-for': '198.51.100.1' }));
  });

  it('should refuse to count many codes in one request as more than one guess', async () => {
    stack = await startStack({ config: { twoFactor: { lockout: { maxFailures: 50, window: '5m', duration: '15m' } } } });
    const { key } = await enrolledUser(stack, 'alice');
    const { b, csrf } = await freshLogin(stack);
    const right = totp(stack, key);
    const guesses = Array.from({ length: 200 }, (_, i) => String(i).padStart(6, '0')).filter((c) => c !== right);
    // Form fields repeated, the right code last.
    const form = await b.post(`${PREFIX}/challenge`, { csrf, rd: '/secret', code: [...guesses, right] });
    await expectRejected(stack, b, form);
    // JSON array, the right code last.
    const json = await b.send('POST', `${PREFIX}/challenge`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ csrf, rd: '/secret', code: [...guesses, right] }) });
    expect([400, 401, 403, 415]).toContain(json.status);
    expect(setCookieValue(json.setCookies, 'gh_s')).toBeUndefined();
  });
});

describe('recovery codes', () => {
  it('should refuse a recovery code used twice (in any spelling)', async () => {
    stack = await startStack();
    const { codes } = await enrolledUser(stack, 'alice');
    const code = codes[0]!;
    const first = await freshLogin(stack);
    const csrf1 = await csrfOf(first.b, `${PREFIX}/recovery`);
    const ok = await first.b.post(`${PREFIX}/recovery`, { csrf: csrf1, rd: '/secret', code });
    expectAccepted(ok);
    for (const spelling of [code, code.toUpperCase(), code.replace(/-/g, ''), ` ${code.replace(/-/g, ' ')} `]) {
      const again = await freshLogin(stack);
      const csrf = await csrfOf(again.b, `${PREFIX}/recovery`);
      await expectRejected(stack, again.b, await again.b.post(`${PREFIX}/recovery`, { csrf, rd: '/secret', code: spelling }));
    }
  });
});

describe('odd spellings of a code', () => {
  const LENIENT = { twoFactor: { lockout: { maxFailures: 50, window: '5m', duration: '15m' } } };
  const FULLWIDTH = (s: string) => [...s].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
  const ARABIC_INDIC = (s: string) => [...s].map((d) => String.fromCharCode(0x0660 + Number(d))).join('');
  const DEVANAGARI = (s: string) => [...s].map((d) => String.fromCharCode(0x0966 + Number(d))).join('');

  it.each<[string, (c: string) => string]>([
    ['a seventh digit after a space', (c) => `${c.slice(0, 3)} ${c.slice(3)} 7`],
    ['the code twice, spaced', (c) => `${c} ${c}`],
    ['spaces inside a shortened code', (c) => `${c.slice(0, 2)} ${c.slice(2, 5)}`],
    ['a leading zero added', (c) => `0${c}`],
    ['a plus sign', (c) => `+${c}`],
    ['a decimal point', (c) => `${c}.0`],
    ['exponent notation', (c) => `${c[0]}.${c.slice(1)}e5`],
    ['full-width digits', FULLWIDTH],
    ['Arabic-Indic digits', ARABIC_INDIC],
    ['Devanagari digits', DEVANAGARI],
    ['one full-width digit among ASCII', (c) => FULLWIDTH(c[0]!) + c.slice(1)],
    ['a NUL byte', (c) => `${c}\u0000`],
    ['a zero-width space', (c) => `${c.slice(0, 3)}\u200b${c.slice(3)}`],
    ['60 KB of the code repeated', (c) => c.repeat(10_000)],
  ])('should refuse the right code with %s', async (_label, spell) => {
    stack = await startStack({ config: LENIENT });
    const { key } = await enrolledUser(stack, 'alice');
    const { b, csrf } = await freshLogin(stack);
    const code = totp(stack, key);
    await expectRejected(stack, b, await postCode(b, csrf, spell(code)));
    // Control: the plain code is still accepted, so the refusal was the spelling's.
    expectAccepted(await postCode(b, csrf, code));
  });

  it('should refuse the right code with its leading zero dropped', async () => {
    stack = await startStack({ config: LENIENT });
    const { key } = await enrolledUser(stack, 'alice');
    // Move to a time-step whose code starts with 0 (one in ten do).
    for (let i = 0; i < 200 && !totp(stack, key).startsWith('0'); i++) stack.clock.advance(30_000);
    const code = totp(stack, key);
    expect(code.startsWith('0')).toBe(true);
    const { b, csrf } = await freshLogin(stack);
    await expectRejected(stack, b, await postCode(b, csrf, code.replace(/^0+/, '')));
    await expectRejected(stack, b, await postCode(b, csrf, String(Number(code))));
    expectAccepted(await postCode(b, csrf, code));
  });

  it('should refuse a 1 MB code with 413 and keep serving', async () => {
    stack = await startStack({ config: LENIENT });
    const { key } = await enrolledUser(stack, 'alice');
    const { b, csrf } = await freshLogin(stack);
    const code = totp(stack, key);
    const res = await postCode(b, csrf, code.repeat(175_000));
    expect(res.status).toBe(413);
    expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
    expect(res.body).not.toContain(SECRET);
    expectAccepted(await postCode(b, csrf, code));
  });
});
