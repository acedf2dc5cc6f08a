/**
 * Open redirects through the return path (issue 6; oauth2-proxy
 * CVE-2020-5233 and its follow-ups). Every `rd` below is tried through each
 * flow that ends in a redirect or a "continue" link: the challenge, the
 * enrolment, "skip for now", and the bounce of a visitor who is not logged
 * in. The final Location (or link) must stay on server.publicUrl's origin
 * and outside {prefix}, as a browser would resolve it; a bad `rd` becomes '/'.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser, inputValue } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { csrfOf, enrolledUser, loggedIn, PREFIX, PUBLIC_ORIGIN, raw, totp } from './support.js';

const EVIL: [string][] = [
  ['//evil.example'],
  ['///evil.example'],
  ['/\\evil.example'],
  ['\\\\evil.example'],
  ['/%5Cevil.example'],
  ['/%5cevil.example/'],
  ['/%2F%2Fevil.example'],
  ['/%2f/evil.example'],
  ['https://evil.example'],
  ['http://gatehouse.test@evil.example'],
  ['https:evil.example'],
  ['https:/evil.example'],
  ['/%09/evil.example'],
  ['/\t/evil.example'],
  ['/\n/evil.example'],
  [' //evil.example'],
  ['javascript:alert(1)'],
  ['JaVaScRiPt:alert(1)'],
  ['data:text/html,<script>alert(1)</script>'],
  ['/x\r\nLocation: https://evil.example'],
  ['/x%0d%0aSet-Cookie:%20gh_s=evil'],
  ['/x?%0d%0aX-Injected:%20yes'],
  ['/_gatehouse/challenge'],
  // The console is the one page under the prefix a step-up returns to, and only canonically spelt.
  ['/_gatehouse/Admin'],
  ['/_gatehouse/./admin'],
  ['/_gatehouse/adminx'],
  ['/_GATEHOUSE/enrol'],
  ['/x/../_gatehouse/enrol'],
  ['/_gatehouse'],
  ['/.%2e/evil.example'],
  ['/%2e%2e//evil.example'],
];

/** What a browser would do with this Location: stay on our origin, outside the prefix, with no header injected. */
function expectSafeLocation(location: string | undefined, headers: Record<string, unknown>): void {
  expect(location).toBeTruthy();
  expect(location).not.toMatch(/[\u0000-\u001f\u007f\\]/);
  const u = new URL(location!, PUBLIC_ORIGIN);
  expect(u.origin).toBe(PUBLIC_ORIGIN);
  expect(u.protocol).toBe('http:');
  expect(u.pathname.toLowerCase().startsWith(PREFIX)).toBe(false);
  expect(headers['x-injected']).toBeUndefined();
  for (const c of ([] as unknown[]).concat(headers['set-cookie'] ?? [])) expect(String(c)).not.toMatch(/=evil/);
}

/** Every link and the hidden rd of a page: same origin, outside the prefix unless it is one of our own forms' links. */
function expectSafePage(html: string): void {
  const rd = inputValue(html, 'rd');
  if (rd !== undefined) {
    expect(rd.startsWith('/')).toBe(true);
    expectSafeLocation(rd, {});
  }
  for (const m of html.matchAll(/href="([^"]*)"/g)) {
    const href = m[1]!.replace(/&amp;/g, '&');
    // The enrolment page's "open in your authenticator app" link.
    if (href.startsWith('otpauth://')) continue;
    expect(new URL(href, PUBLIC_ORIGIN).origin, href).toBe(PUBLIC_ORIGIN);
  }
  expect(html).not.toMatch(/evil\.example|javascript:/i);
}

describe('through the challenge', () => {
  let stack: Stack;
  let b: Browser;
  let key: string;
  beforeAll(async () => {
    stack = await startStack();
    ({ b, key } = await enrolledUser(stack, 'alice'));
  });
  afterAll(async () => stack?.close());

  it.each(EVIL)('should refuse rd=%j as the place to go after the code', async (rd) => {
    const page = await b.get(`${PREFIX}/challenge?rd=${encodeURIComponent(rd)}`);
    expect(page.status).toBe(200);
    expectSafePage(page.body);
    const csrf = inputValue(page.body, 'csrf')!;
    const res = await b.post(`${PREFIX}/challenge`, { csrf, rd, code: totp(stack, key) });
    stack.clock.advance(30_000);
    expect(res.status).toBe(303);
    expectSafeLocation(res.location, res.headers);
    // Next attack needs a fresh login (no 2FA session) to meet the challenge again.
    b.jar.delete('gh_s');
  });

  it.each(EVIL.slice(0, 6))('should refuse rd=%j on the recovery-code form', async (rd) => {
    const page = await b.get(`${PREFIX}/recovery?rd=${encodeURIComponent(rd)}`);
    expect(page.status).toBe(200);
    expectSafePage(page.body);
  });
});

describe('through the enrolment', () => {
  let stack: Stack;
  afterEach(async () => stack?.close());

  it.each(EVIL)('should refuse rd=%j as the link after setting up', async (rd) => {
    stack = await startStack();
    const b = await loggedIn(stack, 'alice');
    const page = await b.get(`${PREFIX}/enrol?rd=${encodeURIComponent(rd)}`);
    expect(page.status).toBe(200);
    expectSafePage(page.body);
    const secret = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
    const done = await b.post(`${PREFIX}/enrol`, { csrf: inputValue(page.body, 'csrf')!, rd, code: totp(stack, secret) });
    expect(done.status).toBe(200);
    expectSafePage(done.body);
    // Already enrolled: the "continue" page and a repeated post both point to the safe place.
    stack.clock.advance(30_000);
    const again = await b.get(`${PREFIX}/enrol?rd=${encodeURIComponent(rd)}`);
    expectSafePage(again.body);
    const repost = await b.post(`${PREFIX}/enrol`, { csrf: inputValue(page.body, 'csrf')!, rd, code: totp(stack, secret) });
    expect(repost.status).toBe(303);
    expectSafeLocation(repost.location, repost.headers);
  });
});

describe('through "skip for now"', () => {
  let stack: Stack;
  let b: Browser;
  beforeAll(async () => {
    stack = await startStack({ config: { twoFactor: { enforce: false } } });
    b = await loggedIn(stack, 'alice');
  });
  afterAll(async () => stack?.close());

  it.each(EVIL)('should refuse rd=%j as the place to go after skipping', async (rd) => {
    const csrf = await csrfOf(b, `${PREFIX}/enrol?rd=${encodeURIComponent(rd)}`);
    const res = await b.post(`${PREFIX}/skip`, { csrf, rd });
    expect(res.status).toBe(303);
    expectSafeLocation(res.location, res.headers);
  });
});

describe('bouncing a visitor who is not logged in', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it.each(EVIL)('should refuse rd=%j when sending an anonymous visitor back', async (rd) => {
    for (const page of ['challenge', 'enrol', 'recovery', 'locked']) {
      const res = await raw(stack.url, { target: `${PREFIX}/${page}?rd=${encodeURIComponent(rd)}`, headers: [['Accept', 'text/html']] });
      expect(res.status).toBe(302);
      expectSafeLocation(String(res.headers.location), res.headers);
    }
  });

  it('should refuse a raw CRLF in rd (sent unencoded on the wire)', async () => {
    const res = await raw(stack.url, { target: `${PREFIX}/challenge?rd=/x%0D%0AX-Injected:%20yes`, headers: [['Accept', 'text/html']] });
    expect(res.status).toBe(302);
    expectSafeLocation(String(res.headers.location), res.headers);
  });
});
